"""Every path that changes a calendar's working time re-plans the clocks that use it: the
admin's calendar page and its holiday import, the admin's contract page, the API's
calendars and contracts, and the import command. The change itself costs the same number
of queries whatever the number of clocks (the re-plan runs after commit, in a task).

Ours files a severity 3 incident (six working hours, Madrid, Mon-Fri 09:00-17:00) on
Monday 7 December 2026 at 16:00 Madrid: due Tuesday 8th 14:00, or Wednesday 9th 14:00
once the 8th is a holiday.
"""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import BusinessCalendar, Holiday
from contracts.services import tier_save
from incidents.models import SlaClock
from tests.factories import CalendarFactory, IncidentFactory
from tests.incidents.conftest import widen

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")
MONDAY = datetime.datetime(2026, 12, 7, 16, tzinfo=MADRID)
TUESDAY_DUE = datetime.datetime(2026, 12, 8, 14, tzinfo=MADRID)
WEDNESDAY_DUE = datetime.datetime(2026, 12, 9, 14, tzinfo=MADRID)


@pytest.fixture
def filed(ours):
    widen(ours)
    with time_machine.travel(MONDAY, tick=False):
        incident = IncidentFactory(actor=ours.member, severity=3)
    assert due(incident) == TUESDAY_DUE
    return incident


def due(incident):
    return SlaClock.objects.get(incident=incident, metric="first_response").due_at


@pytest.fixture
def changing(django_capture_on_commit_callbacks):
    """At Monday 16:05, with what the change enqueues run on commit (eagerly)."""

    class Change:
        def __enter__(self):
            self.travel = time_machine.travel(MONDAY + datetime.timedelta(minutes=5), tick=False)
            self.travel.start()
            self.commit = django_capture_on_commit_callbacks(execute=True)
            self.callbacks = self.commit.__enter__()
            return self

        def __exit__(self, *exc):
            self.commit.__exit__(*exc)
            self.travel.stop()

    return Change


def admin_calendar_form(calendar, holidays=()):
    """The admin's calendar change form as the browser posts it, with `holidays` added."""
    data = {
        "name": calendar.name,
        "timezone": calendar.timezone,
        "hours-TOTAL_FORMS": str(calendar.hours.count()),
        "hours-INITIAL_FORMS": str(calendar.hours.count()),
        "holidays-TOTAL_FORMS": str(len(holidays)),
        "holidays-INITIAL_FORMS": "0",
    }
    for i, window in enumerate(calendar.hours.all()):
        data.update(
            {
                f"hours-{i}-id": str(window.pk),
                f"hours-{i}-calendar": str(calendar.pk),
                f"hours-{i}-weekday": str(window.weekday),
                f"hours-{i}-start": f"{window.start:%H:%M}",
                f"hours-{i}-end": f"{window.end:%H:%M}",
            }
        )
    for i, day in enumerate(holidays):
        data.update({f"holidays-{i}-date": day, f"holidays-{i}-name": "Inmaculada"})
    return data


def test_a_holiday_added_on_the_admins_calendar_page_replans(
    client, provider_admin, filed, changing
):
    client.force_login(provider_admin)
    calendar = filed.contract.calendar
    with changing():
        response = client.post(
            f"/admin/contracts/businesscalendar/{calendar.pk}/change/",
            admin_calendar_form(calendar, ["2026-12-08"]),
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert due(filed) == WEDNESDAY_DUE
    assert BusinessCalendar.objects.get(pk=calendar.pk).version == 2
    # The audit trail still has the holiday, and no entry for the version counter.
    holiday = Holiday.objects.get(calendar=calendar, date=datetime.date(2026, 12, 8))
    assert LogEntry.objects.get_for_object(holiday).count() == 1
    assert not LogEntry.objects.get_for_object(calendar).filter(changes__has_key="version")


def test_the_admins_holiday_import_replans(client, provider_admin, filed, changing):
    client.force_login(provider_admin)
    calendar = filed.contract.calendar
    with changing():
        response = client.post(
            "/admin/contracts/businesscalendar/",
            {
                "action": "import_public_holidays",
                "_selected_action": [calendar.pk],
                "country": "ES",
                "year": "2026",
            },
        )
    assert response.status_code == 302
    assert due(filed) == WEDNESDAY_DUE


def test_a_contract_moved_on_the_admins_contract_page_replans(
    client, provider_admin, filed, changing
):
    client.force_login(provider_admin)
    contract = filed.contract
    # The same office hours, with the 8th off.
    office = CalendarFactory(name="Madrid office")
    office.holidays.create(date=datetime.date(2026, 12, 8))
    with changing():
        response = client.post(
            f"/admin/contracts/contract/{contract.pk}/change/",
            {
                "tier": contract.tier_id,
                "calendar": office.pk,
                "reference": "",
                "starts_on": f"{contract.starts_on:%Y-%m-%d}",
                "ends_on": f"{contract.ends_on:%Y-%m-%d}",
                "licence_type": contract.licence_type,
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert due(filed) == WEDNESDAY_DUE
    assert SlaClock.objects.get(incident=filed).calendar_id == office.pk


def test_a_calendar_changed_through_the_api_replans(api, provider_admin, filed, changing):
    calendar = filed.contract.calendar
    with changing():
        response = api(provider_admin).patch(
            f"/api/v1/calendars/{calendar.pk}/", {"holidays": ["2026-12-08"]}, format="json"
        )
    assert response.status_code == 200, response.content
    assert due(filed) == WEDNESDAY_DUE


def test_a_contract_moved_through_the_api_replans(api, provider_admin, filed, changing):
    office = CalendarFactory(name="Madrid office")
    office.holidays.create(date=datetime.date(2026, 12, 8))
    with changing():
        response = api(provider_admin).patch(
            f"/api/v1/contracts/{filed.contract_id}/", {"calendar": office.pk}, format="json"
        )
    assert response.status_code == 200, response.content
    assert due(filed) == WEDNESDAY_DUE


def test_the_import_command_replans(filed, changing):
    with changing():
        call_command(
            "import_holidays", filed.contract.calendar_id, "ES", "2026", stdout=io.StringIO()
        )
    assert due(filed) == WEDNESDAY_DUE


def _patch_queries(api, admin, calendar, day: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api(admin).patch(
            f"/api/v1/calendars/{calendar.pk}/", {"holidays": [day]}, format="json"
        )
    assert response.status_code == 200, response.content
    return len(queries)


def test_a_calendar_edit_costs_the_same_queries_for_no_clock_or_many(
    api, provider_admin, filed, django_capture_on_commit_callbacks
):
    """Nothing per clock happens in the request: the re-plan is a task after commit."""
    calendar = filed.contract.calendar
    with time_machine.travel(MONDAY, tick=False):
        for _ in range(20):
            IncidentFactory(actor=filed.filed_by, severity=3)
    unused = CalendarFactory(name="No clocks")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        few = _patch_queries(api, provider_admin, unused, "2026-12-08")
        many = _patch_queries(api, provider_admin, calendar, "2026-12-08")
    assert SlaClock.objects.filter(incident__contract__calendar=calendar).count() == 21
    assert few == many
    assert len(queued) == 2  # one re-plan task each, enqueued on commit


def test_a_tier_target_edit_moves_no_running_clock_and_the_tier_page_says_so(
    client, provider_admin, filed, django_capture_on_commit_callbacks
):
    tier = filed.contract.tier
    targets = [
        {"severity": t.severity, "metric": t.metric, "minutes": t.minutes * 2, "clock": t.clock}
        for t in tier.targets.all()
    ]
    with django_capture_on_commit_callbacks(execute=True) as queued:
        tier_save(tier=tier, targets=targets)
    assert queued == []
    assert due(filed) == TUESDAY_DUE
    assert SlaClock.objects.get(incident=filed).target_minutes == 360

    client.force_login(provider_admin)
    page = client.get(f"/admin/contracts/tier/{tier.pk}/change/").content.decode()
    assert "A running SLA clock keeps the target copied when it started" in page
