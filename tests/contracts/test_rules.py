"""Contract, calendar, tier and contact rules: each refusal is clear and writes nothing."""

import datetime

import pytest
from django.core import mail

from contracts.models import BusinessCalendar, Contract, Tier
from portal.models import MemberRole, Membership, User
from portal.services import CONTACT_ADDRESS_TAKEN
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def contract_payload(organization, tier_code="msa-enterprise", **extra):
    return {
        "organization": organization.pk,
        "tier": Tier.objects.get(code=tier_code).pk,
        "calendar": BusinessCalendar.objects.get(name="24x7").pk,
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "licence_type": "standard",
        **extra,
    }


def test_contract_created_by_provider_admin(api, provider_admin):
    org = OrganizationFactory()
    response = api(provider_admin).post("/api/v1/contracts/", contract_payload(org))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["organization"] == org.pk
    assert body["starts_on"] == "2026-01-01"
    assert Contract.objects.filter(organization=org).count() == 1


def test_contract_ending_before_it_starts_is_a_400_naming_the_field(api, provider_admin):
    org = OrganizationFactory()
    response = api(provider_admin).post(
        "/api/v1/contracts/", contract_payload(org, starts_on="2026-06-01", ends_on="2026-05-31")
    )
    assert response.status_code == 400
    assert response.json() == {"ends_on": ["The contract cannot end before it starts."]}
    assert not Contract.objects.filter(organization=org).exists()


def test_contract_patch_moving_end_before_start_is_refused(api, provider_admin, ours):
    response = api(provider_admin).patch(
        f"/api/v1/contracts/{ours.contract.pk}/",
        {"ends_on": str(ours.contract.starts_on - datetime.timedelta(days=1))},
    )
    assert response.status_code == 400
    assert "ends_on" in response.json()
    ours.contract.refresh_from_db()
    assert ours.contract.ends_on > ours.contract.starts_on


def test_plus_tier_without_plus_licence_is_a_409(api, provider_admin):
    org = OrganizationFactory()
    response = api(provider_admin).post(
        "/api/v1/contracts/", contract_payload(org, "msa-premium-tam", licence_type="standard")
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "licence_required"
    assert "Plus licence" in body["detail"]
    assert not Contract.objects.filter(organization=org).exists()


def test_plus_tier_with_plus_licence_is_accepted(api, provider_admin):
    org = OrganizationFactory()
    response = api(provider_admin).post(
        "/api/v1/contracts/", contract_payload(org, "msa-premium-tam", licence_type="plus")
    )
    assert response.status_code == 201


def test_av_silver_needs_a_licence_on_record(api, provider_admin):
    org = OrganizationFactory()
    response = api(provider_admin).post(
        "/api/v1/contracts/", contract_payload(org, "av-silver", licence_type="")
    )
    assert response.status_code == 409
    assert response.json()["code"] == "licence_required"


def test_changing_a_contract_to_a_plus_tier_checks_the_licence(api, provider_admin, ours):
    plus = Tier.objects.get(code="msa-premium-tam")
    response = api(provider_admin).patch(
        f"/api/v1/contracts/{ours.contract.pk}/", {"tier": plus.pk}
    )
    assert response.status_code == 409
    ours.contract.refresh_from_db()
    assert ours.contract.tier.code == "msa-enterprise"


def test_engineer_may_read_but_not_create_contracts(api, staff, ours):
    engineer = staff["engineer"]
    assert api(engineer).get(f"/api/v1/contracts/{ours.contract.pk}/").status_code == 200
    response = api(engineer).post("/api/v1/contracts/", contract_payload(ours.organization))
    assert response.status_code == 403


def test_unknown_time_zone_is_a_400(api, provider_admin):
    response = api(provider_admin).post(
        "/api/v1/calendars/", {"name": "Mars base", "timezone": "Mars/Olympus_Mons"}
    )
    assert response.status_code == 400
    assert "Mars/Olympus_Mons" in response.json()["timezone"][0]
    assert not BusinessCalendar.objects.filter(name="Mars base").exists()


def test_organization_with_unknown_time_zone_is_a_400(api, provider_admin):
    response = api(provider_admin).post(
        "/api/v1/organizations/", {"name": "Nowhere", "timezone": "Europe/Atlantis"}
    )
    assert response.status_code == 400
    assert "timezone" in response.json()


@pytest.mark.parametrize(
    ("window", "field", "rule"),
    [
        ({"weekday": 7, "start": "09:00", "end": "17:00"}, "weekday", "0 (Monday) to 6"),
        ({"weekday": -1, "start": "09:00", "end": "17:00"}, "weekday", "0 (Monday) to 6"),
        ({"weekday": 0, "start": "25:00", "end": "17:00"}, "start", "HH:MM"),
        ({"weekday": 0, "start": "09:00", "end": "17:61"}, "end", "HH:MM"),
        ({"weekday": 0, "start": "nine", "end": "17:00"}, "start", "HH:MM"),
    ],
)
def test_impossible_window_is_a_400_naming_it(api, provider_admin, window, field, rule):
    response = api(provider_admin).post(
        "/api/v1/calendars/",
        {"name": "Bad hours", "timezone": "Europe/Madrid", "hours": [window]},
        format="json",
    )
    assert response.status_code == 400
    # DRF keys a nested list's errors by the item's position.
    assert rule in response.json()["hours"]["0"][field][0]
    assert not BusinessCalendar.objects.filter(name="Bad hours").exists()


def test_two_windows_starting_together_are_refused(api, provider_admin):
    hours = [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "09:00", "end": "17:00"},
    ]
    response = api(provider_admin).post(
        "/api/v1/calendars/",
        {"name": "Twice", "timezone": "Europe/Madrid", "hours": hours},
        format="json",
    )
    assert response.status_code == 400
    assert "Two windows" in response.json()["hours"][0]


def test_calendar_round_trip_with_overnight_window_and_holidays(api, provider_admin):
    payload = {
        "name": "Night shift",
        "timezone": "Asia/Ho_Chi_Minh",
        "always_open": False,
        "hours": [
            {"weekday": 4, "start": "22:00", "end": "06:00"},
            {"weekday": 0, "start": "00:00", "end": "00:00"},
        ],
        "holidays": ["2026-02-17", "2026-02-16"],
    }
    created = api(provider_admin).post("/api/v1/calendars/", payload, format="json")
    assert created.status_code == 201, created.json()
    body = api(provider_admin).get(f"/api/v1/calendars/{created.json()['id']}/").json()
    assert body["hours"] == [
        {"weekday": 0, "start": "00:00", "end": "00:00"},
        {"weekday": 4, "start": "22:00", "end": "06:00"},
    ]
    assert body["holidays"] == ["2026-02-16", "2026-02-17"]


def test_tier_created_with_targets_and_duplicate_target_refused(api, provider_admin):
    payload = {
        "code": "gold",
        "name": "Gold",
        "targets": [
            {"severity": 1, "metric": "first_response", "minutes": 15, "clock": "calendar"},
            {"severity": 1, "metric": "resolution", "minutes": 480, "clock": "business"},
        ],
        "max_contacts": 3,
    }
    created = api(provider_admin).post("/api/v1/tiers/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert len(created.json()["targets"]) == 2
    payload["code"] = "gold-2"
    payload["targets"].append(payload["targets"][0])
    refused = api(provider_admin).post("/api/v1/tiers/", payload, format="json")
    assert refused.status_code == 400
    assert "two first_response targets" in refused.json()["targets"][0]
    assert not Tier.objects.filter(code="gold-2").exists()


def test_tier_in_use_cannot_be_deleted(api, provider_admin, ours):
    response = api(provider_admin).delete(f"/api/v1/tiers/{ours.contract.tier_id}/")
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"


def _premium_tam_org(api, provider_admin, contacts: int):
    org = OrganizationFactory()
    response = api(provider_admin).post(
        "/api/v1/contracts/", contract_payload(org, "msa-premium-tam", licence_type="plus")
    )
    assert response.status_code == 201
    for _ in range(contacts):
        MembershipFactory(organization=org)
    return org


def test_contact_limit_reached_is_a_409_and_adds_no_one(api, provider_admin):
    org = _premium_tam_org(api, provider_admin, contacts=8)
    response = api(provider_admin).post(
        f"/api/v1/organizations/{org.pk}/members/", {"email": "ninth@example.test"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "contact_limit_reached"
    assert "8" in response.json()["detail"]
    assert not User.objects.filter(email="ninth@example.test").exists()


def test_contact_limit_counts_active_contacts_only(api, provider_admin):
    org = _premium_tam_org(api, provider_admin, contacts=8)
    removed = Membership.objects.filter(organization=org).first()
    deleted = api(provider_admin).delete(f"/api/v1/organizations/{org.pk}/members/{removed.pk}/")
    assert deleted.status_code == 204
    removed.user.refresh_from_db()
    assert removed.user.is_active is False  # kept for history, no longer counted
    response = api(provider_admin).post(
        f"/api/v1/organizations/{org.pk}/members/", {"email": "replacement@example.test"}
    )
    assert response.status_code == 201


def test_customer_admin_adds_a_contact_who_is_invited(
    api, ours, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(ours.admin).post(
            f"/api/v1/organizations/{ours.organization.pk}/members/",
            {"email": "New.Person@Example.test", "role": "member", "full_name": "New Person"},
        )
    assert response.status_code == 201, response.json()
    assert response.json()["email"] == "new.person@example.test"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.test"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert Membership.objects.get(user__email="new.person@example.test").role == MemberRole.MEMBER


def test_customer_member_may_not_add_contacts(api, ours):
    response = api(ours.member).post(
        f"/api/v1/organizations/{ours.organization.pk}/members/", {"email": "x@example.test"}
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="x@example.test").exists()


def test_existing_email_is_a_400_naming_the_field(api, ours, theirs):
    response = api(ours.admin).post(
        f"/api/v1/organizations/{ours.organization.pk}/members/", {"email": theirs.admin.email}
    )
    assert response.status_code == 400
    assert response.json() == {"email": [str(CONTACT_ADDRESS_TAKEN)]}


def test_contact_limit_on_the_page_shows_the_rule(client, provider_admin):
    from tests.conftest import client_for

    org = _premium_tam_org(client_for, provider_admin, contacts=8)
    admin = Membership.objects.filter(organization=org).first()
    Membership.objects.filter(pk=admin.pk).update(role=MemberRole.ADMIN)
    client.force_login(admin.user)
    response = client.post(
        f"/organizations/{org.pk}/contacts/",
        {"email": "ninth@example.test", "role": "member"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "8 of the 8 authorised contacts" in response.content.decode()
    assert not User.objects.filter(email="ninth@example.test").exists()
