"""SLA deadlines watched by a real Celery worker with beat, against real Redis and PostgreSQL.

Deadlines are made to fall due within seconds by logging phone calls received
almost half an hour ago on a 30-minute severity 1 target.
"""

import collections
import datetime
import random
import time

import pytest
from django.utils import timezone

from incidents.models import IncidentEvent, Notification, OutboxStatus, SlaClock
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, StaffFactory
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
TARGET = datetime.timedelta(minutes=30)  # MSA Enterprise, severity 1, calendar time


def phone_calls(due_in_seconds: list[float]):
    tenant = make_tenant("Live Bank")
    tam = StaffFactory(staff_role="tam")
    StaffFactory(staff_role="duty_manager")
    tenant.contract.tam = tam
    tenant.contract.save(update_fields=["tam"])
    clerk = StaffFactory(staff_role="engineer")
    now = timezone.now()
    return [
        IncidentFactory(
            actor=clerk,
            organization=tenant.organization,
            title=f"Call {i}",
            description="Logged from a phone call",
            severity=1,
            channel="phone",
            received_at=now - TARGET + datetime.timedelta(seconds=due),
        )
        for i, due in enumerate(due_in_seconds)
    ]


def all_breached_and_sent(incidents) -> bool:
    clocks = SlaClock.objects.filter(incident__in=incidents)
    return (
        not clocks.filter(breached_at__isnull=True).exists()
        and Notification.objects.filter(event_kind="sla_breach").count() > 0
        and not Notification.objects.exclude(status=OutboxStatus.SENT).exists()
    )


def check_exactly_once(incidents, sink):
    events = collections.Counter(
        IncidentEvent.objects.filter(
            incident__in=incidents, kind__in=["sla_warning", "sla_breach"]
        ).values_list("incident_id", "kind")
    )
    for incident in incidents:
        # A clock first seen after its deadline gets the breach only, never a late warning.
        assert events[(incident.pk, "sla_warning")] <= 1, incident.number
        assert events[(incident.pk, "sla_breach")] == 1, incident.number

    rows = list(Notification.objects.filter(incident__in=incidents))
    assert rows
    assert all(row.status == OutboxStatus.SENT for row in rows)
    received = collections.Counter(m["Message-ID"] for m in sink.snapshot())
    for row in rows:
        message_id = f"<notification-{row.pk}@support-portal>"
        assert received[message_id] == 1, f"{row} arrived {received[message_id]} times"
    assert sum(received.values()) == len(rows)
    by_id = {m["Message-ID"]: m for m in sink.snapshot()}
    for row in rows:
        message = by_id[f"<notification-{row.pk}@support-portal>"]
        assert message["X-Portal-Incident"] == row.incident.number
        assert message["X-Portal-Event"] == row.event_kind
        assert message["To"] == row.recipient


def test_worker_with_beat_records_breaches_and_sends_each_email_once(worker, smtp_sink):
    incidents = phone_calls([3, 6])
    worker.start()
    assert wait_until(lambda: all_breached_and_sent(incidents), timeout=60), worker.log.read_text()[
        -3000:
    ]
    time.sleep(3)  # a few more sweeps and outbox runs must add nothing
    check_exactly_once(incidents, smtp_sink)
    breach_mail = [m for m in smtp_sink.snapshot() if m["X-Portal-Event"] == "sla_breach"]
    # Severity 1: the TAM and the duty manager hear of each breach.
    assert len(breach_mail) == 2 * len(incidents)


def test_worker_and_beat_run_apart(worker_and_beat, smtp_sink):
    worker, beat = worker_and_beat
    incidents = phone_calls([3])
    beat.start()
    worker.start()
    assert wait_until(lambda: all_breached_and_sent(incidents), timeout=60), (
        beat.log.read_text()[-1500:] + worker.log.read_text()[-1500:]
    )
    assert "Scheduler: Sending due task sla-sweep" in beat.log.read_text()
    assert "-B" not in worker.command()
    check_exactly_once(incidents, smtp_sink)


def test_kill_9_chaos_loses_nothing_and_sends_nothing_twice(worker, smtp_sink):
    rng = random.Random(20261123)
    incidents = phone_calls([rng.uniform(2, 25) for _ in range(10)])
    deadline = time.monotonic() + 30
    kills = 0
    while time.monotonic() < deadline:
        worker.start()
        time.sleep(rng.uniform(1.0, 3.5))
        worker.kill9()
        kills += 1
    worker.start()
    assert wait_until(lambda: all_breached_and_sent(incidents), timeout=90), worker.log.read_text()[
        -3000:
    ]
    time.sleep(3)
    assert kills >= 6
    check_exactly_once(incidents, smtp_sink)
