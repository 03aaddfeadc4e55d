"""Sending the outbox.

Each row is claimed with SELECT ... FOR UPDATE SKIP LOCKED and sent while the
claim is held; marking it sent commits the claim. A worker killed at any point
drops its database connection, so its claim rolls back and the row is simply
pending again for the next worker: nothing is lost, and nothing is sent twice
unless the kill lands between the SMTP server accepting a message and the
commit (no mail sender can close that gap; the stable Message-ID lets mail
clients fold such a copy).
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from incidents.models import Notification, OutboxStatus
from incidents.notifications import render

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MESSAGE_ID_DOMAIN = "support-portal"


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def _message(row: Notification) -> EmailMessage:
    subject, body = render(row)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient],
        headers={
            "X-Portal-Incident": row.incident.number,
            "X-Portal-Event": row.event_kind,
            "Message-ID": f"<notification-{row.pk}@{MESSAGE_ID_DOMAIN}>",
        },
    )


def _send_one(pk: int) -> bool | None:
    """Send one row if nobody else holds it: True sent, False failed, None skipped."""
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("incident", "event__actor")
            .filter(pk=pk, status=OutboxStatus.PENDING)
            .first()
        )
        if row is None:
            return None  # sent meanwhile, or another worker holds it
        attempts = row.attempts + 1
        try:
            message = _message(row)
            message.send()
        except Exception as exc:  # any SMTP, network or rendering failure: retry later
            failed = attempts >= MAX_ATTEMPTS
            Notification.objects.filter(pk=pk).update(
                status=OutboxStatus.FAILED if failed else OutboxStatus.PENDING,
                attempts=attempts,
                next_attempt_at=timezone.now() + backoff(attempts),
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            logger.warning(
                "Sending %s for incident %s to %s failed (attempt %s%s): %s",
                row.event_kind,
                row.incident.number,
                row.recipient,
                attempts,
                ", giving up" if failed else "",
                exc,
            )
            return False
        Notification.objects.filter(pk=pk).update(
            status=OutboxStatus.SENT,
            sent_at=timezone.now(),
            attempts=attempts,
            subject=message.subject,
            body=message.body,
            last_error="",
        )
        return True


def outbox_send(batch: int = 200) -> int:
    """Send what is due; returns the number of e-mails sent."""
    now = timezone.now()
    due = Notification.objects.filter(
        status=OutboxStatus.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "id")
    sent = 0
    for pk in list(due.values_list("pk", flat=True)[:batch]):
        if _send_one(pk):
            sent += 1
    return sent
