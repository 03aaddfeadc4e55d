"""Writing notifications into the outbox. Sending is the outbox task's job.

A row per (event, recipient): the unique key makes a second copy impossible, so
a retried transaction or a second worker can never send the same e-mail twice.
"""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from incidents.models import IncidentEvent, Notification

EVENT_TITLES = {
    "filed": "New incident",
    "replied": "New reply",
    "status_changed": "Status changed",
    "assigned": "Assigned to you",
    "sla_warning": "SLA at risk",
    "sla_breach": "SLA breached",
    "escalated": "Escalated",
}


def notify(event: IncidentEvent, recipients, *, actor=None, body: str | None = None) -> int:
    """Queue one e-mail per recipient (never to the actor); sent after commit."""
    incident = event.incident
    emails = []
    for person in recipients:
        if person is None or not person.is_active or person == actor:
            continue
        if person.email not in emails:
            emails.append(person.email)
    if not emails:
        return 0
    title = EVENT_TITLES.get(event.kind, event.kind.replace("_", " ").capitalize())
    subject = f"[{incident.number}] {title}: {incident.title}"[:255]
    text = render_to_string(
        "incidents/email/notification.txt",
        {
            "incident": incident,
            "event": event,
            "title": title,
            "message": body,
            "actor": actor,
            "url": f"{settings.PORTAL_BASE_URL.rstrip('/')}/incidents/{incident.pk}/",
        },
    )
    now = timezone.now()
    rows = [
        Notification(
            organization_id=incident.organization_id,
            incident=incident,
            event=event,
            event_kind=event.kind,
            recipient=email,
            subject=subject,
            body=text,
            next_attempt_at=now,
        )
        for email in emails
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(_enqueue_sending)
    return len(rows)


def _enqueue_sending() -> None:
    from incidents.tasks import send_outbox

    send_outbox.delay()
