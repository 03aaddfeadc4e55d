"""A clock stopped without its promise being kept is not "met": closing an incident nobody
answered stops its first-response clock as "stopped, not met" (neither met nor breached),
reopening it runs that clock again with the time already spent kept, and a clock removed
by a severity without a target keeps its credited time when the target comes back.
"""

import datetime

import pytest
import time_machine

from incidents.models import ClockStop, SlaClock
from incidents.rules import clock_met, met_condition, missed_condition
from incidents.selectors import clock_state
from incidents.services import incident_change_severity, incident_change_status, incident_reply
from incidents.sweep import sweep
from tests.factories import IncidentFactory
from tests.incidents.conftest import H, T, clock, events, patch

pytestmark = pytest.mark.django_db


def sla(api, user, incident, metric="first_response"):
    response = api(user).get(f"/api/v1/incidents/{incident.pk}/")
    assert response.status_code == 200, response.content
    return response.json()["sla"][metric]


@pytest.mark.parametrize("closed_by", ["customer", "staff_duplicate", "staff_plain"])
def test_closing_an_unanswered_incident_stops_first_response_as_not_met(
    tenant, staff, api, closed_by
):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member, severity=2)
        traveller.shift(H)
        if closed_by == "customer":
            incident_change_status(incident=incident, actor=tenant.member, status="closed")
        else:
            reason = "duplicate" if closed_by == "staff_duplicate" else ""
            incident_change_status(
                incident=incident, actor=engineer, status="closed", reason=reason
            )
        answer = sla(api, tenant.member, incident)

    first = clock(incident)
    assert (first.stopped_at, first.breached_at) == (T + H, None)
    assert first.stop_reason == ClockStop.CLOSED
    assert first.met is None
    assert clock_state(first, T + H).state == "stopped"
    assert clock_state(first, T + H).text == "closed before a response"
    (stopped,) = events(incident, "clock_stopped")
    assert stopped.data["met"] is None
    assert stopped.data["stop_reason"] == "closed"
    assert answer["met"] is None
    assert answer["stop_reason"] == "closed"
    assert answer["stopped_at"] is not None

    # Long after its deadline the sweep still leaves it alone: it never breaches.
    later = T + datetime.timedelta(days=3)
    with time_machine.travel(later, tick=False):
        sweep(now=later)
    assert clock(incident).met is None
    assert events(incident, "sla_breach") == []


def test_closing_an_answered_incident_leaves_its_met_first_response(tenant, staff, api):
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member, severity=2)
        traveller.shift(H)
        incident_reply(incident=incident, author=staff["engineer"], body="Looking at it")
        traveller.shift(H)
        incident_change_status(incident=incident, actor=tenant.member, status="closed")
        answer = sla(api, tenant.member, incident)
    first = clock(incident)
    assert (first.stopped_at, first.stop_reason, first.met) == (T + H, ClockStop.MEASURED, True)
    assert (answer["met"], answer["stop_reason"]) == (True, "measured")


def test_a_breached_clock_closed_unanswered_stays_breached(tenant, staff, api):
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member, severity=2)
    late = T + 5 * H
    with time_machine.travel(late, tick=False):
        sweep(now=late)
        incident_change_status(incident=incident, actor=tenant.member, status="closed")
        answer = sla(api, tenant.member, incident)
    first = clock(incident)
    assert first.breached_at == late
    assert first.met is False
    assert clock_state(first, late).state == "missed"
    assert answer["met"] is False


def test_a_clock_closed_after_its_deadline_before_the_sweep_saw_it_is_missed(tenant, staff):
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member, severity=2)
        traveller.shift(5 * H)  # past the 4 h deadline; no sweep ran
        incident_change_status(incident=incident, actor=tenant.member, status="closed")
    first = clock(incident)
    assert first.breached_at is None
    assert first.met is False


def test_the_incident_page_says_closed_before_a_response(client, tenant, staff):
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member, severity=2)
        traveller.shift(H)
        incident_change_status(incident=incident, actor=tenant.member, status="closed")
    client.force_login(tenant.member)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert '<span class="sla stopped">closed before a response</span>' in page
    assert "Clock stopped: first response, closed before a response" in page
    listed = client.get("/incidents/").content.decode()
    assert "closed before a response" in listed


@pytest.mark.parametrize("reopen_by", ["staff", "customer"])
def test_reopening_an_incident_closed_unanswered_restarts_first_response_with_time_kept(
    tenant, staff, api, reopen_by
):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member, severity=2)
        traveller.shift(H)
        incident_change_status(incident=incident, actor=tenant.member, status="closed")
        traveller.shift(2 * H)
        actor = engineer if reopen_by == "staff" else tenant.member
        incident_change_status(incident=incident, actor=actor, status="open")

        first = clock(incident)
        assert first.stopped_at is None
        assert first.stop_reason == ClockStop.RUNNING
        # One hour of four was spent before the close; the two closed hours are credited.
        assert first.paused_seconds == 2 * 3600
        assert first.due_at == T + 4 * H + 2 * H
        assert first.met is None
        answer = sla(api, tenant.member, incident)
        assert (answer["stopped_at"], answer["met"], answer["stop_reason"]) == (None, None, None)
        assert [e.data["metric"] for e in events(incident, "clock_restarted")] == ["first_response"]

        traveller.shift(H)
        incident_reply(incident=incident, author=engineer, body="Here is the fix")

    answered = clock(incident)
    assert (answered.stopped_at, answered.stop_reason) == (T + 4 * H, ClockStop.MEASURED)
    assert answered.met is True


def test_reopening_restarts_first_response_past_its_deadline_as_a_breach(tenant, staff):
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member, severity=2)
        traveller.shift(3 * H)
        incident_change_status(incident=incident, actor=tenant.member, status="closed")
        traveller.shift(H)
        incident_change_status(incident=incident, actor=tenant.member, status="open")
        traveller.shift(2 * H)  # three hours spent before, two after: five of four
        sweep(now=T + 6 * H)
    first = clock(incident)
    assert first.due_at == T + 5 * H
    assert first.breached_at == T + 6 * H
    assert [e.data["metric"] for e in events(incident, "sla_breach")] == ["first_response"]


def test_a_first_response_regained_after_removal_keeps_its_closed_time(res, staff):
    """Severity 4 has no target on this tier: the clock goes, and comes back with the
    time it stood closed still credited (its deadline as if it had never gone)."""
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=res.member, severity=2)
        traveller.shift(H)
        incident_change_status(incident=incident, actor=res.member, status="closed")
        traveller.shift(2 * H)
        incident_change_status(incident=incident, actor=res.member, status="open")
        assert clock(incident).due_at == T + 6 * H
        traveller.shift(H)
        incident_change_severity(incident=incident, actor=engineer, severity=4)
        assert clock(incident) is None
        traveller.shift(H)
        incident_change_severity(incident=incident, actor=engineer, severity=2)

    again = clock(incident)
    assert again.paused_seconds == 2 * 3600
    assert again.due_at == T + 6 * H
    assert again.breached_at is None
    assert events(incident, "sla_breach") == []


def test_a_resolution_clock_regained_after_removal_keeps_its_paused_time(res, staff):
    engineer = staff["engineer"]
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=res.member, severity=2)
        traveller.shift(H)
        incident_change_status(incident=incident, actor=engineer, status="waiting_on_customer")
        traveller.shift(3 * H)
        incident_reply(incident=incident, author=res.member, body="Logs attached")
        assert clock(incident, "resolution").due_at == T + 13 * H
        traveller.shift(H)
        incident_change_severity(incident=incident, actor=engineer, severity=4)
        assert clock(incident, "resolution") is None
        traveller.shift(H)
        incident_change_severity(incident=incident, actor=engineer, severity=2)

    again = clock(incident, "resolution")
    assert again.paused_seconds == 3 * 3600
    assert again.due_at == T + 13 * H


def test_a_clock_stopped_for_lack_of_target_stays_stopped_on_reopening(staff):
    from tests.conftest import make_tenant
    from tests.incidents.conftest import widen

    start = widen(make_tenant("Start GmbH", "msa-start"))
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(
            actor=staff["engineer"],
            organization=start.organization,
            severity=1,
            premium=True,
            received_at=T - datetime.timedelta(days=5),
        )
    with time_machine.travel(T + H, tick=False) as traveller:
        incident_change_severity(incident=incident, actor=staff["engineer"], severity=2)
        assert clock(incident).stop_reason == ClockStop.NO_TARGET
        incident_change_status(incident=incident, actor=staff["engineer"], status="closed")
        traveller.shift(H)
        incident_change_status(incident=incident, actor=staff["engineer"], status="open")
    kept = clock(incident)
    assert (kept.stopped_at, kept.stop_reason, kept.met) == (T + H, ClockStop.NO_TARGET, False)


def test_the_counting_conditions_agree_with_clock_met(tenant, staff):
    """Every outcome the rule knows, written as rows; SQL counts what Python decides."""
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member, severity=2)
    base = clock(incident)
    cases = []
    for reason in (ClockStop.MEASURED, ClockStop.CLOSED, ClockStop.NO_TARGET):
        for stopped in (T + H, T + 5 * H):  # before and after the 4 h deadline
            for breached in (None, T + 4 * H):
                cases.append((reason, stopped, breached))
    rows = []
    for n, (reason, stopped, breached) in enumerate(cases):
        row = SlaClock.objects.get(pk=base.pk)
        if n:
            row.pk = None
            other = IncidentFactory(actor=tenant.member, severity=2)
            SlaClock.objects.filter(incident=other).delete()
            row.incident = other
        row.stop_reason, row.stopped_at, row.breached_at = reason, stopped, breached
        row.save()
        rows.append(row)
    ids = [r.pk for r in rows]
    met = set(SlaClock.objects.filter(met_condition(), pk__in=ids).values_list("pk", flat=True))
    missed = set(
        SlaClock.objects.filter(missed_condition(), pk__in=ids).values_list("pk", flat=True)
    )
    assert met == {r.pk for r in rows if clock_met(r) is True}
    assert missed == {r.pk for r in rows if clock_met(r) is False}
    neither = {r.pk for r in rows if clock_met(r) is None}
    assert neither == {r.pk for r in rows if r.stop_reason != ClockStop.MEASURED} - missed
    assert len(neither) == 2  # closed or target lost, early, never breached


def test_api_patch_close_reports_met_null(tenant, staff, api):
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member, severity=2)
        response = patch(api(staff["engineer"]), incident, status="closed", reason="duplicate")
    assert response.status_code == 200, response.content
    first = response.json()["sla"]["first_response"]
    assert (first["met"], first["stop_reason"]) == (None, "closed")
