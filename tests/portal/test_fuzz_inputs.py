"""Hostile input on every list and every JSON write: NUL bytes, digits that are not ASCII,
forged cursors, over-long and out-of-range values, deep nesting. Nothing is a server error
(the clients re-raise one), and a typed parameter answers 400 naming itself."""

import base64
import json

import pytest
from django.test import Client

from portal.models import MemberRole
from tests.factories import IncidentFactory, MembershipFactory

pytestmark = pytest.mark.django_db

LONG = "x" * 5000
BAD_VALUES = ["a\x00b", "²", "١٢", LONG, "99999999999999999999999", "0001-01-01T00:00:00+14:00"]


def cursor_of(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


FORGED_CURSORS = [
    "!!!",
    "\x00",
    LONG,
    cursor_of("o=0&r=0&p=abc"),
    cursor_of("o=0&r=0&p=\x00"),
    cursor_of("o=0&r=0&p=99999999999999999999999"),
    cursor_of("o=0&r=0&p=²"),
    cursor_of("o=x&p=1"),
    base64.urlsafe_b64encode(json.dumps([float("inf")] * 3).encode()).decode(),
    base64.urlsafe_b64encode(b"[" * 5000).decode(),
    base64.urlsafe_b64encode(json.dumps(["x", "y", "z"]).encode()).decode(),
]

# Every API list and the parameters it reads; the typed ones must answer 400 for junk.
TYPED = {
    "/api/v1/incidents/": ["status", "severity", "kind", "q", "sort", "queue"],
    "/api/v1/incidents/?sort=urgency": ["queue"],
    "/api/v1/absences/": ["staff"],
    "/api/v1/rota/": ["from", "to"],
}
API_LISTS = [
    "/api/v1/incidents/",
    "/api/v1/incidents/?sort=urgency",
    "/api/v1/incidents/{incident}/replies/",
    "/api/v1/incidents/{incident}/events/",
    "/api/v1/incidents/{incident}/attachments/",
    "/api/v1/contracts/",
    "/api/v1/tiers/",
    "/api/v1/calendars/",
    "/api/v1/organizations/",
    "/api/v1/organizations/{organization}/members/",
    "/api/v1/staff/",
    "/api/v1/absences/",
    "/api/v1/rota/",
]
# Every list page and the parameters it reads: each is typed (a bad value is a 400).
PAGES = {
    "/incidents/": [
        "status",
        "severity",
        "kind",
        "q",
        "organization",
        "sort",
        "cursor",
        "before",
        "mine",
    ],
    "/desk/": [
        "queue",
        "q",
        "tier",
        "severity",
        "kind",
        "product",
        "organization",
        "assignee",
        "status",
        "cursor",
    ],
    "/desk/live/": ["queue", "q", "severity", "cursor", "seen"],
    "/desk/accounts/": ["page"],
    "/desk/staff/": ["page"],
    "/desk/rota/": ["week"],
    "/operations/outbox/": ["status", "page"],
    "/contracts/": ["page"],
    "/organizations/": ["page"],
    "/audit/": ["type", "object", "actor", "source", "since", "until", "cursor"],
}
# Free text: only the NUL and the over-long value are refused.
TEXT = {"q", "seen"}
# The live fragment is swapped into the desk, which names the parameter; the fragment
# only answers 400. The audit page names a bad filter at its field.
NAMES_AT_THE_TOP = set(PAGES) - {"/desk/live/", "/audit/"}


@pytest.fixture
def world(ours, staff, provider_admin):
    incident = IncidentFactory(actor=ours.admin, title="Fuzzed", severity=2)
    return {"incident": incident.pk, "organization": ours.organization.pk}


def url(path: str, world, **params) -> str:
    path = path.format(**world)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{path}{'&' if '?' in path else '?'}{query}"


def as_query(value: str) -> str:
    return "".join(
        c if c.isalnum() else "%" + "%".join(f"{b:02X}" for b in c.encode()) for c in value
    )


@pytest.mark.parametrize("path", API_LISTS)
def test_api_lists_refuse_junk_parameters(api, world, provider_admin, path):
    client = api(provider_admin)
    for value in BAD_VALUES:
        for name in [*TYPED.get(path, []), "page_size"]:
            response = client.get(url(path, world, **{name: as_query(value)}))
            assert response.status_code in (200, 400), (name, value, response.status_code)
            if name in TYPED.get(path, []) and response.status_code == 400:
                assert name in response.json(), response.json()
        for name in TYPED.get(path, []):
            if name in ("q",):
                continue  # free text: only the NUL and the over-long value are refused
            response = client.get(url(path, world, **{name: as_query("²")}))
            assert response.status_code == 400, name
            assert list(response.json()) == [name]
    if "q" in TYPED.get(path, []):
        for value in ("a\x00b", LONG):
            response = client.get(url(path, world, q=as_query(value)))
            assert response.status_code == 400
            assert list(response.json()) == ["q"]


@pytest.mark.parametrize("path", API_LISTS)
def test_api_lists_refuse_forged_cursors(api, world, provider_admin, path):
    client = api(provider_admin)
    for cursor in FORGED_CURSORS:
        response = client.get(url(path, world, cursor=as_query(cursor)))
        assert response.status_code == 400, (cursor, response.status_code)
        assert list(response.json()) == ["cursor"]


@pytest.mark.parametrize("path", [*PAGES, "/operations/sla/"])
def test_list_pages_answer_junk_without_a_server_error(client, world, provider_admin, path):
    client.force_login(provider_admin)
    for name in PAGES.get(path, ["page"]):
        values = [*BAD_VALUES, *FORGED_CURSORS] if name in ("cursor", "before") else BAD_VALUES
        for value in values:
            response = client.get(url(path, world, **{name: as_query(value)}))
            assert response.status_code in (200, 400), (name, value, response.status_code)


def refused(path: str, name: str) -> list[str]:
    if name in TEXT:
        return ["a\x00b", LONG]
    if name in ("cursor", "before"):
        return [*BAD_VALUES, *FORGED_CURSORS]
    if name in ("actor",):
        return ["a\x00b", "²", LONG]  # an e-mail address: digits of any script are letters
    return BAD_VALUES


@pytest.mark.parametrize("path", list(PAGES))
def test_list_pages_answer_a_bad_value_with_a_400_naming_it(client, world, provider_admin, path):
    client.force_login(provider_admin)
    for name in PAGES[path]:
        for value in refused(path, name):
            response = client.get(url(path, world, **{name: as_query(value)}))
            assert response.status_code == 400, (name, value, response.status_code)
            if path in NAMES_AT_THE_TOP:
                body = response.content.decode()
                assert f"<code>{name}</code>:" in body.split('id="query-errors"')[1], name


@pytest.mark.parametrize(
    ("path", "query", "listed"),
    [
        ("/incidents/", "status=new&severity=2&kind=problem&q=Fuzzed&sort=oldest&mine=", True),
        ("/incidents/", "severity=1", False),
        ("/incidents/", "organization={organization}&sort=severity", True),
        ("/desk/", "queue=open&severity=2&kind=problem&q=Fuzzed&status=new", True),
        ("/desk/", "queue=open&severity=1", False),
        ("/desk/live/", "queue=open&severity=2&seen=0123456789abcdef", True),
        ("/desk/", "queue=open&organization=2147483647", False),
    ],
)
def test_list_pages_still_filter_by_good_values(client, world, provider_admin, path, query, listed):
    client.force_login(provider_admin)
    response = client.get(f"{path}?{query.format(**world)}")
    assert response.status_code == 200, response.content[:300]
    assert ("Fuzzed" in response.content.decode()) is listed


@pytest.mark.parametrize("path", ["/contracts/", "/organizations/", "/desk/staff/"])
def test_numbered_lists_read_any_page_number_from_one(client, world, provider_admin, path):
    client.force_login(provider_admin)
    first = client.get(f"{path}?page=1")
    assert first.status_code == 200
    past_the_end = client.get(f"{path}?page=2147483647")  # the last page, as Django shows it
    assert past_the_end.status_code == 200
    assert past_the_end.context["page"].number == first.context["page"].number == 1
    assert client.get(f"{path}?page=0").status_code == 400


def test_the_outbox_still_filters_by_status(client, ours, provider_admin):
    from incidents.models import Notification, OutboxStatus

    IncidentFactory(actor=ours.member, severity=1)
    Notification.objects.update(status=OutboxStatus.FAILED, last_error="550 no such user")
    client.force_login(provider_admin)
    failed = client.get("/operations/outbox/?status=failed&page=1")
    assert failed.status_code == 200
    assert len(failed.context["page"].object_list) == Notification.objects.count() > 0
    sent = client.get("/operations/outbox/?status=sent")
    assert sent.status_code == 200
    assert list(sent.context["page"].object_list) == []
    assert client.get("/operations/outbox/?status=gone").status_code == 400


def test_the_rota_shows_the_week_asked(client, world, provider_admin):
    client.force_login(provider_admin)
    response = client.get("/desk/rota/?week=2026-06-10")
    assert response.status_code == 200
    assert "Week of 8 Jun 2026" in response.content.decode()


DEEP = "[" * 100_000 + "]" * 100_000


def writes(world, ours):
    incident, organization = world["incident"], world["organization"]
    return [
        ("post", "/api/v1/incidents/", ["title", "description", "severity", "kind"]),
        ("patch", f"/api/v1/incidents/{incident}/", ["severity", "status", "reason"]),
        ("post", f"/api/v1/incidents/{incident}/replies/", ["body"]),
        ("post", "/api/v1/tiers/", ["name", "code", "description"]),
        ("post", "/api/v1/calendars/", ["name", "timezone"]),
        ("post", "/api/v1/contracts/", ["reference", "starts_on", "ends_on"]),
        ("post", "/api/v1/organizations/", ["name", "timezone"]),
        ("patch", f"/api/v1/organizations/{organization}/", ["name", "timezone"]),
        ("post", f"/api/v1/organizations/{organization}/members/", ["email", "full_name"]),
        ("post", "/api/v1/staff/", ["email", "full_name", "staff_role"]),
        ("post", "/api/v1/absences/", ["starts_at", "ends_at", "reason", "note"]),
        ("post", "/api/v1/rota/", ["starts_at", "ends_at", "note"]),
        ("post", "/api/v1/auth/token/", ["email", "password"]),
    ]


def test_json_writes_refuse_hostile_bodies(api, world, ours, provider_admin):
    client = api(provider_admin)
    for method, path, fields in writes(world, ours):
        send = getattr(client, method)
        response = send(path, DEEP, content_type="application/json")
        assert response.status_code == 400, (path, response.status_code)
        for field in fields:
            for value in ["a\x00b", "\ud800", "x" * 100_000, 2**31, 2**70, [[[]]]]:
                body = json.dumps({field: value}).encode()  # a lone surrogate as its escape
                response = send(path, body, content_type="application/json")
                assert response.status_code < 500, (path, field, value)


def test_customer_writes_refuse_hostile_bodies(api, world, ours):
    client = api(ours.admin)
    MembershipFactory(organization=ours.organization, role=MemberRole.MEMBER)
    for method, path, fields in writes(world, ours)[:3]:
        send = getattr(client, method)
        for field in fields:
            for value in ["\x00", "x" * 100_000, 2**70]:
                assert send(path, {field: value}, format="json").status_code < 500


def test_pages_refuse_hostile_forms(world, ours):
    client = Client()
    client.force_login(ours.member)
    incident = world["incident"]
    for path, fields in [
        ("/incidents/new/", ["title", "description", "severity", "kind", "contract"]),
        (f"/incidents/{incident}/reply/", ["body"]),
        (f"/incidents/{incident}/status/", ["status", "reason"]),
    ]:
        for field in fields:
            for value in ["\x00", "x" * 100_000, "²", "99999999999999999999"]:
                assert client.post(path, {field: value}).status_code < 500, (path, field)
