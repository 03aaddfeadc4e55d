"""The caller's real address, one rule for the lockout, throttles, rate limits and audit.

Imports nothing that needs the app registry, so modules loaded before Django is set up
(manage.py's audit origin) can use it.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or the entry PORTAL_PROXY_COUNT trusted proxies
    appended to X-Forwarded-For (DRF's NUM_PROXIES rule, so throttles agree). Whatever the
    caller wrote into the header before the proxies is never used."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    count = settings.PORTAL_PROXY_COUNT
    if count == 0 or not forwarded:
        return remote_addr
    addresses = [part.strip() for part in forwarded.split(",")]
    return addresses[-min(count, len(addresses))] or remote_addr
