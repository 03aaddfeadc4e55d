"""Sending the outbox.

Each row is claimed with SELECT ... FOR UPDATE SKIP LOCKED and sent while the
claim is held. The row is marked sent (inside a savepoint) before the message
goes out, so the moment the SMTP server accepts it only the commit remains; the
SMTP session is closed after the commit. A worker killed at any point drops its
database connection, so its claim rolls back and the row is pending again for
the next worker: nothing is lost. Only a kill inside that last commit round trip
can repeat a message (no mail sender can close that gap); the stable Message-ID
lets mail clients fold such a copy.
"""

import datetime
import logging
import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from incidents.models import Notification, OutboxStatus
from incidents.notifications import enqueue_sending, render

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
        headers=_headers(row),
    )


def _headers(row: Notification) -> dict[str, str]:
    headers = {"Message-ID": f"<notification-{row.pk}@{MESSAGE_ID_DOMAIN}>"}
    if row.incident_id:
        headers["X-Portal-Incident"] = row.incident.number
    if row.event_kind:
        headers["X-Portal-Event"] = row.event_kind
    if row.topic:
        headers["X-Portal-Topic"] = row.topic
    return headers


class _Smtp:
    """One SMTP session for a run of the sender, reopened after a failure."""

    def __init__(self):
        self.connection = None

    def send(self, message: EmailMessage) -> None:
        if self.connection is None:
            self.connection = get_connection()
            self.connection.open()
        try:
            if self.connection.send_messages([message]) != 1:
                raise OSError("the mail backend did not accept the message")
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # closing a broken session must not hide the real error
                logger.debug("Closing the SMTP session failed", exc_info=True)
            self.connection = None


def _send_one(pk: int, smtp: _Smtp) -> bool | None:
    """Send one row if nobody else holds it: True sent, False failed, None skipped."""
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("incident", "event__actor")
            # Still due: another sender may have failed it and set its backoff meanwhile.
            .filter(pk=pk, status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
            .first()
        )
        if row is None:
            return None  # sent, rescheduled, or held by another worker
        attempts = row.attempts + 1
        try:
            with transaction.atomic():
                message = _message(row)
                Notification.objects.filter(pk=pk).update(
                    status=OutboxStatus.SENT,
                    sent_at=timezone.now(),
                    attempts=attempts,
                    subject=message.subject,
                    body=message.body,
                    last_error="",
                )
                smtp.send(message)  # a failure rolls the "sent" mark back
        except Exception as exc:  # any SMTP, network or rendering failure: retry later
            failed = attempts >= MAX_ATTEMPTS
            Notification.objects.filter(pk=pk).update(
                status=OutboxStatus.FAILED if failed else OutboxStatus.PENDING,
                attempts=attempts,
                next_attempt_at=timezone.now() + backoff(attempts),
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            logger.warning(
                "Sending %s for %s to %s failed (attempt %s%s): %s",
                row.event_kind or row.topic,
                row.incident.number if row.incident_id else "no incident",
                row.recipient,
                attempts,
                ", giving up" if failed else "",
                exc,
            )
            return False
    return True


def outbox_send(batch: int = 200, budget_seconds: float = 240) -> int:
    """Send what is due; returns the number of e-mails sent. Stops taking rows after
    `budget_seconds` (well inside the task's time limit); the next run goes on."""
    started = time.monotonic()
    now = timezone.now()
    due = Notification.objects.filter(
        status=OutboxStatus.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "id")
    sent = 0
    smtp = _Smtp()
    try:
        for pk in list(due.values_list("pk", flat=True)[:batch]):
            if time.monotonic() - started > budget_seconds:
                break
            if _send_one(pk, smtp):
                sent += 1
    finally:
        smtp.close()
    return sent


def outbox_retry_failed() -> int:
    """Give the messages the sender gave up on another round (after fixing the mail server,
    say); returns how many. They are sent after commit."""
    count = Notification.objects.filter(status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    if count:
        transaction.on_commit(enqueue_sending)
    return count
