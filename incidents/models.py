"""Incidents, their thread, files, SLA clocks, timeline and the notification outbox."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models import BusinessCalendar, ClockKind, Contract, Metric, Product, Severity
from portal.models import Organization

USER = settings.AUTH_USER_MODEL


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    WAITING_ON_CUSTOMER = "waiting_on_customer", "Waiting on customer"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


# Statuses in which an incident is done with: no clock runs, customers may reopen.
DONE_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})
# The same, sorted, for the partial indexes (a migration needs a stable order).
DONE_CODES = sorted(str(s) for s in DONE_STATUSES)
# The desk's urgency order, most urgent first: breached longest, then the nearest deadline,
# then severity, the tier's priority and age (PostgreSQL sorts NULLs last ascending).
URGENCY_FIELDS = ["sla_breached_at", "sla_due_at", "severity", "priority", "received_at", "id"]


class Kind(models.TextChoices):
    PROBLEM = "problem", "Problem"
    QUESTION = "question", "Question"
    SIGNATURE_CHANGE = "signature_change", "Signature change request"
    PRIVATE_PATCH = "private_patch", "Private patch"
    ONSITE = "onsite", "On-site visit"
    HEALTH_CHECK = "health_check", "Health check"
    MALWARE_SAMPLE = "malware_sample", "Malware sample"


class Stage(models.TextChoices):
    """Where a request workflow is (`incidents.stages` holds each kind's moves). Empty for
    the kinds that have no stages."""

    NONE = "", "—"
    # Signature change requests.
    RECEIVED = "received", _("Received")
    ANALYSING = "analysing", _("Analysing")
    RELEASED = "released", _("Fix released")
    INFORMED = "informed", _("Customer informed")
    NOT_CONFIRMED = "not_confirmed", _("Not confirmed")
    # Private patches.
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_DEVELOPMENT = "in_development", _("In development")
    DELIVERED = "delivered", _("Delivered")


class Channel(models.TextChoices):
    PORTAL = "portal", "Web portal"
    API = "api", "API"
    PHONE = "phone", "Phone"
    EMAIL = "email", "E-mail"


class CloseReason(models.TextChoices):
    NONE = "", "—"
    DUPLICATE = "duplicate", "Duplicate"
    FILED_IN_ERROR = "filed_in_error", "Filed in error"


class EventKind(models.TextChoices):
    """What an entry of an incident's timeline records (the API's event `kind`). The label
    names it on the timeline and in the e-mail subject."""

    FILED = "filed", _("New incident")
    REPLIED = "replied", _("Reply")
    STATUS_CHANGED = "status_changed", _("Status changed")
    SEVERITY_CHANGED = "severity_changed", _("Severity changed")
    ASSIGNED = "assigned", _("Assigned")
    CLOCK_STARTED = "clock_started", _("Clock started")
    CLOCK_STOPPED = "clock_stopped", _("Clock stopped")
    CLOCK_PAUSED = "clock_paused", _("Clock paused")
    CLOCK_RESUMED = "clock_resumed", _("Clock resumed")
    CLOCK_RESTARTED = "clock_restarted", _("Clock restarted")
    CLOCK_REPLANNED = "clock_replanned", _("Deadline re-planned")
    SLA_WARNING = "sla_warning", _("SLA at risk")
    SLA_BREACH = "sla_breach", _("SLA breached")
    ESCALATED = "escalated", _("Escalated")
    ATTACHMENT_ADDED = "attachment_added", _("File added")
    PREMIUM_REFUNDED = "premium_refunded", _("Premium incident refunded")
    ROUTED = "routed", _("Routed")
    OWNER_AWAY = "owner_away", _("Owner away")
    STAGE_CHANGED = "stage_changed", _("Stage changed")
    CHECK_OVERRIDDEN = "check_overridden", _("Database check overridden")
    SAMPLE_ANALYSED = "sample_analysed", _("Sample analysed")


class RouteReason(models.TextChoices):
    """Why routing sent a new incident where it did (the `routed` event's `reason`)."""

    TAM = "tam", _("the account's TAM is available")
    BACKUP_TAM = "backup_tam", _("the TAM is away; the backup TAM is available")
    TAM_UNAVAILABLE = (
        "tam_unavailable",
        _("the TAM and backup TAM are away; the duty manager on shift"),
    )
    NO_TAM = "no_tam", _("the contract has no TAM")
    NOBODY_ON_DUTY = "nobody_on_duty", _("the TAM is away and nobody is on duty")


class Incident(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="incidents")
    number = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    description = models.TextField()
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PROBLEM)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    stage = models.CharField(
        max_length=20, choices=Stage.choices, blank=True, default=Stage.NONE, db_default=""
    )
    premium = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    received_at = models.DateTimeField()
    filed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    # Who called or wrote, for an incident staff log: one of the contacts, or a name.
    caller = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    caller_name = models.CharField(max_length=200, blank=True, default="", db_default="")
    assignee = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_incidents"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The desk's urgency order, kept on the row by every clock change (incidents.clocks),
    # so an index gives the most urgent incidents without sorting them all.
    sla_due_at = models.DateTimeField(
        null=True, blank=True, help_text="The nearest deadline of a running clock."
    )
    sla_warn_at = models.DateTimeField(
        null=True, blank=True, help_text="The nearest warning of a running, unbreached clock."
    )
    sla_breached_at = models.DateTimeField(
        null=True, blank=True, help_text="The earliest breach of a running clock."
    )
    priority = models.PositiveSmallIntegerField(
        default=2,
        help_text="The tier's priority at filing: 0 dedicated TAM, 1 premium, 2 standard.",
    )
    owner_away_at = models.DateTimeField(
        null=True, blank=True, help_text="When the duty manager was told the assignee is away."
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=URGENCY_FIELDS,
                name="incident_urgency",
                condition=~Q(status__in=DONE_CODES),
            ),
            models.Index(
                fields=["assignee", *URGENCY_FIELDS],
                name="incident_urgency_assignee",
                condition=~Q(status__in=DONE_CODES),
            ),
            models.Index(
                fields=URGENCY_FIELDS,
                name="incident_urgency_unassigned",
                condition=~Q(status__in=DONE_CODES) & Q(assignee__isnull=True),
            ),
            models.Index(fields=["organization", "-received_at", "-id"], name="incident_org_recv"),
            models.Index(fields=["organization", "status"], name="incident_org_status"),
            models.Index(fields=["-received_at", "-id"], name="incident_recv"),
            models.Index(fields=["assignee", "status"], name="incident_assignee_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=4), name="incident_severity_1_4"
            ),
            # Numbers run per organisation (and the key leads with the tenant, for Citus).
            models.UniqueConstraint(fields=["organization", "number"], name="incident_org_number"),
            # The target of the tenant children's composite keys (migration 0007).
            models.UniqueConstraint(fields=["id", "organization"], name="incident_id_org"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status not in DONE_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED

    @property
    def accepts_replies(self) -> bool:
        """A closed incident takes no more replies or files: reopen it, or file a new one."""
        return not self.is_closed

    @property
    def has_sla(self) -> bool:
        """Whether the tier's targets are promised to this incident. Filing settled it
        (`contracts.rules.is_premium`: premium unless standard was chosen on a quota tier),
        so a tier edited later never rewrites the promise."""
        return self.premium


class EntryKind(models.TextChoices):
    REPLY = "reply", "Reply"
    NOTE = "note", "Internal note"
    AUTO_ACK = "auto_ack", "Automatic acknowledgement"


class ThreadEntry(models.Model):
    """A message on an incident: a public reply, an internal note or an acknowledgement."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="entries")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True)
    kind = models.CharField(max_length=10, choices=EntryKind.choices, default=EntryKind.REPLY)
    body = models.TextField()
    by_staff = models.BooleanField(default=False)
    qualified_response = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "incident", "created_at"], name="entry_org_inc"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id", "organization"], name="entry_id_org"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.incident_id}"

    @property
    def internal(self) -> bool:
        return self.kind == EntryKind.NOTE

    @property
    def is_acknowledgement(self) -> bool:
        return self.kind == EntryKind.AUTO_ACK


class Attachment(models.Model):
    """A file on an incident, stored under a server-generated name."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    entry = models.ForeignKey(
        ThreadEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)
    sample = models.BooleanField(default=False, help_text="A malware sample, stored quarantined.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "incident"], name="attachment_org_inc"),
            # A sample filed again is found by its hash in every organisation (its earlier
            # analysis is reused: incidents.selectors.samples).
            models.Index(
                fields=["sha256"], name="attachment_sample_sha256", condition=Q(sample=True)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "stored_name"], name="attachment_org_stored_name"
            ),
            # The target of the tenant children's composite keys (migration 0013).
            models.UniqueConstraint(fields=["id", "organization"], name="attachment_id_org"),
        ]

    def __str__(self) -> str:
        return self.original_name


class ClockStop(models.TextChoices):
    """Why a clock stopped (`incidents.rules.stop_reason` decides; `clock_met` reads it)."""

    RUNNING = "", _("running")
    # The event the clock measures: a qualified response, a resolution.
    MEASURED = "measured", _("stopped by the event it measures")
    # Resolved or closed before that event (a duplicate, an incident nobody answered).
    CLOSED = "closed", _("closed before the event it measures")
    # A severity change left no target; only a breached clock is kept so (as evidence).
    NO_TARGET = "no_target", _("no target at the new severity")


class SlaClock(models.Model):
    """One promise on one incident. The target is copied here when the clock starts."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="clocks")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    kind = models.CharField(max_length=10, choices=ClockKind.choices)
    target_minutes = models.PositiveIntegerField()
    started_at = models.DateTimeField(help_text="When the clock started: the incident's receipt.")
    paused_seconds = models.PositiveBigIntegerField(
        default=0, help_text="Clock time spent paused (or stopped before a reopening)."
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, help_text="Empty while paused.")
    warn_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(
        max_length=10, choices=ClockStop.choices, blank=True, default=ClockStop.RUNNING
    )
    breached_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    sweep_after = models.DateTimeField(
        null=True, blank=True, help_text="Set when handling failed: retried after this."
    )
    sweep_error = models.TextField(blank=True)
    # The calendar and its version that due_at/warn_at were computed with (business time
    # only): a clock whose contract's calendar is another, or at another version, is
    # re-planned before anything is recorded against it (incidents.replan).
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    calendar_version = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "incident", "metric"], name="clock_org_incident_metric"
            ),
            models.UniqueConstraint(fields=["id", "organization"], name="clock_id_org"),
        ]
        indexes = [
            # The sweep's work list: running clocks by deadline.
            models.Index(
                fields=["due_at"],
                name="clock_running_due",
                condition=Q(stopped_at__isnull=True, breached_at__isnull=True),
            ),
            models.Index(
                fields=["warn_at"],
                name="clock_running_warn",
                condition=Q(stopped_at__isnull=True, warned_at__isnull=True),
            ),
            models.Index(fields=["organization", "incident"], name="clock_org_inc"),
            # The re-planning's work list: running clocks by the calendar version they use.
            models.Index(
                fields=["calendar", "calendar_version"],
                name="clock_running_calendar",
                condition=Q(
                    stopped_at__isnull=True, breached_at__isnull=True, calendar__isnull=False
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} of {self.incident_id}"

    @property
    def met(self) -> bool | None:
        """True: kept; False: breached; None: running, or stopped without the event it
        measures before its deadline (incidents.rules.clock_met)."""
        from incidents.rules import clock_met  # incidents.rules imports this module

        return clock_met(self)


class IncidentEvent(models.Model):
    """The incident's timeline: everything that changed, who did it and when."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Internal events (notes) are for staff eyes only.
    internal = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["organization", "incident", "at"], name="event_org_inc_at"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id", "organization"], name="event_id_org"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.incident_id} at {self.at:%Y-%m-%d %H:%M}"


from incidents.outbox_models import Notification, OutboxStatus  # noqa: E402, F401
from incidents.security_models import (  # noqa: E402, F401 (the app's models, one namespace)
    Alert,
    AlertAudience,
    AlertFormat,
    AlertRead,
    PrivatePatch,
    SampleAnalysis,
    SampleVerdict,
    SignatureChange,
    SignatureVerdict,
)
