"""API tokens: made with a name and an expiry, kept only as a hash, revoked by their owner
(or their organisation's customer admin, or a provider admin), ended by a password change;
and the API's `Token` authentication."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from portal.models import ApiToken, MemberRole, User

PREFIX_LENGTH = 8
# last_used_at is written at most this often per token: not a write on every call.
LAST_USED_GRANULARITY = datetime.timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the user, and its key (shown this once: only its hash is kept)."""
    key = secrets.token_urlsafe(32)
    lifetime = datetime.timedelta(days=days or settings.PORTAL_API_TOKEN_DAYS)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:PREFIX_LENGTH],
        key_hash=_digest(key),
        expires_at=timezone.now() + lifetime,
    )
    return token, key


def token_revoke(*, token: ApiToken) -> None:
    """The token stops working at once (auditlog records who revoked it)."""
    token.delete()


def tokens_of(user: User):
    """The user's live tokens, newest first."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by("-id")


def live_tokens(lookup: str = "api_tokens") -> Prefetch:
    """Each person's live tokens, newest first, as `live_tokens` on the person (one query
    for a page of people): `lookup` leads from the listed rows to their tokens."""
    live = ApiToken.objects.filter(expires_at__gt=timezone.now()).order_by("-id")
    return Prefetch(lookup, queryset=live, to_attr="live_tokens")


def tokens_revocable_by(user: User):
    """The tokens the user may revoke: their own; a customer admin's, their organisation's
    contacts' too (never staff's: staff belong to no organisation); every one for a
    provider admin."""
    if user.is_provider_admin:
        return ApiToken.objects.all()
    mine = Q(user=user)
    membership = getattr(user, "membership", None)
    if membership is not None and membership.role == MemberRole.ADMIN:
        mine |= Q(user__membership__organization_id=membership.organization_id)
    return ApiToken.objects.filter(mine)


def token_user(key: str) -> User | None:
    """The active owner of a live token with this key (and its last use noted), or None."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_digest(key), expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_GRANULARITY)
        ).update(last_used_at=now)
    return token.user


# Where a request keeps its token's outcome (on Django's HttpRequest, which every DRF
# Request made of it shares): the header it came from and the user, or the refusal.
OUTCOME_ATTRIBUTE = "_portal_token_outcome"


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` against the hashed tokens: an unknown, revoked or
    expired key, or a deactivated owner's, is a 401.

    A request's token is looked up once: the tenancy middleware authenticates it before
    the view (portal.tenancy.customer_scope) and the view's DRF Request again; the second
    reads the outcome the first left on the HttpRequest."""

    def authenticate(self, request):
        http_request = getattr(request, "_request", request)
        header = authentication.get_authorization_header(request)
        kept = getattr(http_request, OUTCOME_ATTRIBUTE, None)
        if kept is not None and kept[0] == header:
            outcome = kept[1]
        else:
            try:
                outcome = super().authenticate(request)
            except exceptions.AuthenticationFailed as exc:
                outcome = exc
            setattr(http_request, OUTCOME_ATTRIBUTE, (header, outcome))
        if isinstance(outcome, exceptions.AuthenticationFailed):
            raise exceptions.AuthenticationFailed(outcome.detail)
        return outcome

    def authenticate_credentials(self, key):
        user = token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        return user, None
