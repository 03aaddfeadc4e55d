"""The desk's account, people and rota pages: the number of queries does not grow with rows."""

import pytest
import time_machine

from contracts.models import Contract, Tier
from portal.models import StaffRole
from tests.factories import (
    ContractFactory,
    IncidentFactory,
    MembershipFactory,
    OrganizationFactory,
    StaffFactory,
)
from tests.tam.people import DAY, FRIDAY_MORNING, H, absent, office_calendar, shift, works
from tests.test_query_counts import count

pytestmark = pytest.mark.django_db


def grows(client, url, add, few=2, more=6) -> tuple[int, int]:
    """Queries of `url` after `few` rows, then after `more` rows more."""
    add(few)
    first = count(client, url)
    add(more)
    return first, count(client, url)


def test_my_accounts(client, staff):
    tam = staff[StaffRole.TAM]

    def add(n):
        for _ in range(n):
            org = OrganizationFactory()
            contract = ContractFactory(
                organization=org, tier=Tier.objects.get(code="msa-enterprise")
            )
            Contract.objects.filter(pk=contract.pk).update(tam=tam)
            IncidentFactory(actor=MembershipFactory(organization=org).user)

    client.force_login(tam)
    few, more = grows(client, "/desk/accounts/", add)
    assert few == more


def test_portfolio(client, staff):
    org = OrganizationFactory()
    contact = MembershipFactory(organization=org).user

    def add(n):
        for _ in range(n):
            ContractFactory(
                organization=org,
                tier=Tier.objects.get(code="msa-start"),
                tam=staff[StaffRole.TAM],
                backup_tam=staff[StaffRole.ADMIN],
            )
            MembershipFactory(organization=org)

    add(1)
    for _ in range(12):  # more than the ten last incidents, each with clocks
        IncidentFactory(actor=contact, severity=1, premium=False, contract=org.contracts.first())

    client.force_login(staff[StaffRole.ENGINEER])
    few, more = grows(client, f"/desk/accounts/{org.pk}/", add)
    assert few == more


def test_staff_page(client, staff):
    def add(n):
        for _ in range(n):
            person = StaffFactory()
            works(person, office_calendar(name=f"Hours of {person.pk}"))
            absent(person, FRIDAY_MORNING - DAY, FRIDAY_MORNING + DAY)
            absent(person, FRIDAY_MORNING + 3 * DAY, FRIDAY_MORNING + 4 * DAY)

    with time_machine.travel(FRIDAY_MORNING, tick=False):
        client.force_login(staff[StaffRole.ADMIN])  # every form shown
        few, more = grows(client, "/desk/staff/", add)
    assert few == more


def test_rota_page(client, staff):
    viewer = staff[StaffRole.ADMIN]
    works(viewer, office_calendar())

    def add(n):
        for i in range(n):
            person = StaffFactory(staff_role=StaffRole.DUTY_MANAGER)
            start = FRIDAY_MORNING - 3 * DAY + i * 7 * H
            shift(person, start, start + 6 * H)
            absent(person, start + H, start + 2 * H)

    with time_machine.travel(FRIDAY_MORNING, tick=False):
        client.force_login(viewer)
        few, more = grows(client, "/desk/rota/", add)
    assert few == more


def test_health_page_with_gaps(client, staff):
    def add(n):
        for i in range(n):
            person = StaffFactory(staff_role=StaffRole.DUTY_MANAGER)
            start = FRIDAY_MORNING + i * DAY
            shift(person, start, start + 6 * H)

    with time_machine.travel(FRIDAY_MORNING, tick=False):
        client.force_login(staff[StaffRole.ADMIN])
        few, more = grows(client, "/operations/sla/", add)
    assert few == more


def test_organisation_page_with_owners_forms(client, staff):
    org = OrganizationFactory()

    def add(n):
        for _ in range(n):
            ContractFactory(
                organization=org,
                tam=StaffFactory(staff_role=StaffRole.TAM),
                backup_tam=staff["tam"],
            )

    client.force_login(staff[StaffRole.ADMIN])
    few, more = grows(client, f"/organizations/{org.pk}/", add)
    assert few == more
