"""The desk in Chromium: a TAM lands on it, filters, takes the next incident by keyboard and
replies; a colleague's open desk shows a new severity 1 incident at the top of the Unassigned
queue without a reload; a row turns amber, then red, as the browser's clock passes its
warning and its deadline."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.models import StaffRole
from tests.browser.test_contract_summary import log_in
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, StaffFactory
from tests.mfa import give_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SELECTED = re.compile(r"\bselected\b")


def desk_ready(page: Page) -> None:
    """The desk's script is loaded (it is deferred): keys and countdowns work from here."""
    # A function, not an expression: an expression is eval'd in the page, which the CSP forbids
    # (it only worked when the first check, made outside the page's policy, found it true).
    page.wait_for_function("() => typeof window.deskMayRefresh === 'function'")


def test_a_tam_triages_from_the_desk(page: Page, browser: Browser, live_server, settings):
    settings.DESK_POLL_SECONDS = 1  # the live refresh, quickened for the test
    bank, other = make_tenant("Browser Bank"), make_tenant("Other Co")
    tara = StaffFactory(staff_role=StaffRole.ENGINEER, full_name="Tara TAM")
    bank.contract.tam = tara
    bank.contract.save(update_fields=["tam"])
    IncidentFactory(actor=bank.admin, severity=3, title="Report export fails")  # routed to Tara
    printer = IncidentFactory(actor=other.admin, severity=2, title="Printer offline")
    IncidentFactory(actor=other.admin, severity=4, title="Licence question")

    log_in(page, live_server.url, tara.email, give_totp(tara))
    expect(page).to_have_url(f"{live_server.url}/desk/")
    expect(page.get_by_role("heading", name="Desk")).to_be_visible()
    expect(page.locator("#desk-zone")).to_contain_text("Times in UTC")
    rows = page.locator("#desk-rows tbody tr")
    # Tara has an incident: her desk opens on Mine.
    expect(page.locator("#queue-mine")).to_have_attribute("aria-current", "page")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Report export fails")

    page.locator("#queue-unassigned").click()
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Printer offline")  # due sooner
    page.locator("#f-severity").select_option("4")  # applies at once, kept in the URL
    expect(page).to_have_url(re.compile(r"queue=unassigned.*severity=4"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Licence question")
    expect(page.locator("#f-severity")).to_have_value("4")

    desk_ready(page)
    page.keyboard.press("j")
    expect(rows.first).to_have_class(SELECTED)
    # `t` takes the most urgent unassigned incident of all, not only of the filtered rows.
    page.keyboard.press("t")
    expect(page.get_by_role("heading", name=re.compile("Printer offline"))).to_be_visible()
    expect(page.locator(".messages")).to_contain_text(f"You took {printer.number}.")
    page.locator("textarea[name=body]").fill("Restarting the print spooler now.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#thread")).to_contain_text("Restarting the print spooler now.")
    printer.refresh_from_db()
    assert printer.assignee == tara

    page.get_by_role("link", name="Desk", exact=True).click()
    expect(page.locator("#queue-mine .count")).to_have_text("2")
    expect(page.locator("#queue-unassigned .count")).to_have_text("1")

    # A colleague's desk, open in another browser: a new critical incident comes to its top.
    context = browser.new_context()
    try:
        colleague = StaffFactory(staff_role=StaffRole.ENGINEER, full_name="Colin Colleague")
        watcher = context.new_page()
        log_in(watcher, live_server.url, colleague.email, give_totp(colleague))
        expect(watcher.locator("#queue-unassigned")).to_have_attribute("aria-current", "page")
        top = watcher.locator("#desk-rows tbody tr").first
        expect(top).to_contain_text("Licence question")
        desk_ready(watcher)
        watcher.evaluate("document.body.dataset.loadedOnce = 'yes'")  # gone if it reloads

        IncidentFactory(actor=other.admin, severity=1, title="Total outage")

        expect(top).to_contain_text("Total outage")
        expect(watcher.locator("#queue-unassigned .count")).to_have_text("2")
        expect(watcher.locator("body")).to_have_attribute("data-loaded-once", "yes")

        # `/` searches; `j` then Enter opens the row picked.
        watcher.keyboard.press("/")
        expect(watcher.locator("#q")).to_be_focused()
        watcher.keyboard.type("outage")
        watcher.keyboard.press("Enter")
        expect(watcher).to_have_url(re.compile(r"q=outage"))
        expect(watcher.locator("#desk-rows tbody tr")).to_have_count(1)
        desk_ready(watcher)
        watcher.keyboard.press("j")
        watcher.keyboard.press("Enter")
        expect(watcher.get_by_role("heading", name=re.compile("Total outage"))).to_be_visible()
    finally:
        context.close()
    # Tara's page refreshed itself too.
    expect(page.locator("#queue-unassigned .count")).to_have_text("2")


def test_a_row_turns_amber_then_red_as_its_deadline_passes(page: Page, live_server, settings):
    settings.DESK_POLL_SECONDS = 3600  # only the page's own clock moves the row
    tenant = make_tenant("Clockwork Ltd")
    engineer = StaffFactory(staff_role=StaffRole.ENGINEER)
    incident = IncidentFactory(actor=tenant.admin, severity=1, title="Ticking")  # 30 minutes
    page.clock.install()

    log_in(page, live_server.url, engineer.email, give_totp(engineer))
    row = page.locator(f"#incident-{incident.pk}")
    countdown = row.locator(".countdown")
    expect(countdown).to_contain_text(re.compile(r"due in (29|30) min"))
    expect(row).to_have_class(re.compile(r"\brunning\b"))
    desk_ready(page)

    page.clock.fast_forward("23:00")  # past the warning at 75%
    expect(row).to_have_class(re.compile(r"\bat_risk\b"))
    expect(countdown).to_contain_text("at risk: due in")

    page.clock.fast_forward("08:00")  # past the deadline
    expect(row).to_have_class(re.compile(r"\bbreached\b"))
    expect(countdown).to_contain_text(re.compile(r"breached [01] min ago"))
