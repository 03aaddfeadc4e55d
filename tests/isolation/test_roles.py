"""Anonymous callers and the provider's own roles, on every route."""

import pytest
from django.urls import reverse

from tests.isolation.conftest import (
    METHODS,
    NOT_TENANT_KWARGS,
    SKIP_NAMESPACES,
    assert_none_of,
    content_of,
    own_url,
    walk,
)

pytestmark = pytest.mark.django_db


# -- anonymous callers and the provider's own roles ---------------------------------------


def all_routes():
    """Every named route outside the admin, with or without path arguments."""
    found = []
    for namespace, pattern, path in walk():
        if namespace.rstrip(":") in SKIP_NAMESPACES or not pattern.name:
            continue
        kwargs = set(pattern.pattern.regex.groupindex) | set(
            getattr(pattern.pattern, "converters", {})
        )
        if kwargs & NOT_TENANT_KWARGS - {"format"}:
            continue  # allauth's one-time-key pages: public by design, keyed by a secret
        found.append((namespace + pattern.name, frozenset(kwargs), path))
    return found


# Pages anyone may open: signing in and its helpers, the API's schema and docs, the token
# endpoint (which answers 400/401 without valid credentials).
PUBLIC = {
    "account_login",
    "account_logout",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_inactive",
    "api_schema",
    "api_docs",
    "api_token",
}


ALL_ROUTES = all_routes()


@pytest.mark.parametrize(
    ("route_name", "kwargs", "path"), ALL_ROUTES, ids=[r[2] for r in ALL_ROUTES]
)
def test_anonymous_callers_get_nothing(client, world, route_name, kwargs, path):
    short = route_name.split(":")[-1]
    if short in PUBLIC or short.startswith("account_"):
        return
    url = own_url(route_name, kwargs, world) if kwargs else reverse(route_name)
    for method in METHODS:
        response = getattr(client, method)(url, content_type="application/json")
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"], f"{method} {url}"
        else:
            assert response.status_code in (401, 403, 405), (
                f"{method.upper()} {url} anonymous: {response.status_code}"
            )
        assert b"Secret details" not in response.content
        assert b"Ours Ltd" not in response.content
        for secret in world["secrets"].values():
            assert_none_of(secret, content_of(response), f"{method.upper()} {url} anonymous")


@pytest.mark.parametrize(
    "url", ["/operations/sla/", "/operations/outbox/", "/operations/outbox/retry/"]
)
def test_operations_pages_answer_provider_admins_only(client, staff, ours, url):
    for user in [ours.admin, ours.member, *(u for r, u in staff.items() if r != "admin")]:
        client.force_login(user)
        response = client.post(url) if url.endswith("retry/") else client.get(url)
        assert response.status_code == 403, f"{url} as {user}"
    client.force_login(staff["admin"])
    response = client.post(url) if url.endswith("retry/") else client.get(url)
    assert response.status_code in (200, 302)


def test_customers_cannot_use_the_staff_triage_form(client, world, ours):
    client.force_login(ours.admin)
    incident = world["ours"]["incident"]
    response = client.post(f"/incidents/{incident}/update/", {"severity": 1})
    assert response.status_code == 403


def test_the_filing_hint_never_reads_another_tenants_contract(client, world, ours, theirs):
    client.force_login(ours.member)
    hint = client.get(
        f"/incidents/new/promise/?contract={theirs.contract.pk}"
        f"&organization={theirs.organization.pk}&severity=1"
    ).content.decode()
    assert "Theirs" not in hint
    assert "their time" not in hint
    assert_none_of(world["secrets"]["theirs"], hint.encode(), "the filing hint")
