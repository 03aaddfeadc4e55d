"""The API answers as its schema says (API.md conventions): the shapes the schemathesis run
relies on, each pinned by a direct request."""

import pytest
from rest_framework.test import APIClient

from contracts.models import BusinessCalendar, Tier
from portal.errors import RuleCode
from portal.models import User

pytestmark = pytest.mark.django_db

CALENDAR = {"name": "Lisbon office", "timezone": "Europe/Lisbon"}


def test_a_name_already_taken_is_a_409_already_exists(api, provider_admin):
    client = api(provider_admin)
    assert client.post("/api/v1/calendars/", CALENDAR).status_code == 201
    response = client.post("/api/v1/calendars/", CALENDAR)
    assert response.status_code == 409
    assert response.json()["code"] == RuleCode.ALREADY_EXISTS
    assert "already exists" in response.json()["detail"]
    assert BusinessCalendar.objects.filter(name="Lisbon office").count() == 1


def test_adding_staff_with_an_address_in_use_is_a_409_already_exists(api, provider_admin, ours):
    response = api(provider_admin).post(
        "/api/v1/staff/", {"email": ours.member.email.upper(), "role": "engineer"}
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == RuleCode.ALREADY_EXISTS
    assert User.objects.filter(email__iexact=ours.member.email).count() == 1


@pytest.mark.parametrize("time", ["9:00", "09:00\n", "09:00:00", "24:00", " 09:00"])
def test_a_time_of_day_is_exactly_hh_mm(api, provider_admin, time):
    hours = [{"weekday": 0, "start": time, "end": "18:00"}]
    response = api(provider_admin).post("/api/v1/calendars/", {**CALENDAR, "hours": hours})
    assert response.status_code == 400
    assert response.json() == {
        "hours": {"0": {"start": ["Use a time of day as HH:MM, from 00:00 to 23:59."]}}
    }
    assert not BusinessCalendar.objects.filter(name="Lisbon office").exists()


def test_an_unknown_time_zone_is_a_400(api, provider_admin):
    response = api(provider_admin).post(
        "/api/v1/calendars/", {**CALENDAR, "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    assert "timezone" in response.json()


@pytest.mark.parametrize("page_size", ["0", "201", "1.5", "-3", "²", "ten"])
def test_a_page_size_outside_1_to_200_is_a_400(api, ours, page_size):
    response = api(ours.admin).get("/api/v1/organizations/", {"page_size": page_size})
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def test_a_page_size_inside_the_bounds_pages(api, ours):
    response = api(ours.admin).get("/api/v1/incidents/", {"page_size": "200"})
    assert response.status_code == 200


@pytest.mark.parametrize("cursor", ["not-a-cursor", "cD1hYmM="])  # the last: p=abc
def test_a_cursor_the_list_did_not_give_is_a_400(api, provider_admin, cursor):
    response = api(provider_admin).get("/api/v1/tiers/", {"cursor": cursor})
    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


def test_a_path_no_route_matches_under_the_api_is_a_json_404(api, ours):
    response = api(ours.admin).get("/api/v1/incidents/0.5/replies/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_page_that_does_not_exist_is_still_a_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_api_bodies_are_json_only(provider_admin):
    client = APIClient()
    client.force_authenticate(provider_admin)
    response = client.post(
        "/api/v1/organizations/", "name=Acme", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415


def test_a_customer_admin_cannot_remove_themselves(api, ours):
    response = api(ours.admin).delete(
        f"/api/v1/organizations/{ours.organization.pk}/members/{ours.admin_membership.pk}/"
    )
    assert response.status_code == 403
    assert User.objects.get(pk=ours.admin.pk).is_active


def test_a_customer_admin_still_removes_another_contact(api, ours):
    response = api(ours.admin).delete(
        f"/api/v1/organizations/{ours.organization.pk}/members/{ours.member_membership.pk}/"
    )
    assert response.status_code == 204
    assert not User.objects.get(pk=ours.member.pk).is_active


def test_a_method_the_desk_does_not_serve_is_a_405_for_anyone(api, ours, provider_admin):
    assert api(ours.admin).generic("TRACE", "/api/v1/rota/").status_code == 405
    assert api(provider_admin).generic("TRACE", "/api/v1/rota/").status_code == 405
    # A method it serves stays hidden from customers.
    assert api(ours.admin).get("/api/v1/rota/").status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [("always_open", 0), ("always_open", "true"), ("name", 5), ("hours", {})],
)
def test_a_json_value_of_the_wrong_type_is_a_400_naming_the_field(
    api, provider_admin, field, value
):
    response = api(provider_admin).post("/api/v1/calendars/", {**CALENDAR, field: value})
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert (
        not BusinessCalendar.objects.exists()
        or not BusinessCalendar.objects.filter(name="Lisbon office").exists()
    )


def test_an_id_given_as_a_string_is_a_400(api, ours):
    response = api(ours.admin).post(
        "/api/v1/incidents/",
        {"title": "t", "description": "d", "severity": "2", "contract": str(ours.contract.pk)},
    )
    assert response.status_code == 400
    assert set(response.json()) == {"severity", "contract"}


def test_a_tier_patch_takes_only_whole_targets(api, provider_admin):
    tier = Tier.objects.get(code="msa-enterprise")
    before = list(tier.targets.values_list("severity", "metric", "minutes", "clock"))
    response = api(provider_admin).patch(
        f"/api/v1/tiers/{tier.pk}/", {"targets": [{"severity": 1, "minutes": 30}]}, format="json"
    )
    assert response.status_code == 400, response.content
    # DRF names the item by its index in a partial update's errors.
    assert set(response.json()["targets"]["0"]) == {"metric", "clock"}
    assert list(tier.targets.values_list("severity", "metric", "minutes", "clock")) == before
