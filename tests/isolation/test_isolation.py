"""Every URL pattern and API route, asked for another tenant's objects, as each customer role.

The walk is automatic: a new route with an id in its path must be mapped (in conftest.py;
the test fails until it is), so it is covered from the day it is added.
"""

import pytest

from contracts.models import BusinessCalendar, Tier
from portal.models import MemberRole, Membership
from tests.factories import CalendarFactory
from tests.isolation.conftest import (
    METHODS,
    ROUTES,
    STAFF_ONLY_ROUTES,
    assert_none_of,
    content_of,
    customer,
    foreign_urls,
    own_url,
)

pytestmark = pytest.mark.django_db


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
    if route_name.startswith("staff") or route_name in STAFF_ONLY_ROUTES:
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
        "/api/v1/alerts/",
        "/contracts/",
        "/incidents/",
        "/alerts/",
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
    if "alerts" in url:  # our alert's title carries our mark, theirs theirs
        assert world["secrets"]["ours"].mark in body
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
