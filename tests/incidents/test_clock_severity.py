"""Severity changes and the SLA clocks: recomputed from the original start, never rewritten
when already met, removed or kept (as evidence) when the new severity has no target.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from incidents.services import incident_change_severity, incident_reply
from tests.conftest import make_tenant
from tests.factories import IncidentFactory
from tests.incidents.conftest import MADRID, MIN, H, T, clock, events, patch, widen

pytestmark = pytest.mark.django_db


def test_raising_severity_recomputes_from_original_start_and_breaches_at_once(tenant, staff):
    with time_machine.travel(T, tick=False) as traveller:
        incident = IncidentFactory(actor=tenant.member, severity=2)
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
        incident = IncidentFactory(actor=tenant.member, severity=1)
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
        incident = IncidentFactory(actor=tenant.member, severity=2)
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
        incident = IncidentFactory(actor=start.member, severity=1, premium=True)
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
        incident = IncidentFactory(actor=tenant.member, severity=3)
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
    # The same words as the pages and e-mails (contracts.sla.target_words).
    assert accepted.json()["sla"]["first_response"]["words"] == "30 minutes"


def test_a_breached_clock_is_kept_when_the_new_severity_has_no_target(staff):
    # MSA Start promises a first response at severity 1 only.
    start = widen(make_tenant("Start GmbH", "msa-start"))
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(
            actor=staff["engineer"],
            organization=start.organization,
            severity=1,
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
        incident = IncidentFactory(actor=start.member, severity=1, premium=True)
        incident_change_severity(incident=incident, actor=staff["engineer"], severity=3)
    assert clock(incident) is None
    assert events(incident, "clock_stopped")[-1].data["reason"] == "no target at severity 3"
