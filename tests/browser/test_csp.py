"""The main pages in Chromium under the Content-Security-Policy, as a customer and as a
provider admin, with their htmx actions: not one CSP violation, not one console error."""

import re

import pytest
from playwright.sync_api import Page, expect

from incidents.models import Incident
from portal.models import StaffRole
from tests.browser.test_contract_summary import log_in
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, StaffFactory
from tests.mfa import give_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every document before its own scripts; CDP-injected, so the CSP does not apply.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.reportCspViolation(
    e.effectiveDirective + " blocked " + (e.blockedURI || "inline") + " at " +
    document.location.pathname + " (" + (e.sourceFile || "") + ":" + e.lineNumber + ")"
  );
});
"""


class Watch:
    """What a page reported: CSP violation events and console errors and warnings."""

    def __init__(self, page: Page):
        self.violations: list[str] = []
        self.console: list[str] = []
        page.expose_function("reportCspViolation", self.on_violation)
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))

    def on_violation(self, text: str) -> None:
        self.violations.append(text)

    def on_console(self, message) -> None:
        # The browser asks for /favicon.ico by itself; the portal has none (no policy matter).
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        if message.type in {"error", "warning"}:
            self.console.append(f"{message.type}: {message.text} ({message.location})")

    def assert_clean(self) -> None:
        assert not self.violations, "\n".join(self.violations)
        assert not self.console, "\n".join(self.console)


def visit(page: Page, url: str, heading) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name=heading).first).to_be_visible()


def api_docs(page: Page, base: str) -> None:
    page.goto(f"{base}/api/v1/docs/")
    # Swagger UI built the page from the schema: its script and styles all ran. (Generating
    # the schema takes a while on a busy machine.)
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Support Portal API", timeout=60_000
    )
    expect(page.locator(".opblock").first).to_be_visible()


def test_a_customer_goes_through_the_main_pages_without_a_csp_violation(page: Page, live_server):
    watch = Watch(page)
    base = live_server.url
    tenant = make_tenant("Policy Bank")

    log_in(page, base, tenant.admin.email)
    expect(page.get_by_role("heading", name="Policy Bank")).to_be_visible()
    # A contact added in place (an htmx swap).
    page.get_by_label("E-mail").fill("csp.contact@example.test")
    page.get_by_label("Name").fill("Csp Contact")
    page.get_by_role("button", name="Add and invite").click()
    expect(page.locator("#contacts")).to_contain_text("csp.contact@example.test")

    visit(page, f"{base}/contracts/", "Contracts")
    visit(page, f"{base}/contracts/{tenant.contract.pk}/", re.compile("Policy Bank"))

    # Filing an incident: the live promise (htmx) follows the severity.
    visit(page, f"{base}/incidents/new/", "File an incident")
    page.get_by_label(re.compile(r"2 High —")).check()
    expect(page.locator("#promise")).to_contain_text("First response due by")
    page.get_by_label("Title").fill("Policy report fails")
    page.get_by_label("What happened?").fill("The export stops halfway.")
    page.get_by_role("button", name="File incident").click()
    expect(page.get_by_role("heading", name=re.compile("Policy report fails"))).to_be_visible()
    page.get_by_role("button", name="Closed").click()
    expect(page.locator("#status")).to_have_text("Closed")

    # The list filters as one types (htmx), kept in the URL.
    visit(page, f"{base}/incidents/", "Incidents")
    with page.expect_response(lambda r: "q=Policy" in r.url):
        page.locator("input[name=q]").press_sequentially("Policy")
    expect(page.locator("#incident-rows")).to_contain_text("Policy report fails")

    api_docs(page, base)
    watch.assert_clean()


def test_a_provider_admin_goes_through_the_main_pages_without_a_csp_violation(
    page: Page, live_server, settings
):
    settings.DESK_POLL_SECONDS = 1  # the desk's live refresh, quickened for the test
    watch = Watch(page)
    base = live_server.url
    tenant = make_tenant("Policy Partner")
    admin = StaffFactory(staff_role=StaffRole.ADMIN, full_name="Ada Admin")
    incident = IncidentFactory(actor=tenant.admin, severity=2, title="Policy gateway down")

    log_in(page, base, admin.email, give_totp(admin))  # the second factor's page too
    expect(page.get_by_role("heading", name="Desk")).to_be_visible()
    # The desk refreshes itself (htmx polling, asked first by desk.js).
    with page.expect_response(lambda r: "/desk/live/" in r.url):
        pass
    expect(page.locator("#desk-rows")).to_contain_text("Policy gateway down")

    visit(page, f"{base}/incidents/", "Incidents")
    visit(page, f"{base}/incidents/{incident.pk}/", re.compile("Policy gateway down"))
    page.locator("textarea[name=body]").fill("Looking into it.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#thread")).to_contain_text("Looking into it.")

    visit(page, f"{base}/organizations/", "Organisations")
    visit(page, f"{base}/organizations/{tenant.organization.pk}/", re.compile("Policy Partner"))
    visit(page, f"{base}/contracts/", "Contracts")
    visit(page, f"{base}/desk/accounts/", "My accounts")
    visit(page, f"{base}/desk/staff/", "Staff")
    visit(page, f"{base}/desk/rota/", "Duty rota")
    visit(page, f"{base}/operations/sla/", "SLA health")

    # The outbox's status filter applies on change (static/js/portal.js, not onchange=).
    visit(page, f"{base}/operations/outbox/", "Outbox")
    page.locator("select[name=status]").select_option(index=1)
    expect(page).to_have_url(re.compile(r"status="))

    # The Django admin (its own scripts and widgets) under the same policy.
    visit(page, f"{base}/admin/", re.compile("administration", re.IGNORECASE))
    page.goto(f"{base}/admin/contracts/contract/{tenant.contract.pk}/change/")
    expect(page.locator("#contract_form")).to_be_visible()

    api_docs(page, base)
    assert Incident.objects.get(pk=incident.pk).events.exists()
    watch.assert_clean()


def test_the_watch_sees_what_the_policy_blocks(page: Page, live_server):
    """The check above can fail: an inline script on a portal page is reported."""
    watch = Watch(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = true'; document.body.append(s); }"
    )
    expect(page.locator("body")).to_be_visible()
    page.wait_for_function("() => true")
    assert page.evaluate("window.ran === undefined")
    with pytest.raises(AssertionError, match="script-src-elem blocked inline"):
        watch.assert_clean()
