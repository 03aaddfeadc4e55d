"""Staff move a request workflow through the API's PATCH (API.md, Security workflows):
one allowed step at a time, with what each stage needs; anything else is refused."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contracts.models import DatabaseRelease, Product, ProductVersion
from incidents.models import (
    EventKind,
    Incident,
    IncidentEvent,
    Kind,
    Notification,
    PrivatePatch,
    Stage,
)
from incidents.services import attachment_add
from tests.factories import IncidentFactory
from tests.incidents.signature_helpers import signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(ours):
    product = Product.objects.create(name="Endpoint Shield")
    ours.contract.products.add(product)
    return product


@pytest.fixture
def request_(ours, product):
    return IncidentFactory(
        actor=ours.admin, kind=Kind.SIGNATURE_CHANGE, product=product, signature=signature()
    )


def release_of(product, version="2026.11.29.1"):
    return DatabaseRelease.objects.create(
        product=product, version=version, released_at=timezone.now()
    )


def patch(api, user, incident, body):
    return api(user).patch(f"/api/v1/incidents/{incident.pk}/", body, format="json")


def test_staff_move_a_signature_change_one_step(api, staff, ours, request_):
    response = patch(api, staff["admin"], request_, {"stage": "analysing"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["stage"] == "analysing"
    assert [(s["stage"], s["state"]) for s in body["stages"]] == [
        ("received", "done"),
        ("analysing", "current"),
        ("released", "todo"),
        ("informed", "todo"),
    ]
    event = IncidentEvent.objects.get(incident=request_, kind=EventKind.STAGE_CHANGED)
    assert event.data["from"] == "received"
    assert event.data["to"] == "analysing"
    told = Notification.objects.filter(event=event).values_list("recipient", flat=True)
    assert ours.admin.email in told


def test_an_impossible_move_is_a_400_naming_the_stages_allowed_next(api, staff, request_):
    response = patch(api, staff["admin"], request_, {"stage": "informed"})

    assert response.status_code == 400
    message = response.json()["stage"][0]
    assert "analysing" in message
    assert Incident.objects.get(pk=request_.pk).stage == Stage.RECEIVED


def test_a_customer_sending_a_stage_is_refused_with_403(api, ours, request_):
    response = patch(api, ours.admin, request_, {"stage": "analysing"})

    assert response.status_code == 403
    assert Incident.objects.get(pk=request_.pk).stage == Stage.RECEIVED


def test_a_kind_without_stages_refuses_a_move(api, staff, ours):
    incident = IncidentFactory(actor=ours.admin)

    response = patch(api, staff["admin"], incident, {"stage": "analysing"})

    assert response.status_code == 400
    assert "stage" in response.json()


def test_incidents_without_stages_show_none(api, ours):
    incident = IncidentFactory(actor=ours.admin)

    body = api(ours.admin).get(f"/api/v1/incidents/{incident.pk}/").json()

    assert body["stage"] is None
    assert body["stages"] == []


def test_released_names_the_release_of_the_request_s_product(api, staff, request_, product):
    patch(api, staff["admin"], request_, {"stage": "analysing"})
    other = release_of(Product.objects.create(name="Mail Gate"))

    missing = patch(api, staff["admin"], request_, {"stage": "released"})
    foreign = patch(api, staff["admin"], request_, {"stage": "released", "release": other.pk})
    right = release_of(product, "2026.11.30.1")
    done = patch(api, staff["admin"], request_, {"stage": "released", "release": right.pk})

    assert missing.status_code == 400
    assert "release" in missing.json()
    assert foreign.status_code == 400
    assert "release" in foreign.json()
    assert done.status_code == 200
    event = IncidentEvent.objects.filter(incident=request_, kind=EventKind.STAGE_CHANGED).last()
    assert event.data["release"] == right.pk


def test_a_release_with_another_stage_is_refused_not_dropped(api, staff, request_, product):
    response = patch(
        api, staff["admin"], request_, {"stage": "analysing", "release": release_of(product).pk}
    )

    assert response.status_code == 400
    assert "release" in response.json()
    assert Incident.objects.get(pk=request_.pk).stage == Stage.RECEIVED


def test_not_confirmed_needs_a_reason_the_customer_reads(api, staff, request_):
    patch(api, staff["admin"], request_, {"stage": "analysing"})

    bare = patch(api, staff["admin"], request_, {"stage": "not_confirmed"})
    told = patch(
        api,
        staff["admin"],
        request_,
        {"stage": "not_confirmed", "reason": "The file drops a known trojan."},
    )

    assert bare.status_code == 400
    assert "reason" in bare.json()
    assert told.status_code == 200
    assert told.json()["stage"] == "not_confirmed"


def test_status_and_stage_are_changed_in_separate_requests(api, staff, request_):
    response = patch(api, staff["admin"], request_, {"stage": "analysing", "status": "open"})

    assert response.status_code == 400
    assert "stage" in response.json()
    assert Incident.objects.get(pk=request_.pk).status == "new"


def test_a_reason_alone_is_refused_not_dropped(api, staff, request_):
    response = patch(api, staff["admin"], request_, {"reason": "because"})

    assert response.status_code == 400
    assert "reason" in response.json()


def test_a_close_reason_still_closes(api, staff, request_):
    response = patch(api, staff["admin"], request_, {"status": "closed", "reason": "duplicate"})

    assert response.status_code == 200
    assert response.json()["close_reason"] == "duplicate"


@pytest.fixture
def patch_request(ours, product):
    version = ProductVersion.objects.create(
        product=product, version="12.0", ga_on=datetime.date(2025, 1, 1)
    )
    # Filing a private patch records its version beside it (incidents.services.patches).
    return IncidentFactory(actor=ours.admin, kind=Kind.PRIVATE_PATCH, product_version=version)


def test_delivered_names_a_patch_file_of_the_request(api, staff, ours, patch_request):
    admin = staff["admin"]
    patch(api, admin, patch_request, {"stage": "accepted"})
    patch(api, admin, patch_request, {"stage": "in_development"})
    elsewhere = IncidentFactory(actor=ours.admin)
    stray = attachment_add(
        incident=elsewhere, actor=admin, upload=SimpleUploadedFile("p.bin", b"x"), sample=False
    )
    file = attachment_add(
        incident=patch_request,
        actor=admin,
        upload=SimpleUploadedFile("hotfix.bin", b"fix"),
        sample=False,
    )

    wrong = patch(api, admin, patch_request, {"stage": "delivered", "patch": stray.pk})
    right = patch(api, admin, patch_request, {"stage": "delivered", "patch": file.pk})

    assert wrong.status_code == 400
    assert "patch" in wrong.json()
    assert right.status_code == 200, right.json()
    assert PrivatePatch.objects.get(incident=patch_request).patch_id == file.pk


def test_declined_records_the_reason(api, staff, patch_request):
    response = patch(
        api,
        staff["admin"],
        patch_request,
        {"stage": "declined", "reason": "Not feasible on commercially reasonable efforts."},
    )

    assert response.status_code == 200
    assert PrivatePatch.objects.get(incident=patch_request).decline_reason.startswith("Not")
