"""Who is available when: inside their working hours and not absent, and when that changes.

A staff member's working hours are a business calendar (`WorkingHours`); without one they
are taken to work at any hour. An absence makes them away whatever the hours say.
"""

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from contracts.business_time import WorkCalendar, is_open, next_closing, next_opening
from contracts.models import BusinessCalendar
from contracts.sla import work_calendar
from tam.models import Absence, AbsenceReason, WorkingHours

# How far ahead absences are read to say when someone is back (or next away).
HORIZON = datetime.timedelta(days=62)
UTC = zoneinfo.ZoneInfo("UTC")


class State(models.TextChoices):
    AVAILABLE = "available", _("Available")
    OFF_HOURS = "off_hours", _("Outside working hours")
    ABSENT = "absent", _("Absent")


@dataclass(frozen=True)
class Availability:
    state: State
    next_change: datetime.datetime | None  # when the state flips (None: not within sight)
    zone: zoneinfo.ZoneInfo  # the person's working zone, for wording times
    reason: AbsenceReason | None = None  # while absent

    @property
    def available(self) -> bool:
        return self.state == State.AVAILABLE


@dataclass
class Schedule:
    """One person's hours and absences around an instant."""

    calendar: WorkCalendar | None = None
    hours: BusinessCalendar | None = None  # the working hours' business calendar
    zone: zoneinfo.ZoneInfo = UTC
    absences: list[tuple[datetime.datetime, datetime.datetime, str]] = field(default_factory=list)

    def absence_at(self, at: datetime.datetime) -> tuple | None:
        return next((a for a in self.absences if a[0] <= at < a[1]), None)

    def in_hours(self, at: datetime.datetime) -> bool:
        return self.calendar is None or is_open(self.calendar, at)

    def available_at(self, at: datetime.datetime) -> bool:
        return self.absence_at(at) is None and self.in_hours(at)

    def _back_at(self, at: datetime.datetime) -> datetime.datetime | None:
        """The first instant from `at` on that is in hours and not absent."""
        moment = at
        for _step in range(200):
            absence = self.absence_at(moment)
            if absence is not None:
                moment = absence[1]
                continue
            if self.in_hours(moment):
                return moment
            try:
                moment = next_opening(self.calendar, moment)
            except ValueError:  # hours that never open
                return None
        return None

    def _away_at(self, at: datetime.datetime) -> datetime.datetime | None:
        """The first instant after `at` that is out of hours or absent."""
        ends = [next_closing(self.calendar, at)] if self.calendar is not None else []
        ends += [start for start, _end, _reason in self.absences if start > at]
        ends = [e for e in ends if e is not None]
        return min(ends) if ends else None

    def at(self, at: datetime.datetime) -> Availability:
        absence = self.absence_at(at)
        if absence is not None:
            return Availability(
                State.ABSENT, self._back_at(at), self.zone, AbsenceReason(absence[2])
            )
        if not self.in_hours(at):
            return Availability(State.OFF_HOURS, self._back_at(at), self.zone)
        return Availability(State.AVAILABLE, self._away_at(at), self.zone)


def schedules(staff_ids: Iterable[int], at: datetime.datetime) -> dict[int, Schedule]:
    """Each person's schedule around `at`: three queries for their hours, one for absences."""
    ids = set(staff_ids)
    ids.discard(None)
    found: dict[int, Schedule] = defaultdict(Schedule)
    if not ids:
        return found
    hours = (
        WorkingHours.objects.filter(staff_id__in=ids)
        .select_related("calendar")
        .prefetch_related("calendar__hours", "calendar__holidays")
    )
    for row in hours:
        calendar = work_calendar(row.calendar)
        found[row.staff_id].hours = row.calendar
        if calendar.always_open or calendar.windows:
            found[row.staff_id].calendar = calendar
        found[row.staff_id].zone = zoneinfo.ZoneInfo(row.calendar.timezone)
    absences = Absence.objects.filter(
        staff_id__in=ids, ends_at__gt=at, starts_at__lt=at + HORIZON
    ).order_by("starts_at")
    for staff_id, start, end, reason in absences.values_list(
        "staff_id", "starts_at", "ends_at", "reason"
    ):
        found[staff_id].absences.append((start, end, reason))
    return {pk: found[pk] for pk in ids}


def availability(staff_ids: Iterable[int], at: datetime.datetime) -> dict[int, Availability]:
    return {pk: schedule.at(at) for pk, schedule in schedules(staff_ids, at).items()}


def is_available(staff_id: int, at: datetime.datetime) -> bool:
    return schedules([staff_id], at)[staff_id].available_at(at)


def zone_of(user) -> zoneinfo.ZoneInfo:
    """A staff member's own zone: the one they chose (their profile), else their working
    hours' time zone, else UTC."""
    if getattr(user, "time_zone", ""):
        return zoneinfo.ZoneInfo(user.time_zone)
    name = (
        WorkingHours.objects.filter(staff_id=user.pk)
        .values_list("calendar__timezone", flat=True)
        .first()
    )
    return zoneinfo.ZoneInfo(name) if name else UTC
