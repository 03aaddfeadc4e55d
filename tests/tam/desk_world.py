"""What the desk tests share: a frozen instant, two customers with incidents in every state
the desk tells apart, and helpers that read the page."""

import datetime
import re
from dataclasses import dataclass

import time_machine

from incidents.models import Incident
from portal.models import StaffRole, User
from tam.services import working_hours_set
from tests.conftest import Tenant, make_tenant
from tests.factories import CalendarFactory, IncidentFactory, StaffFactory

UTC = datetime.UTC
# A Wednesday in June, inside the contracts' widened validity, far from DST changes.
T = datetime.datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
MIN = datetime.timedelta(minutes=1)
H = datetime.timedelta(hours=1)


def filed(tenant: Tenant, at: datetime.datetime, **kwargs) -> Incident:
    """An incident a customer filed at `at` (MSA Enterprise: severity 1 due in 30 minutes,
    severity 2 in 4 hours, both calendar time; warned at 75%)."""
    with time_machine.travel(at, tick=False):
        return IncidentFactory(actor=tenant.admin, **kwargs)


@dataclass
class World:
    ours: Tenant
    theirs: Tenant
    engineer: User
    breached: Incident  # ours, severity 2, due an hour ago
    at_risk: Incident  # ours, severity 1, due in 5 minutes (warned)
    running: Incident  # theirs, severity 2, due in 3 hours
    fresh: Incident  # theirs, severity 1, due in 30 minutes

    @property
    def urgency(self) -> list[int]:
        return [i.pk for i in (self.breached, self.at_risk, self.fresh, self.running)]


def build_world() -> World:
    """Four unassigned incidents (no TAM on either contract), observed at T."""
    ours, theirs = make_tenant("Ours Ltd"), make_tenant("Theirs Inc")
    engineer = StaffFactory(staff_role=StaffRole.ENGINEER, full_name="Erin Engineer")
    # Erin works Madrid hours: the desk shows her times in Madrid.
    working_hours_set(staff=engineer, calendar=CalendarFactory(timezone="Europe/Madrid"))
    return World(
        ours=ours,
        theirs=theirs,
        engineer=engineer,
        breached=filed(ours, T - 5 * H, severity=2, title="Mail queue stuck"),
        at_risk=filed(ours, T - 25 * MIN, severity=1, title="Gateway down"),
        running=filed(theirs, T - H, severity=2, title="Slow reports", kind="question"),
        fresh=filed(theirs, T, severity=1, title="Database unreachable"),
    )


ROW_ID = re.compile(r'<tr id="incident-(\d+)"')


def row_ids(response) -> list[int]:
    """The incident ids of the desk's rows, top to bottom."""
    return [int(found) for found in ROW_ID.findall(response.content.decode())]


def row_html(response, incident: Incident) -> str:
    body = response.content.decode()
    start = body.index(f'<tr id="incident-{incident.pk}"')
    return body[start : body.index("</tr>", start)]


def tab_count(response, queue: str) -> int:
    body = response.content.decode()
    found = re.search(rf'id="queue-{queue}"[^>]*>[^<]*<span class="count">(\d+)</span>', body)
    assert found, f"no {queue} tab"
    return int(found.group(1))
