"""The first-response clock: what stops it, what never does, office hours, calls logged late.

Against DESIGN.md "SLA semantics"; instants and helpers come from this folder's conftest.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from incidents.models import ThreadEntry
from incidents.services import incident_file, incident_reply
from tests.factories import IncidentFactory
from tests.incidents.conftest import MADRID, MIN, H, T, clock, events

pytestmark = pytest.mark.django_db


def test_public_staff_reply_stops_first_response_and_is_met(tenant, staff):
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member, severity=2)
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
        incident = IncidentFactory(actor=tenant.member, severity=2)
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
        incident = IncidentFactory(actor=tenant.member, severity=2)
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
        incident = IncidentFactory(actor=tenant.member, severity=3)

    first = clock(incident)
    assert first.kind == "business"
    assert first.target_minutes == 360
    assert first.started_at == filed_at
    assert first.due_at == due_local.replace(tzinfo=MADRID)
    # 75 % of 6 working hours = 4.5 h.
    assert first.warn_at == first.due_at - datetime.timedelta(hours=1, minutes=30)


def test_filing_a_phone_call_received_past_its_deadline_breaches_at_once(tenant, staff):
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(
            actor=staff["engineer"],
            organization=tenant.organization,
            severity=1,
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
        incident_file(
            actor=staff["engineer"],
            organization=tenant.organization,
            title="Mail relay down",
            description="d",
            severity=1,
            received_at=T + H,
        )
    assert "received_at" in refused.value.message_dict
