"""The contract page (and the organisation's home page, which shows the same summary)
names the products held with each one's latest database release, and until when the
updates included with the purchase run, or when they ended."""

import datetime

import pytest
import time_machine

from contracts.catalogue_models import DatabaseRelease
from contracts.models import Product, Tier

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2026, 6, 3, 10, tzinfo=UTC)


@pytest.fixture
def held(ours):
    shield = Product.objects.create(name="Endpoint Shield", vendor="Kaspersky")
    gateway = Product.objects.create(name="Mail Gateway", vendor="Kaspersky")
    ours.contract.products.set([shield, gateway])
    for version, hours in (("2026.06.01.1", 48), ("2026.06.03.2", 2)):
        DatabaseRelease.objects.create(
            product=shield, version=version, released_at=NOW - datetime.timedelta(hours=hours)
        )
    return ours


def page(client, user, url):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("where", ["contract", "organization"])
def test_products_held_show_their_latest_release(client, held, where):
    url = (
        f"/contracts/{held.contract.pk}/"
        if where == "contract"
        else f"/organizations/{held.organization.pk}/"
    )
    body = page(client, held.member, url)
    assert "Endpoint Shield" in body
    assert "databases 2026.06.03.2" in body
    assert "2026.06.01.1" not in body
    # In the customer's zone (Madrid, summer time).
    assert "3 Jun 2026 10:00" in body
    assert "Mail Gateway" in body
    assert "no database release recorded yet" in body


def test_included_updates_until_and_ended(client, ours):
    ours.contract.tier = Tier.objects.get(code="av-silver")
    ours.contract.purchased_on = datetime.date(2025, 7, 1)
    ours.contract.save(update_fields=["tier", "purchased_on"])
    body = page(client, ours.member, f"/contracts/{ours.contract.pk}/")
    assert "Pattern and engine updates included until 30 Jun 2026" in body
    ours.contract.purchased_on = datetime.date(2025, 5, 1)
    ours.contract.save(update_fields=["purchased_on"])
    body = page(client, ours.member, f"/contracts/{ours.contract.pk}/")
    assert "Pattern and engine updates included with the purchase ended on 30 Apr 2026" in body
