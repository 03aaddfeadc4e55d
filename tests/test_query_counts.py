"""Every list page and API list: the number of queries does not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from contracts.models import Product
from portal.models import MemberRole
from portal.tokens import token_create
from tests.factories import (
    CalendarFactory,
    ContractFactory,
    MembershipFactory,
    OrganizationFactory,
    StaffFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db


def add_rows(n: int, organization=None):
    """n more of everything the lists show: organisations, contracts, contacts, staff."""
    for _ in range(n):
        org = organization or OrganizationFactory()
        tier = TierFactory()
        tier.targets.create(severity=1, metric="first_response", minutes=30, clock="calendar")
        calendar = CalendarFactory()
        calendar.holidays.create(date="2026-12-25")
        contract = ContractFactory(organization=org, tier=tier, calendar=calendar)
        product = Product.objects.create(name=f"Product of {contract.pk}")
        product.versions.create(version="1.0", ga_on="2025-01-01", limited_on="2026-01-01")
        product.versions.create(version="2.0", ga_on="2026-01-01")
        for n in range(2):
            product.releases.create(version=f"2026.11.{n + 1}", released_at=timezone.now())
        contract.products.add(product)
        MembershipFactory(organization=org)
        StaffFactory()


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


STAFF_URLS = [
    "/organizations/",
    "/organizations/{org}/",
    "/api/v1/organizations/{org}/members/",
    "/contracts/",
    "/api/v1/organizations/",
    "/api/v1/contracts/",
    "/api/v1/tiers/",
    "/api/v1/calendars/",
    "/api/v1/staff/",
    "/api/v1/products/",
    "/api/v1/database-releases/",
    "/audit/",
    "/audit/?type=organization&object={org}",
    "/organizations/{org}/contacts/history/",
]


@pytest.mark.parametrize("url", STAFF_URLS)
def test_staff_lists_do_not_grow_with_rows(client, provider_admin, url):
    client.force_login(provider_admin)
    org = OrganizationFactory()
    scoped = org if "{org}" in url else None  # rows of that organisation, or of many
    url = url.format(org=org.pk)
    add_rows(2, organization=scoped)
    few = count(client, url)
    add_rows(6, organization=scoped)
    assert count(client, url) == few


CUSTOMER_URLS = [
    "/contracts/",
    "/organizations/{org}/",
    "/api/v1/organizations/{org}/members/",
    "/api/v1/contracts/",
    "/api/v1/tiers/",
    "/api/v1/calendars/",
    "/api/v1/products/",
    "/api/v1/database-releases/",
    "/organizations/{org}/contacts/history/",
]


@pytest.mark.parametrize("url", ["/api/v1/auth/tokens/", "/account/tokens/"])
def test_token_lists_do_not_grow_with_rows(client, ours, url):
    client.force_login(ours.member)
    token_create(user=ours.member, name="first")
    few = count(client, url)
    for n in range(5):
        token_create(user=ours.member, name=f"more {n}")
    assert count(client, url) == few


@pytest.mark.parametrize("url", CUSTOMER_URLS)
def test_customer_lists_do_not_grow_with_rows(client, url):
    org = OrganizationFactory()
    admin = MembershipFactory(organization=org, role=MemberRole.ADMIN).user
    client.force_login(admin)
    url = url.format(org=org.pk)
    add_rows(2, organization=org)
    few = count(client, url)
    add_rows(6, organization=org)
    assert count(client, url) == few


# -- exact counts of the key pages and API lists --------------------------------------------
# Each query is named: a new one on these pages is a decision to make here, not a drift.
# (The tests above prove the counts do not grow with the rows.)

SIGNED_IN = ["session", "user"]
# A customer's request runs in their organisation's row-level security (portal/tenancy.py):
# the middleware reads the membership (later reads reuse it) and sets the scope; inside a
# test's transaction it also ends the scope (in production the commit does).
CUSTOMER_SCOPE = [
    *SIGNED_IN,
    "membership (the customer's organisation)",
    "row-level security scope",
    "end of the scope (a test's transaction only)",
]
INCIDENT_ROWS = ["incidents (with organisation, contract, tier, assignee, product)", "clocks"]
# The products the contracts hold, and the latest database release of each (one query).
HELD = ["contract products", "latest database releases"]
# The contract summaries (contracts/selectors.py contract_summaries) over a page of contracts.
SUMMARIES = [
    "contracts (with organisation, tier, calendar, TAM)",
    "severity targets",
    "calendar windows",
    "calendar holidays",
    "ledger sums (quotas)",
    *HELD,
]

# Staff read times in their own zone: the one they chose, else their working hours' zone.
STAFF_ZONE = "the reader's working hours zone (no zone chosen)"

AUDIT_ENTRIES = "audit entries (with actors and object types)"

EXACT = {
    ("customer", "/contracts/"): [
        *CUSTOMER_SCOPE,
        "contract count (pages)",
        *SUMMARIES,
        "organisation (navigation)",
    ],
    ("customer", "/organizations/{org}/"): [
        *CUSTOMER_SCOPE,
        "organisation (scoped to the member)",
        "contracts (with tier, calendar, TAM, organisation)",
        "severity targets",
        "calendar windows",
        "calendar holidays",
        "contact limit",
        "ledger sums (quotas)",
        *HELD,
        "organisation (navigation)",
        "unread malware alerts (the banner)",
        "contacts (with users)",
    ],
    ("customer", "/incidents/"): [
        *CUSTOMER_SCOPE,
        *INCIDENT_ROWS,
        "organisation (the customer's time zone)",
    ],
    ("customer", "/incidents/{incident}/"): [
        *CUSTOMER_SCOPE,
        "incident (with organisation, contract, tier, calendar, filer, assignee, product)",
        "clocks",
        "organisation (navigation)",
        "thread entries (with authors)",
        "files on the entries",
        "files on the incident (with uploaders)",
        "timeline (with actors)",
    ],
    ("customer", "/api/v1/incidents/"): [*CUSTOMER_SCOPE, *INCIDENT_ROWS],
    ("customer", "/api/v1/incidents/{incident}/replies/"): [
        *CUSTOMER_SCOPE,
        "incident",
        "thread entries (with authors)",
        "files on the entries",
    ],
    ("customer", "/api/v1/incidents/{incident}/events/"): [
        *CUSTOMER_SCOPE,
        "incident",
        "timeline (with actors)",
    ],
    ("customer", "/api/v1/contracts/"): [*CUSTOMER_SCOPE, "contracts", "contract products"],
    ("customer", "/api/v1/auth/tokens/"): [*CUSTOMER_SCOPE, "API tokens"],
    ("customer", "/account/tokens/"): [
        *CUSTOMER_SCOPE,
        "organisation (the viewer's zone)",
        "API tokens",
    ],
    ("customer", "/api/v1/organizations/{org}/members/"): [
        *CUSTOMER_SCOPE,
        "organisation (scoped to the member)",
        "contacts (with users)",
    ],
    ("staff", "/organizations/"): [
        *SIGNED_IN,
        "organisation count (pages)",
        "organisations (with contact and contract counts)",
    ],
    ("staff", "/contracts/"): [*SIGNED_IN, "contract count (pages)", *SUMMARIES],
    ("staff", "/incidents/"): [*SIGNED_IN, STAFF_ZONE, *INCIDENT_ROWS],
    ("staff", "/incidents/{incident}/"): [
        *SIGNED_IN,
        STAFF_ZONE,
        "incident (with organisation, contract, tier, calendar, filer, assignee, product)",
        "clocks",
        "thread entries (with authors)",
        "files on the entries",
        "staff (the assignee choice)",
        "files on the incident (with uploaders)",
        "timeline (with actors)",
    ],
    ("staff", "/api/v1/incidents/"): [*SIGNED_IN, *INCIDENT_ROWS],
    ("staff", "/operations/outbox/"): [
        *SIGNED_IN,
        "unsent count (pages)",
        "messages (with incidents)",
        "working hours (the viewer's zone)",
    ],
    ("staff", "/api/v1/organizations/"): [*SIGNED_IN, "organisations"],
    ("staff", "/api/v1/contracts/"): [*SIGNED_IN, "contracts", "contract products"],
    ("staff", "/api/v1/tiers/"): [*SIGNED_IN, "tiers", "severity targets"],
    ("staff", "/api/v1/calendars/"): [
        *SIGNED_IN,
        "calendars",
        "calendar windows",
        "calendar holidays",
    ],
    # Availability: working hours (their calendars' windows and holidays only when someone
    # has hours) and absences, once for the page.
    ("staff", "/api/v1/staff/"): [*SIGNED_IN, "staff", "working hours", "absences"],
    # The audit trail: an object's history is one query whatever its parts.
    ("staff", "/audit/"): [*SIGNED_IN, "working hours (the viewer's zone)", AUDIT_ENTRIES],
    ("staff", "/audit/?type=organization&object={org}"): [
        *SIGNED_IN,
        "working hours (the viewer's zone)",
        AUDIT_ENTRIES,
    ],
}


@pytest.mark.parametrize(("who", "url"), list(EXACT), ids=[f"{w} {u}" for w, u in EXACT])
def test_key_pages_make_exactly_the_queries_named(client, ours, staff, who, url):
    from incidents.services import incident_reply
    from tests.factories import IncidentFactory

    incident = IncidentFactory(actor=ours.admin)
    incident_reply(incident=incident, author=staff["engineer"], body="Looking at it")
    product = Product.objects.create(name="Endpoint Shield")
    ours.contract.products.add(product)
    product.releases.create(version="2026.11.29.1", released_at=timezone.now())
    client.force_login(ours.member if who == "customer" else staff["admin"])
    path = url.format(org=ours.organization.pk, incident=incident.pk)
    assert count(client, path) == len(EXACT[(who, url)])


@pytest.mark.parametrize("url", ["/operations/sla/", "/operations/outbox/?status=all"])
def test_operations_lists_do_not_grow_with_rows(client, ours, provider_admin, url):
    """The SLA health page's incidents at risk in the next hour, and the outbox's messages."""
    from tests.factories import IncidentFactory

    client.force_login(provider_admin)
    IncidentFactory(actor=ours.member, severity=1)  # due in 30 minutes: at risk
    few = count(client, url)
    for _ in range(4):
        IncidentFactory(actor=ours.member, severity=1)
    assert count(client, url) == few


# -- requests by API token --------------------------------------------------------------------
# The token is looked up once: the tenancy middleware authenticates it before the view and
# DRF reads the outcome it left on the request (portal/tokens.py), so "user" and the
# session give way to one "API token (with its owner)".
BY_TOKEN = ["API token (with its owner)"]
CUSTOMER_BY_TOKEN = [
    *BY_TOKEN,
    "membership (the customer's organisation)",
    "row-level security scope",
    "end of the scope (a test's transaction only)",
]
TOKEN_EXACT = {
    ("customer", "/api/v1/incidents/"): [*CUSTOMER_BY_TOKEN, *INCIDENT_ROWS],
    ("customer", "/api/v1/contracts/"): [*CUSTOMER_BY_TOKEN, "contracts", "contract products"],
    ("customer", "/api/v1/auth/tokens/"): [*CUSTOMER_BY_TOKEN, "API tokens"],
    ("staff", "/api/v1/incidents/"): [*BY_TOKEN, *INCIDENT_ROWS],
    ("staff", "/api/v1/contracts/"): [*BY_TOKEN, "contracts", "contract products"],
    ("staff", "/api/v1/auth/tokens/"): [*BY_TOKEN, "API tokens"],
}


def _token_client(user) -> APIClient:
    _token, key = token_create(user=user, name="integration")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.get("/api/v1/auth/tokens/")  # its first use is noted (a write at most a minute)
    return client


@pytest.mark.parametrize(
    ("who", "url"), list(TOKEN_EXACT), ids=[f"{w} {u}" for w, u in TOKEN_EXACT]
)
def test_token_requests_make_exactly_the_queries_named(ours, staff, who, url):
    from tests.factories import IncidentFactory

    IncidentFactory(actor=ours.admin)
    client = _token_client(ours.member if who == "customer" else staff["admin"])
    assert count(client, url) == len(TOKEN_EXACT[(who, url)])


@pytest.mark.parametrize("who", ["customer", "staff"])
def test_a_token_request_looks_its_token_up_once(ours, staff, who):
    _token, key = token_create(user=ours.member if who == "customer" else staff["admin"], name="x")
    with CaptureQueriesContext(connection) as queries:
        response = APIClient().get("/api/v1/contracts/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    lookups = [q["sql"] for q in queries if '"portal_apitoken"."key_hash" =' in q["sql"]]
    assert len(lookups) == 1, lookups


def test_a_refused_token_is_looked_up_once_and_refused(ours):
    with CaptureQueriesContext(connection) as queries:
        response = APIClient().get("/api/v1/contracts/", HTTP_AUTHORIZATION="Token not-a-key")
    assert response.status_code == 401
    lookups = [q["sql"] for q in queries if '"portal_apitoken"."key_hash" =' in q["sql"]]
    assert len(lookups) == 1, lookups
