"""What a contract promises for an incident: the clock kind, target and due instant."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts.business_time import NoWorkingTime, WorkCalendar, add_working_time
from contracts.models import BusinessCalendar, ClockKind, Contract, Metric


def _amount(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours})
    if rest:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", rest) % {"n": rest})
    return " ".join(parts)


def target_words(minutes: int, clock: str) -> str:
    """A target as people read it, the one way pages, e-mails and the API write it:
    "6 working hours" on business time; "30 minutes", "4 hours", "2 calendar days" on
    calendar time."""
    if clock == ClockKind.BUSINESS:
        if minutes % 60 == 0:
            hours = minutes // 60
            return ngettext("%(n)s working hour", "%(n)s working hours", hours) % {"n": hours}
        return _("%(amount)s of working time") % {"amount": _amount(minutes)}
    if minutes % 1440 == 0:
        days = minutes // 1440
        return ngettext("%(n)s calendar day", "%(n)s calendar days", days) % {"n": days}
    return _amount(minutes)


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
    due_at: datetime.datetime | None  # None: the calendar has no working time


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
        try:
            due_at = add_working_time(work_calendar(contract.calendar), started_at, amount)
        except NoWorkingTime:  # a calendar with no working time: nothing falls due
            due_at = None
    else:
        due_at = started_at + amount
    return ClockPlan(
        metric=Metric(metric),
        kind=ClockKind(target.clock),
        target_minutes=target.minutes,
        started_at=started_at,
        due_at=due_at,
    )
