"""A calendar's working time changed: a new version, its causes, and the clocks to re-plan.

Every path that changes working time (`calendar_save` behind the API, the holiday import
behind the admin action and the command, the admin's calendar page, a contract moved to
another calendar) ends here, inside its own transaction. The calendar's version goes up
by one with a `CalendarChange` row saying why; the running clocks are re-planned after
commit by a Celery task (incidents.replan), so the change costs the same few queries
whatever number of clocks use the calendar.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from contracts.models import (
    BusinessCalendar,
    CalendarChange,
    CalendarChangeKind,
    CalendarWindow,
    Contract,
    Holiday,
)


@dataclass(frozen=True)
class WorkingTime:
    """What a calendar's deadlines depend on (its name does not count)."""

    timezone: str
    always_open: bool
    windows: frozenset[tuple[int, datetime.time, datetime.time]]
    holidays: frozenset[datetime.date]


def working_time(calendar_id: int) -> WorkingTime:
    """The calendar's working time as stored now, the calendar row locked (a change holds
    it until commit, so two changes of one calendar take their versions in turn)."""
    zone, always_open = (
        BusinessCalendar.objects.select_for_update()
        .values_list("timezone", "always_open")
        .get(pk=calendar_id)
    )
    return WorkingTime(
        timezone=zone,
        always_open=always_open,
        windows=frozenset(
            CalendarWindow.objects.filter(calendar_id=calendar_id).values_list(
                "weekday", "start", "end"
            )
        ),
        holidays=frozenset(
            Holiday.objects.filter(calendar_id=calendar_id).values_list("date", flat=True)
        ),
    )


def causes_between(before: WorkingTime, after: WorkingTime, name: str) -> list[dict]:
    """The changes from `before` to `after` as structured causes (worded on the timeline)."""
    causes = []
    if before.timezone != after.timezone:
        causes.append(
            {
                "kind": CalendarChangeKind.ZONE_CHANGED,
                "old": before.timezone,
                "new": after.timezone,
            }
        )
    if before.always_open != after.always_open:
        causes.append({"kind": CalendarChangeKind.ALWAYS_OPEN_CHANGED, "new": after.always_open})
    if before.windows != after.windows:
        causes.append({"kind": CalendarChangeKind.HOURS_CHANGED})
    for day in sorted(after.holidays - before.holidays):
        causes.append({"kind": CalendarChangeKind.HOLIDAY_ADDED, "date": day.isoformat()})
    for day in sorted(before.holidays - after.holidays):
        causes.append({"kind": CalendarChangeKind.HOLIDAY_REMOVED, "date": day.isoformat()})
    return [{**cause, "calendar": name} for cause in causes]


def calendar_changed(
    *,
    calendar: BusinessCalendar,
    before: WorkingTime,
    causes: list[dict] | None = None,
    now: datetime.datetime | None = None,
) -> CalendarChange | None:
    """Close a change of `calendar` (whose working time was `before`) in the caller's
    transaction: a new version when the working time differs, and its clocks re-planned
    after commit. `causes` replaces the itemised difference (an import names its country).
    Nothing happens when only the name changed."""
    after = working_time(calendar.pk)
    if after == before:
        return None
    causes = causes or causes_between(before, after, calendar.name)
    version = BusinessCalendar.objects.values_list("version", flat=True).get(pk=calendar.pk) + 1
    calendar.version = version
    calendar.save(update_fields=["version"])  # row by row: the audit trail's rule
    change = CalendarChange.objects.create(
        calendar=calendar, version=version, at=now or timezone.now(), causes=causes
    )
    _replan_after_commit(calendar_id=calendar.pk)
    return change


def contract_calendar_moved(*, contract: Contract) -> None:
    """A contract now uses another calendar: its running clocks are re-planned on it after
    commit (the clocks know the calendar they were computed with)."""
    _replan_after_commit(contract_id=contract.pk)


def _replan_after_commit(**target) -> None:
    from incidents.tasks import replan_sla_clocks  # incidents builds on contracts

    transaction.on_commit(lambda: replan_sla_clocks.delay(**target))
