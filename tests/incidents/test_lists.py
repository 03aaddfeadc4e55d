"""The incident lists: filters, search, sorting, keyset pages, SLA words, query counts."""

import datetime
import html
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Incident
from incidents.services import incident_reply
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/incidents/", "/api/v1/incidents/"])
def test_customer_incident_lists_do_not_grow_with_rows(client, ours, staff, url):
    client.force_login(ours.member)
    for i in range(3):
        incident = IncidentFactory(actor=ours.admin, title=f"First {i}")
        incident_reply(incident=incident, author=staff["engineer"], body="on it")
    few = count(client, url)
    for i in range(12):
        IncidentFactory(actor=ours.admin, title=f"More {i}", severity=1 + i % 4)
    assert count(client, url) == few


@pytest.mark.parametrize("url", ["/incidents/", "/api/v1/incidents/"])
def test_staff_incident_lists_do_not_grow_with_rows(client, ours, theirs, staff, url):
    client.force_login(staff["engineer"])
    IncidentFactory(actor=ours.admin)
    few = count(client, url)
    for i in range(6):
        IncidentFactory(actor=ours.admin, title=f"Ours {i}")
        IncidentFactory(actor=theirs.admin, title=f"Theirs {i}")
    assert count(client, url) == few


SUBLISTS = ["api/v1/incidents/{}/replies/", "api/v1/incidents/{}/events/"]
SUBLISTS += ["api/v1/incidents/{}/attachments/", "incidents/{}/"]


@pytest.mark.parametrize("who", ["customer", "staff"])
@pytest.mark.parametrize("path", SUBLISTS)
def test_incident_sublists_and_detail_do_not_grow_with_rows(client, ours, staff, who, path):
    """Replies with files, internal notes with files and their events, as either side."""
    incident = IncidentFactory(actor=ours.admin)
    client.force_login(ours.admin if who == "customer" else staff["engineer"])
    url = "/" + path.format(incident.pk)

    def add(n):
        for i in range(n):
            upload = [(SimpleUploadedFile(f"r{i}.log", b"x"), False)]
            incident_reply(incident=incident, author=ours.admin, body=f"c{i}", uploads=upload)
            note = [(SimpleUploadedFile(f"n{i}.log", b"y"), False)]
            incident_reply(
                incident=incident,
                author=staff["engineer"],
                body=f"n{i}",
                internal=True,
                uploads=note,
            )
            incident_reply(incident=incident, author=staff["engineer"], body=f"r{i}")

    add(1)
    few = count(client, url)
    add(5)
    assert count(client, url) == few


def test_the_live_rows_do_not_grow_with_rows(client, ours):
    client.force_login(ours.member)
    IncidentFactory(actor=ours.admin)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/incidents/", HTTP_HX_REQUEST="true").status_code == 200
    for i in range(8):
        IncidentFactory(actor=ours.admin, title=f"More {i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/incidents/", HTTP_HX_REQUEST="true")
    assert b'id="incident-rows"' in response.content
    assert len(many) == len(few)


def test_filters_and_search(client, ours):
    IncidentFactory(
        actor=ours.admin, title="Database crash", severity=1, description="postgres died"
    )
    IncidentFactory(actor=ours.admin, title="Question about licences", severity=4, kind="question")
    client.force_login(ours.member)

    def titles(query):
        response = client.get(f"/api/v1/incidents/{query}")
        return sorted(row["title"] for row in response.json()["results"])

    assert titles("?severity=1") == ["Database crash"]
    assert titles("?q=postgres") == ["Database crash"]
    assert titles("?status=new") == ["Database crash", "Question about licences"]
    assert titles("?status=closed") == []
    page = client.get("/incidents/?kind=question").content.decode()
    assert "Question about licences" in page
    assert "Database crash" not in page


def test_keyset_pages_walk_every_row_once(client, ours):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=1)) as traveller:
        for i in range(30):
            IncidentFactory(actor=ours.admin, title=f"Row {i:02d}", severity=1 + i % 4)
            traveller.shift(datetime.timedelta(minutes=1))
    client.force_login(ours.member)
    for sort in ("newest", "oldest", "severity"):
        seen = []
        url = f"/incidents/?sort={sort}"
        while url:
            response = client.get(url)
            rows = response.context["rows"]
            seen += [incident.pk for incident, _ in rows]
            cursor = response.context["page"].next_cursor
            url = f"/incidents/?sort={sort}&cursor={cursor}" if cursor else None
        expected = Incident.objects.order_by(
            *{
                "newest": ["-received_at", "-id"],
                "oldest": ["received_at", "id"],
                "severity": ["severity", "-received_at", "-id"],
            }[sort]
        ).values_list("pk", flat=True)
        assert seen == list(expected), sort


def test_sla_state_in_words(client, ours, staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        due_soon = IncidentFactory(actor=ours.admin, title="Sev 1", severity=1)  # 30 min, calendar
        met = IncidentFactory(actor=ours.admin, title="Answered", severity=1)
        incident_reply(incident=met, author=staff["engineer"], body="Here is the answer")
    client.force_login(ours.member)
    with time_machine.travel(start + datetime.timedelta(minutes=10), tick=False):
        page = client.get("/incidents/").content.decode()
        assert "due in 20 min" in page
        assert ">met<" in page
    with time_machine.travel(start + datetime.timedelta(hours=2, minutes=5), tick=False):
        page = client.get(f"/incidents/{due_soon.pk}/").content.decode()
        assert "breached 1 h 35 min ago" in page


def test_a_forged_cursor_is_a_400_that_still_shows_the_first_page(client, ours):
    incident = IncidentFactory(actor=ours.admin)
    client.force_login(ours.member)
    page = client.get("/incidents/?cursor=garbage&sort=nonsense")
    assert page.status_code == 400
    assert "<code>cursor</code>: This cursor is not one of this list" in page.content.decode()
    assert incident.number in page.content.decode()


def test_status_filter_open_means_the_open_status_in_the_api(api, ours, staff):
    fresh = IncidentFactory(actor=ours.admin, title="Fresh")
    worked = IncidentFactory(actor=ours.admin, title="Worked")
    incident_reply(incident=worked, author=staff["engineer"], body="on it")  # new -> open
    rows = api(ours.member).get("/api/v1/incidents/?status=open").json()["results"]
    assert [r["id"] for r in rows] == [worked.pk]
    # The pages' "not resolved" choice is its own value.
    active = api(ours.member).get("/api/v1/incidents/?status=active").json()["results"]
    assert {r["id"] for r in active} == {fresh.pk, worked.pk}


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" id="[\w-]+" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


@pytest.mark.parametrize("sort", ["oldest", "severity"])
def test_next_then_previous_keep_the_sort_and_the_filters(client, ours, sort):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=1)) as traveller:
        for i in range(60):
            IncidentFactory(actor=ours.admin, title=f"Row {i:02d}", severity=1 + i % 4)
            traveller.shift(datetime.timedelta(minutes=1))
        IncidentFactory(actor=ours.admin, title="A question", severity=2, kind="question")
    client.force_login(ours.member)
    expected = list(
        Incident.objects.filter(kind="problem")
        .order_by(
            *{"oldest": ["received_at", "id"], "severity": ["severity", "-received_at", "-id"]}[
                sort
            ]
        )
        .values_list("pk", flat=True)
    )

    def visit(url):
        response = client.get(f"/incidents/{url}")
        assert response.status_code == 200, response.content
        return response, [incident.pk for incident, _ in response.context["rows"]]

    first, rows = visit(f"?sort={sort}&kind=problem")
    assert rows == expected[:25]
    assert _link(first.content.decode(), "prev") is None
    forward = _link(first.content.decode(), "next")
    assert f"sort={sort}" in forward
    assert "kind=problem" in forward

    second, rows = visit(forward)
    assert rows == expected[25:50]
    third, rows = visit(_link(second.content.decode(), "next"))
    assert rows == expected[50:]
    assert _link(third.content.decode(), "next") is None

    back = _link(third.content.decode(), "prev")
    assert f"sort={sort}" in back
    assert "kind=problem" in back
    again, rows = visit(back)
    assert rows == expected[25:50]
    start, rows = visit(_link(again.content.decode(), "prev"))
    assert rows == expected[:25]
    page = start.content.decode()
    assert _link(page, "prev") is None, "the first page has nothing before it"
    assert f"sort={sort}" in _link(page, "next")
    assert f'<option value="{sort}" selected>' in page


def test_a_forged_previous_cursor_is_a_400_that_shows_the_first_page(client, ours):
    IncidentFactory(actor=ours.admin)
    client.force_login(ours.member)
    page = client.get("/incidents/?before=garbage")
    assert page.status_code == 400
    assert "<code>before</code>: This cursor is not one of this list" in page.content.decode()


def test_a_previous_page_makes_the_queries_of_the_first_page(client, ours):
    for i in range(30):
        IncidentFactory(actor=ours.admin, title=f"Row {i:02d}")
    client.force_login(ours.member)
    first = client.get("/incidents/?sort=oldest")
    second = client.get("/incidents/" + _link(first.content.decode(), "next"))
    back = "/incidents/" + _link(second.content.decode(), "prev")
    assert count(client, back) == count(client, "/incidents/?sort=oldest")
