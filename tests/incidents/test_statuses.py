"""Incident statuses and the other changes a PATCH makes: the transition table, who may set
which status, reopening windows, automatic moves on replies, assignment, the event trail.
"""

import datetime

import pytest
import time_machine

from incidents.models import IncidentEvent, Status, ThreadEntry
from incidents.rules import TRANSITIONS
from incidents.services import incident_change_status, incident_reply
from tests.conftest import client_for
from tests.factories import IncidentFactory
from tests.incidents.conftest import MIN, H, T, clock, events, patch, results

pytestmark = pytest.mark.django_db


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
        incident = IncidentFactory(actor=tenant.member, severity=2)
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
    else:  # a move the current status does not allow: a conflict with the incident's state
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "status_conflict"
        assert incident.status == origin
        assert len(events(incident)) == before


def test_transition_table_forbids_closed_to_resolved_and_anything_to_new():
    assert "resolved" not in TRANSITIONS["closed"]
    assert all("new" not in allowed for allowed in TRANSITIONS.values())


def test_customer_may_close(tenant, api):
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member)
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
        incident = IncidentFactory(actor=tenant.member)
        incident_change_status(incident=incident, actor=staff["engineer"], status="resolved")
        traveller.shift(datetime.timedelta(days=days))
        response = patch(api(tenant.member), incident, status="open")

    incident.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content
        assert incident.status == "open"
    else:
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "status_conflict"
        assert "file a new incident" in response.json()["detail"]
        assert incident.status == "resolved"


def test_staff_may_reopen_long_after_resolution(tenant, staff, api):
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member)
        incident_change_status(incident=incident, actor=staff["engineer"], status="resolved")
        traveller.shift(datetime.timedelta(days=60))
        response = patch(api(staff["engineer"]), incident, status="open")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("target", ["waiting_on_customer", "resolved"])
def test_customer_may_not_set_staff_statuses(tenant, api, target):
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member)
        incident_reply(incident=incident, author=tenant.admin, body="hello")
        response = patch(api(tenant.admin), incident, status=target)
    assert response.status_code == 403, response.content
    incident.refresh_from_db()
    assert incident.status == "new"
    assert events(incident, "status_changed") == []


def test_replying_to_a_closed_incident_is_refused(tenant, staff, api):
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member)
        incident_change_status(incident=incident, actor=staff["engineer"], status="closed")
        for user in (tenant.member, staff["engineer"]):
            response = api(user).post(
                f"/api/v1/incidents/{incident.pk}/replies/", {"body": "still broken"}
            )
            assert response.status_code == 409, response.content
            assert response.json()["code"] == "status_conflict"
    assert not ThreadEntry.objects.filter(incident=incident, kind="reply").exists()


def test_staff_public_reply_moves_new_to_open_but_a_note_does_not(tenant, staff):
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member)
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
        incident = IncidentFactory(actor=tenant.member)
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
        incident = IncidentFactory(actor=tenant.member, severity=3)
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
    # Filing routes the incident (this contract has no TAM: the shared queue), then clocks.
    assert kinds[:3] == ["filed", "routed", "clock_started"]
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


def test_assigning_a_customer_contact_is_refused_naming_assignee(tenant, staff, api):
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member)
        response = patch(api(staff["engineer"]), incident, assignee=tenant.admin.pk)
    assert response.status_code == 400, response.content
    assert "assignee" in response.json()
    incident.refresh_from_db()
    assert incident.assignee is None
    assert events(incident, "assigned") == []


def test_a_refused_status_in_a_patch_undoes_the_severity_change_beside_it(tenant, staff):
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member, severity=3)
        before = (IncidentEvent.objects.count(), clock(incident).due_at)
        response = patch(client_for(staff["engineer"]), incident, severity=1, status="new")
    assert response.status_code == 409
    assert response.json()["code"] == "status_conflict"
    incident.refresh_from_db()
    assert incident.severity == 3
    assert (IncidentEvent.objects.count(), clock(incident).due_at) == before
