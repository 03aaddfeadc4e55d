"""A signature change request's stage e-mails and its released-fix message, sent by a real
Celery worker that is killed (-9) and restarted while it sends: each arrives once."""

import collections
import time

import pytest

from incidents.models import Kind, Notification, OutboxStatus
from incidents.services.stages import incident_move_stage
from tests.conftest import make_tenant
from tests.factories import IncidentFactory
from tests.incidents.signature_helpers import analyst, held_product, release, signature
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def all_sent() -> bool:
    rows = Notification.objects.all()
    return rows.exists() and not rows.exclude(status=OutboxStatus.SENT).exists()


def test_stage_emails_and_the_fix_message_arrive_once_across_kill_9(worker, smtp_sink):
    tenant = make_tenant("Live Bank", tier_code="msa-start")  # no TAM: the analyst informs
    product = held_product(tenant)
    release(product, "2026.11.29.2", ago_hours=1)
    request = IncidentFactory(
        actor=tenant.member, kind=Kind.SIGNATURE_CHANGE, product=product, signature=signature()
    )
    person = analyst()
    fix = release(product, "2026.11.30.1", expedited=True)
    for stage, extra in (("analysing", {}), ("released", {"release": fix}), ("informed", {})):
        incident_move_stage(incident=request, actor=person, stage=stage, **extra)
    assert Notification.objects.filter(topic=f"fix:{fix.pk}").count() == 2

    for pause in (1.5, 2.5):
        worker.start()
        time.sleep(pause)
        worker.kill9()
    worker.start()
    assert wait_until(all_sent, timeout=60), worker.log.read_text()[-3000:]
    time.sleep(2)  # more outbox runs must add nothing

    rows = list(Notification.objects.all())
    received = collections.Counter(m["Message-ID"] for m in smtp_sink.snapshot())
    for row in rows:
        assert received[f"<notification-{row.pk}@support-portal>"] == 1, row
    assert sum(received.values()) == len(rows)
    stage_mail = [m for m in smtp_sink.snapshot() if m["X-Portal-Event"] == "stage_changed"]
    # Three moves, each to the customer's admin and the contact who filed.
    assert len(stage_mail) == 3 * 2
    bodies = " ".join(m.get_content() for m in stage_mail)
    assert "Analysing" in bodies
    assert "2026.11.30.1" in bodies
    fix_mail = [m for m in smtp_sink.snapshot() if m["X-Portal-Topic"] == f"fix:{fix.pk}"]
    assert sorted(m["To"] for m in fix_mail) == sorted([tenant.admin.email, tenant.member.email])
