"""Absences and the duty rota through the API."""

import datetime

import pytest
import time_machine

from tam.models import Absence, DutyShift
from tests.tam.conftest import madrid
from tests.tam.people import shift

START = madrid(2026, 6, 3, 9, 0)
H = datetime.timedelta(hours=1)


def absence(staff_id, starts_at=START, ends_at=START + 8 * H, reason="leave"):
    return {
        "staff": staff_id,
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(),
        "reason": reason,
    }


def test_staff_record_their_own_absence_and_admins_anyones(api, staff, provider_admin):
    engineer, tam = staff["engineer"], staff["tam"]
    own = api(engineer).post(
        "/api/v1/absences/", absence(engineer.pk, reason="sick"), format="json"
    )
    assert own.status_code == 201, own.content
    assert own.json()["reason"] == "sick"
    other = api(engineer).post("/api/v1/absences/", absence(tam.pk), format="json")
    assert other.status_code == 403
    by_admin = api(provider_admin).post("/api/v1/absences/", absence(tam.pk), format="json")
    assert by_admin.status_code == 201
    assert Absence.objects.count() == 2
    # Withdrawing: one's own, or an admin anyone's.
    assert api(engineer).delete(f"/api/v1/absences/{by_admin.json()['id']}/").status_code == 403
    assert api(engineer).delete(f"/api/v1/absences/{own.json()['id']}/").status_code == 204


@pytest.mark.parametrize("ends", [START, START - H])
def test_an_absence_ending_before_it_starts_is_a_400_naming_ends_at(api, staff, ends):
    body = absence(staff["engineer"].pk, ends_at=ends)
    response = api(staff["engineer"]).post("/api/v1/absences/", body, format="json")
    assert response.status_code == 400
    assert "ends_at" in response.json()
    assert not Absence.objects.exists()


def test_an_unknown_reason_is_a_400(api, staff):
    body = absence(staff["engineer"].pk, reason="holiday")
    response = api(staff["engineer"]).post("/api/v1/absences/", body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()


def shift_body(staff_id, starts_at=START, ends_at=START + 12 * H):
    return {"staff": staff_id, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()}


def test_admins_edit_the_rota_and_staff_read_it(api, staff, provider_admin):
    duty = staff["duty_manager"]
    created = api(provider_admin).post("/api/v1/rota/", shift_body(duty.pk), format="json")
    assert created.status_code == 201, created.content
    assert (
        api(staff["engineer"]).post("/api/v1/rota/", shift_body(duty.pk), format="json").status_code
        == 403
    )
    listed = api(staff["engineer"]).get("/api/v1/rota/")
    assert [r["id"] for r in listed.json()["results"]] == [created.json()["id"]]
    moved = api(provider_admin).patch(
        f"/api/v1/rota/{created.json()['id']}/",
        {"ends_at": (START + 6 * H).isoformat()},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert DutyShift.objects.get().ends_at == START + 6 * H


def test_only_duty_managers_and_admins_go_on_the_rota(api, staff, provider_admin):
    response = api(provider_admin).post(
        "/api/v1/rota/", shift_body(staff["engineer"].pk), format="json"
    )
    assert response.status_code == 400
    assert "staff" in response.json()
    bad = api(provider_admin).post(
        "/api/v1/rota/", shift_body(staff["duty_manager"].pk, ends_at=START), format="json"
    )
    assert bad.status_code == 400
    assert "ends_at" in bad.json()


def test_the_rota_filters_by_instants(api, staff):
    duty = staff["duty_manager"]
    early = shift(duty, START, START + 8 * H)
    late = shift(duty, START + 24 * H, START + 32 * H)
    client = api(staff["engineer"])
    after = client.get("/api/v1/rota/", {"from": (START + 12 * H).isoformat()})
    assert [r["id"] for r in after.json()["results"]] == [late.pk]
    before = client.get("/api/v1/rota/", {"to": (START + 12 * H).isoformat()})
    assert [r["id"] for r in before.json()["results"]] == [early.pk]
    assert client.get("/api/v1/rota/", {"from": "yesterday"}).status_code == 400
    # An empty value is not an instant either (left out, the list is not limited).
    empty = client.get("/api/v1/rota/?from=")
    assert empty.status_code == 400
    assert "from" in empty.json()


def test_the_rota_reads_any_iso_offset_and_refuses_instants_past_year_9999(api, staff):
    duty = staff["duty_manager"]
    late = shift(duty, START + 24 * H, START + 32 * H)
    client = api(staff["engineer"])
    # -23:50 is a valid ISO 8601 offset, beyond what PostgreSQL reads.
    wide = client.get("/api/v1/rota/", {"from": "2026-06-03T01:00:00-23:50"})
    assert wide.status_code == 200
    assert [r["id"] for r in wide.json()["results"]] == [late.pk]
    beyond = client.get("/api/v1/rota/", {"from": "9999-12-31T23:00:00-23:50"})
    assert beyond.status_code == 400
    assert "from" in beyond.json()


def test_rota_now_names_the_duty_manager_on_shift(api, staff):
    duty = staff["duty_manager"]
    shift(duty, START, START + 8 * H)
    client = api(staff["engineer"])
    with time_machine.travel(START + H, tick=False):
        assert client.get("/api/v1/rota/now/").json() == {
            "duty_manager": {"id": duty.pk, "email": duty.email}
        }
        # The router's format-suffix form answers the same (it was a 500).
        assert client.get("/api/v1/rota/now.json").json()["duty_manager"]["id"] == duty.pk
    with time_machine.travel(START + 9 * H, tick=False):
        assert client.get("/api/v1/rota/now/").json() == {"duty_manager": None}


@pytest.mark.parametrize("url", ["/api/v1/absences/", "/api/v1/rota/", "/api/v1/rota/now/"])
def test_customers_find_nothing(api, ours, url):
    assert api(ours.admin).get(url).status_code == 404
