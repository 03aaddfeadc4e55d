"""What a contract promises for an incident: the clock kind, target and due instant."""

import datetime
from dataclasses import dataclass

from contracts.business_time import WorkCalendar, add_working_time
from contracts.models import BusinessCalendar, ClockKind, Contract, Metric


def work_calendar(calendar: BusinessCalendar) -> WorkCalendar:
    """The pure engine's view of a calendar (uses prefetched hours and holidays)."""
    return WorkCalendar(
        timezone=calendar.timezone,
        windows=tuple((w.weekday, w.start, w.end) for w in calendar.hours.all()),
        holidays=frozenset(h.date for h in calendar.holidays.all()),
        always_open=calendar.always_open,
    )


@dataclass(frozen=True)
class ClockPlan:
    metric: Metric
    kind: ClockKind  # calendar time (24x7) or business time (the contract's calendar)
    target_minutes: int
    started_at: datetime.datetime
    due_at: datetime.datetime


def plan_clock(
    contract: Contract, severity: int, metric: str, started_at: datetime.datetime
) -> ClockPlan | None:
    """The clock a contract runs for this severity and metric from `started_at`.

    None when the tier states no target: no clock, never a made-up default.
    """
    if started_at.tzinfo is None:
        raise ValueError("started_at must be timezone-aware")
    target = contract.tier.target_for(severity, metric)
    if target is None:
        return None
    amount = datetime.timedelta(minutes=target.minutes)
    started_at = started_at.astimezone(datetime.UTC)
    if target.clock == ClockKind.BUSINESS:
        due_at = add_working_time(work_calendar(contract.calendar), started_at, amount)
    else:
        due_at = started_at + amount
    return ClockPlan(
        metric=Metric(metric),
        kind=ClockKind(target.clock),
        target_minutes=target.minutes,
        started_at=started_at,
        due_at=due_at,
    )
