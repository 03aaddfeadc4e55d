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

from incidents.models import IncidentEvent, Notification, ThreadEntry

logger = logging.getLogger(__name__)

EVENT_TITLES = {
    "filed": "New incident",
    "replied": "New reply",
    "status_changed": "Status changed",
    "assigned": "Assigned to you",
    "sla_warning": "SLA at risk",
    "sla_breach": "SLA breached",
    "escalated": "Escalated",
}


def recipient_emails(recipients, actor=None) -> list[str]:
    emails = []
    for person in recipients:
        if person is None or not person.is_active or person == actor:
            continue
        if person.email not in emails:
            emails.append(person.email)
    return emails


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


def notify(event: IncidentEvent, recipients, *, actor=None) -> int:
    """Queue one e-mail per recipient (never to the actor); sent after commit."""
    emails = recipient_emails(recipients, actor)
    if not emails:
        return 0
    Notification.objects.bulk_create(
        outbox_rows(event, emails, timezone.now()), ignore_conflicts=True
    )
    transaction.on_commit(enqueue_sending)
    return len(emails)


def enqueue_sending() -> None:
    """Ask a worker to send now. Runs after commit, so it must not fail the request: if the
    broker is unreachable the rows wait for beat's periodic send instead."""
    from incidents.tasks import send_outbox

    try:
        send_outbox.delay()
    except Exception:
        logger.warning("Could not queue the outbox sender; beat's next run sends", exc_info=True)


def render(row: Notification) -> tuple[str, str]:
    """(subject, body) of an outbox row, from its event."""
    event = row.event
    incident = row.incident
    title = EVENT_TITLES.get(event.kind, event.kind.replace("_", " ").capitalize())
    message = None
    if event.kind == "replied" and event.data.get("entry"):
        message = (
            ThreadEntry.objects.filter(pk=event.data["entry"])
            .values_list("body", flat=True)
            .first()
        )
    subject = f"[{incident.number}] {title}: {incident.title}"[:255]
    body = render_to_string(
        "incidents/email/notification.txt",
        {
            "incident": incident,
            "event": event,
            "title": title,
            "message": message,
            "actor": event.actor,
            "url": f"{settings.PORTAL_BASE_URL.rstrip('/')}/incidents/{incident.pk}/",
        },
    )
    return subject, body
