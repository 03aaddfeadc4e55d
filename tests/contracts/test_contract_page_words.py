"""What the contract page and the admin say: targets one humane way, a calendar's zone
named once, the quota period ending on the day the contract page names, free updates
until their date, and the demo data's calendars in each customer's own zone."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from contracts.models import (
    BusinessCalendar,
    ClockKind,
    Contract,
    Entitlement,
    EntitlementEntry,
    Tier,
)
from contracts.rules import contract_year_ends_on, updates_until
from contracts.selectors import contract_summaries
from contracts.sla import target_words
from portal.errors import ContractRuleError, RuleCode
from tests.conftest import make_tenant
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

JUNE = datetime.datetime(2026, 6, 3, 10, 0, tzinfo=datetime.UTC)


def test_targets_are_written_one_humane_way():
    assert target_words(360, ClockKind.BUSINESS) == "6 working hours"
    assert target_words(60, ClockKind.BUSINESS) == "1 working hour"
    assert target_words(90, ClockKind.BUSINESS) == "1 hour 30 minutes of working time"
    assert target_words(30, ClockKind.CALENDAR) == "30 minutes"
    assert target_words(240, ClockKind.CALENDAR) == "4 hours"
    assert target_words(2880, ClockKind.CALENDAR) == "2 calendar days"


def test_the_contract_page_and_the_incident_page_write_targets_the_same_way(client, ours):
    client.force_login(ours.member)
    contract_page = client.get(f"/contracts/{ours.contract.pk}/").content.decode()
    assert "Severity 1 (Critical): 30 minutes<" in contract_page
    assert "Severity 3 (Medium): 6 working hours<" in contract_page
    assert "any time" not in contract_page
    incident = IncidentFactory(actor=ours.member, severity=3)
    detail = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "First response (6 working hours)" in detail
    assert " min, " not in detail


def test_the_admin_writes_a_target_in_words(ours):
    target = ours.contract.tier.targets.get(severity=3)
    assert str(target) == "msa-enterprise S3 First response: 6 working hours"


def test_a_calendar_names_its_zone_once():
    def label(name, zone, always_open=False):
        return str(BusinessCalendar(name=name, timezone=zone, always_open=always_open))

    assert label("Office hours (Madrid)", "Europe/Madrid") == "Office hours (Madrid)"
    assert label("Office hours (São Paulo)", "America/Sao_Paulo") == "Office hours (São Paulo)"
    assert label("Support desk", "Europe/Madrid") == "Support desk (Europe/Madrid)"
    assert label("24x7", "UTC", always_open=True) == "24x7"


def test_the_contract_page_names_the_calendars_zone_once(client, ours):
    ours.contract.calendar = BusinessCalendar.objects.get(name="Office hours (Madrid)")
    ours.contract.save(update_fields=["calendar"])
    client.force_login(ours.member)
    page = client.get(f"/contracts/{ours.contract.pk}/").content.decode()
    assert "<dd>Office hours (Madrid)</dd>" in page
    assert 'Office hours (Madrid) <span class="muted">' not in page


def test_the_admin_names_the_ledger_entitlement_entries(client, provider_admin):
    assert str(EntitlementEntry._meta.verbose_name_plural) == "entitlement entries"
    client.force_login(provider_admin)
    page = client.get("/admin/").content.decode()
    assert "Entitlement entries" in page
    assert "entrys" not in page


@pytest.fixture
def start(db):
    """Ours on MSA Start (6 premium incidents a year), one contract year long."""
    tenant = make_tenant("Start Ltd", "msa-start")
    tenant.contract.starts_on = datetime.date(2025, 9, 1)
    tenant.contract.ends_on = datetime.date(2026, 8, 31)
    tenant.contract.save(update_fields=["starts_on", "ends_on"])
    return tenant


def test_the_quota_refusal_and_the_contract_page_name_the_same_last_day(client, start):
    with time_machine.travel(JUNE, tick=False):
        for _ in range(6):
            IncidentFactory(actor=start.member, severity=3, premium=True)
        with pytest.raises(ContractRuleError) as refused:
            IncidentFactory(actor=start.member, severity=3, premium=True)
        client.force_login(start.member)
        page = client.get(f"/contracts/{start.contract.pk}/").content.decode()
    assert refused.value.code == RuleCode.QUOTA_EXHAUSTED
    assert "(until 31 Aug 2026)" in refused.value.detail
    assert "1 Sep 2025 \u2013 31 Aug 2026" in page
    assert "0 of 6 left per contract year (until 31 Aug 2026)" in page


def test_a_contract_ending_before_its_anniversary_ends_its_quota_period_with_it(start):
    start.contract.ends_on = datetime.date(2026, 2, 28)
    start.contract.save(update_fields=["ends_on"])
    day = datetime.date(2026, 1, 10)
    assert contract_year_ends_on(start.contract, day) == datetime.date(2026, 2, 28)
    (summary,) = contract_summaries([start.contract], JUNE.replace(month=1, day=10))
    (premium,) = [q for q in summary.quotas if q.entitlement == Entitlement.PREMIUM_INCIDENT]
    assert premium.until == datetime.date(2026, 2, 28)


def test_av_silver_shows_until_when_pattern_and_engine_updates_are_included(client):
    tenant = make_tenant("Silver Ltd", "av-silver")
    tenant.contract.purchased_on = datetime.date(2026, 3, 10)
    tenant.contract.renewal_valid_until = tenant.contract.ends_on
    tenant.contract.save(update_fields=["purchased_on", "renewal_valid_until"])
    assert updates_until(tenant.contract) == datetime.date(2027, 3, 9)
    client.force_login(tenant.member)
    page = client.get(f"/contracts/{tenant.contract.pk}/").content.decode()
    assert "Pattern and engine updates included until 9 Mar 2027" in page
    assert "Engineer on site within 2 hours of a malware outage" in page


def test_tiers_without_free_updates_promise_none(ours):
    ours.contract.purchased_on = datetime.date(2026, 3, 10)
    assert updates_until(ours.contract) is None  # MSA Enterprise states no such months


def test_a_purchase_on_the_31st_ends_its_updates_on_a_real_day(ours):
    ours.contract.tier = Tier(free_updates_months=1)
    ours.contract.purchased_on = datetime.date(2026, 1, 31)
    assert updates_until(ours.contract) == datetime.date(2026, 2, 27)


def test_demo_customers_work_in_their_own_zones(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    contracts = Contract.objects.select_related("organization", "calendar", "tier")
    for contract in contracts:
        calendar = contract.calendar
        if not calendar.always_open:
            assert calendar.timezone == contract.organization.timezone, contract.organization
        # One contract year: the quota period ends on the contract's last day.
        assert contract_year_ends_on(contract, contract.starts_on) == contract.ends_on
    silver = contracts.get(tier__code="av-silver").calendar
    assert silver.timezone == "Asia/Ho_Chi_Minh"
    hours = [
        datetime.datetime.combine(JUNE.date(), w.end)
        - datetime.datetime.combine(JUNE.date(), w.start)
        for w in silver.hours.all()
    ]
    assert sum(hours, datetime.timedelta()) == datetime.timedelta(hours=8 * 5)
    assert {w.weekday for w in silver.hours.all()} == set(range(5))
    globex = contracts.get(organization__name="Globex Retail")
    assert globex.calendar.timezone == "America/Sao_Paulo"
    assert ZoneInfo(globex.organization.timezone) == ZoneInfo("America/Sao_Paulo")
