"""In Chromium: a customer files a false positive with the file, is refused for older
databases, updates the version and files; an analyst moves the request through its
stages; the customer's progress bar follows."""

import re

import pytest
from playwright.sync_api import Page, expect

from incidents.models import Incident, Kind
from tests.browser.test_contract_summary import log_in
from tests.conftest import make_tenant
from tests.incidents.signature_helpers import SHA, analyst, held_product, release
from tests.mfa import give_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_request(page: Page, version: str) -> None:
    page.get_by_label("Antivirus database version in use").fill(version)
    page.get_by_label("File name").fill("invoice.pdf")
    page.get_by_label("SHA-256 of the file").fill(SHA)
    page.get_by_label("Detection name (for a false positive)").fill("Trojan.PDF.Fake")
    page.get_by_label("Attach a file").set_input_files(
        files=[{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}]
    )


def test_a_false_positive_from_filing_to_the_fix(page: Page, live_server):
    tenant = make_tenant("Invoice Bank", tier_code="msa-start")  # no TAM: the analyst informs
    product = held_product(tenant)
    release(product, "2026.11.29.1", ago_hours=5)
    release(product, "2026.11.29.2", ago_hours=1)
    log_in(page, live_server.url, tenant.admin.email)

    page.goto(f"{live_server.url}/incidents/new/")
    fields = page.locator("#signature-fields")
    expect(fields).to_be_hidden()  # shown only for that kind
    page.get_by_label("Kind", exact=True).select_option(label="Signature change request")
    expect(fields).to_be_visible()
    page.get_by_label("Title").fill("Our invoices are quarantined")
    page.get_by_label("What happened?").fill("Every PDF invoice is detected since today.")
    page.get_by_label(re.compile(r"3 Medium —")).check()
    page.get_by_label("Product", exact=True).select_option(label="Endpoint Shield")
    page.get_by_label("False positive (a clean file is detected)").check()
    fill_request(page, "2026.11.29.1")
    page.get_by_role("button", name="File incident").click()

    refusal = page.locator(".error-box")
    expect(refusal).to_contain_text("latest release is 2026.11.29.2")
    assert not Incident.objects.exists()
    expect(page.locator("#signature-fields")).to_be_visible()  # the kind is kept
    fill_request(page, "2026.11.29.2")
    page.get_by_role("button", name="File incident").click()

    expect(page.get_by_role("heading", name=re.compile("Our invoices"))).to_be_visible()
    current = page.locator("#progress [aria-current=step]")
    expect(current).to_have_text(re.compile("^Received"))
    incident = Incident.objects.get(kind=Kind.SIGNATURE_CHANGE)
    assert incident.attachments.get().sample

    person = analyst()
    staff_page = page.context.browser.new_context().new_page()
    log_in(staff_page, live_server.url, person.email, give_totp(person))
    staff_page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    fix = release(product, "2026.11.30.1", expedited=True)
    for stage, extra in (("Analysing", None), ("Fix released", fix), ("Customer informed", None)):
        staff_page.get_by_label("Move to").select_option(label=stage)
        if extra is not None:
            staff_page.get_by_label("Database release with the fix").select_option(label=str(extra))
        staff_page.get_by_role("button", name="Move").click()
        expect(staff_page.locator("#progress [aria-current=step]")).to_have_text(
            re.compile(f"^{stage}")
        )
    expect(staff_page.locator("#stage-form")).to_have_count(0)  # the last stage

    page.reload()
    expect(current).to_have_text(re.compile("^Customer informed"))
    expect(page.locator("#progress .done")).to_have_count(3)
    expect(page.locator("#fixed-in")).to_have_text("2026.11.30.1")
    expect(page.locator("#timeline")).to_contain_text("Fix released → Customer informed")
