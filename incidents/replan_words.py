"""A re-planned deadline in words: its old and new time and why it moved (the timeline)."""

import datetime

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts.models import CalendarChangeKind
from portal.timezones import local_time


def cause_words(cause: dict) -> str:
    """One cause of a re-plan, from its structured record (contracts.calendar_changes)."""
    kind = cause.get("kind")
    values = {**cause, "calendar": cause.get("calendar", "")}
    if kind == CalendarChangeKind.HOLIDAY_ADDED:
        return _("holiday %(date)s added to %(calendar)s") % values
    if kind == CalendarChangeKind.HOLIDAY_REMOVED:
        return _("holiday %(date)s removed from %(calendar)s") % values
    if kind == CalendarChangeKind.HOLIDAYS_IMPORTED:
        return (
            ngettext(
                "%(count)s public holiday of %(country)s %(year)s imported to %(calendar)s",
                "%(count)s public holidays of %(country)s %(year)s imported to %(calendar)s",
                cause.get("count", 0),
            )
            % values
        )
    if kind == CalendarChangeKind.HOURS_CHANGED:
        return _("working hours of %(calendar)s changed") % values
    if kind == CalendarChangeKind.ZONE_CHANGED:
        return _("time zone of %(calendar)s changed from %(old)s to %(new)s") % values
    if kind == CalendarChangeKind.ALWAYS_OPEN_CHANGED:
        if cause.get("new"):
            return _("%(calendar)s made 24x7") % values
        return _("%(calendar)s no longer 24x7") % values
    if kind == CalendarChangeKind.CONTRACT_MOVED:
        return _("contract moved from calendar %(old)s to %(new)s") % values
    return _("calendar changed")


def _when(value: str | None, zone: datetime.tzinfo) -> str:
    moment = parse_datetime(value or "")
    if moment is None:
        return _("no deadline (no working time)")
    return local_time(moment, zone, "D j M, H:i")


def replanned_words(label: str, metric: str, data: dict, zone: datetime.tzinfo | None) -> str:
    """ "Deadline re-planned: first response due Tue 8 Dec, 12:00 → Wed 9 Dec, 12:00
    (holiday 2026-12-08 added to Madrid office)", in the reader's zone (UTC when none)."""
    zone = zone or datetime.UTC
    causes = [cause_words(c) for c in data.get("causes") or []]
    if data.get("more_causes"):
        causes.append(
            ngettext("%(n)s more change", "%(n)s more changes", data["more_causes"])
            % {"n": data["more_causes"]}
        )
    return _("%(label)s: %(metric)s due %(old)s → %(new)s (%(causes)s)") % {
        "label": label,
        "metric": metric,
        "old": _when(data.get("old_due_at"), zone),
        "new": _when(data.get("new_due_at"), zone),
        "causes": "; ".join(causes) or _("calendar changed"),
    }
