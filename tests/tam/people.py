"""What the desk page tests share: a Madrid office calendar, fixed instants, helpers."""

import datetime
import re
from zoneinfo import ZoneInfo

from contracts.models import CalendarWindow
from tam.models import Absence, DutyShift, WorkingHours
from tests.factories import CalendarFactory

MADRID = ZoneInfo("Europe/Madrid")
UTC = datetime.UTC
# A Friday in June (Madrid is UTC+2), far from any DST change, inside the widened contracts.
FRIDAY_EVENING = datetime.datetime(2026, 6, 5, 18, 30, tzinfo=MADRID)
FRIDAY_MORNING = datetime.datetime(2026, 6, 5, 10, 0, tzinfo=MADRID)
H = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def office_calendar(name="Madrid office", start=9, end=18, zone="Europe/Madrid"):
    """Monday to Friday, `start` to `end` in `zone`."""
    calendar = CalendarFactory(name=name, timezone=zone, office_hours=False)
    for weekday in range(5):
        CalendarWindow.objects.create(
            calendar=calendar,
            weekday=weekday,
            start=datetime.time(start),
            end=datetime.time(end),
        )
    return calendar


def works(person, calendar) -> None:
    WorkingHours.objects.update_or_create(staff=person, defaults={"calendar": calendar})


def absent(person, starts_at, ends_at, reason="leave", note=""):
    return Absence.objects.create(
        staff=person, starts_at=starts_at, ends_at=ends_at, reason=reason, note=note
    )


def shift(person, starts_at, ends_at):
    return DutyShift.objects.create(staff=person, starts_at=starts_at, ends_at=ends_at)


def local_input(moment: datetime.datetime, zone=MADRID) -> str:
    """An instant as a datetime-local field sends it, in `zone`."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


# How the pages join the two ends of a span.
TO = " \N{EN DASH} "


def plain(html: str) -> str:
    """A page's text without its tags (times come in <time> elements)."""
    return re.sub(r"<[^>]+>", "", html)
