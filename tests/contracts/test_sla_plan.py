"""The business-time engine wired into contracts: deadlines, holidays import, the contract page."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from contracts.models import BusinessCalendar, Holiday, Tier
from contracts.sla import plan_clock, work_calendar
from tests.factories import CalendarFactory, ContractFactory

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


def madrid(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=MADRID)


@pytest.fixture
def office():
    """Mon-Fri 09:00-17:00 in Madrid, Christmas off."""
    calendar = CalendarFactory(name="Madrid office")
    calendar.holidays.create(date=datetime.date(2026, 12, 25), name="Navidad")
    return calendar


def contract_on(tier_code: str, calendar):
    return ContractFactory(
        tier=Tier.objects.get(code=tier_code), calendar=calendar, licence_type="plus"
    )


def test_calendar_converts_to_the_engines_calendar(office):
    cal = work_calendar(office)
    assert cal.timezone == "Europe/Madrid"
    assert cal.windows == tuple((d, datetime.time(9), datetime.time(17)) for d in range(5))
    assert cal.holidays == frozenset({datetime.date(2026, 12, 25)})
    assert cal.always_open is False


def test_calendar_clock_adds_plain_minutes(office):
    contract = contract_on("msa-enterprise", office)
    start = madrid(2026, 12, 24, 23, 50)  # late, on a holiday eve: calendar time ignores both
    plan = plan_clock(contract, 1, "first_response", start)
    assert plan.kind == "calendar"
    assert plan.target_minutes == 30
    assert plan.due_at == madrid(2026, 12, 25, 0, 20)
    assert plan.due_at.tzinfo == datetime.UTC


def test_business_clock_skips_nights_weekends_and_holidays(office):
    contract = contract_on("msa-enterprise", office)
    # Thursday 24 Dec 2026 at 15:00: 2 h that day, Friday is Christmas, so Monday 13:00.
    plan = plan_clock(contract, 3, "first_response", madrid(2026, 12, 24, 15, 0))
    assert plan.kind == "business"
    assert plan.target_minutes == 360
    assert plan.due_at == madrid(2026, 12, 28, 13, 0)


def test_business_clock_filed_outside_hours_starts_at_the_next_opening(office):
    contract = contract_on("msa-start", office)
    # Saturday: the 6 working hours start Monday 09:00.
    plan = plan_clock(contract, 1, "first_response", madrid(2026, 11, 28, 10, 0))
    assert plan.due_at == madrid(2026, 11, 30, 15, 0)


def test_no_target_means_no_clock(office):
    start = madrid(2026, 11, 23, 10, 0)
    assert plan_clock(contract_on("msa-start", office), 2, "first_response", start) is None
    assert plan_clock(contract_on("msa-start", office), 3, "first_response", start) is None
    for severity in (1, 2, 3, 4):
        assert (
            plan_clock(contract_on("av-silver", office), severity, "first_response", start) is None
        )
    assert plan_clock(contract_on("msa-enterprise", office), 1, "resolution", start) is None


def test_naive_start_is_refused(office):
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_clock(
            contract_on("msa-enterprise", office),
            1,
            "first_response",
            datetime.datetime(2026, 1, 1),
        )


def test_import_holidays_command_adds_a_countrys_year_once(office, capsys):
    call_command("import_holidays", str(office.pk), "es", "2027")
    out = capsys.readouterr().out
    assert "Added" in out
    dates = set(office.holidays.values_list("date", flat=True))
    assert datetime.date(2027, 1, 1) in dates
    assert datetime.date(2027, 12, 25) in dates
    before = Holiday.objects.filter(calendar=office).count()
    call_command("import_holidays", str(office.pk), "ES", "2027")
    assert "Added 0 holidays" in capsys.readouterr().out
    assert Holiday.objects.filter(calendar=office).count() == before


def test_import_holidays_refuses_an_unknown_country(office):
    with pytest.raises(CommandError, match="Unknown country code 'XX'"):
        call_command("import_holidays", str(office.pk), "XX", "2027")
    with pytest.raises(CommandError, match="No calendar with id"):
        call_command("import_holidays", "999999", "ES", "2027")


def test_admin_action_imports_holidays(client, provider_admin, office):
    client.force_login(provider_admin)
    response = client.post(
        "/admin/contracts/businesscalendar/",
        {
            "action": "import_public_holidays",
            "_selected_action": [office.pk],
            "country": "VN",
            "year": "2027",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "holidays of VN 2027" in response.content.decode()
    assert office.holidays.filter(date=datetime.date(2027, 9, 2)).exists()  # National Day


@time_machine.travel(datetime.datetime(2026, 11, 27, 16, 0, tzinfo=MADRID), tick=False)
def test_contract_page_shows_deadlines_if_filed_now_in_the_customers_zone(client, office):
    contract = contract_on("msa-enterprise", office)
    contract.organization.timezone = "Asia/Ho_Chi_Minh"
    contract.organization.save(update_fields=["timezone"])
    from tests.factories import MembershipFactory

    client.force_login(MembershipFactory(organization=contract.organization).user)
    body = client.get(f"/contracts/{contract.pk}/").content.decode()
    # Friday 16:00 Madrid = 22:00 in Ho Chi Minh City.
    assert (
        "Severity 1 (Critical): first response due by Fri 27 Nov 2026, 22:30 (Asia/Ho_Chi_Minh)"
        in body
    )
    # 6 working hours from Friday 16:00 Madrid: 1 h Friday, 5 h Monday -> 14:00 Madrid = 20:00.
    assert (
        "Severity 3 (Medium): first response due by Mon 30 Nov 2026, 20:00 (Asia/Ho_Chi_Minh)"
        in body
    )


def test_contract_page_says_when_there_is_no_target(client, office):
    contract = contract_on("av-silver", office)
    from tests.factories import MembershipFactory

    client.force_login(MembershipFactory(organization=contract.organization).user)
    body = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert body.count("no response target on this tier") == 4


def test_always_open_calendar_business_clock_is_calendar_time():
    always = BusinessCalendar.objects.get(name="24x7")
    contract = contract_on("msa-enterprise", always)
    start = datetime.datetime(2026, 11, 28, 23, 0, tzinfo=datetime.UTC)  # a Saturday night
    plan = plan_clock(contract, 4, "first_response", start)
    assert plan.due_at == start + datetime.timedelta(hours=8)
