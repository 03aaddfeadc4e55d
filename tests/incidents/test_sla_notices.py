"""Customers hear of SLA warnings and breaches only where their tier says so
(`notify_customer_on_sla`): by e-mail, and on the incident's timeline (page and API)."""

import datetime

import pytest
import time_machine

from contracts.models import Tier
from incidents.models import Notification
from incidents.sweep import sweep
from tests.factories import CalendarFactory, ContractFactory, IncidentFactory

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)
SLA_KINDS = {"sla_warning", "sla_breach"}


def at(minutes):
    return T0 + datetime.timedelta(minutes=minutes)


def tell(tier, value: bool):
    tier.notify_customer_on_sla = value
    tier.save(update_fields=["notify_customer_on_sla"])


@pytest.fixture
def warned_and_breached(ours, staff):
    """A severity 1 incident on MSA Enterprise (30 min, warn at 75 %), swept past both."""
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory(actor=ours.member, title="Outage", severity=1)
    sweep(now=at(25))
    sweep(now=at(31))
    return incident


def api_kinds(api, user, incident):
    response = api(user).get(f"/api/v1/incidents/{incident.pk}/events/")
    assert response.status_code == 200, response.content
    return {event["kind"] for event in response.json()["results"]}


def page_of(client, user, incident):
    client.force_login(user)
    return client.get(f"/incidents/{incident.pk}/").content.decode()


def test_a_tier_that_does_not_tell_keeps_sla_notices_off_the_customers_timeline(
    warned_and_breached, ours, staff, api, client
):
    incident = warned_and_breached
    assert not ours.contract.tier.notify_customer_on_sla
    assert not api_kinds(api, ours.member, incident) & SLA_KINDS
    assert not api_kinds(api, ours.admin, incident) & SLA_KINDS
    page = page_of(client, ours.member, incident)
    assert "SLA at risk" not in page
    assert "SLA breached" not in page
    # Staff see them all.
    assert api_kinds(api, staff["engineer"], incident) >= SLA_KINDS
    page = page_of(client, staff["engineer"], incident)
    assert "SLA at risk" in page
    assert "SLA breached" in page


def test_a_tier_that_tells_shows_them_on_the_customers_timeline(
    warned_and_breached, ours, api, client
):
    tell(ours.contract.tier, True)
    assert api_kinds(api, ours.member, warned_and_breached) >= SLA_KINDS
    page = page_of(client, ours.member, warned_and_breached)
    assert "SLA at risk" in page
    assert "SLA breached" in page


def test_each_incident_follows_its_own_contracts_tier_in_one_sweep(ours, staff):
    """An organisation on two tiers: only the telling tier's breach e-mails its admins,
    though both breach in the same sweep batch."""
    telling = Tier.objects.get(code="msa-premium-tam")
    tell(telling, True)
    tell(ours.contract.tier, False)
    second = ContractFactory(
        organization=ours.organization,
        tier=telling,
        calendar=CalendarFactory(name="Ours 24x7", always_open=True),
        starts_on=ours.contract.starts_on,
        ends_on=ours.contract.ends_on,
    )
    with time_machine.travel(T0, tick=False):
        quiet = IncidentFactory(
            actor=ours.member, severity=1, contract=ours.contract, title="Quiet"
        )
        told = IncidentFactory(actor=ours.member, severity=1, contract=second, title="Told")
    Notification.objects.all().delete()
    sweep(now=at(24 * 60))
    breach_to = {
        incident: set(
            Notification.objects.filter(incident=incident, event_kind="sla_breach").values_list(
                "recipient", flat=True
            )
        )
        for incident in (quiet, told)
    }
    assert breach_to[told], "the telling tier's breach was sent"
    assert ours.admin.email in breach_to[told]
    assert ours.admin.email not in breach_to[quiet]
