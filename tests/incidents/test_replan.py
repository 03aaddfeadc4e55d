"""Running clocks follow their calendar: a holiday, new hours, a new zone, 24x7 or another
calendar re-plan every running business-time clock from its original start.

Ours is on MSA Enterprise with a Madrid calendar, Monday to Friday 09:00-17:00. T is
Wednesday 3 June 2026, 12:00 in Madrid. Severity 3 promises a first response in six
working hours (due Thursday 10:00 Madrid, warning at 75%: Wednesday 16:30); severity 2
four calendar hours.
"""

import datetime

import pytest
import time_machine

from contracts.models import BusinessCalendar, CalendarChange
from contracts.services import calendar_import_holidays, calendar_save, contract_update
from incidents.models import EntryKind, Notification, ThreadEntry
from incidents.replan import replan_stale
from incidents.services import incident_change_severity, incident_change_status
from incidents.sweep import sweep
from incidents.timeline import summary
from tests.factories import CalendarFactory, IncidentFactory
from tests.incidents.conftest import MADRID, MIN, H, T, clock, events

pytestmark = pytest.mark.django_db

THU = datetime.date(2026, 6, 4)


def madrid(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 6, day, hour, minute, tzinfo=MADRID)


def iso(moment: datetime.datetime) -> str:
    """As events store instants: in UTC."""
    return moment.astimezone(datetime.UTC).isoformat()


def hours_of(calendar):
    return [(w.weekday, w.start, w.end) for w in calendar.hours.all()]


def add_holidays(calendar, *days, **changes):
    """The calendar saved as the API saves it, with `days` added to its holidays."""
    return calendar_save(
        calendar=calendar,
        name=changes.pop("name", calendar.name),
        timezone=changes.pop("timezone", calendar.timezone),
        always_open=changes.pop("always_open", calendar.always_open),
        hours=changes.pop("hours", hours_of(calendar)),
        holidays=[*calendar.holidays.values_list("date", flat=True), *days],
    )


@pytest.fixture
def replanning(django_capture_on_commit_callbacks):
    """Run what the change enqueues on commit (the Celery task, eagerly)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def test_a_holiday_tomorrow_moves_a_running_business_clock_and_says_why(tenant, staff, replanning):
    calendar = tenant.contract.calendar
    with time_machine.travel(T, tick=False):
        business = IncidentFactory(actor=tenant.member, severity=3)
        calendar_time = IncidentFactory(actor=tenant.member, severity=2)
        assert clock(business).due_at == madrid(4, 10)
        untouched = clock(calendar_time).due_at
        with replanning():
            add_holidays(calendar, THU)

    moved = clock(business)
    assert moved.due_at == madrid(5, 10)  # Thursday is off: Friday 10:00
    assert moved.warn_at == madrid(3, 16, 30)
    assert (moved.calendar_id, moved.calendar_version) == (calendar.pk, 2)
    assert clock(calendar_time).due_at == untouched
    assert clock(calendar_time).calendar_version is None
    assert events(calendar_time, "clock_replanned") == []

    (event,) = events(business, "clock_replanned")
    assert event.internal
    assert event.data["old_due_at"] == iso(madrid(4, 10))
    assert event.data["new_due_at"] == iso(madrid(5, 10))
    assert event.data["causes"] == [
        {"kind": "holiday_added", "date": "2026-06-04", "calendar": calendar.name}
    ]
    line = summary(event, MADRID)
    assert line == (
        "Deadline re-planned: first response due Thu 4 Jun, 10:00 CEST → Fri 5 Jun, 10:00 CEST "
        f"(holiday 2026-06-04 added to {calendar.name})"
    )
    business.refresh_from_db()
    assert business.sla_due_at == madrid(5, 10)  # the desk's order follows
    (change,) = CalendarChange.objects.filter(calendar=calendar)
    assert change.version == 2


def test_the_customer_sees_the_new_promise_and_staff_the_reason(tenant, staff, replanning, client):
    calendar = tenant.contract.calendar
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member, severity=3)
        with replanning():
            add_holidays(calendar, THU)
        acknowledgements = ThreadEntry.objects.filter(incident=incident, kind=EntryKind.AUTO_ACK)
        assert [e.body for e in acknowledgements][1] == (
            f"Updated promise for incident {incident.number}. A first response is now due "
            "by Fri 5 Jun 2026, 10:00 (Europe/Madrid)."
        )
        client.force_login(tenant.member)
        page = client.get(f"/incidents/{incident.pk}/").content.decode()
        assert "Deadline re-planned" not in page
        assert "Fri 5 Jun, 10:00 CEST</time>" in page
        client.force_login(staff["engineer"])
        page = client.get(f"/incidents/{incident.pk}/").content.decode()
        # Staff read their own zone (UTC until they choose one), named.
        assert "Deadline re-planned: first response due Thu 4 Jun, 08:00 UTC" in page


def test_a_paused_clock_is_computed_again_when_it_resumes(res, staff, replanning):
    """A resolution clock waiting on the customer has no deadline to move; resumed, it
    counts on the calendar as it is then."""
    for target in res.contract.tier.targets.all():
        target.clock = "business"
        target.save()
    calendar = res.contract.calendar
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=res.member, severity=3)
        incident_change_status(
            incident=incident, actor=staff["engineer"], status="waiting_on_customer"
        )
        with replanning():
            add_holidays(calendar, THU)
        paused = clock(incident, "resolution")
        assert paused.due_at is None
        assert paused.calendar_version == 1
        assert events(incident, "clock_replanned")[0].data["metric"] == "first_response"
        traveller.shift(H)
        incident_change_status(incident=incident, actor=staff["engineer"], status="open")
    resumed = clock(incident, "resolution")
    assert resumed.calendar_version == 2
    # 24 working hours from Wednesday 12:00 with one hour paused: Wed 5 h, Thu off,
    # Fri 8 h, Mon 8 h, Tue 3 h + the hour paused = Tuesday 13:00.
    assert resumed.due_at == datetime.datetime(2026, 6, 9, 13, 0, tzinfo=MADRID)


def test_a_deadline_moved_later_after_its_warning_warns_again(tenant, staff, replanning):
    calendar = tenant.contract.calendar
    contract_update(contract=tenant.contract, tam=staff["tam"])  # someone to warn
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member, severity=3)
        traveller.move_to(madrid(3, 16, 45))
        assert sweep().warnings == 1
        assert clock(incident).warned_at is not None
        with replanning():
            add_holidays(calendar, datetime.date(2026, 6, 3))  # today is off after all
        moved = clock(incident)
        # Counted from Thursday 09:00: warning 13:30, due 15:00.
        assert (moved.warn_at, moved.due_at) == (madrid(4, 13, 30), madrid(4, 15))
        assert moved.warned_at is None
        traveller.move_to(madrid(4, 13, 31))
        assert sweep().warnings == 1
        traveller.move_to(madrid(4, 15, 1))
        assert sweep().breaches == 1
        assert sweep().warnings == 0
    warnings = events(incident, "sla_warning")
    assert [w.data["due_at"] for w in warnings] == [
        iso(madrid(4, 10)),
        iso(madrid(4, 15)),
    ]
    mails = Notification.objects.filter(incident=incident, event_kind="sla_warning")
    # One notice per deadline to the TAM.
    assert sorted(mails.values_list("recipient", "deadline")) == [
        (staff["tam"].email, madrid(4, 10)),
        (staff["tam"].email, madrid(4, 15)),
    ]


def test_a_deadline_moved_into_the_past_breaches_at_once_after_its_reason(
    tenant, staff, replanning
):
    calendar = tenant.contract.calendar
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member, severity=3)
        traveller.move_to(madrid(3, 19))
        with replanning():
            calendar_save(
                calendar=calendar,
                name=calendar.name,
                timezone=calendar.timezone,
                always_open=True,
            )
    breached = clock(incident)
    assert breached.due_at == madrid(3, 18)  # six hours from 12:00, around the clock
    assert breached.breached_at == madrid(3, 19)
    timeline = [e.kind for e in events(incident)]
    assert timeline[-2:] == ["clock_replanned", "sla_breach"]
    reason = events(incident, "clock_replanned")[0]
    assert reason.data["causes"][0]["kind"] == "always_open_changed"
    assert "made 24x7" in summary(reason)
    # No promise of a time already past.
    assert ThreadEntry.objects.filter(incident=incident, kind=EntryKind.AUTO_ACK).count() == 1


def test_the_sweep_does_not_breach_on_a_deadline_its_calendar_no_longer_gives(tenant, staff):
    """The change committed, the task has not run yet (nothing executes the on-commit
    callbacks here): the sweep re-plans the clock itself before recording anything."""
    calendar = tenant.contract.calendar
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member, severity=3)
        add_holidays(calendar, THU)
        assert clock(incident).calendar_version == 1
        traveller.move_to(madrid(4, 10, 1))  # the old deadline, on the holiday
        result = sweep()
        assert result.breaches == 0
        replanned = clock(incident)
        assert (replanned.due_at, replanned.breached_at) == (madrid(5, 10), None)
        assert replanned.calendar_version == 2
        assert len(events(incident, "clock_replanned")) == 1
        traveller.move_to(madrid(5, 10, 1))
        assert sweep().breaches == 1
    assert events(incident, "sla_breach")[0].data["due_at"] == iso(madrid(5, 10))


def test_a_contract_moved_to_another_calendar_replans_its_clocks(tenant, staff, replanning):
    office = CalendarFactory(name="Hanoi office", timezone="Asia/Ho_Chi_Minh")
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member, severity=3)
        old_name = tenant.contract.calendar.name
        with replanning():
            contract_update(contract=tenant.contract, calendar=office)
    moved = clock(incident)
    assert moved.calendar_id == office.pk
    # Wednesday 17:00 Hanoi: working time starts Thursday 09:00 Hanoi; due 15:00 there.
    hanoi = datetime.timezone(datetime.timedelta(hours=7))
    assert moved.due_at == datetime.datetime(2026, 6, 4, 15, 0, tzinfo=hanoi)
    (event,) = events(incident, "clock_replanned")
    assert event.data["causes"] == [
        {"kind": "contract_moved", "old": old_name, "new": "Hanoi office"}
    ]


def test_an_import_and_a_zone_change_name_their_cause(tenant, staff, replanning):
    calendar = tenant.contract.calendar
    # Monday 7 December 2026, 16:00 in Madrid: due Tuesday 14:00, or Wednesday after the
    # 8th (a national holiday in Spain) is imported.
    monday = datetime.datetime(2026, 12, 7, 15, tzinfo=datetime.UTC)
    with time_machine.travel(monday, tick=False):
        incident = IncidentFactory(actor=tenant.member, severity=3)
        with replanning():
            added = calendar_import_holidays(calendar=calendar, country="ES", year=2026)
        assert datetime.date(2026, 12, 8) in {h.date for h in added}
        (event,) = events(incident, "clock_replanned")
        assert f"public holidays of ES 2026 imported to {calendar.name}" in summary(event)
        with replanning():
            add_holidays(BusinessCalendar.objects.get(pk=calendar.pk), timezone="Asia/Ho_Chi_Minh")
    last = events(incident, "clock_replanned")[-1]
    assert f"time zone of {calendar.name} changed from Europe/Madrid to Asia/Ho_Chi_Minh" in (
        summary(last)
    )


def test_a_name_change_or_a_far_holiday_moves_nothing(tenant, staff, replanning):
    calendar = tenant.contract.calendar
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member, severity=3)
        due = clock(incident).due_at
        with replanning():
            add_holidays(calendar, name="Madrid office")
        assert BusinessCalendar.objects.get(pk=calendar.pk).version == 1
        with replanning():
            add_holidays(calendar, datetime.date(2026, 12, 25))
    kept = clock(incident)
    assert (kept.due_at, kept.calendar_version) == (due, 2)  # computed again, unmoved
    assert events(incident, "clock_replanned") == []


def test_a_calendar_left_without_working_time_leaves_the_clock_without_deadline(
    tenant, staff, replanning
):
    calendar = tenant.contract.calendar
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member, severity=3)
        with replanning():
            add_holidays(calendar, hours=[])
        assert clock(incident).due_at is None
        traveller.shift(30 * 24 * H)
        assert sweep().breaches == 0
    assert "no deadline" in summary(events(incident, "clock_replanned")[0])


def test_replanning_goes_in_batches_and_a_second_run_finds_nothing(tenant, staff):
    calendar = tenant.contract.calendar
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member, severity=3)
        add_holidays(calendar, THU)
        result = replan_stale(calendar_id=calendar.pk, batch=1)
    assert (result.replanned, result.moved, result.left) == (1, 1, False)
    assert clock(incident).due_at == madrid(5, 10)
    assert replan_stale(calendar_id=calendar.pk).replanned == 0


def test_a_severity_change_updates_the_acknowledged_promise(tenant, staff):
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member, severity=2)
        traveller.shift(10 * MIN)
        incident_change_severity(incident=incident, actor=staff["engineer"], severity=3)
        incident_change_severity(incident=incident, actor=staff["engineer"], severity=3)
    bodies = list(
        ThreadEntry.objects.filter(incident=incident, kind=EntryKind.AUTO_ACK).values_list(
            "body", flat=True
        )
    )
    assert len(bodies) == 2
    assert bodies[0].endswith("due by Wed 3 Jun 2026, 16:00 (Europe/Madrid).")
    assert bodies[1].endswith("now due by Thu 4 Jun 2026, 10:00 (Europe/Madrid).")
