"""Signature change requests through the API (TIERS.md, API.md "Security workflows"): filed
on the latest databases only (staff may override, on the timeline), processed by the
signature analysts, informed by the TAM on TAM tiers, the fix told to entitled holders."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import DatabaseRelease
from incidents.models import (
    EventKind,
    Incident,
    IncidentEvent,
    Kind,
    Notification,
    SignatureChange,
    Stage,
)
from incidents.timeline import email_detail, summary
from portal.models import StaffRole
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, StaffFactory
from tests.incidents.signature_helpers import (
    SHA,
    analyst,
    filing_body,
    held_product,
    release,
    signature,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


@pytest.fixture
def product(ours):
    product = held_product(ours)
    release(product, "2026.11.29.1", ago_hours=5)
    release(product, "2026.11.29.2", ago_hours=1)
    return product


def file(api, user, body):
    return api(user).post(URL, body, format="json")


def move(api, user, incident, **body):
    return api(user).patch(f"{URL}{incident.pk}/", body, format="json")


def test_a_customer_files_a_false_positive_on_the_latest_databases(api, ours, product):
    response = file(api, ours.member, filing_body(product))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "signature_change"
    assert body["stage"] == "received"
    assert body["signature"]["sha256"] == SHA.lower()
    assert body["signature"]["detection_name"] == "Trojan.PDF.Fake"
    assert body["signature"]["release"] is None
    row = SignatureChange.objects.get(incident_id=body["id"])
    assert row.verdict == "false_positive"
    assert row.organization_id == ours.organization.pk


def test_older_databases_are_refused_naming_the_version_to_update_to(api, ours, product):
    response = file(api, ours.member, filing_body(product, version="2026.11.29.1"))

    assert response.status_code == 409
    assert response.json()["code"] == "databases_outdated"
    assert "2026.11.29.2" in response.json()["detail"]
    assert not Incident.objects.filter(kind=Kind.SIGNATURE_CHANGE).exists()
    assert not SignatureChange.objects.exists()


def test_a_product_with_no_release_on_record_is_accepted(api, ours):
    product = held_product(ours, name="Mail Gate")

    response = file(api, ours.member, filing_body(product, version="anything"))

    assert response.status_code == 201


def test_a_false_positive_names_its_detection(api, ours, product):
    body = filing_body(product)
    del body["signature"]["detection_name"]
    refused = file(api, ours.member, body)
    body["signature"]["verdict"] = "false_negative"
    accepted = file(api, ours.member, body)

    assert refused.status_code == 400
    assert "detection_name" in refused.json()["signature"]
    assert accepted.status_code == 201


@pytest.mark.parametrize("sha", ["ab" * 31, "zz" * 32, "ab" * 33])
def test_a_sha256_is_64_hex_digits(api, ours, product, sha):
    response = file(api, ours.member, filing_body(product, sha256=sha))

    assert response.status_code == 400
    assert "sha256" in response.json()["signature"]


def test_the_kind_the_file_and_the_product_go_together(api, ours, product):
    body = filing_body(product)
    no_file = {k: v for k, v in body.items() if k != "signature"}
    no_product = {k: v for k, v in body.items() if k != "product"}
    problem = {**body, "kind": "problem"}

    assert "signature" in file(api, ours.member, no_file).json()
    assert "product" in file(api, ours.member, no_product).json()
    assert "signature" in file(api, ours.member, problem).json()
    assert not Incident.objects.exists()


def test_a_customer_cannot_override_the_databases_check(api, ours, product):
    body = filing_body(product, version="2026.11.29.1", override_reason="trust me")

    assert file(api, ours.member, body).status_code == 403


def test_staff_override_the_check_with_a_reason_shown_on_the_timeline(
    api, ours, product, provider_admin
):
    body = {
        **filing_body(product, version="2026.11.29.1"),
        "organization": ours.organization.pk,
    }
    refused = file(api, provider_admin, body)
    body["signature"]["override_reason"] = "Their gateway cannot update before Monday."
    accepted = file(api, provider_admin, body)

    assert refused.status_code == 409
    assert "override" in refused.json()["detail"]
    assert accepted.status_code == 201
    incident = Incident.objects.get(pk=accepted.json()["id"])
    assert incident.signature.override_reason.startswith("Their gateway")
    events = api(ours.member).get(f"{URL}{incident.pk}/events/").json()["results"]
    (overridden,) = [e for e in events if e["kind"] == "check_overridden"]
    assert overridden["data"]["database_version"] == "2026.11.29.1"
    event = IncidentEvent.objects.get(pk=overridden["id"])
    assert "2026.11.29.1" in summary(event)
    assert "Monday" in summary(event)


def test_a_tier_without_signature_changes_is_refused(api, product):
    silver = make_tenant("Silver Co", tier_code="av-silver")
    silver.contract.renewal_valid_until = silver.contract.ends_on
    silver.contract.save(update_fields=["renewal_valid_until"])
    product_held = held_product(silver, name="Scan Engine")

    response = file(api, silver.member, filing_body(product_held))

    assert response.status_code == 409
    assert response.json()["code"] == "not_entitled"


@pytest.fixture
def request_(ours, product):
    return IncidentFactory(
        actor=ours.member, kind=Kind.SIGNATURE_CHANGE, product=product, signature=signature()
    )


def test_only_the_signature_analysts_take_a_request_and_it_becomes_theirs(api, staff, request_):
    Incident.objects.filter(pk=request_.pk).update(assignee=None)
    person = analyst()

    outsider = move(api, staff["engineer"], request_, stage="analysing")
    taken = move(api, person, request_, stage="analysing")

    assert outsider.status_code == 403
    assert "analysts" in outsider.json()["detail"]
    assert taken.status_code == 200
    assert taken.json()["assignee"] == person.pk


def test_an_assigned_request_keeps_its_owner_when_analysed(api, staff, request_):
    Incident.objects.filter(pk=request_.pk).update(assignee=staff["engineer"])

    move(api, analyst(), request_, stage="analysing")

    assert Incident.objects.get(pk=request_.pk).assignee == staff["engineer"]


def test_on_a_tam_tier_the_tam_informs_the_customer(api, ours, product, request_):
    tam = StaffFactory(staff_role=StaffRole.TAM)
    ours.contract.tam = tam
    ours.contract.save(update_fields=["tam"])
    person = analyst()
    move(api, person, request_, stage="analysing")
    move(api, person, request_, stage="released", release=release(product, "2026.11.30.1").pk)

    by_analyst = move(api, person, request_, stage="informed")
    by_tam = move(api, tam, request_, stage="informed")

    assert by_analyst.status_code == 403
    assert "TAM" in by_analyst.json()["detail"]
    assert by_tam.status_code == 200
    assert by_tam.json()["stage"] == "informed"


def test_without_a_tam_the_analyst_informs_the_customer(api, product):
    start = make_tenant("Start Co", tier_code="msa-start")
    start.contract.products.add(product)
    incident = IncidentFactory(
        actor=start.member, kind=Kind.SIGNATURE_CHANGE, product=product, signature=signature()
    )
    person = analyst()
    move(api, person, incident, stage="analysing")
    move(api, person, incident, stage="released", release=release(product, "2026.11.30.1").pk)

    assert move(api, StaffFactory(), incident, stage="informed").status_code == 403
    assert move(api, person, incident, stage="informed").status_code == 200


def test_the_fix_is_a_release_newer_than_the_databases_reported(api, product, request_):
    person = analyst()
    move(api, person, request_, stage="analysing")
    in_use = DatabaseRelease.objects.get(product=product, version="2026.11.29.2")

    response = move(api, person, request_, stage="released", release=in_use.pk)

    assert response.status_code == 400
    assert "not newer" in " ".join(response.json()["release"])
    assert Incident.objects.get(pk=request_.pk).stage == "analysing"


def test_an_expedited_release_names_the_request_it_fixed(api, product, request_):
    person = analyst()
    fix = release(product, "2026.11.30.1", expedited=True)
    move(api, person, request_, stage="analysing")

    response = move(api, person, request_, stage="released", release=fix.pk)

    assert response.status_code == 200
    assert response.json()["signature"]["release"] == fix.pk
    fix.refresh_from_db()
    assert fix.request_id == request_.pk
    event = IncidentEvent.objects.filter(kind=EventKind.STAGE_CHANGED).last()
    assert "2026.11.30.1" in summary(event)
    assert "Fix released" in email_detail(event)


def test_not_confirmed_keeps_the_analysis_for_the_customer(api, request_):
    person = analyst()
    move(api, person, request_, stage="analysing")

    move(api, person, request_, stage="not_confirmed", reason="The file drops Emotet.")

    assert Incident.objects.get(pk=request_.pk).stage == Stage.NOT_CONFIRMED
    assert SignatureChange.objects.get(incident=request_).analysis == "The file drops Emotet."


def test_a_released_fix_reaches_exactly_the_entitled_holders_once(api, ours, product, request_):
    holder = make_tenant("Holder Ltd", tier_code="msa-start")  # entitled, holds it
    holder.contract.products.add(product)
    make_tenant("Other Product Ltd", tier_code="msa-start")  # entitled, holds nothing
    silver = make_tenant("Silver Ltd", tier_code="av-silver")  # holds it, not entitled
    silver.contract.products.add(product)
    person = analyst()
    fix = release(product, "2026.11.30.1", expedited=True)
    move(api, person, request_, stage="analysing")
    move(api, person, request_, stage="released", release=fix.pk)
    # A second request fixed by the same release tells nobody again.
    again = IncidentFactory(
        actor=ours.admin,
        kind=Kind.SIGNATURE_CHANGE,
        product=product,
        signature=signature(version="2026.11.30.1"),
    )
    move(api, person, again, stage="analysing")
    move(api, person, again, stage="released", release=fix.pk)

    rows = Notification.objects.filter(topic=f"fix:{fix.pk}")
    told = sorted(rows.values_list("recipient", flat=True))
    expected = [ours.admin.email, ours.member.email, holder.admin.email, holder.member.email]
    assert told == sorted(expected)
    for row in rows:
        assert "2026.11.30.1" in row.body
        assert request_.number not in row.body + row.subject
        assert request_.title not in row.body + row.subject


def test_another_tenant_never_sees_the_request(api, theirs, request_):
    assert api(theirs.admin).get(f"{URL}{request_.pk}/").status_code == 404
    listed = api(theirs.admin).get(URL).json()["results"]
    assert request_.pk not in [row["id"] for row in listed]


def file_requests(tenant, product, n: int) -> None:
    for _ in range(n):
        IncidentFactory(
            actor=tenant.member,
            kind=Kind.SIGNATURE_CHANGE,
            product=product,
            signature=signature(),
        )


@pytest.mark.parametrize("url", [URL, "/incidents/"])
def test_lists_of_requests_do_not_grow_with_rows(api, client, ours, product, url):
    """The API list shows each request's signature and stages; neither costs a query a row."""
    client.force_login(ours.admin)
    caller = api(ours.admin) if url == URL else client
    file_requests(ours, product, 2)
    with CaptureQueriesContext(connection) as few:
        assert caller.get(url).status_code == 200
    file_requests(ours, product, 4)
    with CaptureQueriesContext(connection) as more:
        response = caller.get(url)
    assert response.status_code == 200
    assert len(more) == len(few)
    if url == URL:
        assert all(row["signature"]["sha256"] for row in response.json()["results"])
