"""Writing notifications into the outbox, and rendering them when they are sent.

A row per (event, recipient), and for SLA warnings and breaches per (clock, event,
deadline, recipient): the unique keys make a second copy impossible, so a retried
transaction or a second worker can never queue the same e-mail twice.
Rows hold ids only; the sender renders subject and body from the event.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from incidents import acknowledgement, recipients, timeline
from incidents.models import EventKind, IncidentEvent, Notification, ThreadEntry
from portal.models import User
from portal.validators import one_line

logger = logging.getLogger(__name__)


def outbox_rows(
    event: IncidentEvent, emails: list[str], now, *, clock_id=None, deadline=None
) -> list[Notification]:
    return [
        Notification(
            organization_id=event.organization_id,
            incident_id=event.incident_id,
            event=event,
            event_kind=event.kind,
            recipient=email,
            next_attempt_at=now,
            clock_id=clock_id,
            deadline=deadline,
        )
        for email in emails
    ]


def notify(event: IncidentEvent, people, *, actor=None) -> int:
    """Queue one e-mail per person (never to the actor); sent after commit. Who the people
    are is for `incidents.recipients` to say."""
    emails = recipients.emails(people, actor)
    if not emails:
        return 0
    Notification.objects.bulk_create(
        outbox_rows(event, emails, timezone.now()), ignore_conflicts=True
    )
    transaction.on_commit(enqueue_sending)
    return len(emails)


def notify_topic(*, organization_id: int, topic: str, people, subject: str, body: str) -> int:
    """Queue a message that is about no incident (an alert, a released fix, an update
    reminder) to each active person: one per (organisation, topic, address), ever, so a
    retried task or a second worker never sends it twice (a row already there is kept as
    it is). Returns how many addresses were asked for; sent after commit."""
    now = timezone.now()
    rows = [
        Notification(
            organization_id=organization_id,
            topic=topic,
            recipient=email,
            subject=one_line(subject)[:255],
            body=body,
            next_attempt_at=now,
        )
        for email in recipients.emails(people)
    ]
    if not rows:
        return 0
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(enqueue_sending)
    return len(rows)


def notify_topic_each(
    *, topic: str, people_by_organization: dict[int, list], subject: str, body: str
) -> int:
    """`notify_topic` for each organisation's people (an alert's audience, a fix's holders):
    the same message, once per (organisation, topic, address). Returns how many addresses
    were asked for."""
    return sum(
        notify_topic(
            organization_id=organization_id,
            topic=topic,
            people=people,
            subject=subject,
            body=body,
        )
        for organization_id, people in people_by_organization.items()
    )


def enqueue_sending() -> None:
    """Ask a worker to send now. Runs after commit, so it must not fail the request: if the
    broker is unreachable the rows wait for beat's periodic send instead."""
    # Cycle: incidents.tasks imports the sweep and the outbox sender, which import this.
    from incidents.tasks import send_outbox

    try:
        send_outbox.delay()
    except Exception:
        logger.warning("Could not queue the outbox sender; beat's next run sends", exc_info=True)


def render(row: Notification) -> tuple[str, str]:
    """(subject, body) of an outbox row, from its event (a topic's row was written whole)."""
    if row.event_id is None:
        return row.subject, row.body
    event = row.event
    incident = row.incident
    title = timeline.label(event.kind)
    message = None
    detail = timeline.email_detail(event)
    priority_line = None
    if event.kind == EventKind.FILED:  # the confirmation: received, and what is promised
        detail = acknowledgement.first_acknowledgement(incident)
        if not User.objects.filter(email__iexact=row.recipient).exclude(staff_role="").exists():
            # Filed out of hours: the customer is asked to phone the priority line too.
            priority_line = acknowledgement.priority_line_for(incident)
    if event.kind == EventKind.REPLIED and event.data.get("entry"):
        message = (
            ThreadEntry.objects.filter(pk=event.data["entry"])
            .values_list("body", flat=True)
            .first()
        )
    # A header: titles filed before line breaks were refused must not break it.
    subject = one_line(f"[{incident.number}] {title}: {incident.title}")[:255]
    body = render_to_string(
        "incidents/email/notification.txt",
        {
            "incident": incident,
            "event": event,
            "title": title,
            "detail": detail,
            "priority_line": priority_line,
            "message": message,
            "actor": event.actor,
            "url": f"{settings.PORTAL_BASE_URL.rstrip('/')}/incidents/{incident.pk}/",
        },
    )
    return subject, body
