"""The duty-manager rota: who is on duty at an instant, and where the coming days have
nobody. A shift counts only while its person is active and not absent."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import StaffRole, User
from tam.availability import schedules
from tam.models import DutyShift

# How far ahead the rota and health pages look for gaps.
GAP_HORIZON = datetime.timedelta(days=14)
# Who may be on the rota: a shift of anyone else (moved to another role since, say) counts
# for nothing.
DUTY_ROLES = frozenset({StaffRole.DUTY_MANAGER, StaffRole.ADMIN})


def check_duty_role(staff: User) -> None:
    if not (staff.is_active and staff.staff_role in DUTY_ROLES):
        raise ValidationError(
            {"staff": [_("Only a duty manager or a provider admin can be on the rota.")]}
        )


def _shifts(start: datetime.datetime, end: datetime.datetime):
    return (
        DutyShift.objects.filter(
            starts_at__lt=end,
            ends_at__gt=start,
            staff__is_active=True,
            staff__staff_role__in=DUTY_ROLES,
        )
        .select_related("staff")
        .order_by("starts_at", "id")
    )


def _covered(start: datetime.datetime, end: datetime.datetime) -> list[tuple]:
    """(from, to, person) spans in [start, end) where someone on shift is not absent."""
    shifts = list(_shifts(start, end))
    plans = schedules({s.staff_id for s in shifts}, start)
    spans = []
    for shift in shifts:
        pieces = [(max(shift.starts_at, start), min(shift.ends_at, end))]
        for away_from, away_to, _reason in plans[shift.staff_id].absences:
            cut = []
            for a, b in pieces:
                if away_to <= a or away_from >= b:
                    cut.append((a, b))
                    continue
                if a < away_from:
                    cut.append((a, away_from))
                if away_to < b:
                    cut.append((away_to, b))
            pieces = cut
        spans += [(a, b, shift.staff) for a, b in pieces if b > a]
    return sorted(spans, key=lambda s: (s[0], s[1]))


def on_duty(at: datetime.datetime | None = None) -> User | None:
    """The duty manager on shift at `at` (the earliest shift that covers it), or None."""
    at = at or timezone.now()
    for start, end, person in _covered(at, at + datetime.timedelta(microseconds=1)):
        if start <= at < end:
            return person
    return None


@dataclass(frozen=True)
class Gap:
    starts_at: datetime.datetime
    ends_at: datetime.datetime

    @property
    def duration(self) -> datetime.timedelta:
        return self.ends_at - self.starts_at


def gaps(start: datetime.datetime | None = None, horizon=GAP_HORIZON) -> list[Gap]:
    """The spans from `start` to `start + horizon` with nobody on duty."""
    start = start or timezone.now()
    end = start + horizon
    found = []
    cursor = start
    for a, b, _person in _covered(start, end):
        if a > cursor:
            found.append(Gap(cursor, a))
        cursor = max(cursor, b)
    if cursor < end:
        found.append(Gap(cursor, end))
    return found
