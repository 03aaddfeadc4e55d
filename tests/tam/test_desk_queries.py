"""The desk and its live fragment make the same queries for 3 incidents as for 30 (spread over
organisations, tiers and assignees, with customer replies), and exactly the ones named."""

import itertools
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Tier
from incidents.services import incident_assign, incident_reply
from portal.models import StaffRole
from tests.conftest import make_tenant
from tests.factories import StaffFactory
from tests.tam.desk_world import MIN, T, filed, row_ids

pytestmark = pytest.mark.django_db

TIERS = itertools.cycle(["msa-enterprise", "msa-premium-tam", "msa-start"])


def add_incidents(n: int, engineers: list) -> None:
    """n incidents in new organisations on rotating tiers, each with a customer reply, every
    other one assigned to one of the engineers."""
    for i in range(n):
        tenant = make_tenant(f"Customer {i} of {n}", tier_code=next(TIERS))
        incident = filed(tenant, T - (i + 1) * MIN, severity=1 + i % 2)
        with time_machine.travel(T - i * MIN / 2, tick=False):
            incident_reply(incident=incident, author=tenant.member, body="Any news?")
        if i % 2:
            engineer = engineers[i % len(engineers)]
            incident_assign(incident=incident, actor=engineer, assignee=engineer)


def queries(client, url) -> list[str]:
    with time_machine.travel(T, tick=False), CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in captured.captured_queries]


URLS = [
    "/desk/",
    "/desk/?queue=open",
    "/desk/?queue=breached&severity=1&q=Incident",
    "/desk/live/?queue=open",
    "/desk/live/?queue=mine",
]


@pytest.mark.parametrize("url", URLS)
def test_the_desk_does_not_grow_with_rows(client, url):
    engineers = [StaffFactory(staff_role=StaffRole.ENGINEER) for _ in range(3)]
    viewer = StaffFactory(staff_role=StaffRole.DUTY_MANAGER)
    client.force_login(viewer)
    add_incidents(3, engineers)
    few = queries(client, url)
    add_incidents(27, engineers)
    many = queries(client, url)
    assert len(many) == len(few), "\n".join(many)


# Each query of the desk, named with a piece of its SQL: a new one is a decision to make here,
# not a drift.
LIVE = [
    ("session", 'FROM "django_session"'),
    ("user", 'FROM "portal_user" WHERE "portal_user"."id"'),
    ("queue counts (one aggregate)", 'COUNT("incidents_incident"."id") FILTER'),
    ("rows (with organisation, contract, tier, assignee, product)", '"contracts_tier"."name"'),
    ("last customer replies of the rows", 'MAX("incidents_threadentry"."created_at")'),
    ("the viewer's zone (working hours)", 'FROM "tam_workinghours"'),
]
EXACT = {
    "/desk/?queue=open": [
        *LIVE,
        ("tiers (filter)", 'FROM "contracts_tier" ORDER BY'),
        ("products (filter)", 'FROM "incidents_product" ORDER BY'),
        ("organisations (filter)", 'FROM "portal_organization" ORDER BY'),
        ("staff (filter and bulk assignee)", '"portal_user"."staff_role" = \'\''),
    ],
    "/desk/live/?queue=open": LIVE,
}


@pytest.mark.parametrize("url", list(EXACT))
def test_the_desk_makes_exactly_the_queries_named(client, url):
    engineers = [StaffFactory(staff_role=StaffRole.ENGINEER) for _ in range(2)]
    client.force_login(engineers[0])
    add_incidents(4, engineers)
    found = queries(client, url)
    assert len(found) == len(EXACT[url]), "\n".join(found)
    for sql, (name, piece) in zip(found, EXACT[url], strict=True):
        assert piece in sql, f"expected {name}, got {sql[:200]}"


def test_the_counted_page_shows_every_row_tier_and_reply(client):
    """The counts above are of a page that shows what it should."""
    engineers = [StaffFactory(staff_role=StaffRole.ENGINEER)]
    client.force_login(engineers[0])
    add_incidents(5, engineers)
    with time_machine.travel(T, tick=False):
        body = client.get("/desk/?queue=open")
    assert len(row_ids(body)) == 5
    for tier in Tier.objects.filter(code__in=["msa-enterprise", "msa-premium-tam", "msa-start"]):
        assert f"<td>{tier.name}</td>" in body.content.decode()
    replies = re.findall(r"<td><time[^>]*>3 Jun \d\d:\d\d \w+</time></td>", body.content.decode())
    assert len(replies) == 5  # each row's customer reply (UTC: the viewer has no hours)
