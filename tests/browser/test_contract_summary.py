"""Customers in a real browser: the contract summary, and contacts added in place."""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import make_tenant
from tests.factories import PASSWORD
from tests.mfa import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base_url: str, email: str, totp_secret: str | None = None) -> None:
    """The login form; then, for someone with an authenticator app, its code."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    if totp_secret is not None:
        page.get_by_label("Code").fill(totp_code(totp_secret))
        page.get_by_role("button", name="Sign In").click()


def test_customer_sees_contract_summary(page: Page, live_server):
    tenant = make_tenant("Browser Bank")
    log_in(page, live_server.url, tenant.member.email)

    expect(page.get_by_role("heading", name="Browser Bank")).to_be_visible()
    summary = page.locator(f"#contract-{tenant.contract.pk}")
    expect(summary).to_contain_text("MSA Enterprise")
    expect(summary).to_contain_text("active")
    expect(summary).to_contain_text("Severity 1 (Critical): 30 minutes")
    expect(summary).to_contain_text("Severity 3 (Medium): 6 working hours")
    expect(summary).to_contain_text("Health checks: 0 used, 1 of 1 left per contract year")
    expect(summary).to_contain_text(tenant.contract.ends_on.strftime("%-d %b %Y"))
    # A member sees the contacts but cannot manage them.
    expect(page.locator("#contacts")).to_contain_text(tenant.admin.email)
    expect(page.get_by_role("button", name="Add and invite")).to_have_count(0)


def test_customer_admin_adds_a_contact_in_place(page: Page, live_server):
    tenant = make_tenant("Htmx Holdings")
    log_in(page, live_server.url, tenant.admin.email)
    contacts = page.locator("#contacts")
    expect(contacts).to_contain_text(tenant.member.email)

    page.get_by_label("E-mail").fill("new.contact@example.test")
    page.get_by_label("Name").fill("New Contact")
    with page.expect_response(lambda r: "/contacts/" in r.url) as response:
        page.get_by_role("button", name="Add and invite").click()
    assert response.value.request.headers.get("hx-request") == "true"
    expect(contacts).to_contain_text("new.contact@example.test")
    expect(contacts).to_contain_text("3")
