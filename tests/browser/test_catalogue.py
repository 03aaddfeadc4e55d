"""A customer in Chromium: their home page names the products they hold with the latest
database release, and the filing form offers only those products."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from contracts.catalogue_models import DatabaseRelease
from contracts.models import Product
from incidents.models import Incident
from tests.browser.test_contract_summary import log_in
from tests.conftest import make_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_sees_held_products_and_files_about_one(page: Page, live_server):
    tenant = make_tenant("Catalogue Bank")
    shield = Product.objects.create(name="Endpoint Shield", vendor="Kaspersky")
    Product.objects.create(name="File Vault", vendor="Kaspersky")  # not held
    tenant.contract.products.add(shield)
    DatabaseRelease.objects.create(
        product=shield,
        version="2026.11.29.3",
        released_at=timezone.now() - datetime.timedelta(hours=1),
    )
    log_in(page, live_server.url, tenant.member.email)

    products = page.locator(f"#contract-{tenant.contract.pk} .products")
    expect(products).to_contain_text("Endpoint Shield")
    expect(products).to_contain_text("databases 2026.11.29.3")
    expect(products).not_to_contain_text("File Vault")

    page.get_by_role("link", name="Incidents").click()
    page.get_by_role("link", name="File an incident").click()
    choice = page.get_by_label("Product", exact=True)
    expect(choice.locator("option")).to_have_text(["---------", "Endpoint Shield"])
    choice.select_option(label="Endpoint Shield")
    page.get_by_label("Title").fill("Scans stop at 12%")
    page.get_by_label("What happened?").fill("Since the last database update.")
    page.get_by_role("button", name="File incident").click()
    expect(page.get_by_role("heading", name=re.compile("Scans stop at 12%"))).to_be_visible()
    assert Incident.objects.get(title="Scans stop at 12%").product == shield
