"""Every list page and API list: the number of queries does not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import MemberRole
from tests.factories import (
    CalendarFactory,
    ContractFactory,
    MembershipFactory,
    OrganizationFactory,
    StaffFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db


def add_rows(n: int, organization=None):
    """n more of everything the lists show: organisations, contracts, contacts, staff."""
    for _ in range(n):
        org = organization or OrganizationFactory()
        tier = TierFactory()
        tier.targets.create(severity=1, metric="first_response", minutes=30, clock="calendar")
        calendar = CalendarFactory()
        calendar.holidays.create(date="2026-12-25")
        ContractFactory(organization=org, tier=tier, calendar=calendar)
        MembershipFactory(organization=org)
        StaffFactory()


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


STAFF_URLS = [
    "/organizations/",
    "/organizations/{org}/",
    "/api/v1/organizations/{org}/members/",
    "/contracts/",
    "/api/v1/organizations/",
    "/api/v1/contracts/",
    "/api/v1/tiers/",
    "/api/v1/calendars/",
    "/api/v1/staff/",
]


@pytest.mark.parametrize("url", STAFF_URLS)
def test_staff_lists_do_not_grow_with_rows(client, provider_admin, url):
    client.force_login(provider_admin)
    org = OrganizationFactory()
    scoped = org if "{org}" in url else None  # rows of that organisation, or of many
    url = url.format(org=org.pk)
    add_rows(2, organization=scoped)
    few = count(client, url)
    add_rows(6, organization=scoped)
    assert count(client, url) == few


CUSTOMER_URLS = [
    "/contracts/",
    "/organizations/{org}/",
    "/api/v1/organizations/{org}/members/",
    "/api/v1/contracts/",
    "/api/v1/tiers/",
    "/api/v1/calendars/",
]


@pytest.mark.parametrize("url", CUSTOMER_URLS)
def test_customer_lists_do_not_grow_with_rows(client, url):
    org = OrganizationFactory()
    admin = MembershipFactory(organization=org, role=MemberRole.ADMIN).user
    client.force_login(admin)
    url = url.format(org=org.pk)
    add_rows(2, organization=org)
    few = count(client, url)
    add_rows(6, organization=org)
    assert count(client, url) == few
