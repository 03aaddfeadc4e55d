"""PostgreSQL row-level security: the database's own wall between tenants.

The tenant tables (incidents migration 0008) have policies for one role,
`settings.PORTAL_RLS_ROLE`: it sees and writes only the rows of the organisation in the
transaction's `app.organization_id`. A customer's request (a page or the API, by session or
token) runs in one transaction that switches to that role and sets the organisation
(`SET LOCAL`, so nothing outlives the transaction on a pooled connection). Everyone else
(provider staff, the Django admin, Celery workers, management commands, anonymous pages)
keeps the connecting role: the tables' owner or a superuser, which row-level security
does not restrict. So a customer query that forgot its organisation filter still finds
only the customer's rows. SQLite has no row-level security: there this does nothing.
"""

import contextlib
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from portal.models import User

ORGANIZATION_SETTING = "app.organization_id"


def rls_active() -> bool:
    return connection.vendor == "postgresql" and bool(settings.PORTAL_RLS_ROLE)


def _enter(organization_id: int | None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true), set_config('role', %s, true)",
            [ORGANIZATION_SETTING, str(organization_id or ""), settings.PORTAL_RLS_ROLE],
        )


def _leave() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config(%s, '', true), set_config('role', 'none', true)",
                [ORGANIZATION_SETTING],
            )
    except DatabaseError:
        # The transaction failed: rolling it back ends the setting and the role with it.
        transaction.set_rollback(True)


@contextlib.contextmanager
def tenant_scope(organization_id: int | None) -> Iterator[None]:
    """Run the block in one transaction as a customer of `organization_id` (None: a
    customer of no organisation, who finds no tenant rows)."""
    if not rls_active():
        yield
        return
    if connection.in_atomic_block:
        # Inside a transaction already (a test's): SET LOCAL would outlive the block.
        _enter(organization_id)
        try:
            yield
        finally:
            _leave()
        return
    with transaction.atomic():
        _enter(organization_id)
        yield


def _token_user(request) -> User | None:
    """The caller of a request that authenticates by header (an API token), found with the
    API's own authentication classes, in their order, before the view runs. None when no
    class recognises the header; APIException when one refuses it."""
    drf_request = Request(request)
    for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        if issubclass(authentication, SessionAuthentication):
            continue  # the session's user is request.user already
        found = authentication().authenticate(drf_request)
        if found is not None:
            return found[0]
    return None


def customer_scope(request) -> tuple[bool, int | None]:
    """Whether the request is a customer's, and their organisation. As in the API, a
    header's credentials come before the session's; a header the API refuses counts as a
    customer's request, so it finds no tenant rows rather than all of them."""
    user = request.user
    if "authorization" in request.headers:
        try:
            user = _token_user(request) or user
        except APIException:
            return True, None
    if not user.is_authenticated or user.is_provider_staff:
        return False, None
    membership = getattr(user, "membership", None)
    return True, membership.organization_id if membership else None


class TenantScopeMiddleware:
    """Customer requests run inside `tenant_scope` of their organisation."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not rls_active():
            return self.get_response(request)
        is_customer, organization_id = customer_scope(request)
        if not is_customer:
            return self.get_response(request)
        with tenant_scope(organization_id):
            return self.get_response(request)
