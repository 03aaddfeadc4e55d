"""A customer files an incident in Chromium, sees the promise, gets a staff reply and closes it."""

import re

import pytest
from playwright.sync_api import Page, expect

from incidents.models import Incident
from incidents.services import incident_reply
from tests.browser.test_contract_summary import log_in
from tests.conftest import make_tenant
from tests.factories import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_files_follows_and_closes_an_incident(page: Page, live_server):
    tenant = make_tenant("Flow Bank")
    engineer = StaffFactory(staff_role="engineer", full_name="Erin Engineer")
    log_in(page, live_server.url, tenant.admin.email)

    page.get_by_role("link", name="Incidents").click()
    page.get_by_role("link", name="File an incident").click()
    # The severity first, with the required fields still empty: the hint follows anyway.
    promise = page.locator("#promise")
    page.get_by_label(re.compile(r"4 Low —")).check()
    expect(promise).to_contain_text("First response due by")
    low = promise.inner_text()
    page.get_by_label(re.compile(r"1 Critical —")).check()
    expect(promise).not_to_have_text(low)  # updated live for the new severity
    expect(promise).to_contain_text("your time (Europe/Madrid)")
    page.get_by_label("Title").fill("Mail gateway drops messages")
    page.get_by_label("What happened?").fill("Since 09:00 inbound mail is rejected.")

    page.get_by_role("button", name="File incident").click()
    expect(
        page.get_by_role("heading", name=re.compile("Mail gateway drops messages"))
    ).to_be_visible()
    expect(page.locator("#sla")).to_contain_text("due in")
    expect(page.locator("#thread")).to_contain_text("We received incident")

    incident = Incident.objects.get(title="Mail gateway drops messages")
    incident_reply(incident=incident, author=engineer, body="Please send the gateway log.")
    incident_reply(
        incident=incident, author=engineer, body="Looks like the TLS cert", internal=True
    )

    page.reload()
    thread = page.locator("#thread")
    expect(thread).to_contain_text("Please send the gateway log.")
    expect(thread).not_to_contain_text("TLS cert")  # internal notes stay internal
    expect(page.locator("#sla")).to_contain_text("met")
    expect(page.locator("#status")).to_have_text("Open")

    page.get_by_role("button", name="Closed").click()
    expect(page.locator("#status")).to_have_text("Closed")
    expect(page.locator("#timeline")).to_contain_text("open → closed")
    incident.refresh_from_db()
    assert incident.status == "closed"
