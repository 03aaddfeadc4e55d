"""The state of an incident's SLA clocks in words, for the pages."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from contracts.models import Metric
from incidents.models import Incident, SlaClock


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
