"""Calendar changes re-planned by a real Celery worker with beat, on real Redis and PostgreSQL.

The holiday story spans three days, so the worker runs on a moved clock: a
`sitecustomize` on its PYTHONPATH starts time-machine (ticking) at the instant the test
names. Time is outside the product; everything else is the real worker.
"""

import datetime
import os
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.business_time import WorkCalendar, add_working_time
from contracts.models import BusinessCalendar
from incidents.models import Incident, IncidentEvent, Notification, OutboxStatus, SlaClock
from portal.models import WorkerHeartbeat
from tests.conftest import make_tenant
from tests.factories import CalendarFactory, IncidentFactory, StaffFactory
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
MADRID = ZoneInfo("Europe/Madrid")

SITECUSTOMIZE = """
import datetime, os
if os.environ.get("PORTAL_TEST_NOW"):
    import time_machine
    time_machine.travel(
        datetime.datetime.fromisoformat(os.environ["PORTAL_TEST_NOW"]), tick=True
    ).start()
"""


def madrid(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, second, tzinfo=MADRID)


@pytest.fixture
def run_worker_at(worker, tmp_path):
    """Start the worker with its clock at an instant (stopping the one before)."""
    shim = tmp_path / "fakeclock"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SITECUSTOMIZE)
    worker.env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(shim), worker.env.get("PYTHONPATH", "")) if p
    )

    def run(moment: datetime.datetime):
        worker.stop()
        worker.env["PORTAL_TEST_NOW"] = moment.isoformat()
        worker.schedule = tmp_path / f"beat-{worker.starts}"  # beat starts afresh
        worker.start()

    return run


def sweeps_after(moment: datetime.datetime) -> bool:
    beat = WorkerHeartbeat.objects.filter(name="sla_sweep").first()
    return beat is not None and beat.seen_at > moment + datetime.timedelta(seconds=3)


def test_no_breach_on_a_holiday_added_for_tomorrow_and_the_breach_on_the_next_working_day(
    run_worker_at, worker, api, smtp_sink
):
    tenant = make_tenant("Madrid Bank")
    calendar = tenant.contract.calendar
    calendar.name = "Madrid office"
    calendar.save(update_fields=["name"])
    tam = StaffFactory(staff_role="tam")
    tenant.contract.tam = tam
    tenant.contract.save(update_fields=["tam"])
    admin = StaffFactory(staff_role="admin")

    # Monday 14:00: six working hours, due Tuesday 12:00, warning at Tuesday 10:30.
    with time_machine.travel(madrid(7, 14), tick=False):
        incident = IncidentFactory(actor=tenant.member, severity=3)
    first = SlaClock.objects.get(incident=incident)
    assert (first.due_at, first.warn_at) == (madrid(8, 12), madrid(8, 10, 30))

    # Monday 16:00: tomorrow, the 8th, becomes a holiday; the worker re-plans.
    with time_machine.travel(madrid(7, 16), tick=False):
        response = api(admin).patch(
            f"/api/v1/calendars/{calendar.pk}/", {"holidays": ["2026-12-08"]}, format="json"
        )
    assert response.status_code == 200, response.content
    run_worker_at(madrid(7, 16, 0, 5))
    replanned = wait_until(
        lambda: SlaClock.objects.filter(incident=incident, calendar_version=2).first(), 60
    )
    assert replanned, worker.log.read_text()[-3000:]
    assert (replanned.due_at, replanned.warn_at) == (madrid(9, 12), madrid(9, 10, 30))
    moved = IncidentEvent.objects.get(incident=incident, kind="clock_replanned")
    assert moved.data["causes"][0]["calendar"] == "Madrid office"

    # Tuesday, after the old deadline: the worker sweeps and records nothing.
    run_worker_at(madrid(8, 12, 0, 5))
    assert wait_until(lambda: sweeps_after(madrid(8, 12, 0, 5)), 60), worker.log.read_text()[-3000:]
    sla = IncidentEvent.objects.filter(incident=incident, kind__in=["sla_warning", "sla_breach"])
    assert not sla.exists()

    # Wednesday: the warning at 10:30, then the breach at 12:00.
    run_worker_at(madrid(9, 10, 29, 57))
    assert wait_until(lambda: sla.filter(kind="sla_warning").exists(), 60), worker.log.read_text()[
        -3000:
    ]
    assert not sla.filter(kind="sla_breach").exists()
    run_worker_at(madrid(9, 11, 59, 57))
    assert wait_until(lambda: sla.filter(kind="sla_breach").exists(), 60), worker.log.read_text()[
        -3000:
    ]
    mails = Notification.objects.filter(
        incident=incident, event_kind__in=["sla_warning", "sla_breach"]
    )
    assert wait_until(lambda: not mails.exclude(status=OutboxStatus.SENT).exists(), 30)
    time.sleep(3)  # a few more sweeps add nothing

    assert [(e.kind, e.data["due_at"]) for e in sla.order_by("at")] == [
        ("sla_warning", madrid(9, 12).astimezone(datetime.UTC).isoformat()),
        ("sla_breach", madrid(9, 12).astimezone(datetime.UTC).isoformat()),
    ]
    breach = sla.get(kind="sla_breach")
    assert breach.at >= madrid(9, 12)
    # One e-mail to the TAM per event, each delivered once.
    assert sorted(mails.values_list("event_kind", "recipient")) == [
        ("sla_breach", tam.email),
        ("sla_warning", tam.email),
    ]
    sent = [
        m["X-Portal-Event"]
        for m in smtp_sink.snapshot()
        if m["X-Portal-Incident"] == incident.number and m["X-Portal-Event"].startswith("sla_")
    ]
    assert sorted(sent) == ["sla_breach", "sla_warning"]


def _ten_thousand_clocks(contract, count: int) -> None:
    """Running business-time clocks on the contract, written in bulk (filing each through
    the service would take minutes)."""
    clerk = StaffFactory(staff_role="engineer")
    now = timezone.now()
    start = now - datetime.timedelta(hours=1)
    incidents = Incident.objects.bulk_create(
        Incident(
            organization_id=contract.organization_id,
            contract=contract,
            number=f"bulk-{i:05d}",
            title="Bulk",
            description="Generated",
            severity=3,
            status="open",
            premium=True,
            received_at=start,
            filed_by=clerk,
        )
        for i in range(count)
    )
    SlaClock.objects.bulk_create(
        SlaClock(
            organization_id=contract.organization_id,
            incident=incident,
            metric="first_response",
            kind="business",
            target_minutes=360,
            started_at=start,
            due_at=now + datetime.timedelta(hours=5),
            warn_at=now + datetime.timedelta(hours=3),
            calendar_id=contract.calendar_id,
            calendar_version=1,
        )
        for incident in incidents
    )


def _edit(api, admin, calendar) -> int:
    tomorrow = (timezone.now() + datetime.timedelta(days=1)).date().isoformat()
    with CaptureQueriesContext(connection) as queries:
        response = api(admin).patch(
            f"/api/v1/calendars/{calendar.pk}/", {"holidays": [tomorrow]}, format="json"
        )
    assert response.status_code == 200, response.content
    return len(queries)


def test_a_calendar_of_10000_running_clocks_is_edited_at_once_and_replanned_by_the_worker(
    worker, api
):
    tenant = make_tenant("Big Bank")
    admin = StaffFactory(staff_role="admin")
    _ten_thousand_clocks(tenant.contract, 10_000)
    unused = CalendarFactory(name="Nobody's hours")

    # The same edit costs the same queries with no clocks or 10,000 (the worker is not
    # running yet: the re-plans wait in the queue). A first edit fills the caches.
    _edit(api, admin, CalendarFactory(name="Warm-up hours"))
    assert _edit(api, admin, unused) == _edit(api, admin, tenant.contract.calendar)
    clocks = SlaClock.objects.filter(incident__contract=tenant.contract)
    assert clocks.filter(calendar_version=1).count() == 10_000

    worker.start()
    assert wait_until(lambda: not clocks.filter(calendar_version=1).exists(), 240, 2), (
        worker.log.read_text()[-3000:]
    )
    calendar = BusinessCalendar.objects.get(pk=tenant.contract.calendar_id)
    engine = WorkCalendar(
        timezone=calendar.timezone,
        windows=tuple((w.weekday, w.start, w.end) for w in calendar.hours.all()),
        holidays=frozenset(h.date for h in calendar.holidays.all()),
    )
    for clock in clocks.order_by("?")[:50]:
        assert clock.due_at == add_working_time(
            engine, clock.started_at, datetime.timedelta(minutes=360)
        )
        assert clock.calendar_version == calendar.version == 2
