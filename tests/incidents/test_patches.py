"""Private patch requests: the product version they name (end of life refused, limited
support accepted with a notice), their stages, and the delivered patch's download."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.catalogue_models import ProductVersion
from contracts.models import Product
from incidents.models import EventKind, Incident, PrivatePatch, Stage
from incidents.services.stages import incident_move_stage
from incidents.services.thread import attachment_add
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
PATCH = b"\x7fELF a hotfix for the scanner"


def ask(api, user, version, **extra):
    return api(user).post(
        "/api/v1/incidents/",
        {
            "title": "Scanner crash on start",
            "description": "Needs a hotfix",
            "severity": 3,
            "kind": "private_patch",
            "product_version": version.pk,
            **extra,
        },
        format="json",
    )


@pytest.fixture
def versions(ours, theirs):
    return make_versions(ours, theirs)


def make_versions(*tenants):
    product = Product.objects.create(name="Endpoint Shield")
    for tenant in tenants:
        tenant.contract.products.add(product)
    year = datetime.timedelta(days=365)
    return {
        "ga": ProductVersion.objects.create(product=product, version="12.0", ga_on=TODAY - year),
        "limited": ProductVersion.objects.create(
            product=product, version="11.0", ga_on=TODAY - 3 * year, limited_on=TODAY - year
        ),
        "eol": ProductVersion.objects.create(
            product=product,
            version="10.0",
            ga_on=TODAY - 5 * year,
            limited_on=TODAY - 3 * year,
            eol_on=TODAY - year,
        ),
    }


def request_patch(tenant, version) -> Incident:
    return IncidentFactory(
        actor=tenant.member, kind="private_patch", product_version=version, severity=3
    )


def test_a_request_names_a_supported_version_and_takes_its_product(api, ours, versions):
    response = ask(api, ours.member, versions["ga"])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["product_version"] == versions["ga"].pk
    assert body["product"] == versions["ga"].product_id
    assert body["patch"] is None
    assert body["patch_request"]["limited_support"] is False
    incident = Incident.objects.get(pk=body["id"])
    assert incident.stage == Stage.REQUESTED
    assert incident.patch_request.product_version == versions["ga"]


def test_a_version_at_end_of_life_is_refused_naming_the_supported_ones(api, ours, versions):
    response = ask(api, ours.member, versions["eol"])
    assert response.status_code == 409
    assert response.json()["code"] == "version_unsupported"
    assert "12.0" in response.json()["detail"]
    assert "11.0" in response.json()["detail"]
    assert not Incident.objects.filter(kind="private_patch").exists()


def test_a_version_in_limited_support_is_accepted_with_a_notice(api, ours, versions):
    response = ask(api, ours.member, versions["limited"])
    assert response.status_code == 201
    assert response.json()["patch_request"]["limited_support"] is True
    incident = Incident.objects.get(pk=response.json()["id"])
    notice = "Endpoint Shield 11.0 is in limited support: only security fixes are made for it."
    assert notice in incident.entries.get().body  # the acknowledgement (and confirmation)


def test_a_request_without_a_version_or_with_another_products_is_a_400(api, ours, versions):
    missing = api(ours.member).post(
        "/api/v1/incidents/",
        {"title": "t", "description": "d", "severity": 3, "kind": "private_patch"},
        format="json",
    )
    assert missing.status_code == 400
    assert "product_version" in missing.json()
    other = Product.objects.create(name="Mail Shield")
    ours.contract.products.add(other)
    mismatch = ask(api, ours.member, versions["ga"], product=other.pk)
    assert mismatch.status_code == 400
    assert "product_version" in mismatch.json()


def test_a_version_of_a_product_not_held_is_refused_on_the_version(api, ours, versions):
    unheld = Product.objects.create(name="Gateway Shield")
    version = ProductVersion.objects.create(product=unheld, version="3.0", ga_on=TODAY)
    response = ask(api, ours.member, version)
    assert response.status_code == 400
    message = " ".join(response.json()["product_version"])
    assert "Gateway Shield" in message
    assert "Endpoint Shield" in message  # what is held
    assert "product" not in response.json()


def test_another_kind_names_no_version(api, ours, versions):
    response = ask(api, ours.member, versions["ga"], kind="problem")
    assert response.status_code == 400
    assert "product_version" in response.json()


# -- stages -----------------------------------------------------------------------------------


def move(incident, actor, stage, **extra):
    return incident_move_stage(incident=incident, actor=actor, stage=stage, **extra)


def test_declining_needs_a_reason_the_customer_reads(ours, staff, versions):
    incident = request_patch(ours, versions["ga"])
    with pytest.raises(ValidationError) as refused:
        move(incident, staff["engineer"], Stage.DECLINED)
    assert "reason" in refused.value.message_dict
    move(incident, staff["engineer"], Stage.DECLINED, reason="Fixed in 12.1, out next week.")
    assert PrivatePatch.objects.get(incident=incident).decline_reason.startswith("Fixed in 12.1")


def test_an_impossible_move_names_the_allowed_stages(ours, staff, versions):
    incident = request_patch(ours, versions["ga"])
    with pytest.raises(ValidationError) as refused:
        move(incident, staff["engineer"], Stage.DELIVERED)
    (message,) = refused.value.message_dict["stage"]
    assert "accepted" in message
    assert "declined" in message


def deliver(incident, staff, content=PATCH):
    move(incident, staff["engineer"], Stage.ACCEPTED)
    move(incident, staff["engineer"], Stage.IN_DEVELOPMENT)
    patch = attachment_add(
        incident=incident,
        actor=staff["engineer"],
        upload=SimpleUploadedFile("scanner-hotfix.bin", content),
    )
    move(incident, staff["engineer"], Stage.DELIVERED, patch=patch)
    return patch


def test_the_customer_downloads_the_delivered_patch(api, ours, theirs, staff, versions):
    incident = request_patch(ours, versions["ga"])
    patch = deliver(incident, staff)
    body = api(ours.member).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert body["patch"] == patch.pk
    delivered = body["patch_request"]["file"]
    assert delivered["sha256"] == hashlib.sha256(PATCH).hexdigest()
    download = api(ours.member).get(delivered["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PATCH
    # Another tenant's customer finds nothing there.
    assert api(theirs.admin).get(delivered["download_url"]).status_code == 404
    assert EventKind.STAGE_CHANGED in incident.events.values_list("kind", flat=True)


def test_a_sample_is_no_patch(ours, staff, versions):
    incident = request_patch(ours, versions["ga"])
    move(incident, staff["engineer"], Stage.ACCEPTED)
    move(incident, staff["engineer"], Stage.IN_DEVELOPMENT)
    sample = attachment_add(
        incident=incident,
        actor=staff["engineer"],
        upload=SimpleUploadedFile("x.exe", b"MZ"),
        sample=True,
    )
    with pytest.raises(ValidationError) as refused:
        move(incident, staff["engineer"], Stage.DELIVERED, patch=sample)
    assert "patch" in refused.value.message_dict


def test_the_incident_list_reads_patch_requests_without_a_query_per_incident(
    client, ours, staff, versions
):
    delivered = request_patch(ours, versions["ga"])
    deliver(delivered, staff)
    client.force_login(ours.member)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/incidents/").status_code == 200
    for _ in range(3):
        deliver(request_patch(ours, versions["limited"]), staff)
    with CaptureQueriesContext(connection) as more:
        response = client.get("/api/v1/incidents/")
    assert len(more) == len(few)
    assert [r["patch"] is not None for r in response.json()["results"]] == [True] * 4


# -- the stages through the API ---------------------------------------------------------------


def patch_stage(api, user, incident, **body):
    return api(user).patch(f"/api/v1/incidents/{incident.pk}/", body, format="json")


def test_staff_move_a_request_through_the_api_to_delivery(api, ours, staff, versions):
    incident = request_patch(ours, versions["ga"])
    engineer = staff["engineer"]
    impossible = patch_stage(api, engineer, incident, stage="in_development")
    assert impossible.status_code == 400
    assert "Accepted (accepted), Declined (declined)" in impossible.json()["stage"][0]
    assert patch_stage(api, ours.admin, incident, stage="accepted").status_code == 403
    assert patch_stage(api, engineer, incident, stage="accepted").status_code == 200
    assert patch_stage(api, engineer, incident, stage="in_development").status_code == 200
    upload = api(engineer).post(
        f"/api/v1/incidents/{incident.pk}/attachments/",
        {"file": SimpleUploadedFile("hotfix.bin", PATCH), "sample": "false"},
        format="multipart",
    )
    patch_id = upload.json()["id"]
    response = patch_stage(api, engineer, incident, stage="delivered", patch=patch_id)
    assert response.status_code == 200, response.json()
    assert response.json()["patch"] == patch_id
    assert response.json()["stage"] == "delivered"
    customer = api(ours.member).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert customer["patch_request"]["file"]["sha256"] == hashlib.sha256(PATCH).hexdigest()
    assert customer["patch_request"]["delivered_at"] is not None


def test_declining_through_the_api_needs_a_reason(api, ours, staff, versions):
    incident = request_patch(ours, versions["ga"])
    refused = patch_stage(api, staff["engineer"], incident, stage="declined")
    assert refused.status_code == 400
    assert "reason" in refused.json()
    declined = patch_stage(
        api, staff["engineer"], incident, stage="declined", reason="Fixed in 12.1 next week."
    )
    assert declined.status_code == 200
    body = api(ours.member).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert body["patch_request"]["decline_reason"] == "Fixed in 12.1 next week."
