"""The second factor (allauth.mfa: TOTP and recovery codes): who must have one, whether this
session has done it, and the gates that hold back pages and session API calls until then.

Provider staff need it while PORTAL_STAFF_MFA_REQUIRED is on; a customer organisation's admin
may require it of its members (Organization.require_mfa); anyone may turn it on. A session
counts as done when allauth recorded an "mfa" authentication in it (at login, reauthentication,
or, here, on setting up an authenticator app).
"""

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import BaseAuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.conf import settings
from django.dispatch import receiver
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, exceptions, status

from portal.errors import RuleCode
from portal.models import Organization, User

# Where someone held back by the second factor may still go: setting it up, using it, and out.
MFA_PAGES = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "account_login",
    "account_logout",
    "account_reauthenticate",
}


def mfa_enabled(user: User) -> bool:
    """Whether the user has an authenticator app set up."""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def mfa_required(user: User) -> bool:
    """Whether the user must use a second factor: staff (the setting), or a member of an
    organisation that requires it."""
    if user.is_provider_staff:
        return settings.PORTAL_STAFF_MFA_REQUIRED
    return Organization.objects.filter(memberships__user=user, require_mfa=True).exists()


def mfa_done(request, user: User) -> bool:
    """Whether this session recorded a second-factor authentication of the user."""
    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records)


def mfa_pending(request, user: User) -> bool:
    """The user is signed in here but owes a second factor before anything else."""
    return not mfa_done(request, user) and mfa_required(user)


def mfa_code_valid(*, user: User, code: str) -> bool:
    """Whether the code is the user's current TOTP code or an unused recovery code (which it
    then uses up). Failed tries count towards allauth's rate limit."""
    form = BaseAuthenticateForm(user=user, data={"code": code})
    if not form.is_valid():
        return False
    form.authenticator.record_usage()
    return True


class MfaRequired(exceptions.PermissionDenied):
    """403 {"code": "mfa_required", "detail": ...}."""

    status_code = status.HTTP_403_FORBIDDEN

    def __init__(self, detail=None):
        detail = detail or _("Complete the second factor (an authenticator app code) first.")
        super().__init__(detail)
        self.detail = {"code": RuleCode.MFA_REQUIRED.value, "detail": self.detail}


class MfaSessionAuthentication(authentication.SessionAuthentication):
    """The browser session, refused with 403 mfa_required while a second factor is owed."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and mfa_pending(request._request, result[0]):
            raise MfaRequired()
        return result


class MfaSessionScheme(SessionScheme):
    """The schema's cookie scheme, for the session authentication above."""

    target_class = "portal.mfa.MfaSessionAuthentication"


class MfaRequiredMiddleware:
    """Pages: someone who owes a second factor is sent to use it (or to set it up first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or hasattr(view_func, "cls"):
            return None  # the API's views check the session themselves (above)
        match = request.resolver_match
        if match is not None and match.url_name in MFA_PAGES:
            return None
        if not mfa_pending(request, user):
            return None
        target = "mfa_reauthenticate" if mfa_enabled(user) else "mfa_activate_totp"
        response = redirect(target)
        response["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return response


@receiver(authenticator_added)
def _setting_up_counts_as_done(sender, request, user, authenticator, **kwargs):
    """Setting up an authenticator app proves a code: the session has done its second factor."""
    if request is not None and authenticator.type == Authenticator.Type.TOTP:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)


class PortalMfaAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Nobody removes the one second factor they are required to have."""
        if authenticator.type == Authenticator.Type.TOTP and mfa_required(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
