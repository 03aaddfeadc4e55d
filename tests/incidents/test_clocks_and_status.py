"""SLA clocks and incident statuses, against DESIGN.md "SLA semantics".

Time is frozen with time-machine (tick=False) and moved explicitly, so every
deadline below is an exact instant.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from contracts.models import Tier
from incidents.models import IncidentEvent, SlaClock, Status, ThreadEntry
from incidents.rules import TRANSITIONS
from incidents.selectors import clock_state
from incidents.services import (
    incident_change_severity,
    incident_change_status,
    incident_file,
    incident_reply,
)
from incidents.sweep import sweep
from tests.conftest import client_for, make_tenant
from tests.factories import TierFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
MADRID = ZoneInfo("Europe/Madrid")
# A Wednesday in June: far from any DST change, inside the widened contracts.
T = datetime.datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
H = datetime.timedelta(hours=1)
MIN = datetime.timedelta(minutes=1)


# -- helpers ------------------------------------------------------------------------------


def widen(tenant):
    """Make the tenant's contract cover every instant these tests travel to."""
    tenant.contract.starts_on = datetime.date(2020, 1, 1)
    tenant.contract.ends_on = datetime.date(2035, 12, 31)
    tenant.contract.save(update_fields=["starts_on", "ends_on"])
    return tenant


def file(tenant, severity=2, actor=None, **extra):
    return incident_file(
        actor=actor or tenant.member,
        title="Mail relay down",
        description="d",
        severity=severity,
        **extra,
    )


def clock(incident, metric="first_response"):
    return SlaClock.objects.filter(incident=incident, metric=metric).first()


def events(incident, kind=None):
    found = IncidentEvent.objects.filter(incident=incident).order_by("at", "id")
    return list(found.filter(kind=kind) if kind else found)


def patch(client, incident, **data):
    return client.patch(f"/api/v1/incidents/{incident.pk}/", data, format="json")


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def tenant(ours):
    """Ours on MSA Enterprise (first response only), valid on every travelled-to day."""
    return widen(ours)


@pytest.fixture
def resolution_tier(db):
    """A tier that also promises resolution (no seeded tier does)."""
    tier = TierFactory()
    for severity, first, resolution in [(1, 30, 240), (2, 240, 600), (3, 480, 1440)]:
        tier.targets.create(
            severity=severity, metric="first_response", minutes=first, clock="calendar"
        )
        tier.targets.create(
            severity=severity, metric="resolution", minutes=resolution, clock="calendar"
        )
    return tier


@pytest.fixture
def res(tenant, resolution_tier):
    """Ours on the resolution tier."""
    tenant.contract.tier = resolution_tier
    tenant.contract.save(update_fields=["tier"])
    return tenant


# -- clocks: first response ---------------------------------------------------------------


def test_public_staff_reply_stops_first_response_and_is_met(tenant, staff):
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(tenant, severity=2)
        traveller.shift(H)
        incident_reply(incident=incident, author=staff["engineer"], body="Looking at it")

    first = clock(incident)
    assert first.stopped_at == T + H
    assert first.due_at == T + 4 * H
    assert first.met is True
    (stopped,) = events(incident, "clock_stopped")
    assert stopped.at == T + H
    assert stopped.data["metric"] == "first_response"
    assert stopped.data["met"] is True


def test_notes_customer_replies_acknowledgement_and_unqualified_replies_never_stop_first_response(
    tenant, staff, api
):
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(tenant, severity=2)
        assert ThreadEntry.objects.filter(incident=incident, kind="auto_ack").count() == 1
        traveller.shift(10 * MIN)
        incident_reply(incident=incident, author=staff["engineer"], body="note", internal=True)
        traveller.shift(10 * MIN)
        incident_reply(incident=incident, author=tenant.member, body="any news?")
        traveller.shift(10 * MIN)
        response = api(staff["engineer"]).post(
            f"/api/v1/incidents/{incident.pk}/replies/",
            {"body": "Got it, checking", "qualified": False},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["qualified_response"] is False

    first = clock(incident)
    assert first.stopped_at is None
    assert first.met is None
    assert first.due_at == T + 4 * H
    assert events(incident, "clock_stopped") == []


def test_only_the_first_qualified_reply_stops_first_response(tenant, staff):
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(tenant, severity=2)
        traveller.shift(H)
        incident_reply(incident=incident, author=staff["engineer"], body="first")
        traveller.shift(H)
        incident_reply(incident=incident, author=staff["tam"], body="second")

    assert clock(incident).stopped_at == T + H
    assert len(events(incident, "clock_stopped")) == 1


@pytest.mark.parametrize(
    ("filed_local", "due_local"),
    [
        # Friday 16:00: one working hour left that day, five more on Monday from 09:00.
        (datetime.datetime(2026, 6, 5, 16, 0), datetime.datetime(2026, 6, 8, 14, 0)),
        # Saturday: the clock starts at Monday's opening.
        (datetime.datetime(2026, 6, 6, 11, 30), datetime.datetime(2026, 6, 8, 15, 0)),
    ],
    ids=["friday_16h_due_monday_14h", "saturday_due_monday_15h"],
)
def test_business_clock_counts_only_office_hours(tenant, filed_local, due_local):
    filed_at = filed_local.replace(tzinfo=MADRID)
    with time_machine.travel(filed_at, tick=False):
        incident = file(tenant, severity=3)

    first = clock(incident)
    assert first.kind == "business"
    assert first.target_minutes == 360
    assert first.started_at == filed_at
    assert first.due_at == due_local.replace(tzinfo=MADRID)
    # 75 % of 6 working hours = 4.5 h.
    assert first.warn_at == first.due_at - datetime.timedelta(hours=1, minutes=30)


# -- clocks: severity changes -------------------------------------------------------------


def test_raising_severity_recomputes_from_original_start_and_breaches_at_once(tenant, staff):
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(tenant, severity=2)
        assert clock(incident).due_at == T + 4 * H
        traveller.shift(H)
        incident_change_severity(incident=incident, actor=staff["engineer"], severity=1)

    first = clock(incident)
    assert first.started_at == T
    assert first.target_minutes == 30
    assert first.due_at == T + 30 * MIN
    assert first.breached_at == T + H
    (breach,) = events(incident, "sla_breach")
    assert breach.at == T + H
    assert breach.data["metric"] == "first_response"
    changed = events(incident, "severity_changed")
    assert [(e.data["old"], e.data["new"]) for e in changed] == [(2, 1)]


def test_lowering_severity_extends_due_from_original_start(tenant, staff):
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(tenant, severity=1)
        traveller.shift(10 * MIN)
        incident_change_severity(incident=incident, actor=staff["engineer"], severity=2)

    first = clock(incident)
    assert first.started_at == T
    assert first.target_minutes == 240
    assert first.due_at == T + 4 * H
    assert first.warn_at == T + 3 * H
    assert first.breached_at is None
    assert events(incident, "sla_breach") == []


def test_severity_change_leaves_a_met_first_response_clock_alone(tenant, staff):
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(tenant, severity=2)
        traveller.shift(H)
        incident_reply(incident=incident, author=staff["engineer"], body="on it")
        before = clock(incident)
        traveller.shift(H)
        incident_change_severity(incident=incident, actor=staff["engineer"], severity=1)

    after = clock(incident)
    assert after.pk == before.pk
    assert (after.target_minutes, after.due_at, after.stopped_at) == (240, T + 4 * H, T + H)
    assert after.breached_at is None
    assert after.met is True
    assert events(incident, "sla_breach") == []


def test_severity_without_target_removes_clock_and_changing_back_restarts_from_receipt(db, staff):
    start = widen(make_tenant("Start Co", "msa-start"))
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(start, severity=1, premium=True)
        original = clock(incident)
        assert original is not None
        traveller.shift(H)
        incident_change_severity(incident=incident, actor=staff["engineer"], severity=2)
        assert clock(incident) is None
        traveller.shift(H)
        incident_change_severity(incident=incident, actor=staff["engineer"], severity=1)

    again = clock(incident)
    assert again.started_at == incident.received_at == T
    assert again.target_minutes == 360
    assert again.due_at == original.due_at
    # Wednesday 12:00 Madrid + 6 working hours = Thursday 10:00 Madrid.
    assert again.due_at == datetime.datetime(2026, 6, 4, 10, 0, tzinfo=MADRID)
    assert len(events(incident, "clock_started")) == 2


def test_only_staff_may_change_severity(tenant, staff, api):
    with time_machine.travel(T, tick=False):
        incident = file(tenant, severity=3)
        refused = patch(api(tenant.admin), incident, severity=1)
        assert refused.status_code == 403
        with pytest.raises(PermissionDenied):
            incident_change_severity(incident=incident, actor=tenant.admin, severity=1)
        incident.refresh_from_db()
        assert incident.severity == 3
        assert events(incident, "severity_changed") == []

        accepted = patch(api(staff["engineer"]), incident, severity=1)
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["severity"] == 1
    assert accepted.json()["sla"]["first_response"]["target_minutes"] == 30


# -- clocks: resolution, pausing, resolving, reopening ------------------------------------


@pytest.mark.parametrize("resume_by", ["customer_reply", "staff_sets_open"])
def test_resolution_pauses_while_waiting_on_customer_and_resumes_pushed_out(res, staff, resume_by):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(res, severity=2)
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
        incident = file(res, severity=2)
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
        incident = file(res, severity=2)
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
        incident = file(res, severity=4)  # the tier has no target at severity 4
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
        incident = file(res, severity=4)
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
        done = file(res, severity=2)
        control = file(res, severity=2)
        traveller.shift(H)
        incident_change_status(incident=done, actor=staff["engineer"], status=status)

    for metric in ("first_response", "resolution"):
        stopped = clock(done, metric)
        assert stopped.stopped_at == T + H
        assert stopped.met is True
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
        assert clock_state(stopped, later).state == "met"
    assert events(done, "sla_breach") == []


def test_resolving_while_paused_stops_resolution_with_the_pause_counted(res, staff):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(res, severity=2)
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
def test_reopening_restarts_resolution_keeping_time_spent_never_first_response(
    res, staff, reopen_by
):
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(res, severity=2)
        traveller.shift(H)
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
    assert first.stopped_at == T + H
    assert [e.data["metric"] for e in events(incident, "clock_restarted")] == ["resolution"]


def test_filing_a_phone_call_received_past_its_deadline_breaches_at_once(tenant, staff):
    with time_machine.travel(T, tick=False):
        incident = file(
            tenant,
            severity=1,
            actor=staff["engineer"],
            organization=tenant.organization,
            channel="phone",
            received_at=T - 2 * H,
        )

    first = clock(incident)
    assert incident.channel == "phone"
    assert first.started_at == T - 2 * H
    assert first.due_at == T - 90 * MIN
    assert first.breached_at == T
    (breach,) = events(incident, "sla_breach")
    assert breach.data["metric"] == "first_response"


def test_filing_with_a_future_received_at_is_refused(tenant, staff):
    with time_machine.travel(T, tick=False), pytest.raises(ValidationError) as refused:
        file(
            tenant,
            severity=1,
            actor=staff["engineer"],
            organization=tenant.organization,
            received_at=T + H,
        )
    assert "received_at" in refused.value.message_dict


def test_editing_tier_targets_after_filing_does_not_change_the_clock(res, staff):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(res, severity=2)
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


# -- statuses -----------------------------------------------------------------------------

ALL = list(Status.values)
PATH_TO = {  # how a new incident reaches each status (every step is allowed from new)
    "new": [],
    "open": ["open"],
    "waiting_on_customer": ["waiting_on_customer"],
    "resolved": ["resolved"],
    "closed": ["closed"],
}


@pytest.mark.parametrize("target", ALL)
@pytest.mark.parametrize("origin", ALL)
def test_staff_transitions_follow_the_transition_table(tenant, staff, api, origin, target):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(tenant, severity=2)
        for step in PATH_TO[origin]:
            incident_change_status(incident=incident, actor=engineer, status=step)
        traveller.shift(H)
        before = len(events(incident))
        response = patch(api(engineer), incident, status=target)

    incident.refresh_from_db()
    allowed = target != origin and target != "new" and target in TRANSITIONS[origin]
    if allowed:
        assert response.status_code == 200, response.content
        assert incident.status == target
        changed = events(incident, "status_changed")[-1]
        assert (changed.data["old"], changed.data["new"]) == (origin, target)
        assert changed.actor == engineer
    else:
        assert response.status_code == 400, response.content
        assert "status" in response.json()
        assert incident.status == origin
        assert len(events(incident)) == before


def test_transition_table_forbids_closed_to_resolved_and_anything_to_new():
    assert "resolved" not in TRANSITIONS["closed"]
    assert all("new" not in allowed for allowed in TRANSITIONS.values())


def test_customer_may_close(tenant, api):
    with time_machine.travel(T, tick=False):
        incident = file(tenant)
        response = patch(api(tenant.member), incident, status="closed")
    assert response.status_code == 200, response.content
    incident.refresh_from_db()
    assert incident.status == "closed"
    assert incident.closed_at == T


@pytest.mark.parametrize(("days", "allowed"), [(13, True), (15, False)], ids=["day_13", "day_15"])
def test_customer_may_reopen_only_within_14_days_of_resolution(
    tenant, staff, api, settings, days, allowed
):
    assert settings.PORTAL_REOPEN_DAYS == 14
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(tenant)
        incident_change_status(incident=incident, actor=staff["engineer"], status="resolved")
        traveller.shift(datetime.timedelta(days=days))
        response = patch(api(tenant.member), incident, status="open")

    incident.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content
        assert incident.status == "open"
    else:
        assert response.status_code == 400, response.content
        assert "file a new incident" in " ".join(response.json()["status"])
        assert incident.status == "resolved"


def test_staff_may_reopen_long_after_resolution(tenant, staff, api):
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(tenant)
        incident_change_status(incident=incident, actor=staff["engineer"], status="resolved")
        traveller.shift(datetime.timedelta(days=60))
        response = patch(api(staff["engineer"]), incident, status="open")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("target", ["waiting_on_customer", "resolved"])
def test_customer_may_not_set_staff_statuses(tenant, api, target):
    with time_machine.travel(T, tick=False):
        incident = file(tenant)
        incident_reply(incident=incident, author=tenant.admin, body="hello")
        response = patch(api(tenant.admin), incident, status=target)
    assert response.status_code == 403, response.content
    incident.refresh_from_db()
    assert incident.status == "new"
    assert events(incident, "status_changed") == []


def test_replying_to_a_closed_incident_is_refused(tenant, staff, api):
    with time_machine.travel(T, tick=False):
        incident = file(tenant)
        incident_change_status(incident=incident, actor=staff["engineer"], status="closed")
        for user in (tenant.member, staff["engineer"]):
            response = api(user).post(
                f"/api/v1/incidents/{incident.pk}/replies/", {"body": "still broken"}
            )
            assert response.status_code == 400, response.content
            assert "body" in response.json()
    assert not ThreadEntry.objects.filter(incident=incident, kind="reply").exists()


def test_staff_public_reply_moves_new_to_open_but_a_note_does_not(tenant, staff):
    with time_machine.travel(T, tick=False):
        incident = file(tenant)
        incident_reply(incident=incident, author=staff["engineer"], body="n", internal=True)
        incident.refresh_from_db()
        assert incident.status == "new"
        incident_reply(incident=incident, author=staff["engineer"], body="on it")
    incident.refresh_from_db()
    assert incident.status == "open"
    (changed,) = events(incident, "status_changed")
    assert (changed.data["old"], changed.data["new"]) == ("new", "open")


def test_customer_reply_moves_waiting_on_customer_to_open(tenant, staff):
    with time_machine.travel(T, tick=False):
        incident = file(tenant)
        incident_change_status(
            incident=incident, actor=staff["engineer"], status="waiting_on_customer"
        )
        incident_reply(incident=incident, author=tenant.member, body="logs attached")
    incident.refresh_from_db()
    assert incident.status == "open"
    changes = [(e.data["old"], e.data["new"]) for e in events(incident, "status_changed")]
    assert changes == [("new", "waiting_on_customer"), ("waiting_on_customer", "open")]


def test_every_change_writes_its_event_in_order(tenant, staff, api):
    engineer, tam = staff["engineer"], staff["tam"]
    client = api(engineer)
    with time_machine.travel(T, tick=False) as traveller:
        incident = file(tenant, severity=3)
        traveller.shift(MIN)
        assert patch(client, incident, severity=2).status_code == 200
        traveller.shift(MIN)
        assert patch(client, incident, assignee=tam.pk).status_code == 200
        traveller.shift(MIN)
        assert patch(client, incident, status="open").status_code == 200
        traveller.shift(MIN)
        assert patch(client, incident, status="resolved").status_code == 200
        rows = results(client.get(f"/api/v1/incidents/{incident.pk}/events/"))

    kinds = [row["kind"] for row in rows]
    assert kinds[:2] == ["filed", "clock_started"]
    assert [k for k in kinds if k in ("severity_changed", "assigned", "status_changed")] == [
        "severity_changed",
        "assigned",
        "status_changed",
        "status_changed",
    ]
    assert kinds.index("severity_changed") < kinds.index("assigned") < kinds.index("clock_stopped")
    by_kind = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row)
    severity = by_kind["severity_changed"][0]["data"]
    assert (severity["old"], severity["new"]) == (3, 2)
    assert by_kind["assigned"][0]["data"]["new"] == tam.pk
    assert by_kind["assigned"][0]["actor"] == engineer.pk
    assert [(r["data"]["old"], r["data"]["new"]) for r in by_kind["status_changed"]] == [
        ("new", "open"),
        ("open", "resolved"),
    ]
    stamps = [row["at"] for row in rows]
    assert stamps == sorted(stamps)
    incident.refresh_from_db()
    assert incident.assignee == tam


def _note_and_reply(tenant, staff):
    with time_machine.travel(T, tick=False):
        incident = file(tenant)
        note = incident_reply(
            incident=incident, author=staff["engineer"], body="secret", internal=True
        )
        public = incident_reply(incident=incident, author=staff["engineer"], body="public")
    return incident, note, public


def _replied_entries(client, incident) -> set[int]:
    rows = results(client.get(f"/api/v1/incidents/{incident.pk}/events/"))
    return {row["data"]["entry"] for row in rows if row["kind"] == "replied"}


def test_customers_never_see_internal_notes_but_staff_do(tenant, staff, api):
    incident, note, public = _note_and_reply(tenant, staff)
    url = f"/api/v1/incidents/{incident.pk}/replies/"
    customer, provider = api(tenant.member), api(staff["engineer"])

    customer_replies = {row["id"] for row in results(customer.get(url))}
    assert public.pk in customer_replies
    assert note.pk not in customer_replies
    assert {note.pk, public.pk} <= {row["id"] for row in results(provider.get(url))}

    assert note.pk not in _replied_entries(customer, incident)
    assert _replied_entries(provider, incident) == {note.pk, public.pk}


def test_customers_see_the_replied_event_of_a_public_reply(tenant, staff, api):
    incident, _note, public = _note_and_reply(tenant, staff)
    assert _replied_entries(api(tenant.member), incident) == {public.pk}


def test_assigning_a_customer_contact_is_refused_naming_assignee(tenant, staff, api):
    with time_machine.travel(T, tick=False):
        incident = file(tenant)
        response = patch(api(staff["engineer"]), incident, assignee=tenant.admin.pk)
    assert response.status_code == 400, response.content
    assert "assignee" in response.json()
    incident.refresh_from_db()
    assert incident.assignee is None
    assert events(incident, "assigned") == []


def test_a_breached_clock_is_kept_when_the_new_severity_has_no_target(staff):
    # MSA Start promises a first response at severity 1 only.
    start = widen(make_tenant("Start GmbH", "msa-start"))
    with time_machine.travel(T, tick=False):
        incident = file(
            start,
            severity=1,
            actor=staff["engineer"],
            organization=start.organization,
            premium=True,
            received_at=T - datetime.timedelta(days=5),
        )
        assert clock(incident).breached_at == T
    with time_machine.travel(T + H, tick=False):
        incident_change_severity(incident=incident, actor=staff["engineer"], severity=2)

    kept = clock(incident)
    assert kept is not None, "the breach is evidence and stays on record"
    assert (kept.breached_at, kept.stopped_at) == (T, T + H)
    stopped = events(incident, "clock_stopped")[-1]
    assert stopped.data["met"] is False
    assert "no target at severity 2" in stopped.data["reason"]


def test_an_unbreached_clock_goes_when_the_new_severity_has_no_target(staff):
    start = widen(make_tenant("Start GmbH", "msa-start"))
    with time_machine.travel(T, tick=False):
        incident = file(start, severity=1, premium=True)
        incident_change_severity(incident=incident, actor=staff["engineer"], severity=3)
    assert clock(incident) is None
    assert events(incident, "clock_stopped")[-1].data["reason"] == "no target at severity 3"


def test_a_refused_status_in_a_patch_undoes_the_severity_change_beside_it(tenant, staff):
    with time_machine.travel(T, tick=False):
        incident = file(tenant, severity=3)
        before = (IncidentEvent.objects.count(), clock(incident).due_at)
        response = patch(client_for(staff["engineer"]), incident, severity=1, status="new")
    assert response.status_code == 400
    assert "status" in response.json()
    incident.refresh_from_db()
    assert incident.severity == 3
    assert (IncidentEvent.objects.count(), clock(incident).due_at) == before
