"""Sending the outbox: claim a row (compare-and-set), send it, mark it sent.

A row is claimed by moving it from pending to sending; only the worker whose update
changed the row sends it. A worker killed mid-send leaves the row in sending; rows
stuck there longer than the claim timeout are put back (at-least-once to the SMTP
server is the best any mail sender can do; the unique key keeps it to one row).
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from incidents.models import Notification, OutboxStatus
from incidents.notifications import render

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MESSAGE_ID_DOMAIN = "support-portal"
CLAIM_TIMEOUT = datetime.timedelta(minutes=10)


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def outbox_send(batch: int = 100) -> int:
    """Send what is due; returns the number of e-mails sent."""
    now = timezone.now()
    Notification.objects.filter(
        status=OutboxStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
    ).update(status=OutboxStatus.PENDING)
    sent = 0
    due = Notification.objects.filter(
        status=OutboxStatus.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "id")
    for pk in list(due.values_list("pk", flat=True)[:batch]):
        claimed = Notification.objects.filter(pk=pk, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.SENDING, claimed_at=timezone.now()
        )
        if not claimed:
            continue  # another worker has it
        row = Notification.objects.select_related("incident", "event__actor").get(pk=pk)
        try:
            subject, body = render(row)
            message = EmailMessage(
                subject=subject,
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[row.recipient],
                headers={
                    "X-Portal-Incident": row.incident.number,
                    "X-Portal-Event": row.event_kind,
                    # Stable per row: a copy resent after a crash is recognisably the same.
                    "Message-ID": f"<notification-{row.pk}@{MESSAGE_ID_DOMAIN}>",
                },
            )
            message.send()
        except Exception as exc:  # any SMTP or network failure: retry later
            attempts = row.attempts + 1
            failed = attempts >= MAX_ATTEMPTS
            Notification.objects.filter(pk=pk).update(
                status=OutboxStatus.FAILED if failed else OutboxStatus.PENDING,
                attempts=attempts,
                next_attempt_at=timezone.now() + backoff(attempts),
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            logger.warning(
                "Sending %s for incident %s to %s failed (attempt %s): %s",
                row.event_kind,
                row.incident.number,
                row.recipient,
                attempts,
                exc,
            )
            continue
        Notification.objects.filter(pk=pk).update(
            status=OutboxStatus.SENT,
            sent_at=timezone.now(),
            attempts=row.attempts + 1,
            subject=subject,
            body=body,
        )
        sent += 1
    return sent
