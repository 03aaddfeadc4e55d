"""The desk's API (API.md, "TAM desk"): the incident list by urgency and queue, take-next,
contract owners, staff working hours and availability."""

import datetime

import pytest
import time_machine

from incidents.models import Incident
from portal.models import StaffRole
from tests.factories import IncidentFactory, StaffFactory
from tests.tam.conftest import madrid
from tests.tam.people import absent, office_calendar

URL = "/api/v1/incidents/"
WEDNESDAY = madrid(2026, 6, 3, 11, 0)


def results(response):
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def queue_mix(ours, theirs, staff):
    with time_machine.travel(WEDNESDAY, tick=False):
        low = IncidentFactory(actor=ours.member, severity=4)
        mine = IncidentFactory(actor=ours.member, severity=2)
        critical = IncidentFactory(actor=theirs.member, severity=1)
    Incident.objects.filter(pk=mine.pk).update(assignee=staff["engineer"])
    return low, mine, critical


def test_urgency_sort_lists_open_incidents_most_urgent_first_with_their_deadline(
    api, staff, queue_mix
):
    low, mine, critical = queue_mix
    with time_machine.travel(WEDNESDAY, tick=False):
        body = results(api(staff["engineer"]).get(URL, {"sort": "urgency", "queue": "open"}))
    assert [row["id"] for row in body["results"]] == [critical.pk, mine.pk, low.pk]
    first = body["results"][0]
    assert first["sla_due_at"] == "2026-06-03T09:30:00Z"  # 30 min after 11:00 Madrid
    assert first["sla_breached_at"] is None


def test_queues_filter_the_list(api, staff, queue_mix):
    low, mine, critical = queue_mix
    client = api(staff["engineer"])
    with time_machine.travel(WEDNESDAY, tick=False):
        ids = {
            queue: [r["id"] for r in results(client.get(URL, {"queue": queue}))["results"]]
            for queue in ("mine", "unassigned", "breached", "waiting")
        }
    assert ids["mine"] == [mine.pk]
    assert set(ids["unassigned"]) == {low.pk, critical.pk}
    assert ids["breached"] == ids["waiting"] == []
    with time_machine.travel(WEDNESDAY + datetime.timedelta(hours=1), tick=False):
        late = results(client.get(URL, {"queue": "breached", "sort": "urgency"}))["results"]
    assert [r["id"] for r in late] == [critical.pk]


def test_urgency_pages_walk_every_row_once(api, staff, ours):
    with time_machine.travel(WEDNESDAY, tick=False):
        made = [IncidentFactory(actor=ours.member, severity=1 + n % 4).pk for n in range(7)]
        client = api(staff["engineer"])
        seen, url = [], f"{URL}?sort=urgency&queue=open&page_size=3"
        while url:
            body = results(client.get(url))
            seen += [r["id"] for r in body["results"]]
            assert body["previous"] is None
            url = body["next"]
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("params", "field"),
    [({"sort": "oldest"}, "sort"), ({"queue": "everything"}, "queue")],
)
def test_an_unknown_sort_or_queue_is_a_400_naming_it(api, staff, params, field):
    response = api(staff["engineer"]).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_queues_are_for_staff(api, ours, queue_mix):
    response = api(ours.member).get(URL, {"queue": "unassigned"})
    assert response.status_code == 403
    assert "Queues are for the provider's staff" in response.json()["detail"]
    # Their own incidents by urgency are fine: the order reveals nothing of others.
    body = results(api(ours.member).get(URL, {"sort": "urgency"}))
    assert {r["organization"] for r in body["results"]} == {ours.organization.pk}


def test_take_next_answers_the_incident_then_204_when_nothing_is_left(api, staff, ours):
    incident = IncidentFactory(actor=ours.member, severity=1)
    client = api(staff["engineer"])
    response = client.post("/api/v1/desk/take-next/")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["assignee"]) == (
        incident.pk,
        staff["engineer"].pk,
    )
    assert client.post("/api/v1/desk/take-next/").status_code == 204


def test_customers_cannot_take_incidents(api, ours):
    IncidentFactory(actor=ours.member, severity=1)
    assert api(ours.admin).post("/api/v1/desk/take-next/").status_code == 404
    assert not Incident.objects.filter(assignee__isnull=False).exists()


def test_contracts_name_a_tam_and_a_backup(api, provider_admin, ours, staff):
    tam, backup = staff["tam"], StaffFactory(staff_role=StaffRole.TAM)
    url = f"/api/v1/contracts/{ours.contract.pk}/"
    client = api(provider_admin)
    response = client.patch(url, {"tam": tam.pk, "backup_tam": backup.pk}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["tam"], response.json()["backup_tam"]) == (tam.pk, backup.pk)
    same = client.patch(url, {"backup_tam": tam.pk}, format="json")
    assert same.status_code == 400
    assert "backup_tam" in same.json()
    engineer = client.patch(url, {"backup_tam": staff["engineer"].pk}, format="json")
    assert engineer.status_code == 400
    assert "backup_tam" in engineer.json()
    assert client.patch(url, {"backup_tam": None}, format="json").json()["backup_tam"] is None


def test_staff_show_their_calendar_and_whether_they_are_available_now(api, provider_admin, staff):
    tam = staff["tam"]
    hours = office_calendar()
    client = api(provider_admin)
    url = f"/api/v1/staff/{tam.pk}/"
    response = client.patch(url, {"calendar": hours.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["calendar"] == hours.pk
    with time_machine.travel(WEDNESDAY, tick=False):
        assert client.get(url).json()["available_now"] is True
        absent(tam, WEDNESDAY - datetime.timedelta(hours=1), WEDNESDAY + datetime.timedelta(days=1))
        assert client.get(url).json()["available_now"] is False
        listed = {r["id"]: r for r in results(client.get("/api/v1/staff/"))["results"]}
        assert listed[tam.pk]["available_now"] is False
    with time_machine.travel(madrid(2026, 6, 6, 11, 0), tick=False):  # a Saturday
        assert client.get(url).json()["available_now"] is False
    assert client.patch(url, {"calendar": None}, format="json").json()["calendar"] is None


def test_only_provider_admins_set_working_hours(api, staff):
    url = f"/api/v1/staff/{staff['tam'].pk}/"
    response = api(staff["engineer"]).patch(url, {"calendar": office_calendar().pk}, format="json")
    assert response.status_code == 403


def test_a_cursor_that_is_not_ours_is_a_400_naming_it(api, staff):
    response = api(staff["engineer"]).get(URL, {"sort": "urgency", "cursor": "bm9wZQ=="})
    assert response.status_code == 400
    assert "cursor" in response.json()
