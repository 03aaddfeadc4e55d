"""Malware alerts in a real browser: staff write and publish one; the customer's banner
shows it until they mark it read (in place, htmx), and then it is gone for good."""

import pytest
from playwright.sync_api import Page, expect

from portal.models import StaffRole
from tests.browser.test_contract_summary import log_in
from tests.factories import StaffFactory
from tests.incidents.alert_helpers import holder, product
from tests.mfa import give_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_publish_and_the_customer_reads_it_from_the_banner(page: Page, live_server):
    shield = product("Browser Shield")
    tenant = holder("Banner Bank", shield)
    engineer = StaffFactory(staff_role=StaffRole.ENGINEER)

    log_in(page, live_server.url, engineer.email, give_totp(engineer))
    page.goto(f"{live_server.url}/alerts/new/")
    page.get_by_label("Title").fill("Wiper in the wild")
    page.get_by_label("Severity").select_option("1")
    page.get_by_label("Affected products").select_option(label="Browser Shield")
    page.get_by_label("What is happening").fill("A **wiper** spreads <script>bad()</script>")
    page.get_by_label("Prevention advice").fill("Patch now.")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator("#alert-body strong")).to_have_text("wiper")
    page.get_by_role("button", name="Publish and send").click()
    expect(page.locator(".messages")).to_contain_text("sent to 2 people in 1 organisations")
    page.context.clear_cookies()

    log_in(page, live_server.url, tenant.member.email)
    banner = page.locator("#alert-banner")
    expect(banner).to_contain_text("Wiper in the wild")
    with page.expect_response(lambda r: "/read/" in r.url) as response:
        banner.get_by_role("button", name="Mark read").click()
    assert response.value.request.headers.get("hx-request") == "true"
    expect(banner.get_by_role("link", name="Wiper in the wild")).to_have_count(0)
    page.reload()
    expect(page.locator("#alert-banner")).to_have_count(0)
    page.goto(f"{live_server.url}/alerts/")
    expect(page.locator("#alerts")).to_contain_text("Wiper in the wild")
    expect(page.locator("#alerts")).to_contain_text("Read")
