"""The resolution clock: paused while waiting on the customer, stopped by resolving or
closing, restarted on reopening with the time spent kept; targets copied at filing.
"""

import datetime

import pytest
import time_machine

from contracts.models import Tier
from incidents.models import SlaClock, Status
from incidents.selectors import clock_state
from incidents.services import incident_change_severity, incident_change_status, incident_reply
from incidents.sweep import sweep
from tests.factories import IncidentFactory
from tests.incidents.conftest import H, T, clock, events

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("resume_by", ["customer_reply", "staff_sets_open"])
def test_resolution_pauses_while_waiting_on_customer_and_resumes_pushed_out(res, staff, resume_by):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=res.member, severity=2)
        assert clock(incident, "resolution").due_at == T + 10 * H
        traveller.shift(H)
        incident_change_status(incident=incident, actor=engineer, status="waiting_on_customer")

        paused = clock(incident, "resolution")
        assert paused.due_at is None
        assert paused.warn_at is None
        assert paused.paused_at == T + H
        assert clock_state(paused).state == "paused"
        # First response is not a resolution clock: it keeps running.
        assert clock(incident).due_at == T + 4 * H
        assert clock(incident).paused_at is None

        traveller.shift(2 * H)
        if resume_by == "customer_reply":
            incident_reply(incident=incident, author=res.member, body="Here are the logs")
        else:
            incident_change_status(incident=incident, actor=engineer, status="open")

    incident.refresh_from_db()
    assert incident.status == Status.OPEN
    resumed = clock(incident, "resolution")
    assert resumed.paused_at is None
    assert resumed.paused_seconds == 2 * 3600
    assert resumed.due_at == T + 10 * H + 2 * H
    assert resumed.warn_at == T + 7.5 * H + 2 * H
    assert [e.at for e in events(incident, "clock_paused")] == [T + H]
    assert [e.at for e in events(incident, "clock_resumed")] == [T + 3 * H]


def test_paused_time_survives_a_severity_change(res, staff):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=res.member, severity=2)
        traveller.shift(H)
        incident_change_status(incident=incident, actor=engineer, status="waiting_on_customer")
        traveller.shift(2 * H)
        incident_change_status(incident=incident, actor=engineer, status="open")
        traveller.shift(H)
        incident_change_severity(incident=incident, actor=engineer, severity=3)

    resolution = clock(incident, "resolution")
    assert resolution.target_minutes == 1440
    assert resolution.paused_seconds == 2 * 3600
    assert resolution.due_at == T + 24 * H + 2 * H


def test_severity_change_while_paused_stays_paused_and_resumes_with_new_target(res, staff):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=res.member, severity=2)
        traveller.shift(H)
        incident_change_status(incident=incident, actor=engineer, status="waiting_on_customer")
        traveller.shift(H)
        incident_change_severity(incident=incident, actor=engineer, severity=3)
        paused = clock(incident, "resolution")
        assert paused.due_at is None
        assert paused.paused_at == T + H
        assert paused.target_minutes == 1440
        traveller.shift(H)
        incident_reply(incident=incident, author=res.member, body="done")

    resolution = clock(incident, "resolution")
    assert resolution.paused_at is None
    assert resolution.due_at == T + 24 * H + 2 * H


def test_resolution_clock_gained_by_severity_change_while_waiting_starts_paused(res, staff):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        # The tier has no target at severity 4.
        incident = IncidentFactory(actor=res.member, severity=4)
        assert clock(incident, "resolution") is None
        incident_change_status(incident=incident, actor=engineer, status="waiting_on_customer")
        traveller.shift(H)
        incident_change_severity(incident=incident, actor=engineer, severity=2)
        gained = clock(incident, "resolution")
        assert gained.started_at == T
        assert gained.paused_at == T  # paused since the wait began, not since the change
        assert gained.due_at is None
        traveller.shift(H)
        incident_reply(incident=incident, author=res.member, body="Here are the logs")

    resumed = clock(incident, "resolution")
    # Two hours of waiting are credited: ten hours of target from the customer's reply.
    assert resumed.paused_seconds == 2 * 3600
    assert resumed.due_at == T + 2 * H + 10 * H


def test_resolution_clock_gained_after_a_reopening_credits_the_resolved_time(res, staff):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=res.member, severity=4)
        traveller.shift(H)
        incident_change_status(incident=incident, actor=engineer, status="resolved")
        traveller.shift(3 * H)
        incident_change_status(incident=incident, actor=engineer, status="open")
        traveller.shift(H)
        incident_change_severity(incident=incident, actor=engineer, severity=2)

    gained = clock(incident, "resolution")
    assert gained.paused_seconds == 3 * 3600
    assert gained.due_at == T + 3 * H + 10 * H


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_resolving_or_closing_stops_every_clock_and_it_never_breaches_later(res, staff, status):
    with time_machine.travel(T, tick=False) as traveller:
        done = IncidentFactory(actor=res.member, severity=2)
        control = IncidentFactory(actor=res.member, severity=2)
        traveller.shift(H)
        incident_change_status(incident=done, actor=staff["engineer"], status=status)

    # Only resolving is the event the resolution clock measures; nobody answered, so the
    # first response was closed before it: neither met nor breached.
    kept = {"first_response": None, "resolution": True if status == "resolved" else None}
    for metric, met in kept.items():
        stopped = clock(done, metric)
        assert stopped.stopped_at == T + H
        assert stopped.met is met
    assert {e.data["metric"] for e in events(done, "clock_stopped")} == {
        "first_response",
        "resolution",
    }

    later = T + datetime.timedelta(days=30)
    with time_machine.travel(later, tick=False):
        result = sweep(now=later)
    # The control incident's two clocks breach; the stopped ones never do.
    assert result.breaches == 2
    assert all(c.breached_at == later for c in SlaClock.objects.filter(incident=control))
    for stopped in SlaClock.objects.filter(incident=done):
        assert stopped.breached_at is None
        assert stopped.warned_at is None
        assert clock_state(stopped, later).state == ("met" if stopped.met else "stopped")
    assert events(done, "sla_breach") == []


def test_resolving_while_paused_stops_resolution_with_the_pause_counted(res, staff):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=res.member, severity=2)
        traveller.shift(H)
        incident_change_status(incident=incident, actor=engineer, status="waiting_on_customer")
        traveller.shift(20 * H)  # well past the unpaused 10 h target
        incident_change_status(incident=incident, actor=engineer, status="resolved")

    resolution = clock(incident, "resolution")
    assert resolution.paused_at is None
    assert resolution.stopped_at == T + 21 * H
    assert resolution.due_at == T + 10 * H + 20 * H
    assert resolution.met is True


@pytest.mark.parametrize("reopen_by", ["staff", "customer"])
def test_reopening_restarts_resolution_keeping_time_spent_not_an_answered_first_response(
    res, staff, reopen_by
):
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=res.member, severity=2)
        traveller.shift(H)
        incident_reply(incident=incident, author=staff["engineer"], body="Fixed: update now.")
        incident_change_status(incident=incident, actor=staff["engineer"], status="resolved")
        traveller.shift(3 * H)
        actor = staff["engineer"] if reopen_by == "staff" else res.member
        incident_change_status(incident=incident, actor=actor, status="open")

    resolution = clock(incident, "resolution")
    assert resolution.stopped_at is None
    assert resolution.paused_seconds == 3 * 3600
    # One hour was spent before resolving: nine of the ten remain from the reopening.
    assert resolution.due_at == T + 4 * H + 9 * H
    first = clock(incident)
    assert (first.stopped_at, first.met) == (T + H, True)
    assert [e.data["metric"] for e in events(incident, "clock_restarted")] == ["resolution"]


def test_editing_tier_targets_after_filing_does_not_change_the_clock(res, staff):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=res.member, severity=2)
        res.contract.tier.targets.filter(severity=2).update(minutes=5, clock="business")
        traveller.shift(H)
        # Clock arithmetic after the edit must still use the copied targets.
        incident_change_status(incident=incident, actor=engineer, status="waiting_on_customer")
        traveller.shift(H)
        incident_change_status(incident=incident, actor=engineer, status="open")

    first = clock(incident)
    assert (first.target_minutes, first.kind, first.due_at) == (240, "calendar", T + 4 * H)
    assert first.breached_at is None
    resolution = clock(incident, "resolution")
    assert (resolution.target_minutes, resolution.kind) == (600, "calendar")
    assert resolution.due_at == T + 11 * H
    assert Tier.objects.get(pk=res.contract.tier_id).targets.filter(minutes=5).count() == 2
