"""What the desk's tests share: a TAM who works Monday to Friday 9-18 in Madrid, a backup,
a duty manager, and an account on the dedicated-TAM tier."""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from contracts.models import BusinessCalendar, CalendarWindow
from portal.models import StaffRole, User
from tam.models import Absence, AbsenceReason, DutyShift, WorkingHours
from tests.conftest import make_tenant
from tests.factories import StaffFactory
from tests.incidents.conftest import widen

UTC = datetime.UTC
MADRID = ZoneInfo("Europe/Madrid")


def madrid(*args) -> datetime.datetime:
    """A Madrid wall-clock instant, in UTC."""
    return datetime.datetime(*args, tzinfo=MADRID).astimezone(UTC)


def office_hours(name: str = "TAM hours (Madrid)", start=9, end=18) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(name=name, timezone="Europe/Madrid")
    for weekday in range(5):
        CalendarWindow.objects.create(
            calendar=calendar, weekday=weekday, start=datetime.time(start), end=datetime.time(end)
        )
    return calendar


def away(person: User, starts_at, ends_at, reason=AbsenceReason.LEAVE) -> Absence:
    return Absence.objects.create(staff=person, starts_at=starts_at, ends_at=ends_at, reason=reason)


def on_shift(person: User, starts_at, ends_at) -> DutyShift:
    return DutyShift.objects.create(staff=person, starts_at=starts_at, ends_at=ends_at)


@dataclass
class Desk:
    tenant: object
    tam: User
    backup: User
    duty: User
    hours: BusinessCalendar


@pytest.fixture
def desk(db) -> Desk:
    """An account on the dedicated-TAM tier (MSA Enterprise: 30 min calendar-time first
    response at severity 1), its TAM and backup on Madrid office hours, a duty manager."""
    tenant = widen(make_tenant("Acme Bank"))
    hours = office_hours()
    tam = StaffFactory(staff_role=StaffRole.TAM, full_name="Tara Tam")
    backup = StaffFactory(staff_role=StaffRole.TAM, full_name="Ben Backup")
    duty = StaffFactory(staff_role=StaffRole.DUTY_MANAGER, full_name="Dora Duty")
    for person in (tam, backup):
        WorkingHours.objects.create(staff=person, calendar=hours)
    tenant.contract.tam = tam
    tenant.contract.backup_tam = backup
    tenant.contract.save(update_fields=["tam", "backup_tam"])
    return Desk(tenant, tam, backup, duty, hours)
