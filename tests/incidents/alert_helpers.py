"""What the malware alert tests share: a product, tenants that hold it (or not) under a
tier with alerts (or not), and an alert about it."""

import datetime

from contracts.models import Product
from incidents.models import Alert, AlertAudience
from incidents.services.alerts import alert_create
from tests.conftest import make_tenant


def product(name: str = "Endpoint Shield") -> Product:
    return Product.objects.get_or_create(name=name)[0]


def holder(name: str, *products: Product, tier: str = "av-silver"):
    """A tenant (admin and member) whose contract on `tier` covers `products`."""
    tenant = make_tenant(name, tier)
    tenant.contract.products.set(products)
    return tenant


def draft(author, *products: Product, **fields) -> Alert:
    values = {
        "title": "Ransomware wave",
        "body": "A new strain spreads by e-mail.",
        "severity": 2,
        "prevention": "Block macros.",
    }
    return alert_create(author=author, products=products or [product()], **values | fields)


def addressed(organization, **fields) -> Alert:
    """A published alert addressed to the organisation (its audience row written directly,
    for tests of who reads what rather than of who is told)."""
    values = {"title": "Addressed alert", "body": "Body", "severity": 3}
    alert = Alert.objects.create(
        published_at=datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC), **values | fields
    )
    alert.products.set([product()])
    AlertAudience.objects.create(organization=organization, alert=alert, people=2)
    return alert
