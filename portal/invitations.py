"""The link an invited contact or staff member follows to choose their password.

It opens allauth's set-a-new-password page, like a reset link, but with its own token:
a reset link lives PASSWORD_RESET_TIMEOUT (hours), an invitation PORTAL_INVITATION_TIMEOUT
(days). Either stops working once a password is set.
"""

from allauth.account.forms import EmailAwarePasswordResetTokenGenerator, UserTokenForm
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

from portal.models import User


class InvitationTokenGenerator(EmailAwarePasswordResetTokenGenerator):
    key_salt = "portal.invitations.InvitationTokenGenerator"

    def check_token(self, user, token) -> bool:
        if not (user and token) or token.count("-") != 1:
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - timestamp > settings.PORTAL_INVITATION_TIMEOUT:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_token_generator = InvitationTokenGenerator()


class _ResetOrInvitation:
    """A key from a reset e-mail, or else from an invitation."""

    def __init__(self, reset) -> None:
        self.reset = reset

    def check_token(self, user, token) -> bool:
        return self.reset.check_token(user, token) or invitation_token_generator.check_token(
            user, token
        )


class ResetOrInvitationTokenForm(UserTokenForm):
    """allauth's key check on the set-a-new-password page (ACCOUNT_FORMS["user_token"])."""

    token_generator = _ResetOrInvitation(UserTokenForm.token_generator)


def invitation_url(user: User) -> str:
    """A one-time link where the invited person sets their password."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": invitation_token_generator.make_token(user),
        },
    )
    return settings.PORTAL_BASE_URL.rstrip("/") + path
