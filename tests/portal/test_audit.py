"""The audit trail: each kind of change, from the web, the admin, the API, a command and a
task, is recorded with who made it, what changed (before and after) and from where."""

import datetime
import io
import sys

import pytest
from auditlog.models import LogEntry
from celery import shared_task
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connections

import manage
from contracts.models import BusinessCalendar, Contract, Holiday, SeverityTarget, Tier
from contracts.services import tier_save
from portal.models import Membership, Organization, StaffRole, User
from tam.models import WorkingHours
from tests.factories import CalendarFactory, StaffFactory, TierFactory

pytestmark = pytest.mark.django_db

UPDATE, CREATE, DELETE = LogEntry.Action.UPDATE, LogEntry.Action.CREATE, LogEntry.Action.DELETE


def entries(model, **lookups):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), **lookups
    ).order_by("id")


def last(model, **lookups) -> LogEntry:
    found = entries(model, **lookups).last()
    assert found is not None, f"no audit entry for {model.__name__} {lookups}"
    return found


def source_of(entry: LogEntry) -> str:
    return (entry.additional_data or {}).get("source")


# -- the web ---------------------------------------------------------------------------------


def test_a_contact_added_on_the_web_is_recorded_with_its_actor(client, ours):
    client.force_login(ours.admin)
    response = client.post(
        f"/organizations/{ours.organization.pk}/contacts/",
        {"email": "new.person@ours.test", "full_name": "New Person", "role": "member"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@ours.test")
    created = last(User, object_id=user.pk, action=CREATE)
    assert created.actor == ours.admin
    assert source_of(created) == "web"
    assert created.changes["email"] == ["None", "new.person@ours.test"]
    assert "password" not in created.changes
    place = last(Membership, object_id=user.membership.pk, action=CREATE)
    assert (place.actor, source_of(place)) == (ours.admin, "web")
    assert place.changes["role"][1] == "member"


def test_a_contact_removed_on_the_web_shows_before_and_after(client, ours):
    client.force_login(ours.admin)
    membership = ours.member_membership
    response = client.post(
        f"/organizations/{ours.organization.pk}/contacts/{membership.pk}/remove/"
    )
    assert response.status_code == 302
    entry = last(User, object_id=ours.member.pk, action=UPDATE)
    assert entry.changes == {"is_active": ["True", "False"]}
    assert (entry.actor, source_of(entry)) == (ours.admin, "web")
    assert entry.remote_addr == "127.0.0.1"


def test_a_password_change_records_no_secret(ours):
    ours.member.set_password("a much longer secret 1")
    ours.member.save()
    for entry in entries(User, object_id=ours.member.pk):
        assert "password" not in (entry.changes or {})
        assert "last_login" not in (entry.changes or {})


# -- the admin -------------------------------------------------------------------------------


def test_an_organisation_changed_in_the_admin_is_recorded(client, ours, provider_admin):
    client.force_login(provider_admin)
    organization = ours.organization
    response = client.post(
        f"/admin/portal/organization/{organization.pk}/change/",
        {
            "name": "Ours Renamed Ltd",
            "timezone": "Asia/Ho_Chi_Minh",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = last(Organization, object_id=organization.pk, action=UPDATE)
    assert entry.changes == {
        "name": ["Ours Ltd", "Ours Renamed Ltd"],
        "timezone": ["Europe/Madrid", "Asia/Ho_Chi_Minh"],
    }
    assert (entry.actor, source_of(entry)) == (provider_admin, "admin")


def test_holidays_imported_in_the_admin_are_recorded(client, provider_admin):
    client.force_login(provider_admin)
    calendar = CalendarFactory()
    response = client.post(
        "/admin/contracts/businesscalendar/",
        {
            "action": "import_public_holidays",
            "_selected_action": [calendar.pk],
            "country": "ES",
            "year": "2027",
        },
    )
    assert response.status_code == 302
    added = entries(Holiday, action=CREATE, additional_data__calendar=calendar.pk)
    assert added.count() == calendar.holidays.count() > 5
    assert {(e.actor, source_of(e)) for e in added} == {(provider_admin, "admin")}


def test_a_staff_role_changed_in_the_admin_is_recorded(client, provider_admin):
    client.force_login(provider_admin)
    person = StaffFactory(staff_role=StaffRole.ENGINEER, email="eng@provider.test")
    joined = person.date_joined
    response = client.post(
        f"/admin/portal/user/{person.pk}/change/",
        {
            "email": person.email,
            "full_name": person.full_name,
            "staff_role": StaffRole.TAM,
            "is_active": "on",
            "date_joined_0": f"{joined:%Y-%m-%d}",
            "date_joined_1": f"{joined:%H:%M:%S}",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = last(User, object_id=person.pk, action=UPDATE)
    assert entry.changes == {"staff_role": ["engineer", "tam"]}
    assert (entry.actor, source_of(entry)) == (provider_admin, "admin")


# -- the API ---------------------------------------------------------------------------------


def test_a_tier_and_its_targets_changed_through_the_api_are_recorded(api, provider_admin):
    tier = TierFactory(name="Silver")
    SeverityTarget.objects.create(
        tier=tier, severity=1, metric="first_response", minutes=60, clock="calendar"
    )
    SeverityTarget.objects.create(
        tier=tier, severity=2, metric="first_response", minutes=240, clock="calendar"
    )
    response = api(provider_admin).patch(
        f"/api/v1/tiers/{tier.pk}/",
        {
            "name": "Silver Plus",
            "targets": [
                {"severity": 1, "metric": "first_response", "minutes": 30, "clock": "calendar"},
                {"severity": 3, "metric": "resolution", "minutes": 600, "clock": "business"},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    renamed = last(Tier, object_id=tier.pk, action=UPDATE)
    assert renamed.changes == {"name": ["Silver", "Silver Plus"]}
    # The API authenticated after the middleware ran: the actor is still the caller.
    assert (renamed.actor, source_of(renamed)) == (provider_admin, "api")
    targets = entries(SeverityTarget, additional_data__tier=tier.pk).exclude(
        timestamp__lt=renamed.timestamp
    )
    kinds = sorted((e.action, e.object_repr) for e in targets)
    assert [action for action, _ in kinds] == [CREATE, UPDATE, DELETE]
    changed = targets.get(action=UPDATE)
    assert changed.changes == {"minutes": ["60", "30"]}
    assert {(e.actor, source_of(e)) for e in targets} == {(provider_admin, "api")}


def test_calendar_hours_changed_through_the_api_are_recorded(api, provider_admin):
    calendar = CalendarFactory(office_hours=False)
    calendar.hours.create(weekday=0, start=datetime.time(9), end=datetime.time(17))
    response = api(provider_admin).patch(
        f"/api/v1/calendars/{calendar.pk}/",
        {"hours": [{"weekday": 0, "start": "09:00", "end": "18:00"}], "holidays": ["2027-01-06"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    window = last(calendar.hours.model, additional_data__calendar=calendar.pk, action=UPDATE)
    assert window.changes == {"end": ["17:00:00", "18:00:00"]}
    holiday = last(Holiday, additional_data__calendar=calendar.pk, action=CREATE)
    assert holiday.changes["date"][1] == "2027-01-06"
    assert {source_of(window), source_of(holiday)} == {"api"}
    assert window.actor == holiday.actor == provider_admin


def test_a_contract_changed_through_the_api_is_recorded(api, ours, provider_admin):
    contract = ours.contract
    response = api(provider_admin).patch(
        f"/api/v1/contracts/{contract.pk}/", {"reference": "PO-77"}, format="json"
    )
    assert response.status_code == 200, response.content
    entry = last(Contract, object_id=contract.pk, action=UPDATE)
    assert entry.changes == {"reference": ["", "PO-77"]}
    assert (entry.actor, source_of(entry)) == (provider_admin, "api")


def test_working_hours_set_through_the_api_are_recorded(api, provider_admin):
    person = StaffFactory()
    calendar = CalendarFactory()
    response = api(provider_admin).patch(
        f"/api/v1/staff/{person.pk}/", {"calendar": calendar.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    entry = last(WorkingHours, object_id=person.pk, action=CREATE)
    assert entry.changes["calendar"][1] == str(calendar)
    assert (entry.actor, source_of(entry)) == (provider_admin, "api")


# -- commands and tasks ----------------------------------------------------------------------


def test_a_command_records_itself_as_the_source(monkeypatch):
    calendar = CalendarFactory()
    monkeypatch.setattr(
        sys, "argv", ["manage.py", "import_holidays", str(calendar.pk), "VN", "2027"]
    )
    # A command closes the database connections when done; the test still needs its own.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    manage.main()
    added = entries(Holiday, action=CREATE, additional_data__calendar=calendar.pk)
    assert added.exists()
    assert {(e.actor, source_of(e), e.additional_data["detail"]) for e in added} == {
        (None, "command", "import_holidays")
    }


def test_changes_outside_requests_and_tasks_count_as_commands():
    calendar = CalendarFactory()
    call_command("import_holidays", calendar.pk, "ES", "2027", stdout=io.StringIO())
    added = entries(Holiday, action=CREATE, additional_data__calendar=calendar.pk)
    assert {source_of(e) for e in added} == {"command"}


@shared_task(name="tests.rename_calendar")
def rename_calendar(calendar_id: int, name: str) -> None:
    calendar = BusinessCalendar.objects.get(pk=calendar_id)
    calendar.name = name
    calendar.save(update_fields=["name"])


def test_a_task_records_itself_as_the_source():
    calendar = CalendarFactory(name="Before")
    rename_calendar.apply(args=[calendar.pk, "After"])
    entry = last(BusinessCalendar, object_id=calendar.pk, action=UPDATE)
    assert entry.changes == {"name": ["Before", "After"]}
    assert (source_of(entry), entry.additional_data["detail"]) == ("task", "tests.rename_calendar")


# -- the admin's views of the trail ----------------------------------------------------------


def test_the_admin_shows_a_tiers_audit_log_and_searches_entries(client, provider_admin):
    tier = TierFactory(name="Admin Seen")
    tier_save(tier=tier, name="Admin Seen Twice")
    client.force_login(provider_admin)
    history = client.get(f"/admin/contracts/tier/{tier.pk}/auditlog/")
    assert history.status_code == 200
    assert "Admin Seen Twice" in history.content.decode()
    found = client.get("/admin/auditlog/logentry/", {"q": "Admin Seen"})
    assert found.status_code == 200
    assert "Admin Seen Twice" in found.content.decode()
    entry = last(Tier, object_id=tier.pk, action=UPDATE)
    assert client.post(f"/admin/auditlog/logentry/{entry.pk}/delete/").status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_a_contact_added_through_the_api_by_a_customer_admin_is_recorded(api, ours):
    response = api(ours.admin).post(
        f"/api/v1/organizations/{ours.organization.pk}/members/",
        {"email": "api.person@ours.test", "role": "admin"},
        format="json",
    )
    assert response.status_code == 201, response.content
    user = User.objects.get(email="api.person@ours.test")
    place = last(Membership, object_id=user.membership.pk, action=CREATE)
    assert place.changes["role"][1] == "admin"
    assert (place.actor, source_of(place)) == (ours.admin, "api")
    account = last(User, object_id=user.pk, action=CREATE)
    assert (account.actor, source_of(account)) == (ours.admin, "api")


def test_the_address_recorded_is_the_one_the_trusted_proxy_saw(client, ours, settings):
    settings.PORTAL_PROXY_COUNT = 1
    client.force_login(ours.admin)
    membership = ours.member_membership
    client.post(
        f"/organizations/{ours.organization.pk}/contacts/{membership.pk}/remove/",
        headers={"x-forwarded-for": "198.51.100.7, 203.0.113.9"},
    )
    # The proxy appended the client it saw last; what the client wrote before it is ignored.
    assert last(User, object_id=ours.member.pk, action=UPDATE).remote_addr == "203.0.113.9"
