"""The SLA sweep: record every due warning and breach exactly once, and queue its e-mails.

Clocks are claimed in batches with SELECT ... FOR UPDATE SKIP LOCKED, so any number
of workers sweep at once without waiting on each other. A batch's claim (the
warned_at/breached_at columns), its events and its outbox rows commit together:
a worker killed mid-batch leaves nothing behind, and the next sweep does it again.
A clock whose handling raises is pushed back (sweep_after) instead of stopping
the sweep, and the error is logged with the incident number.
"""

import datetime
import functools
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from incidents.deadlines import settle_deadlines
from incidents.models import EventKind, Incident, IncidentEvent, Notification, SlaClock
from incidents.notifications import enqueue_sending, outbox_rows
from incidents.recipients import SLA_ROW_FIELDS, SlaAudience
from portal.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

BATCH = 500
RETRY_AFTER = datetime.timedelta(minutes=5)
HEARTBEAT = "sla_sweep"


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0
    errors: int = 0


# What the sweep records, most important first.
KINDS = (EventKind.SLA_BREACH, EventKind.SLA_WARNING)


def _due(kind: EventKind, now):
    """Running clocks whose warning or deadline has passed and that are not yet handled."""
    ready = Q(sweep_after__isnull=True) | Q(sweep_after__lte=now)
    running = SlaClock.objects.filter(ready, stopped_at__isnull=True, paused_at__isnull=True)
    if kind == EventKind.SLA_BREACH:
        return running.filter(breached_at__isnull=True, due_at__lte=now).order_by("due_at")
    return running.filter(
        warned_at__isnull=True, breached_at__isnull=True, warn_at__lte=now
    ).order_by("warn_at")


def _record(rows: list[dict], kind: EventKind, now) -> int:
    """Claim, record and queue a batch of clocks; returns how many were claimed."""
    column = "breached_at" if kind == EventKind.SLA_BREACH else "warned_at"
    ids = [r["pk"] for r in rows]
    # The conditional update is the claim (with `now` as its token). Under PostgreSQL the
    # rows are already locked, so it always wins; without row locks (SQLite) a row
    # another sweep recorded first drops out here.
    claimed = SlaClock.objects.filter(
        pk__in=ids, stopped_at__isnull=True, **{f"{column}__isnull": True}
    ).update(**{column: now}, sweep_after=None, sweep_error="")
    if claimed < len(ids):
        mine = set(
            SlaClock.objects.filter(pk__in=ids, **{column: now}).values_list("pk", flat=True)
        )
        rows = [r for r in rows if r["pk"] in mine]
    if not rows:
        return 0
    events = IncidentEvent.objects.bulk_create(
        IncidentEvent(
            organization_id=r["organization_id"],
            incident_id=r["incident_id"],
            kind=kind,
            at=now,
            data={
                "metric": r["metric"],
                "due_at": r["due_at"].isoformat(),
                "severity": r["incident__severity"],
            },
        )
        for r in rows
    )
    if kind == EventKind.SLA_BREACH:
        settle_deadlines({r["incident_id"] for r in rows})
    audience = SlaAudience(rows)
    _escalate(rows, kind, audience, now)
    Notification.objects.bulk_create(
        sla_outbox(rows, events, kind, now, audience), ignore_conflicts=True
    )
    return len(rows)


def _escalate(rows: list[dict], kind: EventKind, audience: SlaAudience, now) -> None:
    """A severity 1-2 breach goes to the duty manager: the timeline says so (staff only)."""
    IncidentEvent.objects.bulk_create(
        IncidentEvent(
            organization_id=r["organization_id"],
            incident_id=r["incident_id"],
            kind=EventKind.ESCALATED,
            at=now,
            internal=True,
            data={"metric": r["metric"], "to": "duty manager", "reason": kind},
        )
        for r in rows
        if audience.escalated(r, kind)
    )


def sla_outbox(
    rows: list[dict], events, kind: EventKind, now, audience: SlaAudience | None = None
) -> list[Notification]:
    """The outbox rows for SLA events, each keyed by its clock and deadline."""
    audience = audience or SlaAudience(rows)
    outbox = []
    for row, event in zip(rows, events, strict=True):
        outbox += outbox_rows(
            event, audience.recipients(row, kind), now, clock_id=row["pk"], deadline=row["due_at"]
        )
    return outbox


def notify_breach(clock_id: int, event: IncidentEvent, now) -> None:
    """Queue the e-mails for a breach recorded outside the sweep (a call logged after its
    deadline, a severity change, a reopening), to the same people the sweep tells."""
    rows = list(SlaClock.objects.filter(pk=clock_id).values(*SLA_ROW_FIELDS))
    audience = SlaAudience(rows)
    _escalate(rows, EventKind.SLA_BREACH, audience, now)
    Notification.objects.bulk_create(
        sla_outbox(rows, [event], EventKind.SLA_BREACH, now, audience), ignore_conflicts=True
    )
    transaction.on_commit(enqueue_sending)


def record_breaches(clock_ids: list[int], now) -> int:
    """Record breaches found outside the sweep for clocks the caller holds locked with
    their incidents (a re-plan moved the deadline into the past), as the sweep does."""
    rows = list(SlaClock.objects.filter(pk__in=clock_ids).values(*SLA_ROW_FIELDS))
    recorded = _record(rows, EventKind.SLA_BREACH, now) if rows else 0
    if recorded:
        transaction.on_commit(enqueue_sending)
    return recorded


def _with_incident_locked(rows: list[dict]) -> list[dict]:
    """The rows whose incident could be locked too: a breach moves the incident's urgency
    columns. Never waiting (a web change holds its incident, then waits for the clocks
    this sweep holds); a clock whose incident is busy is recorded by the next run."""
    ids = {r["incident_id"] for r in rows}
    free = set(
        Incident.objects.filter(pk__in=ids)
        .select_for_update(skip_locked=True, no_key=True)
        .values_list("pk", flat=True)
    )
    return [r for r in rows if r["incident_id"] in free]


def _batch(kind: EventKind, now, batch: int) -> tuple[int, int, bool]:
    """One batch: (recorded, errors, more_to_do)."""
    due = _due(kind, now)
    # A cheap look first: an idle sweep costs one indexed query per kind. (Ordered by the
    # deadline, so PostgreSQL walks the partial index instead of scanning the table.)
    if not due.values_list("pk", flat=True)[:1]:
        return 0, 0, False
    with transaction.atomic():
        locked = due.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)
        ids = list(locked[:batch])
        rows = list(SlaClock.objects.filter(pk__in=ids).values(*SLA_ROW_FIELDS))
        if kind == EventKind.SLA_BREACH:
            rows = _with_incident_locked(rows)
        # A clock whose calendar changed since its deadline was computed is re-planned
        # first, and recorded only if still due. (Imported here: re-planning builds on
        # the clocks module, which builds on this one.)
        from incidents.replan import refresh_stale

        rows = refresh_stale(rows, kind, now) if rows else rows
        if not rows:
            # All of this batch's incidents are being changed: the next run takes them
            # (going on now would only pick the same rows again).
            return 0, 0, False
        try:
            with transaction.atomic():
                return _record(rows, kind, now), 0, len(ids) == batch
        except Exception:
            logger.exception("Recording a batch of %s failed; handling clocks one by one", kind)
        # One by one, so a single bad clock cannot hold back the others.
        recorded = errors = 0
        for row in rows:
            try:
                with transaction.atomic():
                    recorded += _record([row], kind, now)
            except Exception as exc:
                errors += 1
                logger.exception(
                    "SLA %s for incident %s (%s clock) failed; retrying after %s",
                    kind,
                    row["incident__number"],
                    row["metric"],
                    RETRY_AFTER,
                )
                SlaClock.objects.filter(pk=row["pk"]).update(
                    sweep_after=now + RETRY_AFTER,
                    sweep_error=f"{type(exc).__name__}: {exc}"[:2000],
                )
        return recorded, errors, len(ids) == batch


def _heartbeat() -> None:
    """Note the sweep's time for the health page (one statement: it runs on every sweep)."""
    seen = timezone.now()
    if not WorkerHeartbeat.objects.filter(name=HEARTBEAT).update(seen_at=seen):
        WorkerHeartbeat.objects.get_or_create(name=HEARTBEAT, defaults={"seen_at": seen})


@functools.cache
def _due_check_sql() -> tuple[str, int]:
    """The two queries of `_due`, compiled once into one statement (every parameter is `now`).

    Compiled with a sentinel instant; if a parameter other than the sentinel ever appears
    (a change to `_due`), the cached statement could not be reused, so that is an error.
    """
    sentinel = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    # As the backend passes it (SQLite gets text, PostgreSQL the datetime itself).
    adapted = connection.ops.adapt_datetimefield_value(sentinel)
    parts, count = [], 0
    for kind in KINDS:
        sql, params = _due(kind, sentinel).values_list("pk", flat=True)[:1].query.sql_with_params()
        if not all(p in (sentinel, adapted) for p in params):
            raise RuntimeError(f"The due check takes only `now` as parameter, not {params!r}")
        parts.append(f"({sql})")
        count += len(params)
    return f"SELECT {', '.join(parts)}", count


def _anything_due(now) -> bool:
    """Is any warning or breach due? One round trip, each half an index lookup: the idle
    sweep is the common case (every 30 s, on every worker)."""
    sql, count = _due_check_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(now)] * count)
        first_breach, first_warning = cursor.fetchone()
    return first_breach is not None or first_warning is not None


def sweep(now: datetime.datetime | None = None, batch: int = BATCH) -> SweepResult:
    """Record every due warning and breach; breaches first, as they matter most."""
    now = now or timezone.now()
    result = SweepResult()
    if not _anything_due(now):
        _heartbeat()
        return result
    for kind in KINDS:
        more = True
        while more:
            recorded, errors, more = _batch(kind, now, batch)
            if kind == EventKind.SLA_BREACH:
                result.breaches += recorded
            else:
                result.warnings += recorded
            result.errors += errors
    _heartbeat()
    if result.warnings or result.breaches:
        transaction.on_commit(enqueue_sending)
    return result
