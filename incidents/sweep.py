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
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from incidents.models import IncidentEvent, Notification, SlaClock
from incidents.notifications import enqueue_sending, outbox_rows
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


FIELDS = (
    "pk",
    "organization_id",
    "incident_id",
    "metric",
    "due_at",
    "incident__number",
    "incident__severity",
    "incident__assignee_id",
    "incident__contract__tam_id",
    "incident__contract__tier__notify_customer_on_sla",
)


class _People:
    """E-mail addresses of the people a batch tells, fetched once per batch."""

    def __init__(self, rows: list[dict]):
        staff_ids = {r["incident__assignee_id"] for r in rows} | {
            r["incident__contract__tam_id"] for r in rows
        }
        staff_ids.discard(None)
        active = User.objects.filter(is_active=True)
        self.staff = dict(active.filter(pk__in=staff_ids).values_list("pk", "email"))
        self.duty = list(active.filter(staff_role="duty_manager").values_list("email", flat=True))
        tell_customers = {
            r["organization_id"]
            for r in rows
            if r["incident__contract__tier__notify_customer_on_sla"]
        }
        self.admins = defaultdict(list)
        for org_id, email in active.filter(
            membership__organization_id__in=tell_customers, membership__role=MemberRole.ADMIN
        ).values_list("membership__organization_id", "email"):
            self.admins[org_id].append(email)

    def recipients(self, row: dict, kind: str) -> list[str]:
        """The assignee, the contract's TAM, the duty manager on a severity 1-2 breach, and
        the customer's admins only where the tier says so."""
        emails = [
            self.staff.get(row["incident__assignee_id"]),
            self.staff.get(row["incident__contract__tam_id"]),
        ]
        if kind == "sla_breach" and row["incident__severity"] <= 2:
            emails += self.duty
        emails += self.admins.get(row["organization_id"], [])
        unique = []
        for email in emails:
            if email and email not in unique:
                unique.append(email)
        return unique


def _record(rows: list[dict], kind: str, now) -> int:
    """Claim, record and queue a batch of clocks; returns how many were claimed."""
    column = "breached_at" if kind == "sla_breach" else "warned_at"
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
    people = _People(rows)
    if kind == "sla_breach":
        _escalate(rows, people, now)
    Notification.objects.bulk_create(
        sla_outbox(rows, events, kind, now, people), ignore_conflicts=True
    )
    return len(rows)


def _escalate(rows: list[dict], people: "_People", now) -> None:
    """A severity 1-2 breach goes to the duty manager: the timeline says so (staff only)."""
    if not people.duty:
        return
    IncidentEvent.objects.bulk_create(
        IncidentEvent(
            organization_id=r["organization_id"],
            incident_id=r["incident_id"],
            kind="escalated",
            at=now,
            internal=True,
            data={"metric": r["metric"], "to": "duty manager", "reason": "sla_breach"},
        )
        for r in rows
        if r["incident__severity"] <= 2
    )


def sla_outbox(rows: list[dict], events, kind: str, now, people=None) -> list[Notification]:
    """The outbox rows for SLA events, each keyed by its clock and deadline."""
    people = people or _People(rows)
    outbox = []
    for row, event in zip(rows, events, strict=True):
        outbox += outbox_rows(
            event, people.recipients(row, kind), now, clock_id=row["pk"], deadline=row["due_at"]
        )
    return outbox


def notify_breach(clock_id: int, event: IncidentEvent, now) -> None:
    """Queue the e-mails for a breach recorded outside the sweep (a call logged after its
    deadline, a severity change, a reopening), to the same people the sweep tells."""
    rows = list(SlaClock.objects.filter(pk=clock_id).values(*FIELDS))
    people = _People(rows)
    _escalate(rows, people, now)
    Notification.objects.bulk_create(
        sla_outbox(rows, [event], "sla_breach", now, people), ignore_conflicts=True
    )
    transaction.on_commit(enqueue_sending)


def _batch(kind: str, now, batch: int) -> tuple[int, int, bool]:
    """One batch: (recorded, errors, more_to_do)."""
    due = _due(kind, now)
    # A cheap look first: an idle sweep costs one indexed query per kind. (Ordered by the
    # deadline, so PostgreSQL walks the partial index instead of scanning the table.)
    if not due.values_list("pk", flat=True)[:1]:
        return 0, 0, False
    with transaction.atomic():
        locked = due.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)
        ids = list(locked[:batch])
        rows = list(SlaClock.objects.filter(pk__in=ids).values(*FIELDS))
        if not rows:
            return 0, 0, False
        try:
            with transaction.atomic():
                return _record(rows, kind, now), 0, len(rows) == batch
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
        return recorded, errors, len(rows) == batch


def _heartbeat() -> None:
    """Note the sweep's time for the health page (one statement: it runs on every sweep)."""
    seen = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            # The table name comes from the model, never from input.
            f"UPDATE {WorkerHeartbeat._meta.db_table} SET seen_at = %s WHERE name = %s",  # noqa: S608
            [connection.ops.adapt_datetimefield_value(seen), HEARTBEAT],
        )
        updated = cursor.rowcount
    if not updated:
        WorkerHeartbeat.objects.get_or_create(name=HEARTBEAT, defaults={"seen_at": seen})


@functools.cache
def _due_check_sql() -> tuple[str, int]:
    """The two queries of `_due`, compiled once into one statement (every parameter is `now`)."""
    sentinel = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    # As the backend passes it (SQLite gets text, PostgreSQL the datetime itself).
    adapted = connection.ops.adapt_datetimefield_value(sentinel)
    parts, count = [], 0
    for kind in ("sla_breach", "sla_warning"):
        sql, params = _due(kind, sentinel).values_list("pk", flat=True)[:1].query.sql_with_params()
        assert all(p in (sentinel, adapted) for p in params), params
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
    for kind in ("sla_breach", "sla_warning"):
        more = True
        while more:
            recorded, errors, more = _batch(kind, now, batch)
            if kind == "sla_breach":
                result.breaches += recorded
            else:
                result.warnings += recorded
            result.errors += errors
    _heartbeat()
    if result.warnings or result.breaches:
        transaction.on_commit(enqueue_sending)
    return result
