"""A customer asks for a private patch in Chromium: the version choice, its notice, and the
patch staff deliver, downloaded with its SHA-256 shown."""

import hashlib
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from incidents.models import Incident, Stage
from incidents.services.stages import incident_move_stage
from incidents.services.thread import attachment_add
from tests.browser.test_contract_summary import log_in
from tests.conftest import make_tenant
from tests.factories import StaffFactory
from tests.incidents.test_patches import PATCH, make_versions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_asks_for_a_patch_for_a_version_in_limited_support(page: Page, live_server):
    tenant = make_tenant("Patch Bank")
    versions = make_versions(tenant)
    log_in(page, live_server.url, tenant.admin.email)
    page.goto(f"{live_server.url}/incidents/new/")
    page.get_by_label("Title").fill("Scanner crashes on start")
    page.get_by_label("What happened?").fill("Since the last update.")
    page.get_by_label("Kind").select_option("private_patch")
    versions_field = page.get_by_label("Product version (private patch requests)")
    # End of life: shown, not selectable.
    expect(versions_field.locator("option", has_text="10.0")).to_be_disabled()
    versions_field.select_option(str(versions["limited"].pk))
    notice = page.locator("#version-notice")
    expect(notice).to_contain_text("only security fixes are made")
    versions_field.select_option(str(versions["ga"].pk))
    expect(notice).to_have_text("")
    versions_field.select_option(str(versions["limited"].pk))
    expect(notice).to_contain_text("only security fixes are made")
    page.get_by_role("button", name="File incident").click()

    expect(page.locator("#limited-support")).to_contain_text("Endpoint Shield 11.0")
    incident = Incident.objects.get(kind="private_patch")
    engineer = StaffFactory(staff_role="engineer")
    for stage in (Stage.ACCEPTED, Stage.IN_DEVELOPMENT):
        incident_move_stage(incident=incident, actor=engineer, stage=stage)
    patch = attachment_add(
        incident=incident, actor=engineer, upload=SimpleUploadedFile("hotfix.bin", PATCH)
    )
    incident_move_stage(incident=incident, actor=engineer, stage=Stage.DELIVERED, patch=patch)

    page.reload()
    delivered = page.locator("#patch-file")
    expect(delivered).to_contain_text(hashlib.sha256(PATCH).hexdigest())
    with page.expect_download() as download:
        delivered.get_by_role("link", name="hotfix.bin").click()
    assert Path(download.value.path()).read_bytes() == PATCH
    expect(page.locator("#patch-stage")).to_have_text(re.compile("Delivered"))
