"""The SLA sweep: record every due warning and breach exactly once, and queue its e-mails.

Clocks are claimed in batches with SELECT ... FOR UPDATE SKIP LOCKED, so any number
of workers sweep at once without waiting on each other. A batch's claim (the
warned_at/breached_at columns), its events and its outbox rows commit together:
a worker killed mid-batch leaves nothing behind, and the next sweep does it again.
A clock whose handling raises is pushed back (sweep_after) instead of stopping
the sweep, and the error is logged with the incident number.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from incidents.models import IncidentEvent, Notification, SlaClock
from incidents.notifications import enqueue_sending, outbox_rows, recipient_emails
from portal.models import MemberRole, User, WorkerHeartbeat

logger = logging.getLogger(__name__)

BATCH = 500
RETRY_AFTER = datetime.timedelta(minutes=5)
HEARTBEAT = "sla_sweep"


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0
    errors: int = 0


def _due(kind: str, now):
    """Running clocks whose warning or deadline has passed and that are not yet handled."""
    ready = Q(sweep_after__isnull=True) | Q(sweep_after__lte=now)
    running = SlaClock.objects.filter(ready, stopped_at__isnull=True, paused_at__isnull=True)
    if kind == "sla_breach":
        return running.filter(breached_at__isnull=True, due_at__lte=now).order_by("due_at")
    return running.filter(
        warned_at__isnull=True, breached_at__isnull=True, warn_at__lte=now
    ).order_by("warn_at")


def _duty_managers() -> list[User]:
    return list(User.objects.filter(staff_role="duty_manager", is_active=True))


def _customer_admins(organization_ids) -> dict[int, list[User]]:
    admins = defaultdict(list)
    for user in User.objects.filter(
        membership__organization_id__in=organization_ids,
        membership__role=MemberRole.ADMIN,
        is_active=True,
    ).select_related("membership"):
        admins[user.membership.organization_id].append(user)
    return admins


def _recipients(clock: SlaClock, kind: str, duty, admins) -> list[User]:
    """The assignee, the contract's TAM, the duty manager on a severity 1-2 breach, and the
    customer's admins only where the tier says so."""
    incident = clock.incident
    people = [incident.assignee, incident.contract.tam]
    if kind == "sla_breach" and incident.severity <= 2:
        people += duty
    if incident.contract.tier.notify_customer_on_sla:
        people += admins.get(incident.organization_id, [])
    return people


def _record(clocks: list[SlaClock], kind: str, now, duty) -> int:
    """Claim, record and queue a batch of clocks; returns how many were claimed."""
    column = "breached_at" if kind == "sla_breach" else "warned_at"
    ids = [c.pk for c in clocks]
    # The conditional update is the claim: a web change that stopped a clock in the
    # meantime, or another sweep, makes the row drop out here.
    claimable = SlaClock.objects.filter(pk__in=ids, stopped_at__isnull=True, paused_at__isnull=True)
    claimable = claimable.filter(**{f"{column}__isnull": True})
    claimed = set(claimable.values_list("pk", flat=True))
    if not claimed:
        return 0
    SlaClock.objects.filter(pk__in=claimed).update(
        **{column: now}, sweep_after=None, sweep_error=""
    )
    clocks = [c for c in clocks if c.pk in claimed]
    events = IncidentEvent.objects.bulk_create(
        IncidentEvent(
            organization_id=c.organization_id,
            incident_id=c.incident_id,
            kind=kind,
            at=now,
            data={
                "metric": c.metric,
                "due_at": c.due_at.isoformat(),
                "severity": c.incident.severity,
            },
        )
        for c in clocks
    )
    admins = _customer_admins({c.organization_id for c in clocks})
    rows = []
    for clock, event in zip(clocks, events, strict=True):
        emails = recipient_emails(_recipients(clock, kind, duty, admins))
        rows += outbox_rows(event, emails, now)
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(clocks)


def _batch(kind: str, now, duty, batch: int) -> tuple[int, int, bool]:
    """One batch: (recorded, errors, more_to_do)."""
    with transaction.atomic():
        clocks = list(
            _due(kind, now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "incident__contract__tier", "incident__assignee", "incident__contract__tam"
            )[:batch]
        )
        if not clocks:
            return 0, 0, False
        try:
            with transaction.atomic():
                return _record(clocks, kind, now, duty), 0, len(clocks) == batch
        except Exception:
            logger.exception("Recording a batch of %s failed; handling clocks one by one", kind)
        # One by one, so a single bad clock cannot hold back the others.
        recorded = errors = 0
        for clock in clocks:
            try:
                with transaction.atomic():
                    recorded += _record([clock], kind, now, duty)
            except Exception as exc:
                errors += 1
                logger.exception(
                    "SLA %s for incident %s (%s clock) failed; retrying after %s",
                    kind,
                    clock.incident.number,
                    clock.metric,
                    RETRY_AFTER,
                )
                SlaClock.objects.filter(pk=clock.pk).update(
                    sweep_after=now + RETRY_AFTER, sweep_error=f"{type(exc).__name__}: {exc}"[:2000]
                )
        return recorded, errors, len(clocks) == batch


def sweep(now: datetime.datetime | None = None, batch: int = BATCH) -> SweepResult:
    """Record every due warning and breach; breaches first, as they matter most."""
    now = now or timezone.now()
    result = SweepResult()
    duty = _duty_managers()
    for kind in ("sla_breach", "sla_warning"):
        more = True
        while more:
            recorded, errors, more = _batch(kind, now, duty, batch)
            if kind == "sla_breach":
                result.breaches += recorded
            else:
                result.warnings += recorded
            result.errors += errors
    WorkerHeartbeat.objects.update_or_create(name=HEARTBEAT, defaults={"seen_at": timezone.now()})
    if result.warnings or result.breaches:
        transaction.on_commit(enqueue_sending)
    return result
