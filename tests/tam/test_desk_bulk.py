"""Bulk changes on the desk's chosen rows: an assignee, a status or both, all or nothing, and
back to the page the change was made from."""

import pytest

from incidents.models import EventKind, Incident, IncidentEvent, Status
from incidents.services import incident_change_status
from portal.models import StaffRole
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def bulk(client, incidents, query="queue=open&severity=2", **data):
    return client.post(
        "/desk/bulk/", {"incident": [i.pk for i in incidents], "query": query, **data}
    )


def said(client, response) -> str:
    """The page the bulk change sent us back to, with its messages."""
    assert response.status_code == 302
    return client.get(response.url).content.decode()


def test_bulk_assign_changes_every_chosen_row_and_goes_back(engineer_client, world):
    colleague = StaffFactory(staff_role=StaffRole.ENGINEER, full_name="Colin Colleague")
    response = bulk(engineer_client, [world.running, world.breached], assignee=colleague.pk)
    assert response.url == "/desk/?queue=open&severity=2"
    page = said(engineer_client, response)
    assert (
        f"2 incidents changed: {world.breached.number}, {world.running.number}." in page
    )  # in id order
    for incident in (world.running, world.breached):
        incident.refresh_from_db()
        assert incident.assignee == colleague
    world.fresh.refresh_from_db()
    assert world.fresh.assignee is None  # not chosen


def test_bulk_status_and_unassign_together(engineer_client, world):
    bulk(engineer_client, [world.fresh], assignee=world.engineer.pk)
    response = bulk(engineer_client, [world.fresh], assignee="nobody", status=Status.OPEN)
    assert "1 incident changed" in said(engineer_client, response)
    world.fresh.refresh_from_db()
    assert world.fresh.assignee is None
    assert world.fresh.status == Status.OPEN


def test_one_refusal_changes_nothing_and_names_the_incident(engineer_client, world):
    incident_change_status(incident=world.running, actor=world.engineer, status=Status.OPEN)
    before = IncidentEvent.objects.count()
    # The breached incident (id first) would move; the running one is already open.
    response = bulk(
        engineer_client,
        [world.breached, world.running],
        assignee=world.engineer.pk,
        status=Status.OPEN,
    )
    page = said(engineer_client, response)
    assert f"Nothing changed. {world.running.number}: The incident is already open." in page
    world.breached.refresh_from_db()
    assert world.breached.status == Status.NEW
    assert world.breached.assignee is None
    assert IncidentEvent.objects.count() == before
    assert not IncidentEvent.objects.filter(
        incident=world.breached, kind=EventKind.ASSIGNED
    ).exists()


def test_bulk_needs_rows_and_a_change(engineer_client, world):
    page = said(engineer_client, bulk(engineer_client, [], status=Status.OPEN))
    assert "Incidents: Choose at least one incident." in page
    page = said(engineer_client, bulk(engineer_client, [world.fresh]))
    assert "Choose an assignee or a status to change." in page


def test_bulk_names_a_bad_assignee_status_or_incident(engineer_client, world):
    customer = world.ours.admin
    page = said(engineer_client, bulk(engineer_client, [world.fresh], assignee=customer.pk))
    assert "Assignee: Choose an active staff member." in page
    page = said(engineer_client, bulk(engineer_client, [world.fresh], status="sleeping"))
    assert "Status: Select a valid choice. sleeping is not one of the available choices." in page
    response = engineer_client.post(
        "/desk/bulk/", {"incident": [world.fresh.pk, 999999], "status": Status.OPEN}
    )
    assert "999999 is not one of the available choices." in said(engineer_client, response)
    assert Incident.objects.filter(status=Status.OPEN).count() == 0


def test_the_way_back_keeps_only_a_query_string(engineer_client, world):
    response = bulk(engineer_client, [world.fresh], query="https://evil.test/", status=Status.OPEN)
    assert response.url == "/desk/?https%3A%2F%2Fevil.test%2F="  # a harmless parameter


def test_bulk_is_staff_only_and_a_post(client, world):
    client.force_login(world.ours.admin)
    assert bulk(client, [world.fresh], status=Status.OPEN).status_code == 404
    client.force_login(world.engineer)
    assert client.get("/desk/bulk/").status_code == 405
