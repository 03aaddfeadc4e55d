"""Private patch requests on the pages: the filing form's version choice and notices, the
staff's move control with the patch upload, and what the customer reads."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Incident, PrivatePatch, Stage
from tests.incidents.test_patches import PATCH, make_versions, request_patch

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Scanner crash",
    "description": "Needs a hotfix",
    "severity": 3,
    "kind": "private_patch",
}


@pytest.fixture
def versions(ours):
    return make_versions(ours)


def test_the_form_offers_versions_by_product_with_their_stage(client, ours, versions):
    client.force_login(ours.member)
    page = client.get("/incidents/new/").content.decode()
    assert '<optgroup label="Endpoint Shield">' in page
    assert "11.0 (limited support: security fixes only)" in page
    assert "12.0 (general availability)" in page
    eol = f'<option value="{versions["eol"].pk}" disabled>10.0 (end of life: no longer supported)'
    assert eol in page


def test_the_form_says_what_a_chosen_version_gets(client, ours, versions):
    client.force_login(ours.member)
    limited = client.get(f"/incidents/new/version/?product_version={versions['limited'].pk}")
    assert "only security fixes are made" in limited.content.decode()
    eol = client.get(f"/incidents/new/version/?product_version={versions['eol'].pk}")
    assert "reached end of life" in eol.content.decode()
    assert "12.0" in eol.content.decode()
    ga = client.get(f"/incidents/new/version/?product_version={versions['ga'].pk}")
    assert "security fixes" not in ga.content.decode()
    assert client.get("/incidents/new/version/?product_version=x").status_code == 200


def test_filing_for_a_version_at_end_of_life_is_refused_on_the_page(client, ours, versions):
    client.force_login(ours.member)
    response = client.post("/incidents/new/", {**FORM, "product_version": versions["eol"].pk})
    assert response.status_code == 409
    page = response.content.decode()
    assert 'data-code="version_unsupported"' in page
    assert "12.0" in page
    assert not Incident.objects.filter(kind="private_patch").exists()


def test_filing_for_a_version_in_limited_support_says_so_after_and_on_the_page(
    client, ours, versions
):
    client.force_login(ours.member)
    response = client.post(
        "/incidents/new/", {**FORM, "product_version": versions["limited"].pk}, follow=True
    )
    page = response.content.decode()
    notice = "Endpoint Shield 11.0 is in limited support: only security fixes are made for it."
    assert page.count(notice) >= 2  # the message after filing, and the page's own notice
    assert 'id="limited-support"' in page
    incident = Incident.objects.get(kind="private_patch")
    assert incident.patch_request.limited_support is True


def test_staff_move_the_request_and_deliver_the_patch_the_customer_downloads(
    client, ours, staff, versions
):
    incident = request_patch(ours, versions["ga"])
    client.force_login(staff["engineer"])
    url = f"/incidents/{incident.pk}/stage/"
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'value="accepted"' in page
    assert 'value="declined"' in page

    client.post(url, {"stage": "accepted"})
    client.post(url, {"stage": "in_development"})
    response = client.post(
        url,
        {"stage": "delivered", "patch_file": SimpleUploadedFile("scanner-hotfix.bin", PATCH)},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.stage == Stage.DELIVERED
    patch = PrivatePatch.objects.get(incident=incident).patch
    assert patch.original_name == "scanner-hotfix.bin"
    assert not patch.sample

    client.force_login(ours.member)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert f"SHA-256 {hashlib.sha256(PATCH).hexdigest()}" in page
    assert f"/incidents/{incident.pk}/files/{patch.pk}/" in page
    assert 'id="stage-form"' not in page
    download = client.get(f"/incidents/{incident.pk}/files/{patch.pk}/")
    assert b"".join(download.streaming_content) == PATCH
    # Customers do not move requests.
    another = request_patch(ours, versions["ga"])
    assert client.post(f"/incidents/{another.pk}/stage/", {"stage": "accepted"}).status_code == 403


def test_delivering_without_the_file_is_refused(client, ours, staff, versions):
    incident = request_patch(ours, versions["ga"])
    client.force_login(staff["engineer"])
    url = f"/incidents/{incident.pk}/stage/"
    client.post(url, {"stage": "accepted"})
    client.post(url, {"stage": "in_development"})
    response = client.post(url, {"stage": "delivered"}, follow=True)
    assert "Deliver the patch file with the move" in response.content.decode()
    incident.refresh_from_db()
    assert incident.stage == Stage.IN_DEVELOPMENT


def test_a_declined_request_tells_the_customer_why(client, ours, staff, versions):
    incident = request_patch(ours, versions["ga"])
    client.force_login(staff["engineer"])
    url = f"/incidents/{incident.pk}/stage/"
    response = client.post(url, {"stage": "declined"}, follow=True)
    assert "Say why" in response.content.decode()
    client.post(url, {"stage": "declined", "reason": "Fixed in 12.1, out next week."})
    client.force_login(ours.member)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Fixed in 12.1, out next week." in page
    assert "Declined because" in page
