"""Every contract date rule counts the customer's own calendar day, wherever the server is.

Near midnight UTC a customer in Auckland is already a day ahead: the contract summary,
the quotas it shows and the filing form must all agree on that day.
"""

import datetime

import pytest
import time_machine

from contracts.models import Entitlement, LicenceType, Tier
from contracts.rules import ContractStatus
from contracts.selectors import contact_limit, contract_summaries
from tests.conftest import make_tenant
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

# 31 December 12:00 UTC is already 1 January 01:00 in Auckland (NZDT, UTC+13).
NEW_YEAR_IN_AUCKLAND = datetime.datetime(2026, 12, 31, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def kiwi(db):
    tenant = make_tenant("Kiwi Ltd", "msa-start")
    tenant.organization.timezone = "Pacific/Auckland"
    tenant.organization.save(update_fields=["timezone"])
    return tenant


def contract_from(tenant, starts_on, ends_on):
    tenant.contract.starts_on, tenant.contract.ends_on = starts_on, ends_on
    tenant.contract.save(update_fields=["starts_on", "ends_on"])
    return tenant.contract


def test_a_contract_starting_on_the_customers_new_year_is_active_there(kiwi, client):
    contract_from(kiwi, datetime.date(2027, 1, 1), datetime.date(2027, 12, 31))
    with time_machine.travel(NEW_YEAR_IN_AUCKLAND, tick=False):
        (summary,) = contract_summaries([kiwi.contract])
        client.force_login(kiwi.member)
        page = client.get("/contracts/").content.decode()
        form = client.get("/incidents/new/")
    assert summary.status == ContractStatus.ACTIVE
    assert summary.if_filed_now, "an active contract shows when a response would be due"
    assert '<span class="badge ok">active</span>' in page
    # The filing form agrees: the contract is offered (not "no active contract").
    assert form.status_code == 200
    assert form.context["hint"].contract == kiwi.contract


def test_quotas_on_the_summary_count_the_customers_contract_year(kiwi, client):
    contract_from(kiwi, datetime.date(2026, 1, 1), datetime.date(2027, 12, 31))
    with time_machine.travel(datetime.datetime(2026, 6, 3, 10, 0, tzinfo=datetime.UTC)):
        for _ in range(6):
            IncidentFactory(actor=kiwi.member, severity=3, premium=True)
    with time_machine.travel(NEW_YEAR_IN_AUCKLAND, tick=False):
        (summary,) = contract_summaries([kiwi.contract])
        client.force_login(kiwi.member)
        page = client.get("/contracts/").content.decode()
        # Filing agrees: the new contract year has all its units.
        filed = IncidentFactory(actor=kiwi.member, severity=1, premium=True)
    (premium,) = [q for q in summary.quotas if q.entitlement == Entitlement.PREMIUM_INCIDENT]
    assert (premium.allowed, premium.used, premium.left) == (6, 0, 6)
    assert "0 used, 6 of 6 left per contract year" in page
    assert filed.premium


def test_the_contact_limit_counts_contracts_still_in_force_on_the_customers_day(kiwi):
    kiwi.contract.tier = Tier.objects.get(code="msa-premium-tam")  # up to 8 contacts
    kiwi.contract.licence_type = LicenceType.PLUS
    kiwi.contract.save(update_fields=["tier", "licence_type"])
    # Ends on 31 December: over in Auckland, still running in UTC.
    contract_from(kiwi, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    with time_machine.travel(NEW_YEAR_IN_AUCKLAND - datetime.timedelta(hours=12), tick=False):
        assert contact_limit(kiwi.organization) == 8
    with time_machine.travel(NEW_YEAR_IN_AUCKLAND, tick=False):
        assert contact_limit(kiwi.organization) is None  # no contract in force: no limit
