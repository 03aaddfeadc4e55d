"""The portal on a phone (375 px wide) in Chromium: no page is wider than the screen, for
each role's main pages; the navigation folds behind a Menu button; text typed as one endless
word wraps instead of widening the incident page."""

import re

import pytest
from playwright.sync_api import Page, expect

from portal.models import StaffRole
from tests.browser.test_contract_summary import log_in
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, StaffFactory
from tests.mfa import give_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
ENDLESS_WORD = "W" * 10_000
# The elements reaching past the screen's right edge, to name them when a page is too wide.
WIDEST = """[...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(0, 5).map(e => e.tagName + "." + e.className + " " + e.getBoundingClientRect().right)"""


def fits(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{url} is {width} px wide: {page.evaluate(WIDEST)}"


def test_a_customer_admins_pages_fit_a_phone(page: Page, live_server):
    page.set_viewport_size(PHONE)
    base = live_server.url
    tenant = make_tenant("Pocket Bank")
    incident = IncidentFactory(
        actor=tenant.admin, title="T" * 200, description=ENDLESS_WORD, severity=1
    )

    fits(page, f"{base}/accounts/login/")
    log_in(page, base, tenant.admin.email)
    expect(page.get_by_role("heading", name="Pocket Bank")).to_be_visible()
    # The navigation is folded away until the Menu button opens it.
    contracts_link = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Contracts"
    )
    expect(contracts_link).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(contracts_link).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    for path in (
        f"/organizations/{tenant.organization.pk}/",
        "/contracts/",
        f"/contracts/{tenant.contract.pk}/",
        "/incidents/",
        "/incidents/new/",
        "/account/tokens/",
        "/no-such-page/",
    ):
        fits(page, base + path)

    # A reply that is one 10,000-character word wraps inside the thread.
    fits(page, f"{base}/incidents/{incident.pk}/")
    page.locator("textarea[name=body]").fill(ENDLESS_WORD)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#thread")).to_contain_text(ENDLESS_WORD[:100])
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    fits(page, f"{base}/incidents/{incident.pk}/")
    fits(page, f"{base}/incidents/")


def test_a_customer_members_pages_fit_a_phone(page: Page, live_server):
    page.set_viewport_size(PHONE)
    base = live_server.url
    tenant = make_tenant("Pocket Member Bank")
    incident = IncidentFactory(actor=tenant.member, title="Lost reports", severity=3)
    log_in(page, base, tenant.member.email)
    expect(page.get_by_role("heading", name="Pocket Member Bank")).to_be_visible()
    for path in ("/incidents/", f"/incidents/{incident.pk}/", "/incidents/new/", "/contracts/"):
        fits(page, base + path)


def test_a_provider_admins_pages_fit_a_phone(page: Page, live_server):
    page.set_viewport_size(PHONE)
    base = live_server.url
    tenant = make_tenant("Pocket Partner")
    admin = StaffFactory(staff_role=StaffRole.ADMIN, full_name="Ada Admin")
    incident = IncidentFactory(
        actor=tenant.admin, title="Gateway down", description=ENDLESS_WORD, severity=2
    )
    log_in(page, base, admin.email, give_totp(admin))
    expect(page.get_by_role("heading", name="Desk")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for path in (
        "/incidents/",
        f"/incidents/{incident.pk}/",
        "/incidents/new/",
        "/organizations/",
        f"/organizations/{tenant.organization.pk}/",
        "/contracts/",
        f"/contracts/{tenant.contract.pk}/",
        "/desk/accounts/",
        "/desk/staff/",
        "/desk/rota/",
        "/operations/sla/",
        "/operations/outbox/",
        "/audit/",
    ):
        fits(page, base + path)
    expect(page.get_by_role("heading", name=re.compile("Audit"))).to_be_visible()
