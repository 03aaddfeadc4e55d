"""Signature change requests on the pages: the filing form's fields, the refusal for older
databases, the progress bar, and staff's control moving the request."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Incident, Kind, Stage
from incidents.services.stages import incident_move_stage
from tests.factories import IncidentFactory
from tests.incidents.signature_helpers import SHA, analyst, held_product, release, signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(ours):
    product = held_product(ours)
    release(product, "2026.11.29.1", ago_hours=5)
    release(product, "2026.11.29.2", ago_hours=1)
    return product


def form(product, version="2026.11.29.2", **extra):
    return {
        "title": "Invoices quarantined",
        "description": "Every PDF invoice is detected.",
        "severity": 3,
        "kind": Kind.SIGNATURE_CHANGE,
        "product": product.pk,
        "verdict": "false_positive",
        "database_version": version,
        "file_name": "invoice.pdf",
        "sha256": SHA,
        "detection_name": "Trojan.PDF.Fake",
        **extra,
    }


def test_the_filing_form_has_the_signature_fields_shown_for_that_kind(client, ours, product):
    client.force_login(ours.member)

    page = client.get("/incidents/new/").content.decode()

    assert 'data-shown-when="kind=signature_change"' in page
    for name in ("verdict", "database_version", "file_name", "sha256", "detection_name"):
        assert f'name="{name}"' in page
    assert 'name="override_reason"' not in page  # staff only


def test_a_customer_files_with_the_file_kept_as_a_sample(client, ours, product):
    client.force_login(ours.member)
    upload = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 fake")

    response = client.post("/incidents/new/", {**form(product), "file": upload})

    incident = Incident.objects.get(kind=Kind.SIGNATURE_CHANGE)
    assert response.status_code == 302
    assert incident.signature.sha256 == SHA.lower()
    assert incident.attachments.get().sample is True


def test_older_databases_are_refused_on_the_page_naming_the_latest(client, ours, product):
    client.force_login(ours.member)

    response = client.post("/incidents/new/", form(product, version="2026.11.29.1"))

    assert response.status_code == 409
    page = response.content.decode()
    assert 'data-code="databases_outdated"' in page
    assert "2026.11.29.2" in page
    assert not Incident.objects.exists()


def test_missing_signature_fields_are_named(client, ours, product):
    client.force_login(ours.member)

    response = client.post("/incidents/new/", form(product, sha256="", file_name=""))

    assert response.status_code == 400
    assert response.context["form"].errors.keys() >= {"sha256", "file_name"}


def test_staff_override_on_the_page(client, ours, product, staff):
    client.force_login(staff["engineer"])
    body = form(
        product,
        version="2026.11.29.1",
        organization=ours.organization.pk,
        contract=ours.contract.pk,
        caller=ours.member.pk,
        channel="phone",
        override_reason="Offline site, updates on Monday.",
    )

    response = client.post("/incidents/new/", body)

    assert response.status_code == 302
    assert Incident.objects.get().signature.override_reason.startswith("Offline")


@pytest.fixture
def request_(ours, product):
    return IncidentFactory(
        actor=ours.member, kind=Kind.SIGNATURE_CHANGE, product=product, signature=signature()
    )


def test_the_customer_sees_the_progress_bar_and_no_control(client, ours, request_):
    client.force_login(ours.member)

    page = client.get(f"/incidents/{request_.pk}/").content.decode()

    assert 'id="progress"' in page
    assert 'aria-current="step"' in page
    assert 'id="stage-form"' not in page
    assert "Trojan.PDF.Fake" in page


def test_staff_move_the_request_on_the_page(client, product, request_):
    person = analyst()
    client.force_login(person)
    page = client.get(f"/incidents/{request_.pk}/").content.decode()
    assert 'id="stage-form"' in page

    client.post(f"/incidents/{request_.pk}/stage/", {"stage": "analysing"})
    fix = release(product, "2026.11.30.1")
    client.post(f"/incidents/{request_.pk}/stage/", {"stage": "released", "release": fix.pk})

    incident = Incident.objects.get(pk=request_.pk)
    assert incident.stage == Stage.RELEASED
    page = client.get(f"/incidents/{request_.pk}/").content.decode()
    assert "2026.11.30.1" in page
    assert "Fix released" in page


def test_a_refused_move_on_the_page_says_why(client, request_):
    client.force_login(analyst())

    response = client.post(f"/incidents/{request_.pk}/stage/", {"stage": "released"})

    assert response.status_code == 302
    assert Incident.objects.get(pk=request_.pk).stage == Stage.RECEIVED


def test_staff_outside_the_analysts_are_refused(client, staff, request_):
    client.force_login(staff["engineer"])

    response = client.post(f"/incidents/{request_.pk}/stage/", {"stage": "analysing"})

    assert response.status_code == 403
    assert Incident.objects.get(pk=request_.pk).stage == Stage.RECEIVED


def test_a_customer_cannot_move_the_stage(client, ours, request_):
    client.force_login(ours.admin)

    response = client.post(f"/incidents/{request_.pk}/stage/", {"stage": "analysing"})

    assert response.status_code == 403


def test_the_customer_reads_why_the_detection_was_right(client, ours, request_):
    person = analyst()
    incident_move_stage(incident=request_, actor=person, stage=Stage.ANALYSING)
    incident_move_stage(
        incident=request_,
        actor=person,
        stage=Stage.NOT_CONFIRMED,
        reason="The file carries a macro dropper.",
    )
    client.force_login(ours.member)

    page = client.get(f"/incidents/{request_.pk}/").content.decode()

    assert "The file carries a macro dropper." in page
    assert 'aria-current="step">Not confirmed' in page
    assert "Analysing → Not confirmed" in page  # the timeline says it in words
