"""The SLA sweep with the clock frozen: warnings, breaches, recipients, exactly once."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents import sweep as sweep_module
from incidents.models import IncidentEvent, Notification, SlaClock
from incidents.outbox import outbox_send
from incidents.services import (
    incident_assign,
    incident_change_severity,
    incident_change_status,
    incident_file,
    incident_reply,
)
from incidents.sweep import sweep
from portal.models import WorkerHeartbeat
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def sev1(ours, staff):
    """A severity 1 incident on MSA Enterprise: 30 minutes, calendar time, warn at 75 %."""
    ours.contract.tam = staff["tam"]
    ours.contract.save(update_fields=["tam"])
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory(actor=ours.member, title="Outage", severity=1)
        incident_assign(incident=incident, actor=staff["admin"], assignee=staff["engineer"])
    Notification.objects.all().delete()
    return incident


def at(minutes):
    return T0 + datetime.timedelta(minutes=minutes)


def kinds(incident):
    return list(
        IncidentEvent.objects.filter(incident=incident, kind__startswith="sla_").values_list(
            "kind", flat=True
        )
    )


def test_nothing_due_records_nothing(sev1):
    result = sweep(now=at(10))
    assert (result.warnings, result.breaches) == (0, 0)
    assert kinds(sev1) == []


def test_warning_at_75_percent_then_breach_at_the_deadline(sev1, staff, ours):
    clock = SlaClock.objects.get(incident=sev1)
    assert clock.warn_at == at(22.5)
    assert clock.due_at == at(30)
    assert sweep(now=at(23)).warnings == 1
    assert kinds(sev1) == ["sla_warning"]
    warned = set(Notification.objects.values_list("recipient", flat=True))
    assert warned == {staff["engineer"].email, staff["tam"].email}

    result = sweep(now=at(31))
    assert (result.warnings, result.breaches) == (0, 1)
    assert kinds(sev1) == ["sla_warning", "sla_breach"]
    clock.refresh_from_db()
    assert clock.breached_at == at(31)
    breach_to = set(
        Notification.objects.filter(event_kind="sla_breach").values_list("recipient", flat=True)
    )
    # Severity 1: the duty manager hears of the breach too; customers only if the tier says so.
    assert breach_to == {staff["engineer"].email, staff["tam"].email, staff["duty_manager"].email}
    assert ours.admin.email not in breach_to


def test_each_warning_and_breach_is_recorded_once(sev1):
    for minute in (23, 24, 31, 32, 60):
        sweep(now=at(minute))
    assert kinds(sev1) == ["sla_warning", "sla_breach"]
    count = Notification.objects.count()
    sweep(now=at(90))
    assert Notification.objects.count() == count


def test_a_clock_past_both_marks_records_the_breach_only(sev1):
    sweep(now=at(45))
    assert kinds(sev1) == ["sla_breach"]


def test_the_tier_decides_whether_customers_hear(sev1, ours):
    tier = ours.contract.tier
    tier.notify_customer_on_sla = True
    tier.save(update_fields=["notify_customer_on_sla"])
    sweep(now=at(31))
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert ours.admin.email in recipients


def test_the_warning_share_is_per_tier(ours, staff):
    tier = ours.contract.tier
    tier.warn_at_percent = 50
    tier.save(update_fields=["warn_at_percent"])
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory(actor=ours.member, severity=1)
    assert SlaClock.objects.get(incident=incident).warn_at == at(15)


def test_severity_3_breach_does_not_page_the_duty_manager(ours, staff):
    ours.contract.calendar.always_open = True
    ours.contract.calendar.save(update_fields=["always_open"])
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory(actor=ours.member, severity=3)
        incident_assign(incident=incident, actor=staff["admin"], assignee=staff["engineer"])
    Notification.objects.all().delete()
    sweep(now=at(6 * 60 + 1))
    recipients = set(
        Notification.objects.filter(event_kind="sla_breach").values_list("recipient", flat=True)
    )
    assert recipients == {staff["engineer"].email}


def test_a_met_or_paused_clock_never_breaches(sev1, staff):
    with time_machine.travel(at(5), tick=False):
        incident_reply(incident=sev1, author=staff["engineer"], body="answer")
    sweep(now=at(60))
    assert kinds(sev1) == []


def test_a_resolved_incident_never_breaches_later(sev1, staff):
    with time_machine.travel(at(10), tick=False):
        incident_change_status(incident=sev1, actor=staff["engineer"], status="resolved")
    sweep(now=at(120))
    assert kinds(sev1) == []


def test_breach_emails_carry_the_headers(sev1, staff):
    sweep(now=at(31))
    mail.outbox.clear()
    with time_machine.travel(at(31), tick=False):
        outbox_send()
    breach = [m for m in mail.outbox if m.extra_headers["X-Portal-Event"] == "sla_breach"]
    assert len(breach) == 3
    assert all(m.extra_headers["X-Portal-Incident"] == sev1.number for m in breach)
    assert all("SLA breached" in m.subject for m in breach)


def test_an_error_on_one_clock_does_not_stop_the_sweep(ours, staff, monkeypatch, caplog):
    with time_machine.travel(T0, tick=False):
        bad = IncidentFactory(actor=ours.member, title="bad", severity=1)
        good = IncidentFactory(actor=ours.member, title="good", severity=1)
    real = sweep_module.SlaAudience.recipients

    def explode(people, row, kind):
        if row["incident_id"] == bad.pk:
            raise RuntimeError("template exploded")
        return real(people, row, kind)

    monkeypatch.setattr(sweep_module.SlaAudience, "recipients", explode)
    result = sweep(now=at(31))
    assert result.breaches == 1
    assert result.errors == 1
    assert kinds(good) == ["sla_breach"]
    assert kinds(bad) == []
    pushed = SlaClock.objects.get(incident=bad)
    assert pushed.sweep_after == at(31) + sweep_module.RETRY_AFTER
    assert "template exploded" in pushed.sweep_error
    assert bad.number in caplog.text

    monkeypatch.setattr(sweep_module.SlaAudience, "recipients", real)
    assert sweep(now=at(32)).breaches == 0  # not before its retry time
    assert sweep(now=at(37)).breaches == 1
    assert kinds(bad) == ["sla_breach"]


def test_sweep_records_its_heartbeat(sev1):
    sweep(now=at(1))
    assert WorkerHeartbeat.objects.get(name="sla_sweep").seen_at <= timezone.now()


# -- breaches recorded outside the sweep, moved deadlines, the outbox key -----------------


def breach_recipients(incident):
    return set(
        Notification.objects.filter(incident=incident, event_kind="sla_breach").values_list(
            "recipient", flat=True
        )
    )


def test_a_call_logged_after_its_deadline_is_notified_like_a_sweep_breach(ours, staff):
    ours.contract.tam = staff["tam"]
    ours.contract.save(update_fields=["tam"])
    with time_machine.travel(T0, tick=False):
        incident = incident_file(
            actor=staff["engineer"],
            organization=ours.organization,
            title="Called in",
            description="d",
            severity=1,
            channel="phone",
            received_at=at(-45),
        )
    assert kinds(incident) == ["sla_breach"]
    assert breach_recipients(incident) == {staff["tam"].email, staff["duty_manager"].email}
    row = Notification.objects.filter(event_kind="sla_breach").first()
    assert row.clock == SlaClock.objects.get(incident=incident)
    assert row.deadline == at(-15)
    # The sweep finds nothing more to do for it.
    count = Notification.objects.count()
    assert sweep(now=at(1)).breaches == 0
    assert Notification.objects.count() == count


def test_a_severity_change_past_the_new_deadline_is_notified(ours, staff):
    ours.contract.calendar.always_open = True
    ours.contract.calendar.save(update_fields=["always_open"])
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory(actor=ours.member, severity=3)
        incident_assign(incident=incident, actor=staff["admin"], assignee=staff["engineer"])
    with time_machine.travel(at(40), tick=False):
        incident_change_severity(incident=incident, actor=staff["admin"], severity=1)
    assert kinds(incident) == ["sla_breach"]
    assert breach_recipients(incident) == {staff["engineer"].email, staff["duty_manager"].email}


def test_a_longer_target_after_a_warning_warns_again_at_its_new_time(sev1, staff):
    assert sweep(now=at(23)).warnings == 1
    with time_machine.travel(at(25), tick=False):
        incident_change_severity(incident=sev1, actor=staff["admin"], severity=2)
    clock = SlaClock.objects.get(incident=sev1)
    # Severity 2: four hours, calendar time; warned again at three.
    assert (clock.due_at, clock.warn_at, clock.warned_at) == (at(240), at(180), None)
    assert sweep(now=at(100)).warnings == 0
    assert sweep(now=at(181)).warnings == 1
    assert kinds(sev1) == ["sla_warning", "sla_warning"]
    deadlines = set(
        Notification.objects.filter(event_kind="sla_warning").values_list("deadline", flat=True)
    )
    assert deadlines == {at(30), at(240)}


def test_a_shorter_target_after_a_warning_does_not_warn_twice(ours, staff):
    ours.contract.calendar.always_open = True
    ours.contract.calendar.save(update_fields=["always_open"])
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory(actor=ours.member, severity=2)
    assert sweep(now=at(181)).warnings == 1  # 75 % of four hours
    with time_machine.travel(at(182), tick=False):
        # Severity 1: 30 minutes from receipt, long past: a breach, not a second warning.
        incident_change_severity(incident=incident, actor=staff["admin"], severity=1)
    sweep(now=at(183))
    assert kinds(incident) == ["sla_warning", "sla_breach"]


def test_the_outbox_refuses_a_second_mail_for_the_same_clock_deadline_and_person(sev1):
    sweep(now=at(31))
    row = Notification.objects.filter(event_kind="sla_breach").first()
    # Another event row for the same breach (as a buggy or replayed writer would make).
    again = IncidentEvent.objects.create(
        organization_id=row.organization_id,
        incident=sev1,
        kind="sla_breach",
        at=at(32),
        data={},
    )
    duplicate = Notification(
        organization_id=row.organization_id,
        incident=sev1,
        event=again,
        event_kind="sla_breach",
        recipient=row.recipient,
        next_attempt_at=at(32),
        clock=row.clock,
        deadline=row.deadline,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    Notification.objects.bulk_create([duplicate], ignore_conflicts=True)
    assert (
        Notification.objects.filter(recipient=row.recipient, event_kind="sla_breach").count() == 1
    )


def test_a_severity_1_breach_is_escalated_on_the_staff_timeline(sev1, api, ours, staff):
    sweep(now=at(31))
    (escalated,) = IncidentEvent.objects.filter(incident=sev1, kind="escalated")
    assert escalated.internal is True
    assert escalated.data == {
        "metric": "first_response",
        "to": "duty manager",
        "reason": "sla_breach",
    }
    url = f"/api/v1/incidents/{sev1.pk}/events/"
    staff_kinds = [e["kind"] for e in api(staff["engineer"]).get(url).json()["results"]]
    customer_kinds = [e["kind"] for e in api(ours.member).get(url).json()["results"]]
    assert "escalated" in staff_kinds
    assert "escalated" not in customer_kinds
    # MSA Enterprise does not tell customers of breaches: not on their timeline either.
    assert "sla_breach" not in customer_kinds


def test_a_severity_3_breach_is_not_escalated(ours, staff):
    ours.contract.calendar.always_open = True
    ours.contract.calendar.save(update_fields=["always_open"])
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory(actor=ours.member, severity=3)
    sweep(now=at(6 * 60 + 1))
    assert kinds(incident) == ["sla_breach"]
    assert not IncidentEvent.objects.filter(incident=incident, kind="escalated").exists()


def test_sla_emails_say_which_clock_and_when_it_was_due(sev1):
    sweep(now=at(23))
    sweep(now=at(31))
    mail.outbox.clear()
    with time_machine.travel(at(31), tick=False):
        outbox_send()
    warning = next(m for m in mail.outbox if m.extra_headers["X-Portal-Event"] == "sla_warning")
    breach = next(m for m in mail.outbox if m.extra_headers["X-Portal-Event"] == "sla_breach")
    assert "The first response is due at Mon 23 Nov 2026, 10:30 UTC." in warning.body
    assert "The first response was due at Mon 23 Nov 2026, 10:30 UTC." in breach.body
    assert "By " not in breach.body  # recorded by the system, not by a person
