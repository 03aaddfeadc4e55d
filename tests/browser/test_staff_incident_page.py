"""An engineer on the incident page in Chromium: a note cannot count as a response, and
the close reason appears with "Close" only (static/js/portal.js, <details>: no inline JS)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_contract_summary import log_in
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, StaffFactory
from tests.mfa import give_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_internal_note_disables_qualified_and_close_reveals_its_reason(page: Page, live_server):
    tenant = make_tenant("Note Bank")
    engineer = StaffFactory(staff_role="engineer")
    incident = IncidentFactory(actor=tenant.admin, title="Proxy down")
    log_in(page, live_server.url, engineer.email, give_totp(engineer))
    page.goto(f"{live_server.url}/incidents/{incident.pk}/")

    qualified = page.get_by_label("Counts as a qualified response")
    expect(qualified).to_be_enabled()
    page.get_by_label("Internal note (staff only)").check()
    expect(qualified).to_be_disabled()
    page.get_by_label("Internal note (staff only)").uncheck()
    expect(qualified).to_be_enabled()

    reason = page.get_by_label("Reason")
    expect(reason).to_be_hidden()
    page.get_by_text("Close…").click()
    expect(reason).to_be_visible()
    page.get_by_label("Reason").select_option("duplicate")
    page.get_by_role("button", name="Close the incident").click()
    expect(page.locator("#status")).to_have_text("Closed")
    incident.refresh_from_db()
    assert incident.close_reason == "duplicate"


def test_choosing_the_organisation_offers_its_contracts_and_contacts(page: Page, live_server):
    first = make_tenant("Alpha Bank")
    second = make_tenant("Beta Bank")
    engineer = StaffFactory(staff_role="engineer")
    log_in(page, live_server.url, engineer.email, give_totp(engineer))
    page.goto(f"{live_server.url}/incidents/new/")
    expect(page).to_have_title("Log an incident for a customer · Support Portal")

    page.get_by_label("Organisation").select_option(label="Beta Bank")
    contract = page.locator("select[name=contract] option")
    expect(contract).to_have_count(1)
    expect(contract).to_have_attribute("value", str(second.contract.pk))
    callers = page.locator("select[name=caller] option")
    expect(callers).to_have_count(3)  # "someone not in the list" and the two contacts
    expect(page.locator("#received-at-label")).to_have_text(
        "Received at (their time, Europe/Madrid)"
    )
    expect(
        page.locator(f"select[name=contract] option[value='{first.contract.pk}']")
    ).to_have_count(0)
