"""Signing in with the second factor done, for tests: force_login as the suite always did,
and the session records an authenticator-app authentication as allauth's own login would."""

import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.test import Client

from portal.models import User

# allauth keeps whose records they are beside them (allauth.account.internal.flows.login).
RECORDS_USER_KEY = "account_authentication_methods_user"


def record_mfa(client: Client, user: User) -> None:
    session = client.session
    record = {"method": "mfa", "at": time.time(), "type": Authenticator.Type.TOTP}
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [record]
    session[RECORDS_USER_KEY] = str(user.pk)
    session.save()


class MfaClient(Client):
    """The suite's `client`: a forced login has its second factor done too."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        record_mfa(self, user)


def give_totp(user: User) -> str:
    """Set up an authenticator app for the user; its secret, to make codes with."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The authenticator app's code for now: one that stays valid for a few seconds more
    (a code made just before its period turns would be stale by the time a browser sends it,
    and the portal accepts only the current period's code)."""
    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 5:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))
