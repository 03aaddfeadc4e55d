"""What the desk's tests share: a TAM who works Monday to Friday 9-18 in Madrid, a backup,
a duty manager, and an account on the dedicated-TAM tier."""

import datetime
from dataclasses import dataclass

import pytest

from contracts.models import BusinessCalendar
from portal.models import StaffRole, User
from tam.models import WorkingHours
from tests.conftest import make_tenant
from tests.factories import StaffFactory
from tests.incidents.conftest import widen
from tests.tam.desk_world import World, build_world
from tests.tam.people import MADRID, office_calendar

UTC = datetime.UTC


def madrid(*args) -> datetime.datetime:
    """A Madrid wall-clock instant, in UTC."""
    return datetime.datetime(*args, tzinfo=MADRID).astimezone(UTC)


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
    hours = office_calendar(name="TAM hours (Madrid)")
    tam = StaffFactory(staff_role=StaffRole.TAM, full_name="Tara Tam")
    backup = StaffFactory(staff_role=StaffRole.TAM, full_name="Ben Backup")
    duty = StaffFactory(staff_role=StaffRole.DUTY_MANAGER, full_name="Dora Duty")
    for person in (tam, backup):
        WorkingHours.objects.create(staff=person, calendar=hours)
    tenant.contract.tam = tam
    tenant.contract.backup_tam = backup
    tenant.contract.save(update_fields=["tam", "backup_tam"])
    return Desk(tenant, tam, backup, duty, hours)


@pytest.fixture
def world(db) -> World:
    """The desk page tests' four incidents, observed at T (tests/tam/desk_world.py)."""
    return build_world()


@pytest.fixture
def engineer_client(client, world):
    client.force_login(world.engineer)
    return client
