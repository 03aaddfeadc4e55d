"""The desk's live fragment (counts and rows of the page being read, 204 when unchanged) and
the take-next button."""

import pytest
import time_machine

from incidents.models import Incident
from incidents.services import incident_assign
from tests.tam.desk_world import MIN, T, filed, row_html, row_ids, tab_count

pytestmark = pytest.mark.django_db


def live(client, query, at=T, **headers):
    with time_machine.travel(at, tick=False):
        return client.get(f"/desk/live/?{query}", headers={"HX-Request": "true", **headers})


def test_the_fragment_has_the_counts_and_rows_of_the_query_only(engineer_client, world):
    response = live(engineer_client, "queue=open&severity=1")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="desk-live"')
    assert "<html" not in body
    assert 'id="desk-filters"' not in body
    assert row_ids(response) == [world.at_risk.pk, world.fresh.pk]
    assert tab_count(response, "open") == 4
    assert tab_count(response, "breached") == 1
    # The next refresh asks for the same page, and says what it already shows.
    assert 'hx-get="/desk/live/?queue=open&amp;severity=1&amp;seen=' in body


def test_an_unchanged_page_answers_204_and_a_change_brings_it_back(engineer_client, world):
    first = live(engineer_client, "queue=unassigned")
    seen = first.content.decode().split("seen=")[1].split('"')[0]
    assert live(engineer_client, f"queue=unassigned&seen={seen}").status_code == 204
    newcomer = filed(world.ours, T - MIN, severity=1, title="Everything is on fire")
    changed = live(engineer_client, f"queue=unassigned&seen={seen}")
    assert changed.status_code == 200
    assert newcomer.pk in row_ids(changed)
    assert tab_count(changed, "unassigned") == 5


def test_a_deadline_passing_changes_the_fragment(engineer_client, world):
    first = live(engineer_client, "queue=breached")
    assert row_ids(first) == [world.breached.pk]
    later = live(engineer_client, "queue=breached", at=T + 6 * MIN)
    assert row_ids(later) == [world.breached.pk, world.at_risk.pk]
    assert tab_count(later, "breached") == 2
    assert 'class="desk-row breached"' in row_html(later, world.at_risk)
    assert "breached 1 min ago" in row_html(later, world.at_risk)


def test_a_new_incident_takes_its_place_by_urgency_in_the_unassigned_queue(engineer_client, world):
    critical = filed(world.theirs, T, severity=1, title="Total outage")
    response = live(engineer_client, "queue=unassigned")
    assert row_ids(response)[:3] == [world.breached.pk, world.at_risk.pk, world.fresh.pk]
    # Filed at T like `fresh` (same deadline and severity): the tie goes by age, then id.
    assert row_ids(response)[3] == critical.pk


def test_take_next_assigns_the_most_urgent_unassigned_incident(engineer_client, world):
    with time_machine.travel(T, tick=False):
        response = engineer_client.post("/desk/take-next/", {"query": "queue=open"})
    assert response.status_code == 302
    assert response.url == f"/incidents/{world.breached.pk}/"
    world.breached.refresh_from_db()
    assert world.breached.assignee == world.engineer
    page = engineer_client.get(response.url).content.decode()
    assert f"You took {world.breached.number}." in page


def test_take_next_with_nothing_unassigned_goes_back_and_says_so(engineer_client, world):
    for incident in Incident.objects.all():
        incident_assign(incident=incident, actor=world.engineer, assignee=world.engineer)
    response = engineer_client.post("/desk/take-next/", {"query": "queue=mine&severity=2"})
    assert response.status_code == 302
    assert response.url == "/desk/?queue=mine&severity=2"
    assert "Nothing unassigned." in engineer_client.get(response.url).content.decode()


def test_take_next_is_a_post(engineer_client):
    assert engineer_client.get("/desk/take-next/").status_code == 405


def test_a_refresh_after_the_session_ended_sends_the_page_to_log_in(client):
    response = client.get(
        "/desk/live/?queue=open",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/desk/?queue=open"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/desk/%3Fqueue%3Dopen"
    assert response.content == b""
