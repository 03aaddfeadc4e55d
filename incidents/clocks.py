"""SLA clock arithmetic on an incident: start, pause, resume, stop, restart, re-target.

Every function runs inside the caller's transaction with the incident row locked,
and writes clocks with conditional updates so a concurrent sweep and a web change
never overwrite each other's fields.
"""

import datetime

from contracts.business_time import NoWorkingTime, add_working_time, working_time_between
from contracts.models import ClockKind, Contract, Metric
from contracts.sla import plan_clock, work_calendar
from incidents.deadlines import settle_deadlines
from incidents.models import ClockStop, EventKind, Incident, IncidentEvent, SlaClock, Status
from incidents.rules import clock_met, halting_statuses, restarts_on_reopening, stop_reason
from incidents.sweep import notify_breach
from incidents.timeline import record


def _add(contract: Contract, kind: str, start, amount: datetime.timedelta):
    if kind == ClockKind.BUSINESS:
        return add_working_time(work_calendar(contract.calendar), start, amount)
    return start + amount


def _elapsed(contract: Contract, kind: str, start, end) -> datetime.timedelta:
    if end <= start:
        return datetime.timedelta(0)
    if kind == ClockKind.BUSINESS:
        return working_time_between(work_calendar(contract.calendar), start, end)
    return end - start


def deadlines(
    contract: Contract, clock: SlaClock
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """(due_at, warn_at) from the original start, the target and the time spent paused;
    (None, None) on a calendar with no working time to count on (nothing falls due until
    it has some: a change to it re-plans the clock, incidents.replan)."""
    paused = datetime.timedelta(seconds=clock.paused_seconds)
    target = datetime.timedelta(minutes=clock.target_minutes)
    share = contract.tier.warn_at_percent / 100
    try:
        due = _add(contract, clock.kind, clock.started_at, target + paused)
        warn = _add(contract, clock.kind, clock.started_at, target * share + paused)
    except NoWorkingTime:
        return None, None
    return due, warn


def stamp(contract: Contract, clock: SlaClock) -> dict:
    """Note on the clock (and return, for an update) the calendar version its deadlines
    were computed with; incidents.replan re-plans a business-time clock whose contract's
    calendar is another or at another version. Calendar-time clocks use no calendar."""
    business = clock.kind == ClockKind.BUSINESS
    fields = {
        "calendar_id": contract.calendar_id if business else None,
        "calendar_version": contract.calendar.version if business else None,
    }
    for name, value in fields.items():
        setattr(clock, name, value)
    return fields


def _breach_now(incident: Incident, clock: SlaClock, now) -> IncidentEvent | None:
    claimed = SlaClock.objects.filter(pk=clock.pk, breached_at__isnull=True).update(breached_at=now)
    if not claimed:
        return None
    clock.breached_at = now
    # Recorded by the system like a sweep breach; the change that revealed it is its own event.
    event = record(
        incident,
        EventKind.SLA_BREACH,
        now,
        None,
        metric=clock.metric,
        due_at=clock.due_at.isoformat() if clock.due_at else None,
        severity=incident.severity,
    )
    notify_breach(clock.pk, event, now)
    settle_deadlines([incident.pk])
    return event


def _warn_again(clock: SlaClock, now) -> dict:
    """A deadline moved later (a longer target, a reopening) warns again at its new time."""
    if clock.warned_at is not None and clock.warn_at is not None and clock.warn_at > now:
        clock.warned_at = None
        return {"warned_at": None}
    return {}


def start_clocks(incident: Incident, now, actor=None) -> list[SlaClock]:
    """Start every clock the tier defines for the incident's severity, from its receipt."""
    clocks = []
    if not incident.has_sla:
        return clocks
    for metric in Metric.values:
        plan = plan_clock(incident.contract, incident.severity, metric, incident.received_at)
        if plan is None:
            continue
        clock = SlaClock(
            organization_id=incident.organization_id,
            incident=incident,
            metric=metric,
            kind=plan.kind,
            target_minutes=plan.target_minutes,
            started_at=incident.received_at,
        )
        clock.due_at, clock.warn_at = deadlines(incident.contract, clock)
        stamp(incident.contract, clock)
        clock.save()
        record(
            incident,
            EventKind.CLOCK_STARTED,
            now,
            actor,
            metric=metric,
            clock=plan.kind,
            target_minutes=plan.target_minutes,
            due_at=clock.due_at.isoformat() if clock.due_at else None,
            started_at=clock.started_at.isoformat(),
        )
        # A call logged late can be past its deadline already.
        if clock.due_at is not None and clock.due_at <= now:
            _breach_now(incident, clock, now)
        clocks.append(clock)
    settle_deadlines([incident.pk])
    return clocks


def _running(incident: Incident, metric: str | None = None):
    clocks = SlaClock.objects.filter(incident=incident, stopped_at__isnull=True)
    return clocks.filter(metric=metric) if metric else clocks


def pause_resolution(incident: Incident, now, actor=None) -> None:
    for clock in _running(incident, Metric.RESOLUTION).filter(paused_at__isnull=True):
        if SlaClock.objects.filter(pk=clock.pk, paused_at__isnull=True).update(
            paused_at=now, due_at=None, warn_at=None
        ):
            record(incident, EventKind.CLOCK_PAUSED, now, actor, metric=clock.metric)
    settle_deadlines([incident.pk])


def _run_again(
    incident: Incident, clock: SlaClock, since, now, actor, *, event: EventKind, clear: str
):
    """Credit the clock with the time since `since` (paused, or resolved before a reopening)
    and run it again, with its deadlines pushed out by that time."""
    spent = _elapsed(incident.contract, clock.kind, since, now)
    clock.paused_seconds += int(spent.total_seconds())
    cleared = {clear: None}
    if clear == "stopped_at":
        cleared["stop_reason"] = ClockStop.RUNNING
    for name, value in cleared.items():
        setattr(clock, name, value)
    clock.due_at, clock.warn_at = deadlines(incident.contract, clock)
    SlaClock.objects.filter(pk=clock.pk, **{f"{clear}__isnull": False}).update(
        paused_seconds=clock.paused_seconds,
        due_at=clock.due_at,
        warn_at=clock.warn_at,
        **cleared,
        **_warn_again(clock, now),
        **stamp(incident.contract, clock),
    )
    due = clock.due_at.isoformat() if clock.due_at else None
    record(incident, event, now, actor, metric=clock.metric, due_at=due)


def resume_resolution(incident: Incident, now, actor=None) -> None:
    for clock in _running(incident, Metric.RESOLUTION).filter(paused_at__isnull=False):
        _run_again(
            incident,
            clock,
            clock.paused_at,
            now,
            actor,
            event=EventKind.CLOCK_RESUMED,
            clear="paused_at",
        )
    settle_deadlines([incident.pk])


def stop_clocks(
    incident: Incident,
    now,
    actor=None,
    metric: str | None = None,
    *,
    status: str | None = None,
) -> None:
    """Stop running clocks (one metric, or all): by a qualified response (`status` None)
    or by the move to a done `status`, whose reason (`rules.stop_reason`) says whether the
    event the clock measures stopped it. A paused clock is resumed first."""
    if metric in (None, Metric.RESOLUTION):
        resume_resolution(incident, now, actor)
    for clock in _running(incident, metric):
        reason = stop_reason(clock.metric, status)
        if SlaClock.objects.filter(pk=clock.pk, stopped_at__isnull=True).update(
            stopped_at=now, stop_reason=reason
        ):
            clock.stopped_at, clock.stop_reason = now, reason
            record(
                incident,
                EventKind.CLOCK_STOPPED,
                now,
                actor,
                metric=clock.metric,
                met=clock_met(clock),
                stop_reason=reason,
            )
    settle_deadlines([incident.pk])


def restart_clocks(incident: Incident, now, actor=None) -> None:
    """Reopening: the resolution clock runs again, and a first-response clock stopped
    before any response (`rules.restarts_on_reopening`), with the time already spent kept
    (the time it stood stopped is credited like a pause)."""
    for clock in SlaClock.objects.filter(incident=incident, stopped_at__isnull=False):
        if not restarts_on_reopening(clock):
            continue
        _run_again(
            incident,
            clock,
            clock.stopped_at,
            now,
            actor,
            event=EventKind.CLOCK_RESTARTED,
            clear="stopped_at",
        )
        if clock.due_at is not None and clock.due_at <= now:
            _breach_now(incident, clock, now)
    settle_deadlines([incident.pk])


def _halted(incident: Incident, kind: str, metric: str) -> tuple[int, datetime.datetime | None]:
    """The seconds a clock of `metric` would not have counted so far (`rules.
    halting_statuses`: waiting on the customer, or done before a reopening), from the
    status history; and when the current halt began, if the incident is halted now. A clock
    gained again by a severity change so keeps the time its removed one had credited."""
    halting = halting_statuses(metric)
    seconds = 0
    since = None
    changes = IncidentEvent.objects.filter(
        organization_id=incident.organization_id,
        incident=incident,
        kind=EventKind.STATUS_CHANGED,
    )
    for at, data in changes.order_by("at", "id").values_list("at", "data"):
        halted = data.get("new") in halting
        if halted and since is None:
            since = at
        elif not halted and since is not None:
            seconds += int(_elapsed(incident.contract, kind, since, at).total_seconds())
            since = None
    return seconds, since


def retarget(incident: Incident, now, actor=None, *, responded: bool) -> None:
    """After a severity change: recompute from the original start with the new targets.

    Paused time is kept. A deadline already past is a breach at once. A metric the
    new severity has no target for loses its running clock (a breached one is stopped
    and kept as evidence); one it gains starts
    from the incident's receipt (first response only if no qualified response yet).
    """
    if not incident.has_sla:
        return
    _retarget(incident, now, actor, responded=responded)
    settle_deadlines([incident.pk])


def _retarget(incident: Incident, now, actor, *, responded: bool) -> None:
    existing = {c.metric: c for c in SlaClock.objects.filter(incident=incident)}
    for metric in Metric.values:
        plan = plan_clock(incident.contract, incident.severity, metric, incident.received_at)
        clock = existing.get(metric)
        if clock is not None and clock.stopped_at is not None:
            continue  # a stopped clock is history: its promise was already kept or broken
        if clock is not None and plan is None:
            reason = f"no target at severity {incident.severity}"
            if clock.breached_at is not None:
                # A broken promise stays on record: the clock stops, it is not removed.
                SlaClock.objects.filter(pk=clock.pk, stopped_at__isnull=True).update(
                    stopped_at=now, stop_reason=ClockStop.NO_TARGET
                )
                record(
                    incident,
                    EventKind.CLOCK_STOPPED,
                    now,
                    actor,
                    metric=metric,
                    met=False,
                    stop_reason=ClockStop.NO_TARGET,
                    reason=reason,
                )
                continue
            clock.delete()
            record(incident, EventKind.CLOCK_STOPPED, now, actor, metric=metric, reason=reason)
            continue
        if plan is None:
            continue
        if clock is None:
            if metric == Metric.FIRST_RESPONSE and responded:
                continue
            if not incident.is_open:
                continue
            clock = SlaClock(
                organization_id=incident.organization_id,
                incident=incident,
                metric=metric,
                kind=plan.kind,
                target_minutes=plan.target_minutes,
                started_at=incident.received_at,
            )
            # Gained late (or again): credit the time it would have been paused or stopped.
            clock.paused_seconds, halted_since = _halted(incident, clock.kind, metric)
            waiting = metric == Metric.RESOLUTION and incident.status == Status.WAITING_ON_CUSTOMER
            clock.due_at, clock.warn_at = deadlines(incident.contract, clock)
            stamp(incident.contract, clock)
            if waiting:
                # Gained while waiting on the customer: paused since the wait began.
                clock.paused_at, clock.due_at, clock.warn_at = halted_since or now, None, None
            clock.save()
            record(
                incident,
                EventKind.CLOCK_STARTED,
                now,
                actor,
                metric=metric,
                clock=plan.kind,
                target_minutes=plan.target_minutes,
                due_at=clock.due_at.isoformat() if clock.due_at else None,
                started_at=clock.started_at.isoformat(),
            )
            if waiting:
                record(incident, EventKind.CLOCK_PAUSED, now, actor, metric=metric)
        else:
            clock.kind = plan.kind
            clock.target_minutes = plan.target_minutes
            fields = {"kind": plan.kind, "target_minutes": plan.target_minutes}
            if clock.paused_at is None:
                clock.due_at, clock.warn_at = deadlines(incident.contract, clock)
                fields.update(due_at=clock.due_at, warn_at=clock.warn_at)
                fields.update(_warn_again(clock, now))
                fields.update(stamp(incident.contract, clock))
            SlaClock.objects.filter(pk=clock.pk, stopped_at__isnull=True).update(**fields)
        if clock.due_at is not None and clock.due_at <= now:
            _breach_now(incident, clock, now)
