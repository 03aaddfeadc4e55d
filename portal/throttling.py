"""API throttles: per user when signed in, per client address when not, strict on logging in.

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (USER_THROTTLE_RATE,
ANON_THROTTLE_RATE, LOGIN_THROTTLE_RATE) and are read on every request, so a changed
setting (a test's override) takes effect at once. The client address is DRF's, with
NUM_PROXIES from PORTAL_PROXY_COUNT: a forged X-Forwarded-For does not change it.
An exceeded rate answers 429 with Retry-After.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


class _CurrentRates:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserThrottle(_CurrentRates, throttling.UserRateThrottle):
    """Signed-in callers, per user (generous: integrations poll)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


class AnonymousThrottle(_CurrentRates, throttling.AnonRateThrottle):
    """Callers without credentials, per client address."""

    scope = "anon"


class LoginThrottle(_CurrentRates, throttling.SimpleRateThrottle):
    """Authentication endpoints, per client address whoever is named."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
