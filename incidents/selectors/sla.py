"""The state of an incident's SLA clocks in words, for the pages."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Metric
from contracts.sla import target_words
from incidents.models import Incident, SlaClock
from incidents.timeline import stopped_words


def span_catalogue() -> dict[str, str]:
    """How a span to or from a deadline reads, by its largest unit (the desk's script
    fills the same sentences in as it ticks)."""
    return {
        "days": _("%(days)s d %(hours)s h"),
        "hours": _("%(hours)s h %(minutes)s min"),
        "minutes": _("%(minutes)s min"),
    }


def span_words(delta: datetime.timedelta, words: dict[str, str] | None = None) -> str:
    """A span in words: "2 d 3 h", "4 h 5 min", "12 min" (`words` from `span_catalogue`)."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    key = "days" if days else "hours" if hours else "minutes"
    return (words or span_catalogue())[key] % {"days": days, "hours": hours, "minutes": mins}


@dataclass(frozen=True)
class ClockState:
    metric: str
    state: str  # running, at_risk, breached, met, missed, stopped (not met), paused
    text: str
    clock: SlaClock

    @property
    def target(self) -> str:
        """The promise in words ("6 working hours"), as every page and e-mail writes it."""
        return target_words(self.clock.target_minutes, self.clock.kind)

    @property
    def is_resolution(self) -> bool:
        return self.metric == Metric.RESOLUTION


def clock_state(clock: SlaClock, now: datetime.datetime | None = None) -> ClockState:
    now = now or timezone.now()
    if clock.stopped_at is not None:
        met = clock.met
        if met:
            return ClockState(clock.metric, "met", _("met"), clock)
        if met is None:  # stopped without the event it measures: neither met nor breached
            return ClockState(clock.metric, "stopped", stopped_words(clock.metric), clock)
        return ClockState(clock.metric, "missed", _("breached"), clock)
    if clock.breached_at is not None or (clock.due_at and clock.due_at <= now):
        # A breach recorded before a severity change moved the deadline (or before a
        # pause) stays a breach.
        since = clock.due_at if clock.due_at and clock.due_at <= now else clock.breached_at
        text = _("breached %(span)s ago") % {"span": span_words(now - since)}
        if clock.paused_at is not None:
            text = _("%(breach)s, paused while waiting on the customer") % {"breach": text}
        return ClockState(clock.metric, "breached", text, clock)
    if clock.paused_at is not None:
        return ClockState(clock.metric, "paused", _("paused, waiting on customer"), clock)
    left = {"span": span_words(clock.due_at - now)}
    if clock.warn_at and clock.warn_at <= now:
        return ClockState(clock.metric, "at_risk", _("at risk: due in %(span)s") % left, clock)
    return ClockState(clock.metric, "running", _("due in %(span)s") % left, clock)


def sla_states(incident: Incident, now=None) -> list[ClockState]:
    return [clock_state(c, now) for c in incident.clocks.all()]
