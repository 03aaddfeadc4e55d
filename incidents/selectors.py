"""Reads of incidents that the pages and the API share, scoped by the acting user."""

import base64
import datetime
import json
from dataclasses import dataclass

from django.db.models import Min, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from contracts import entitlements
from contracts.models import Contract, Entitlement, Metric, Severity
from contracts.rules import offers_premium_choice, sla_applies
from contracts.selectors import active_contracts
from contracts.sla import plan_clock
from incidents.models import (
    DONE_STATUSES,
    Attachment,
    EntryKind,
    Incident,
    IncidentEvent,
    Notification,
    OutboxStatus,
    SlaClock,
    ThreadEntry,
)
from incidents.sweep import HEARTBEAT
from portal.access import organization_of
from portal.celery import SLA_SWEEP_SECONDS
from portal.models import User, WorkerHeartbeat
from portal.rules import organization_today, organization_zone


def incidents_for_user(user: User) -> QuerySet[Incident]:
    incidents = Incident.objects.select_related(
        "organization", "contract__tier", "assignee", "product"
    )
    if not user.is_authenticated or not user.is_active:
        return incidents.none()
    if user.is_provider_staff:
        return incidents
    membership = getattr(user, "membership", None)
    if membership is None:
        return incidents.none()
    return incidents.filter(organization_id=membership.organization_id)


def incident_for_user(user: User, pk) -> Incident:
    try:
        return incidents_for_user(user).select_related("filed_by", "contract__calendar").get(pk=pk)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise Http404("No such incident.") from None


def entries_for_user(user: User, incident: Incident) -> QuerySet[ThreadEntry]:
    entries = (
        ThreadEntry.objects.filter(organization_id=incident.organization_id, incident=incident)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )
    if not user.is_provider_staff:
        entries = entries.exclude(kind=EntryKind.NOTE)
    return entries.order_by("created_at", "id")


def events_for_user(user: User, incident: Incident) -> QuerySet[IncidentEvent]:
    events = IncidentEvent.objects.filter(
        organization_id=incident.organization_id, incident=incident
    ).select_related("actor")
    if not user.is_provider_staff:
        events = events.exclude(internal=True)
    return events.order_by("at", "id")


def attachments_for_user(user: User, incident: Incident) -> QuerySet[Attachment]:
    """The incident's files the user may see: customers never see files on internal notes."""
    files = Attachment.objects.filter(
        organization_id=incident.organization_id, incident=incident
    ).select_related("uploaded_by")
    if not user.is_provider_staff:
        files = files.exclude(entry__kind=EntryKind.NOTE)
    return files


def attachment_for_user(user: User, incident: Incident, pk) -> Attachment:
    try:
        return attachments_for_user(user, incident).get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such file.") from None


# -- SLA state in words -------------------------------------------------------------------


def _span(delta: datetime.timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


@dataclass(frozen=True)
class ClockState:
    metric: str
    state: str  # running, at_risk, breached, met, missed, paused
    text: str
    clock: SlaClock

    @property
    def is_resolution(self) -> bool:
        return self.metric == Metric.RESOLUTION


def clock_state(clock: SlaClock, now: datetime.datetime | None = None) -> ClockState:
    now = now or timezone.now()
    if clock.stopped_at is not None:
        if clock.met:
            return ClockState(clock.metric, "met", "met", clock)
        return ClockState(clock.metric, "missed", "breached", clock)
    if clock.breached_at is not None or (clock.due_at and clock.due_at <= now):
        # A breach recorded before a severity change moved the deadline (or before a
        # pause) stays a breach.
        since = clock.due_at if clock.due_at and clock.due_at <= now else clock.breached_at
        text = f"breached {_span(now - since)} ago"
        if clock.paused_at is not None:
            text += ", paused while waiting on the customer"
        return ClockState(clock.metric, "breached", text, clock)
    if clock.paused_at is not None:
        return ClockState(clock.metric, "paused", "paused, waiting on customer", clock)
    if clock.warn_at and clock.warn_at <= now:
        return ClockState(
            clock.metric, "at_risk", f"at risk: due in {_span(clock.due_at - now)}", clock
        )
    return ClockState(clock.metric, "running", f"due in {_span(clock.due_at - now)}", clock)


def sla_states(incident: Incident, now=None) -> list[ClockState]:
    return [clock_state(c, now) for c in incident.clocks.all()]


# -- the list: filters, sorting and keyset pagination -------------------------------------

SORTS = {
    "newest": ("-received_at", "-id"),
    "oldest": ("received_at", "id"),
    "severity": ("severity", "-received_at", "-id"),
}


def encode_cursor(values: list) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime.datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str, sort: str) -> list | None:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        fields = SORTS[sort]
        if len(values) != len(fields):
            return None
        return [
            datetime.datetime.fromisoformat(v) if f.lstrip("-") == "received_at" else int(v)
            for f, v in zip(fields, values, strict=True)
        ]
    except (ValueError, TypeError, KeyError, json.JSONDecodeError):
        return None


def _after(sort: str, values: list) -> Q:
    """Rows after the cursor in the sort order (a lexicographic keyset condition)."""
    fields = SORTS[sort]
    condition = Q()
    for i, field in enumerate(fields):
        name = field.lstrip("-")
        op = "lt" if field.startswith("-") else "gt"
        step = Q(**{f"{name}__{op}": values[i]})
        for prev_field, prev_value in zip(fields[:i], values[:i], strict=True):
            step &= Q(**{prev_field.lstrip("-"): prev_value})
        condition |= step
    return condition


def filter_incidents(
    queryset: QuerySet[Incident],
    *,
    status: str = "",
    severity: str = "",
    kind: str = "",
    q: str = "",
    organization: str = "",
    assignee: User | None = None,
) -> QuerySet[Incident]:
    if status == "active":  # the pages' "not resolved": new, open or waiting
        queryset = queryset.exclude(status__in=DONE_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    if severity:
        queryset = queryset.filter(severity=severity)
    if kind:
        queryset = queryset.filter(kind=kind)
    if organization:
        queryset = queryset.filter(organization_id=organization)
    if assignee is not None:
        queryset = queryset.filter(assignee=assignee)
    q = q.replace("\x00", "")  # PostgreSQL refuses NUL in text; it can match nothing anyway
    if q:
        text = Q(title__icontains=q) | Q(description__icontains=q) | Q(number__icontains=q)
        queryset = queryset.filter(text)
    return queryset


@dataclass
class IncidentPage:
    rows: list[Incident]
    next_cursor: str | None
    sort: str


def incident_page(
    queryset: QuerySet[Incident], *, sort: str = "newest", cursor: str = "", size: int = 25
) -> IncidentPage:
    sort = sort if sort in SORTS else "newest"
    queryset = queryset.order_by(*SORTS[sort]).prefetch_related(
        Prefetch("clocks", queryset=SlaClock.objects.order_by("metric"))
    )
    if cursor:
        values = decode_cursor(cursor, sort)
        if values is not None:
            queryset = queryset.filter(_after(sort, values))
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, f.lstrip("-")) for f in SORTS[sort]])
    return IncidentPage(rows, next_cursor, sort)


# -- operations: the health of the SLA machinery and the outbox ---------------------------


# The health page calls the sweep stale when this many of its runs were missed.
MISSED_SWEEPS = 4


@dataclass(frozen=True)
class Health:
    last_sweep: datetime.datetime | None
    stale: bool  # no worker with beat has swept lately
    due_next_hour: int
    overdue_unrecorded: int
    outbox_backlog: int
    oldest_unsent: datetime.datetime | None
    failed: int


def sla_health(now: datetime.datetime | None = None) -> Health:
    now = now or timezone.now()
    stale_after = datetime.timedelta(seconds=MISSED_SWEEPS * SLA_SWEEP_SECONDS)
    running = SlaClock.objects.filter(
        stopped_at__isnull=True, breached_at__isnull=True, paused_at__isnull=True
    )
    pending = Notification.objects.filter(status=OutboxStatus.PENDING)
    beat = WorkerHeartbeat.objects.filter(name=HEARTBEAT).first()
    return Health(
        last_sweep=beat.seen_at if beat else None,
        stale=beat is None or now - beat.seen_at > stale_after,
        due_next_hour=running.filter(
            due_at__gt=now, due_at__lte=now + datetime.timedelta(hours=1)
        ).count(),
        overdue_unrecorded=running.filter(due_at__lte=now).count(),
        outbox_backlog=pending.count(),
        oldest_unsent=pending.aggregate(oldest=Min("created_at"))["oldest"],
        failed=Notification.objects.filter(status=OutboxStatus.FAILED).count(),
    )


UNSENT = "unsent"  # the outbox page's default view: pending and failed


def outbox_messages(status: str = UNSENT) -> QuerySet[Notification]:
    """The outbox, newest first, by status (an unknown status shows everything)."""
    rows = Notification.objects.select_related("incident").order_by("-created_at", "-id")
    if status == UNSENT:
        return rows.exclude(status=OutboxStatus.SENT)
    if status in OutboxStatus.values:
        return rows.filter(status=status)
    return rows


# -- the filing form's live hint ----------------------------------------------------------


def filing_contracts(user: User, organization_id=None) -> list[Contract]:
    """The contracts a filing may name: a contact's organisation's contracts in force today;
    for staff, those of the organisation chosen on the form (none for a bad id)."""
    if user.is_provider_staff:
        if not organization_id or not str(organization_id).isdigit():
            return []
        return active_contracts(int(organization_id))
    organization = organization_of(user)
    return active_contracts(organization.pk) if organization else []


@dataclass(frozen=True)
class FilingHint:
    """What the filing form shows beside the severity: the promised first response and,
    on a tier with a premium quota, the units left this contract year."""

    contract: Contract | None
    offers_premium: bool
    premium: entitlements.Usage | None  # this contract year's units, on a quota tier
    promise: str


def received_at_from(value) -> datetime.datetime | None:
    """Staff's "received at" as typed (UTC, as the form says); None when empty, invalid or
    in the future."""
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        parsed = parse_datetime(str(value or "").strip().replace("T", " "))
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, datetime.UTC)
    return parsed if parsed <= timezone.now() else None


def _promise(user: User, contract: Contract | None, severity, premium: bool, received_at) -> str:
    try:
        severity = int(severity)
    except (TypeError, ValueError):
        severity = Severity.MEDIUM
    if contract is None:
        return _("Choose the contract to see the promised response.")
    if severity not in Severity.values:
        return ""
    if not sla_applies(contract.tier, premium):
        return _("Standard incidents have no response target on this tier.")
    now = timezone.now()
    plan = plan_clock(contract, severity, Metric.FIRST_RESPONSE, received_at or now)
    if plan is None:
        return _("No response target on this tier for this severity.")
    zone = organization_zone(contract.organization)
    values = {"when": f"{plan.due_at.astimezone(zone):%a %-d %b, %H:%M}", "zone": zone.key}
    passed = plan.due_at <= now  # a call logged after its deadline
    if user.is_provider_staff and passed:
        return _("First response due by %(when)s, their time (%(zone)s) (already passed).") % values
    if user.is_provider_staff:
        return _("First response due by %(when)s, their time (%(zone)s).") % values
    if passed:
        return _("First response due by %(when)s, your time (%(zone)s) (already passed).") % values
    return _("First response due by %(when)s, your time (%(zone)s).") % values


def premium_usage(contract: Contract) -> entitlements.Usage | None:
    """The premium units of the contract year of the customer's today (None: the tier files
    every incident as premium and counts nothing)."""
    if not offers_premium_choice(contract.tier):
        return None
    return entitlements.usage_of(
        contract, Entitlement.PREMIUM_INCIDENT, organization_today(contract.organization)
    )


def filing_initial(contracts: list[Contract]) -> dict:
    """What a fresh filing form starts with: standard when the only contract it can name
    has no premium unit left this year (offer what can be filed)."""
    usage = premium_usage(contracts[0]) if len(contracts) == 1 else None
    return {"premium": "0"} if usage is not None and usage.left == 0 else {}


def filing_hint(user: User, contracts: list[Contract], values) -> FilingHint:
    """The hint for the form's current values (`contract`, `premium`, `severity`,
    `received_at`), over the contracts the filing may name."""
    chosen = str(values.get("contract") or "")
    contract = next((c for c in contracts if str(c.pk) == chosen), None) or (
        contracts[0] if len(contracts) == 1 else None
    )
    staff = user.is_provider_staff
    received_at = received_at_from(values.get("received_at")) if staff else None
    premium = values.get("premium") != "0"  # premium unless standard was chosen
    return FilingHint(
        contract=contract,
        offers_premium=staff or any(offers_premium_choice(c.tier) for c in contracts),
        premium=premium_usage(contract) if contract else None,
        promise=_promise(user, contract, values.get("severity") or 3, premium, received_at),
    )
