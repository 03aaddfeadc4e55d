"""The link an invited contact or staff member follows to choose their password."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.urls import reverse

from portal.models import User


def invitation_url(user: User) -> str:
    """A one-time link where the invited person sets their password (allauth's reset flow)."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return settings.PORTAL_BASE_URL.rstrip("/") + path
