"""Messages about no incident (alerts, released fixes, update reminders): queued once per
organisation, topic and address, and sent as written."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.models import Notification, OutboxStatus
from incidents.notifications import notify_topic
from incidents.outbox import outbox_send

pytestmark = pytest.mark.django_db


def queue(ours, people, topic="alert:1"):
    return notify_topic(
        organization_id=ours.organization.pk,
        topic=topic,
        people=people,
        subject="Malware alert:\nEmotet wave",
        body="Block macros in e-mailed documents.",
    )


def test_a_topic_is_queued_once_per_address_and_sent_as_written(ours):
    assert queue(ours, [ours.admin, ours.member, ours.admin]) == 2
    queue(ours, [ours.admin, ours.member])  # a retried task
    rows = Notification.objects.filter(topic="alert:1")
    assert sorted(rows.values_list("recipient", flat=True)) == sorted(
        [ours.admin.email, ours.member.email]
    )
    assert outbox_send() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([ours.admin.email, ours.member.email])
    message = mail.outbox[0]
    assert message.subject == "Malware alert: Emotet wave"  # one line: a header
    assert message.body == "Block macros in e-mailed documents."
    assert message.extra_headers["X-Portal-Topic"] == "alert:1"
    assert "X-Portal-Incident" not in message.extra_headers
    assert set(rows.values_list("status", flat=True)) == {OutboxStatus.SENT}


def test_another_topic_or_organisation_is_another_message(ours, theirs):
    queue(ours, [ours.admin])
    queue(ours, [ours.admin], topic="alert:2")
    notify_topic(
        organization_id=theirs.organization.pk,
        topic="alert:1",
        people=[ours.admin],
        subject="s",
        body="b",
    )
    assert Notification.objects.filter(recipient=ours.admin.email).count() == 3


def test_inactive_people_are_not_written_to(ours):
    ours.member.is_active = False
    ours.member.save(update_fields=["is_active"])
    assert queue(ours, [ours.member]) == 0
    assert not Notification.objects.exists()


def test_a_row_needs_an_event_or_a_topic(ours):
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            organization=ours.organization,
            recipient="x@example.test",
            next_attempt_at=timezone.now(),
        )


def test_the_outbox_page_lists_a_message_without_an_incident(client, provider_admin, ours):
    queue(ours, [ours.admin])
    client.force_login(provider_admin)
    page = client.get("/operations/outbox/?status=all").content.decode()
    assert ours.admin.email in page
    assert "Malware alert: Emotet wave" in page
