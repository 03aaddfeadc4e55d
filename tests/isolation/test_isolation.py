"""Every URL pattern and API route, asked for another tenant's objects, as each customer role.

The walk is automatic: a new route with an id in its path must be mapped below
(the test fails until it is), so it is covered from the day it is added.
"""

import itertools
import secrets
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.text import slugify

from contracts.models import BusinessCalendar, Tier
from portal.models import MemberRole, Membership
from tests.factories import CalendarFactory, IncidentFactory, StaffFactory, TierFactory

pytestmark = pytest.mark.django_db

# Path arguments that carry no tenant object (allauth's one-time keys, DRF's format suffix).
NOT_TENANT_KWARGS = {"uidb36", "key", "format"}
# The Django admin: provider admins only; checked separately below.
SKIP_NAMESPACES = {"admin"}
METHODS = ("get", "post", "put", "patch", "delete")


def walk(resolver: URLResolver | None = None, namespace: str = "", prefix: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield namespace, entry, prefix + str(entry.pattern)


def routes():
    found = []
    for namespace, pattern, path in walk():
        if namespace.rstrip(":") in SKIP_NAMESPACES:
            continue
        kwargs = set(pattern.pattern.regex.groupindex) | set(
            getattr(pattern.pattern, "converters", {})
        )
        if kwargs - NOT_TENANT_KWARGS:
            assert pattern.name, f"Route {path} has no name: name it so it can be tested"
            found.append((namespace + pattern.name, frozenset(kwargs), path))
    return found


ROUTES = routes()


# Made afresh for each run, so no template, seed row or earlier run can hold it: finding a
# tenant's mark in a response can only mean that tenant's incident or file got there.
RUN_TOKEN = secrets.token_hex(8)


@dataclass(frozen=True)
class Secret:
    """What only one tenant may read: its incident's title and description, its file's name
    and contents, each distinct from the other tenant's (a shared text could not tell whose
    leaked)."""

    mark: str
    title: str
    description: str
    file_name: str
    file_content: bytes

    @classmethod
    def of(cls, tenant) -> "Secret":
        name = tenant.organization.name
        mark = f"{slugify(name)}-{RUN_TOKEN}"
        return cls(
            mark=mark,
            # The old fixed texts stay as prefixes, so the checks on them keep their meaning.
            title=f"{name} incident {mark}-title",
            description=f"Secret details of {mark}-description",
            file_name=f"report-{mark}-name.txt",
            file_content=f"log lines of {mark}-contents".encode(),
        )

    def parts(self) -> dict[str, bytes]:
        return {
            "title": self.title.encode(),
            "description": self.description.encode(),
            "attachment name": self.file_name.encode(),
            "attachment contents": self.file_content,
            # Any piece of it: a truncated or reworded field still carries the mark.
            "mark": self.mark.encode(),
        }


def content_of(response) -> bytes:
    """The whole body, read from the stream for file downloads."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def assert_none_of(secret: Secret, content: bytes, where: str) -> None:
    for part, value in secret.parts().items():
        assert value not in content, f"{where}: the {part} of {secret.mark} leaked"


@pytest.fixture
def world(ours, theirs):
    """Objects of the other tenant, and of ours, for every kind of path argument."""
    # A tier and calendar only the other tenant's contract uses.
    their_tier = TierFactory(code="theirs-only")
    theirs.contract.tier = their_tier
    theirs.contract.save(update_fields=["tier"])
    staff_user = StaffFactory()
    our_secret, their_secret = Secret.of(ours), Secret.of(theirs)
    our_incident, our_file = file_incident_with_attachment(ours, our_secret)
    their_incident, their_file = file_incident_with_attachment(theirs, their_secret)
    assert our_secret.mark != their_secret.mark
    return {
        "secrets": {"ours": our_secret, "theirs": their_secret},
        "theirs": {
            "organization": theirs.organization.pk,
            "contract": theirs.contract.pk,
            "membership": theirs.member_membership.pk,
            "calendar": theirs.contract.calendar_id,
            "tier": their_tier.pk,
            "staff": staff_user.pk,
            "incident": their_incident.pk,
            "attachment": their_file.pk,
        },
        "ours": {
            "organization": ours.organization.pk,
            "contract": ours.contract.pk,
            "membership": ours.member_membership.pk,
            "calendar": ours.contract.calendar_id,
            "tier": ours.contract.tier_id,
            "staff": staff_user.pk,
            "incident": our_incident.pk,
            "attachment": our_file.pk,
        },
    }


def file_incident_with_attachment(tenant, secret: Secret):
    incident = IncidentFactory(
        actor=tenant.admin,
        title=secret.title,
        description=secret.description,
        severity=2,
        uploads=[(SimpleUploadedFile(secret.file_name, secret.file_content), False)],
    )
    return incident, incident.attachments.get()


# For a DRF route, what its `pk` is, by basename; other kwargs by their own name.
PK_BY_ROUTE = {
    "calendar": "calendar",
    "tier": "tier",
    "organization": "organization",
    "contract": "contract",
    "member": "membership",
    "staff": "staff",
    "incident": "incident",
}
KIND_BY_KWARG = {
    "organization_id": "organization",
    "organization_pk": "organization",
    "contract_id": "contract",
    "membership_id": "membership",
    "incident_id": "incident",
    "attachment_id": "attachment",
}


def kwarg_kind(route_name: str, kwarg: str) -> str:
    if kwarg == "pk":
        basename = route_name.rsplit("-", 1)[0]
        assert basename in PK_BY_ROUTE, f"Map the pk of route {route_name} in PK_BY_ROUTE"
        return PK_BY_ROUTE[basename]
    assert kwarg in KIND_BY_KWARG, f"Map path argument {kwarg} ({route_name}) in KIND_BY_KWARG"
    return KIND_BY_KWARG[kwarg]


def url_for(route_name: str, kwargs: frozenset, sides: dict[str, dict]) -> str:
    """The route's URL with each path argument taken from the side named for it."""
    values = {}
    for kwarg in kwargs:
        if kwarg == "format":
            values[kwarg] = "json"
            continue
        values[kwarg] = sides[kwarg][kwarg_kind(route_name, kwarg)]
    return reverse(route_name, kwargs=values)


def foreign_urls(route_name: str, kwargs: frozenset, world: dict) -> set[str]:
    """Every mix of our and their objects in the path, except all ours."""
    names = sorted(k for k in kwargs if k != "format")
    urls = set()
    for mix in itertools.product(("ours", "theirs"), repeat=len(names)):
        if "theirs" not in mix:
            continue
        sides = {name: world[side] for name, side in zip(names, mix, strict=True)}
        sides["format"] = world["ours"]
        urls.add(url_for(route_name, kwargs, sides))
    return urls


def own_url(route_name: str, kwargs: frozenset, world: dict) -> str:
    return url_for(route_name, kwargs, dict.fromkeys(kwargs, world["ours"]))


def customer(tenant, role):
    return tenant.admin if role == MemberRole.ADMIN else tenant.member


def test_there_are_tenant_routes_to_walk():
    names = {name for name, _, _ in ROUTES}
    assert {"organization_detail", "contract_detail", "contact_remove", "member-detail"} <= names


@pytest.mark.parametrize("role", [MemberRole.ADMIN, MemberRole.MEMBER])
@pytest.mark.parametrize(("route_name", "kwargs", "path"), ROUTES, ids=[r[2] for r in ROUTES])
def test_foreign_objects_are_404_for_every_method(
    client, world, ours, role, route_name, kwargs, path
):
    client.force_login(customer(ours, role))
    for url in foreign_urls(route_name, kwargs, world):
        for method in METHODS:
            response = getattr(client, method)(url, content_type="application/json")
            assert response.status_code in (404, 405), (
                f"{method.upper()} {url} as customer {role}: {response.status_code} leaks "
                "another tenant's object"
            )
            assert b"Theirs Inc" not in response.content
            assert b"Secret details" not in response.content or b"Ours Ltd" in response.content
            assert_none_of(
                world["secrets"]["theirs"], content_of(response), f"{method.upper()} {url}"
            )


@pytest.mark.parametrize(("route_name", "kwargs", "path"), ROUTES, ids=[r[2] for r in ROUTES])
def test_own_objects_are_reachable(client, world, ours, provider_admin, route_name, kwargs, path):
    """The other side of the walk: the mapping is right, so the 404s above mean something."""
    user = ours.admin
    if route_name.startswith("staff"):
        user = provider_admin
    client.force_login(user)
    url = own_url(route_name, kwargs, world)
    response = client.get(url)
    assert response.status_code in (200, 405), f"GET {url}: {response.status_code}"
    if user == ours.admin:
        assert_none_of(world["secrets"]["theirs"], content_of(response), f"GET {url}")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/organizations/",
        "/api/v1/contracts/",
        "/api/v1/tiers/",
        "/api/v1/calendars/",
        "/api/v1/incidents/",
        "/contracts/",
        "/incidents/",
    ],
)
def test_lists_show_nothing_of_another_tenant(client, world, ours, url):
    client.force_login(ours.member)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Theirs Inc" not in body
    assert "theirs-only" not in body
    assert "Theirs Inc incident" not in body
    assert_none_of(world["secrets"]["theirs"], response.content, url)
    if "incidents" in url:
        assert world["secrets"]["ours"].title in body  # so the absence above can tell
    if url.startswith("/api/"):
        ids = {row["id"] for row in response.json()["results"]}
        kind = url.strip("/").split("/")[-1].rstrip("s")
        assert world["theirs"][kind] not in ids
        assert world["ours"][kind] in ids


@pytest.mark.parametrize("role", [MemberRole.ADMIN, MemberRole.MEMBER])
def test_our_secrets_show_where_they_belong_and_theirs_nowhere(client, world, ours, role):
    """The other side of the checks above: our own title, description, file name and contents
    are found where we read them, so their absence from a response means something."""
    mine, other = world["secrets"]["ours"], world["secrets"]["theirs"]
    incident, attachment = world["ours"]["incident"], world["ours"]["attachment"]
    client.force_login(customer(ours, role))

    listed = client.get(f"/api/v1/incidents/{incident}/attachments/").json()["results"]
    (row,) = listed
    expected = {
        f"/incidents/{incident}/": ["title", "description", "attachment name"],
        f"/api/v1/incidents/{incident}/": ["title", "description"],
        f"/api/v1/incidents/{incident}/attachments/": ["attachment name"],
        f"/incidents/{incident}/files/{attachment}/": ["attachment contents"],
        row["download_url"]: ["attachment contents"],
    }
    for url, parts in expected.items():
        response = client.get(url)
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        content = content_of(response)
        for part in parts:
            assert mine.parts()[part] in content, f"GET {url}: our {part} is missing"
        assert_none_of(other, content, f"GET {url}")


def test_customers_cannot_list_staff_or_reach_the_admin(client, ours):
    client.force_login(ours.admin)
    assert client.get("/api/v1/staff/").status_code == 403
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert client.get("/organizations/").status_code == 403


def test_customers_cannot_change_their_own_configuration(client, ours):
    """Visible but not theirs to change: 403, and nothing changes."""
    client.force_login(ours.admin)
    for url, payload in [
        (f"/api/v1/organizations/{ours.organization.pk}/", {"name": "Renamed"}),
        (f"/api/v1/contracts/{ours.contract.pk}/", {"ends_on": "2099-01-01"}),
        (f"/api/v1/tiers/{ours.contract.tier_id}/", {"max_contacts": 999}),
        (f"/api/v1/calendars/{ours.contract.calendar_id}/", {"always_open": True}),
    ]:
        response = client.patch(url, payload, content_type="application/json")
        assert response.status_code == 403, url
    ours.organization.refresh_from_db()
    assert ours.organization.name == "Ours Ltd"
    assert not BusinessCalendar.objects.get(pk=ours.contract.calendar_id).always_open
    assert Tier.objects.get(pk=ours.contract.tier_id).max_contacts is None


def test_staff_see_across_tenants(client, staff, ours, theirs):
    for role, user in staff.items():
        client.force_login(user)
        for tenant in (ours, theirs):
            response = client.get(f"/organizations/{tenant.organization.pk}/")
            assert response.status_code == 200, role
        assert client.get(f"/api/v1/contracts/{theirs.contract.pk}/").status_code == 200


def test_a_deactivated_contact_sees_nothing(client, ours):
    Membership.objects.filter(pk=ours.member_membership.pk)
    ours.member.is_active = False
    ours.member.save(update_fields=["is_active"])
    client.force_login(ours.admin)  # a live session of someone else is unaffected
    assert client.get(f"/organizations/{ours.organization.pk}/").status_code == 200
    from tests.conftest import client_for

    response = client_for(ours.member).get(f"/api/v1/contracts/{ours.contract.pk}/")
    assert response.status_code in (401, 403, 404)


def test_unused_calendar_is_invisible_to_customers(client, ours):
    lonely = CalendarFactory(name="Nobody's")
    client.force_login(ours.admin)
    assert client.get(f"/api/v1/calendars/{lonely.pk}/").status_code == 404


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
