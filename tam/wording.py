"""Availability in words, as the staff page says it: "back Monday 09:00 Madrid", "away from
18:00 Madrid". Times are worded in the person's own zone, and the zone is named, so a reader
in another zone knows which clock is meant."""

import datetime
import zoneinfo

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tam.availability import Availability, State

# Within this many days a time is worded by its weekday ("Monday 09:00"); beyond it, by date.
WEEKDAY_DAYS = 7


def place(zone: zoneinfo.ZoneInfo) -> str:
    """The zone as a reader names it: its city ("Madrid", "New York"), or the zone itself
    ("UTC")."""
    key = zone.key
    return key.rsplit("/", 1)[-1].replace("_", " ") if "/" in key else key


def moment(at: datetime.datetime, zone: zoneinfo.ZoneInfo, now: datetime.datetime) -> str:
    """An instant in words relative to now, in `zone`, naming the zone: "18:00 Madrid",
    "tomorrow 09:00 Madrid", "Monday 09:00 Madrid", "Tue 4 Aug 09:00 Madrid"."""
    local = at.astimezone(zone)
    days = (local.date() - now.astimezone(zone).date()).days
    clock = f"{local:%H:%M}"
    if days == 0:
        day = ""
    elif days == 1:
        day = _("tomorrow")
    elif 1 < days < WEEKDAY_DAYS:
        day = date_format(local, "l")  # the weekday, in the reader's language
    else:
        day = date_format(local, "D j M")
    return " ".join(part for part in (day, clock, place(zone)) if part)


def availability_words(state: Availability, now: datetime.datetime) -> str:
    """When the person's availability next changes, in words (empty when not in sight)."""
    if state.next_change is None:
        return "" if state.available else _("not back within sight")
    when = moment(state.next_change, state.zone, now)
    if state.available:
        return _("away from %(when)s") % {"when": when}
    return _("back %(when)s") % {"when": when}


def state_label(state: Availability) -> str:
    """The state now: "Available", "Outside working hours", "Absent (sick)"."""
    if state.state == State.ABSENT and state.reason is not None:
        return _("Absent (%(reason)s)") % {"reason": state.reason.label.lower()}
    return str(state.state.label)


def duration(span: datetime.timedelta) -> str:
    """A span in words: "2 d 3 h", "14 h", "1 h 30 min", "45 min"."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)s d") % {"n": days})
    if hours:
        parts.append(_("%(n)s h") % {"n": hours})
    if mins and not days:
        parts.append(_("%(n)s min") % {"n": mins})
    return " ".join(parts) or _("%(n)s min") % {"n": 0}
