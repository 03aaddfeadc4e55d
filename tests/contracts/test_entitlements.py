"""The entitlement ledger for any counted entitlement: use, refund, remaining, per contract
year, exact under concurrency. (Premium incidents through filing: tests/incidents.)"""

import datetime
import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from contracts import entitlements
from contracts.models import Entitlement, EntitlementEntry
from portal.errors import ContractRuleError, RuleCode
from tests.factories import ContractFactory, TierFactory

pytestmark = pytest.mark.django_db

YEAR_ONE = datetime.date(2026, 3, 15)  # contract years start on 1 January below
YEAR_TWO = datetime.date(2027, 3, 15)


@pytest.fixture
def contract(db):
    tier = TierFactory(onsite_visits_per_year=2, health_checks_per_year=1)
    return ContractFactory(
        tier=tier, starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2027, 12, 31)
    )


def use(contract, entitlement, day, reason="test"):
    return entitlements.entitlement_use(
        contract=contract, entitlement=entitlement, day=day, actor=None, reason=reason
    )


def test_each_field_is_read_by_its_own_meaning():
    tier = TierFactory.build(
        premium_incident_quota=None, onsite_visits_per_year=None, health_checks_per_year=0
    )
    assert entitlements.allowance(tier, Entitlement.PREMIUM_INCIDENT) is None  # unlimited
    assert entitlements.allowance(tier, Entitlement.ONSITE_VISIT) == 0  # none
    assert entitlements.allowance(tier, Entitlement.HEALTH_CHECK) == 0
    assert not any(entitlements.is_counted(tier, e) for e in Entitlement)
    tier.premium_incident_quota, tier.onsite_visits_per_year = 6, 2
    assert [e for e in Entitlement if entitlements.is_counted(tier, e)] == [
        Entitlement.PREMIUM_INCIDENT,
        Entitlement.ONSITE_VISIT,
    ]


def test_uses_count_down_per_contract_year_and_the_last_is_refused(contract):
    use(contract, Entitlement.ONSITE_VISIT, YEAR_ONE)
    assert entitlements.remaining(contract, Entitlement.ONSITE_VISIT, YEAR_ONE) == 1
    use(contract, Entitlement.ONSITE_VISIT, YEAR_ONE)
    with pytest.raises(ContractRuleError) as refused:
        use(contract, Entitlement.ONSITE_VISIT, YEAR_ONE)
    assert refused.value.code == RuleCode.QUOTA_EXHAUSTED
    assert "All 2 on-site visits of this contract year (until 31 Dec 2026) are used." in str(
        refused.value.detail
    )
    assert entitlements.remaining(contract, Entitlement.ONSITE_VISIT, YEAR_ONE) == 0
    # The next contract year starts afresh; other entitlements are counted apart.
    assert entitlements.remaining(contract, Entitlement.ONSITE_VISIT, YEAR_TWO) == 2
    assert entitlements.remaining(contract, Entitlement.HEALTH_CHECK, YEAR_ONE) == 1
    assert EntitlementEntry.objects.filter(contract=contract).count() == 2


def test_a_refund_gives_the_unit_back_to_the_year_it_counted_in(contract):
    first = use(contract, Entitlement.HEALTH_CHECK, YEAR_ONE)
    refund = entitlements.entitlement_refund(use=first, actor=None, reason="cancelled")
    assert (refund.units, refund.year_starts_on) == (-1, datetime.date(2026, 1, 1))
    assert entitlements.remaining(contract, Entitlement.HEALTH_CHECK, YEAR_ONE) == 1
    assert use(contract, Entitlement.HEALTH_CHECK, YEAR_ONE).units == 1


def test_an_unlimited_entitlement_writes_nothing(contract):
    assert contract.tier.premium_incident_quota is None
    assert use(contract, Entitlement.PREMIUM_INCIDENT, YEAR_ONE) is None
    assert entitlements.remaining(contract, Entitlement.PREMIUM_INCIDENT, YEAR_ONE) is None
    assert not EntitlementEntry.objects.exists()


def test_usage_reads_every_contract_in_one_query(contract, django_assert_num_queries):
    other = ContractFactory(tier=contract.tier)
    use(contract, Entitlement.ONSITE_VISIT, YEAR_ONE)
    with django_assert_num_queries(1):
        lines = entitlements.usage([contract, other], {contract.pk: YEAR_ONE, other.pk: YEAR_ONE})
    mine = {u.entitlement: (u.allowed, u.used, u.left) for u in lines[contract.pk]}
    assert mine == {Entitlement.ONSITE_VISIT: (2, 1, 1), Entitlement.HEALTH_CHECK: (1, 0, 1)}
    assert {u.used for u in lines[other.pk]} == {0}


@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_uses_of_two_units_exactly_two_succeed():
    tier = TierFactory(onsite_visits_per_year=2)
    contract = ContractFactory(
        tier=tier, starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2027, 12, 31)
    )
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def take():
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                use(contract, Entitlement.ONSITE_VISIT, YEAR_ONE)
            result = "used"
        except ContractRuleError as exc:
            result = exc.code
        finally:
            connection.close()  # this thread's own connection
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Counter(outcomes) == {"used": 2, RuleCode.QUOTA_EXHAUSTED: 6}
    assert EntitlementEntry.objects.filter(contract=contract).count() == 2
