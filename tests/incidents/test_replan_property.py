"""Property: after any calendar edit is re-planned, every running business-time clock's
deadline is what the engine computes afresh from its start, its target and its paused
time on the calendar as it is now; paused clocks wait for their resumption.

Random calendars (zone, weekly windows, overnight ones included, holidays, 24x7), random
phone calls logged over the ten days before NOW on a tier with business-time first
response and resolution targets, some resolution clocks paused (and some resumed), then a
random edit of the calendar at NOW through the service the API uses.
"""

import datetime

import pytest
import time_machine
from django.db import transaction
from django.test import TestCase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.business_time import WorkCalendar, add_working_time
from contracts.models import BusinessCalendar
from contracts.services import calendar_save
from incidents.models import SlaClock
from incidents.services import incident_change_status
from portal.models import StaffRole
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, StaffFactory, TierFactory
from tests.incidents.conftest import widen

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 10, 12, 0, tzinfo=datetime.UTC)
ZONES = ["Europe/Madrid", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
TARGETS = {3: (240, 960), 4: (480, 1920)}  # minutes: first response, resolution

quarters = st.integers(0, 95).map(lambda q: datetime.time(q // 4, q % 4 * 15))
calendars = st.fixed_dictionaries(
    {
        "timezone": st.sampled_from(ZONES),
        "hours": st.lists(
            st.tuples(st.integers(0, 6), quarters, quarters),
            max_size=8,
            unique_by=lambda w: (w[0], w[1]),
        ),
        "holidays": st.sets(
            st.dates(datetime.date(2026, 5, 28), datetime.date(2026, 7, 31)), max_size=12
        ),
        "always_open": st.booleans(),
    }
)
# Minutes before NOW the call came in; then, for a resolution clock, when it was paused
# and (maybe) resumed, as shares of the time left.
calls = st.lists(
    st.tuples(
        st.integers(0, 10 * 24 * 60),
        st.sampled_from(sorted(TARGETS)),
        st.one_of(st.none(), st.tuples(st.floats(0, 1), st.one_of(st.none(), st.floats(0, 1)))),
    ),
    min_size=1,
    max_size=5,
)


def engine_view(calendar: BusinessCalendar) -> WorkCalendar:
    calendar = BusinessCalendar.objects.get(pk=calendar.pk)
    return WorkCalendar(
        timezone=calendar.timezone,
        windows=tuple((w.weekday, w.start, w.end) for w in calendar.hours.all()),
        holidays=frozenset(h.date for h in calendar.holidays.all()),
        always_open=calendar.always_open,
    )


def fresh(cal: WorkCalendar, clock: SlaClock, share: float) -> datetime.datetime | None:
    target = datetime.timedelta(minutes=clock.target_minutes)
    paused = datetime.timedelta(seconds=clock.paused_seconds)
    try:
        return add_working_time(cal, clock.started_at, target * share + paused)
    except ValueError:  # no working time left on the calendar
        return None


def has_working_time(spec: dict) -> bool:
    return spec["always_open"] or bool(spec["hours"])


def file_calls(tenant, clerk, specs) -> None:
    for minutes_before, severity, pause in specs:
        received = NOW - datetime.timedelta(minutes=minutes_before)
        with time_machine.travel(received, tick=False):
            incident = IncidentFactory(
                actor=clerk,
                organization=tenant.organization,
                severity=severity,
                channel="phone",
                received_at=received,
            )
        if pause is None:
            continue
        paused_at = received + (NOW - received) * pause[0]
        with time_machine.travel(paused_at, tick=False):
            incident_change_status(incident=incident, actor=clerk, status="waiting_on_customer")
        if pause[1] is not None:
            with time_machine.travel(paused_at + (NOW - paused_at) * pause[1], tick=False):
                incident_change_status(incident=incident, actor=clerk, status="open")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    before=calendars.filter(has_working_time),
    specs=calls,
    after=calendars,
)
def test_after_any_calendar_edit_every_running_clock_equals_a_fresh_computation(
    db, before, specs, after
):
    savepoint = transaction.savepoint()
    try:
        tenant = widen(make_tenant("Random Co"))
        tier = TierFactory()
        for severity, (first, resolution) in TARGETS.items():
            tier.targets.create(
                severity=severity, metric="first_response", minutes=first, clock="business"
            )
            tier.targets.create(
                severity=severity, metric="resolution", minutes=resolution, clock="business"
            )
        tenant.contract.tier = tier
        tenant.contract.save(update_fields=["tier"])
        calendar = calendar_save(calendar=tenant.contract.calendar, name="Random", **before)
        file_calls(tenant, StaffFactory(staff_role=StaffRole.ENGINEER), specs)
        running = {
            c.pk: c
            for c in SlaClock.objects.filter(
                stopped_at__isnull=True, breached_at__isnull=True, paused_at__isnull=True
            )
        }
        paused = {c.pk: c for c in SlaClock.objects.filter(paused_at__isnull=False)}

        with time_machine.travel(NOW, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
            calendar_save(calendar=calendar, name="Random", **after)

        now_calendar = engine_view(calendar)
        version = BusinessCalendar.objects.get(pk=calendar.pk).version
        for clock in SlaClock.objects.filter(pk__in=running):
            assert clock.due_at == fresh(now_calendar, clock, 1), clock
            assert clock.warn_at == fresh(now_calendar, clock, 0.75), clock
            assert (clock.calendar_id, clock.calendar_version) == (calendar.pk, version)
            assert clock.paused_seconds == running[clock.pk].paused_seconds
        for clock in SlaClock.objects.filter(pk__in=paused):
            assert clock.due_at is None
            assert clock.paused_seconds == paused[clock.pk].paused_seconds
    finally:
        transaction.savepoint_rollback(savepoint)
