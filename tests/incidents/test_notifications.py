"""Notification e-mails through the outbox: who is told, headers, exactly-once rows, retries."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from incidents.models import Notification, OutboxStatus
from incidents.notifications import notify
from incidents.outbox import MAX_ATTEMPTS, outbox_send
from incidents.services import (
    incident_assign,
    incident_change_status,
    incident_reply,
)
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(ours, staff, django_capture_on_commit_callbacks):
    ours.contract.tam = staff["tam"]
    ours.contract.save(update_fields=["tam"])
    with django_capture_on_commit_callbacks(execute=True):
        incident = IncidentFactory(actor=ours.member, title="VPN down", severity=2)
    return incident


def sent(kind):
    return sorted(m.to[0] for m in mail.outbox if m.extra_headers.get("X-Portal-Event") == kind)


def test_filing_tells_the_customer_admins_the_filer_and_the_tam(incident, ours, staff):
    assert sent("filed") == sorted([ours.admin.email, ours.member.email, staff["tam"].email])
    message = next(m for m in mail.outbox if m.to == [ours.admin.email])
    assert message.extra_headers["X-Portal-Incident"] == incident.number
    assert incident.number in message.subject
    assert f"/incidents/{incident.pk}/" in message.body


def test_public_staff_reply_tells_the_customer_side(
    incident, ours, staff, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_reply(incident=incident, author=staff["engineer"], body="Restart the gateway")
    assert sent("replied") == sorted([ours.admin.email, ours.member.email])
    assert "Restart the gateway" in mail.outbox[0].body


def test_internal_note_tells_nobody(incident, staff, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_reply(incident=incident, author=staff["engineer"], body="secret", internal=True)
    assert mail.outbox == []
    assert not Notification.objects.filter(event_kind="replied").exists()


def test_customer_reply_tells_the_assignee(
    incident, ours, staff, django_capture_on_commit_callbacks
):
    incident_assign(incident=incident, actor=staff["admin"], assignee=staff["engineer"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_reply(incident=incident, author=ours.member, body="Still down")
    assert sent("replied") == [staff["engineer"].email]


def test_status_change_tells_both_sides(incident, ours, staff, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_change_status(incident=incident, actor=staff["engineer"], status="resolved")
    assert sent("status_changed") == sorted(
        [ours.admin.email, ours.member.email, staff["tam"].email]
    )


def test_a_second_notification_for_the_same_event_and_recipient_is_impossible(incident, ours):
    event = incident.events.get(kind="filed")
    before = Notification.objects.filter(event=event).count()
    notify(event, [ours.admin])
    notify(event, [ours.admin])
    assert Notification.objects.filter(event=event).count() == before
    assert Notification.objects.filter(event=event, recipient=ours.admin.email).count() == 1


def test_sending_twice_sends_each_row_once(incident):
    mail.outbox.clear()
    Notification.objects.update(status=OutboxStatus.PENDING, sent_at=None)
    first = outbox_send()
    assert first == Notification.objects.count()
    assert outbox_send() == 0
    assert len(mail.outbox) == first


@pytest.mark.django_db(transaction=True)
def test_a_row_held_by_another_worker_is_skipped_not_sent(ours, staff):
    import threading

    from django.db import connection, transaction

    incident = IncidentFactory(actor=ours.member, severity=2)
    Notification.objects.update(status=OutboxStatus.PENDING, attempts=0)
    mail.outbox.clear()
    held, release = threading.Event(), threading.Event()

    def other_worker():
        with transaction.atomic():
            list(Notification.objects.select_for_update())
            held.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    held.wait(10)
    try:
        assert outbox_send() == 0
        assert mail.outbox == []
    finally:
        release.set()
        thread.join()
    assert outbox_send() == Notification.objects.filter(incident=incident).count()


def test_failures_are_retried_with_backoff_then_given_up(incident, settings):
    Notification.objects.update(status=OutboxStatus.PENDING, attempts=0)
    settings.EMAIL_BACKEND = "tests.incidents.failing_backend.EmailBackend"
    row = Notification.objects.first()
    Notification.objects.exclude(pk=row.pk).delete()
    now = timezone.now()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with time_machine.travel(now + datetime.timedelta(days=attempt), tick=False):
            assert outbox_send() == 0
        row.refresh_from_db()
        assert row.attempts == attempt
        assert "SMTP server said no" in row.last_error
    assert row.status == OutboxStatus.FAILED
    with time_machine.travel(now + datetime.timedelta(days=99), tick=False):
        assert outbox_send() == 0
    row.refresh_from_db()
    assert row.attempts == MAX_ATTEMPTS


def test_retry_waits_for_its_backoff(incident, settings):
    Notification.objects.update(status=OutboxStatus.PENDING, attempts=0)
    settings.EMAIL_BACKEND = "tests.incidents.failing_backend.EmailBackend"
    Notification.objects.exclude(pk=Notification.objects.first().pk).delete()
    outbox_send()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    assert outbox_send() == 0  # not due yet
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        assert outbox_send() == 1
    assert Notification.objects.get().status == OutboxStatus.SENT


def test_a_row_another_sender_just_failed_waits_for_its_backoff(incident, settings):
    from incidents.outbox import _send_one, _Smtp

    Notification.objects.update(status=OutboxStatus.PENDING, attempts=0)
    settings.EMAIL_BACKEND = "tests.incidents.failing_backend.EmailBackend"
    row = Notification.objects.first()
    Notification.objects.exclude(pk=row.pk).delete()
    # Sender A listed the row; sender B failed it first and set its backoff.
    assert outbox_send() == 0
    row.refresh_from_db()
    assert (row.attempts, row.status) == (1, OutboxStatus.PENDING)
    assert _send_one(row.pk, _Smtp()) is None  # A skips it instead of retrying at once
    row.refresh_from_db()
    assert row.attempts == 1


def test_the_sender_stops_taking_rows_when_its_time_is_up(incident):
    Notification.objects.update(status=OutboxStatus.PENDING, attempts=0)
    mail.outbox.clear()
    assert outbox_send(budget_seconds=-1) == 0
    assert mail.outbox == []
    assert outbox_send() == Notification.objects.count()


def fresh_broker_pools(app):
    """Drop the app's cached connection and producer pools (they are made again on use)."""
    app._pool = None
    app.amqp._producer_pool = None


def test_an_unreachable_broker_does_not_fail_a_committed_change(
    ours, staff, settings, caplog, django_capture_on_commit_callbacks
):
    from portal.celery import app

    incident = IncidentFactory(actor=ours.member, severity=2)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    broker, retry = app.conf.broker_url, app.conf.broker_connection_retry
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    app.conf.broker_connection_retry = False
    fresh_broker_pools(app)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            entry = incident_reply(incident=incident, author=staff["engineer"], body="Fixed")
    finally:
        app.conf.broker_url, app.conf.broker_connection_retry = broker, retry
        app.conf.task_always_eager = True
        fresh_broker_pools(app)
    assert entry.pk is not None
    assert "Could not queue the outbox sender" in caplog.text
    assert Notification.objects.filter(event_kind="replied", status="pending").exists()


def test_plain_text_e_mails_carry_text_as_written_not_html_escaped(
    ours, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = IncidentFactory(actor=ours.member, title="R&D <lab> isn't up", severity=2)
        incident_reply(incident=incident, author=staff["engineer"], body='Use "safe mode" & retry')
    bodies = "\n".join(m.body for m in mail.outbox)
    assert "R&D <lab> isn't up" in bodies
    assert 'Use "safe mode" & retry' in bodies
    assert "&amp;" not in bodies
    assert "&#x27;" not in bodies
    assert "&lt;" not in bodies


@pytest.mark.parametrize(
    ("kind", "subject"),
    [("filed", "New incident"), ("replied", "Reply"), ("status_changed", "Status changed")],
)
def test_the_subject_names_the_event_by_its_label(
    incident, ours, staff, django_capture_on_commit_callbacks, kind, subject
):
    with django_capture_on_commit_callbacks(execute=True):
        incident_reply(incident=incident, author=staff["engineer"], body="Restart it")
        incident_change_status(incident=incident, actor=staff["engineer"], status="resolved")
    message = next(m for m in mail.outbox if m.extra_headers["X-Portal-Event"] == kind)
    assert message.subject == f"[{incident.number}] {subject}: VPN down"
