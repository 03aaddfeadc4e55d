"""Re-planning running business-time clocks after their calendar changed.

A change of a calendar's working time (contracts.calendar_changes) raises the calendar's
version and, after commit, enqueues `replan_sla_clocks`; a contract moved to another
calendar enqueues it for that contract. The task claims the clocks computed with an older
version (or with another calendar) in batches with SELECT ... FOR UPDATE SKIP LOCKED, as
the sweep does, and gives each the deadlines the engine computes now from its original
start, its copied target and its paused time (`clocks.deadlines`: the rule a severity
change uses). Calendar-time, paused, stopped and breached clocks are left as they are (a
breached clock keeps the deadline it broke; a paused one is computed again when it resumes).

A clock whose deadline moved gets a `clock_replanned` event (staff only) with the old and
new deadline and the causes; a moved first-response promise gets a new acknowledgement
(the customer's view); a later warning time warns again (one notice per deadline); a
deadline moved into the past is breached at once, after the event that explains it.

Until the task has re-planned a clock, the sweep re-plans it itself before it records a
warning or breach against it (`refresh_stale`), so no clock breaches on a deadline its
calendar no longer gives. docs/replanning.md tells the whole story.
"""

import datetime
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from contracts.models import (
    BusinessCalendar,
    CalendarChange,
    CalendarChangeKind,
    ClockKind,
    Contract,
    Metric,
)
from incidents import acknowledgement
from incidents.clocks import _warn_again, deadlines, stamp
from incidents.deadlines import settle_deadlines
from incidents.models import EventKind, Incident, IncidentEvent, SlaClock, ThreadEntry
from incidents.sweep import record_breaches

BATCH = 500
# A clock's event names at most this many causes (a calendar saved with a new list of
# holidays can have dozens), and how many more there were.
MAX_CAUSES = 5


@dataclass
class ReplanResult:
    replanned: int = 0  # given the calendar's current version
    moved: int = 0  # of which the deadline or warning time moved (one event each)
    breached: int = 0  # moved into the past: breached at once
    left: bool = False  # stale clocks remain (their incidents busy, or out of time)


def _running_business() -> QuerySet[SlaClock]:
    return SlaClock.objects.filter(
        kind=ClockKind.BUSINESS,
        stopped_at__isnull=True,
        breached_at__isnull=True,
        paused_at__isnull=True,
    )


def stale_clocks(
    *, calendar_id: int | None = None, contract_id: int | None = None
) -> QuerySet[SlaClock]:
    """The running clocks to re-plan: computed with an older version of the calendar, or
    (a contract) with another calendar or version than the contract's now."""
    if calendar_id is not None:
        version = BusinessCalendar.objects.filter(pk=calendar_id).values_list("version")[:1]
        # One index range (clock_running_calendar), whatever the number of clocks.
        return _running_business().filter(calendar_id=calendar_id, calendar_version__lt=version)
    contract = Contract.objects.select_related("calendar").filter(pk=contract_id).first()
    if contract is None:
        return SlaClock.objects.none()
    return (
        _running_business()
        .filter(organization_id=contract.organization_id, incident__contract_id=contract.pk)
        .exclude(calendar_id=contract.calendar_id, calendar_version=contract.calendar.version)
    )


def replan_stale(
    *,
    calendar_id: int | None = None,
    contract_id: int | None = None,
    now: datetime.datetime | None = None,
    batch: int = BATCH,
    budget_seconds: float | None = None,
) -> ReplanResult:
    """Re-plan every stale clock of a calendar or a contract, a batch per transaction.

    Clocks another transaction holds (a sweep, a web change) are skipped, never waited
    for; `left` then says to run again. So does running out of `budget_seconds`.
    """
    started = time.monotonic()
    result = ReplanResult()
    busy: set[int] = set()
    while True:
        with transaction.atomic():
            claim = (
                stale_clocks(calendar_id=calendar_id, contract_id=contract_id)
                .exclude(pk__in=busy)
                .order_by()
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", flat=True)
            )
            ids = list(claim[:batch])
            if not ids:
                break
            done = replan_locked(ids, now or timezone.now(), result)
        busy |= set(ids) - done
        if len(ids) < batch:
            break
        if budget_seconds is not None and time.monotonic() - started > budget_seconds:
            result.left = True
            return result
    result.left = stale_clocks(calendar_id=calendar_id, contract_id=contract_id).exists()
    return result


def _causes(clock: SlaClock, contract: Contract, changes: dict) -> list[dict]:
    """Why the clock moved: the contract's move, or the calendar's changes since the
    version the clock was computed with."""
    if clock.calendar_id != contract.calendar_id:
        return [
            {
                "kind": CalendarChangeKind.CONTRACT_MOVED,
                "old": clock.calendar.name if clock.calendar else "",
                "new": contract.calendar.name,
            }
        ]
    versions = range((clock.calendar_version or 0) + 1, contract.calendar.version + 1)
    return [cause for v in versions for cause in changes.get((contract.calendar_id, v), [])]


def replan_locked(
    clock_ids, now: datetime.datetime, result: ReplanResult | None = None
) -> set[int]:
    """Re-plan clocks the caller holds locked; their incidents are locked too, or the clock
    is left for a later run (never waiting: a web change holds its incident, then waits
    for its clocks). Returns the ids re-planned."""
    result = result if result is not None else ReplanResult()
    clocks = list(SlaClock.objects.filter(pk__in=clock_ids).select_related("calendar"))
    incidents = {
        i.pk: i
        for i in Incident.objects.filter(pk__in={c.incident_id for c in clocks})
        .select_for_update(skip_locked=True, no_key=True, of=("self",))
        .select_related("organization")
    }
    contracts = {
        c.pk: c
        for c in Contract.objects.filter(
            pk__in={i.contract_id for i in incidents.values()}
        ).select_related("tier")
    }
    # The version is read before the hours and holidays (prefetched after): a change
    # committed in between leaves the clock marked older than it is, so it is re-planned
    # again, never the other way round.
    calendars = BusinessCalendar.objects.filter(
        pk__in={c.calendar_id for c in contracts.values()}
    ).prefetch_related("hours", "holidays")
    calendars = {c.pk: c for c in calendars}
    for contract in contracts.values():
        contract.calendar = calendars[contract.calendar_id]  # one engine per calendar
    changes = _changes_since(clocks, calendars)

    done, moved = [], []
    for clock in clocks:
        incident = incidents.get(clock.incident_id)
        if incident is None:
            continue  # being changed right now: the next run takes it
        contract = contracts[incident.contract_id]
        old_due, old_warn = clock.due_at, clock.warn_at
        causes = _causes(clock, contract, changes)
        try:
            clock.due_at, clock.warn_at = deadlines(contract, clock)
        except ValueError:
            # The calendar has no working time left: the clock has nothing to count on.
            clock.due_at = clock.warn_at = None
        stamp(contract, clock)
        done.append(clock)
        if (clock.due_at, clock.warn_at) != (old_due, old_warn):
            _warn_again(clock, now)
            moved.append((clock, incident, old_due, causes))
    _save(done)
    _record_moves(moved, now)
    past = [c.pk for c, *_ in moved if c.due_at is not None and c.due_at <= now]
    if past:
        result.breached += record_breaches(past, now)
    result.replanned += len(done)
    result.moved += len(moved)
    return {c.pk for c in done}


def _changes_since(clocks: list[SlaClock], calendars: dict) -> dict:
    """(calendar, version) -> causes, for the versions the clocks have not seen."""
    oldest = min((c.calendar_version or 0 for c in clocks), default=0)
    rows = CalendarChange.objects.filter(calendar_id__in=calendars, version__gt=oldest)
    return {(r.calendar_id, r.version): r.causes for r in rows}


_FIELDS = ("due_at", "warn_at", "warned_at", "calendar_id", "calendar_version")


def _save(clocks: list[SlaClock]) -> None:
    """One statement for the batch (the clocks are locked: no condition needed)."""
    if not clocks:
        return
    if connection.vendor != "postgresql":
        SlaClock.objects.bulk_update(clocks, [f.removesuffix("_id") for f in _FIELDS])
        return
    table = SlaClock._meta.db_table
    values = ", ".join(
        ["(%s, %s::timestamptz, %s::timestamptz, %s::timestamptz, %s::bigint, %s::bigint)"]
        * len(clocks)
    )
    params = [v for c in clocks for v in (c.pk, *(getattr(c, f) for f in _FIELDS))]
    assignments = ", ".join(f"{f} = v.{f}" for f in _FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS c SET {assignments} FROM (VALUES {values}) "  # noqa: S608 (names from the model)
            f"AS v(id, {', '.join(_FIELDS)}) WHERE c.id = v.id",
            params,
        )


def _record_moves(moved: list, now: datetime.datetime) -> None:
    """The events of the clocks whose deadline moved, the customers' new promises, and
    the incidents' urgency columns."""
    if not moved:
        return
    IncidentEvent.objects.bulk_create(
        IncidentEvent(
            organization_id=clock.organization_id,
            incident_id=clock.incident_id,
            kind=EventKind.CLOCK_REPLANNED,
            at=now,
            internal=True,
            data={
                "metric": clock.metric,
                "old_due_at": old_due.isoformat() if old_due else None,
                "new_due_at": clock.due_at.isoformat() if clock.due_at else None,
                "causes": causes[:MAX_CAUSES],
                "more_causes": max(0, len(causes) - MAX_CAUSES),
            },
        )
        for clock, _incident, old_due, causes in moved
    )
    ThreadEntry.objects.bulk_create(
        acknowledgement.acknowledgement_entry(
            incident, acknowledgement.update_text(incident, clock.due_at)
        )
        for clock, incident, old_due, _causes in moved
        if clock.metric == Metric.FIRST_RESPONSE
        and clock.due_at is not None
        and clock.due_at > now
        and old_due is not None
    )
    settle_deadlines({clock.incident_id for clock, *_ in moved})


def refresh_stale(rows: list[dict], kind: EventKind, now: datetime.datetime) -> list[dict]:
    """The sweep's guard, for a batch of due clocks it holds locked: a clock computed with
    another calendar version than its contract's is re-planned first, and stays in the
    batch only if it is still due (with its new deadline). One query when none is stale."""
    ids = [r["pk"] for r in rows]
    stamps = SlaClock.objects.filter(pk__in=ids, kind=ClockKind.BUSINESS).values_list(
        "pk",
        "calendar_id",
        "calendar_version",
        "incident__contract__calendar_id",
        "incident__contract__calendar__version",
    )
    stale = {pk for pk, cal, ver, now_cal, now_ver in stamps if (cal, ver) != (now_cal, now_ver)}
    if not stale:
        return rows
    replanned = replan_locked(stale, now)
    current = {
        pk: (due, warn, breached, warned)
        for pk, due, warn, breached, warned in SlaClock.objects.filter(pk__in=stale).values_list(
            "pk", "due_at", "warn_at", "breached_at", "warned_at"
        )
    }
    keep = []
    for row in rows:
        if row["pk"] not in stale:
            keep.append(row)
            continue
        if row["pk"] not in replanned:
            continue  # its incident is being changed: the next sweep sees it again
        due, warn, breached, warned = current[row["pk"]]
        if breached is not None or due is None:
            continue  # breached by the re-plan itself, or no working time left
        still_due = (
            due <= now
            if kind == EventKind.SLA_BREACH
            else (warned is None and warn is not None and warn <= now)
        )
        if still_due:
            keep.append({**row, "due_at": due})
    return keep
