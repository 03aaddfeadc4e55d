"""The notification outbox: e-mails waiting to be sent, one row per message and recipient."""

from django.db import models
from django.db.models import Q

from incidents.models import EventKind, Incident, IncidentEvent, SlaClock
from portal.models import Organization


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """An e-mail to send. The unique key makes a second copy of the same message impossible.

    Most are about an incident's event and rendered from it when sent. The rest (malware
    alerts, released fixes, update reminders) have no incident: they carry a `topic`, unique
    per recipient, and the subject and body written when they were queued."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    event = models.ForeignKey(
        IncidentEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    event_kind = models.CharField(max_length=30, choices=EventKind.choices, blank=True)
    topic = models.CharField(
        max_length=100,
        blank=True,
        default="",
        db_default="",
        help_text="What a message without an incident is about, e.g. alert:12: once each.",
    )
    recipient = models.EmailField()
    # For SLA warnings and breaches: the clock and the deadline they are about, so a
    # second e-mail for the same (clock, event, deadline, recipient) cannot be written
    # even by another event row.
    clock = models.ForeignKey(
        # A clock removed by a severity change keeps its queued e-mails.
        SlaClock,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    deadline = models.DateTimeField(null=True, blank=True)
    # Rendered by the sender from the event, so recording one is a few ids, not a template.
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "event", "recipient"], name="outbox_org_event_recipient"
            ),
            models.UniqueConstraint(
                fields=["organization", "clock", "event_kind", "deadline", "recipient"],
                condition=Q(clock__isnull=False),
                name="outbox_org_sla_once",
            ),
            models.UniqueConstraint(
                fields=["organization", "topic", "recipient"],
                condition=~Q(topic=""),
                name="outbox_org_topic_once",
            ),
            models.CheckConstraint(
                condition=Q(event__isnull=False) | ~Q(topic=""),
                name="outbox_event_or_topic",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_pending",
                condition=Q(status=OutboxStatus.PENDING),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_kind or self.topic} to {self.recipient} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == OutboxStatus.PENDING
