"""What the SLA clock and status tests share: fixed instants, the tenants they file for, helpers.

Time is frozen with time-machine (tick=False) and moved explicitly, so every
deadline in these tests is an exact instant.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from contracts.models import Entitlement, EntitlementEntry
from incidents.models import Incident, IncidentEvent, Notification, SlaClock, ThreadEntry
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, TierFactory

UTC = datetime.UTC
MADRID = ZoneInfo("Europe/Madrid")
# A Wednesday in June: far from any DST change, inside the widened contracts.
T = datetime.datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
H = datetime.timedelta(hours=1)
MIN = datetime.timedelta(minutes=1)


def widen(tenant):
    """Make the tenant's contract cover every instant these tests travel to."""
    tenant.contract.starts_on = datetime.date(2020, 1, 1)
    tenant.contract.ends_on = datetime.date(2035, 12, 31)
    tenant.contract.save(update_fields=["starts_on", "ends_on"])
    return tenant


def clock(incident, metric="first_response"):
    return SlaClock.objects.filter(incident=incident, metric=metric).first()


def events(incident, kind=None):
    found = IncidentEvent.objects.filter(incident=incident).order_by("at", "id")
    return list(found.filter(kind=kind) if kind else found)


def patch(client, incident, **data):
    return client.patch(f"/api/v1/incidents/{incident.pk}/", data, format="json")


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def tenant(ours):
    """Ours on MSA Enterprise (first response only), valid on every travelled-to day."""
    return widen(ours)


@pytest.fixture
def resolution_tier(db):
    """A tier that also promises resolution (no seeded tier does)."""
    tier = TierFactory()
    for severity, first, resolution in [(1, 30, 240), (2, 240, 600), (3, 480, 1440)]:
        tier.targets.create(
            severity=severity, metric="first_response", minutes=first, clock="calendar"
        )
        tier.targets.create(
            severity=severity, metric="resolution", minutes=resolution, clock="calendar"
        )
    return tier


@pytest.fixture
def res(tenant, resolution_tier):
    """Ours on the resolution tier."""
    tenant.contract.tier = resolution_tier
    tenant.contract.save(update_fields=["tier"])
    return tenant


# -- filing: the API, what a refusal leaves behind, the premium ledger -----------------------

URL = "/api/v1/incidents/"


def payload(**extra):
    return {"title": "Scanner stopped", "description": "Since the update.", "severity": 2, **extra}


def nothing_written(organization=None):
    assert not Incident.objects.exists()
    assert not IncidentEvent.objects.exists()
    assert not ThreadEntry.objects.exists()
    assert not Notification.objects.exists()
    assert not EntitlementEntry.objects.exists()
    if organization is not None:
        organization.refresh_from_db()
        assert organization.next_incident_number == 1


def ledger(contract):
    return list(
        EntitlementEntry.objects.filter(
            contract=contract, entitlement=Entitlement.PREMIUM_INCIDENT
        ).order_by("id")
    )


def cover(tenant, starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2028, 12, 31)):
    tenant.contract.starts_on = starts_on
    tenant.contract.ends_on = ends_on
    tenant.contract.save(update_fields=["starts_on", "ends_on"])
    return tenant


@pytest.fixture
def start(db):
    """A customer on MSA Start: 6 premium incidents a contract year, unlimited standard."""
    return cover(make_tenant("Start GmbH", "msa-start"))


def use_quota(tenant, units, day=T):
    with time_machine.travel(day, tick=False):
        for _ in range(units):
            IncidentFactory(actor=tenant.member, severity=3, premium=True)
