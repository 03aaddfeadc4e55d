"""The desk's API lists: the number of queries does not grow with the rows."""

import datetime

import pytest

from portal.models import StaffRole
from tam.models import WorkingHours
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, StaffFactory
from tests.tam.people import absent, office_calendar, shift
from tests.test_query_counts import count

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/absences/",
    "/api/v1/rota/",
    "/api/v1/staff/",
    "/api/v1/incidents/?sort=urgency&queue=open",
    "/api/v1/incidents/?queue=open",
]


def add_rows(n: int, hours) -> None:
    """n more of everything these lists show: staff with hours and absences, shifts,
    incidents of other customers with clocks and TAMs."""
    now = datetime.datetime.now(datetime.UTC)
    for i in range(n):
        person = StaffFactory(staff_role=StaffRole.DUTY_MANAGER)
        WorkingHours.objects.create(staff=person, calendar=hours)
        absent(person, now + datetime.timedelta(days=i), now + datetime.timedelta(days=i + 1))
        shift(person, now + datetime.timedelta(hours=i), now + datetime.timedelta(hours=i + 1))
        tenant = make_tenant(f"Customer {i} of {n}")
        tenant.contract.tam = StaffFactory(staff_role=StaffRole.TAM)
        tenant.contract.save(update_fields=["tam"])
        IncidentFactory(actor=tenant.member, severity=1 + i % 4)


@pytest.mark.parametrize("url", URLS)
def test_desk_api_lists_do_not_grow_with_rows(client, provider_admin, url):
    client.force_login(provider_admin)
    hours = office_calendar()
    add_rows(2, hours)
    few = count(client, url)
    add_rows(6, hours)
    assert count(client, url) == few, url
