"""Shared pieces of the signature change tests: a held product with database releases, a
request body, and an analyst."""

import datetime

from django.utils import timezone

from contracts.models import DatabaseRelease, Product
from incidents.signature_rules import analysts_group
from tests.factories import StaffFactory

SHA = "AB" * 32


def held_product(*tenants, name="Endpoint Shield") -> Product:
    product = Product.objects.create(name=name)
    for tenant in tenants:
        tenant.contract.products.add(product)
    return product


def release(product: Product, version: str, *, ago_hours: int = 0, **extra) -> DatabaseRelease:
    return DatabaseRelease.objects.create(
        product=product,
        version=version,
        released_at=timezone.now() - datetime.timedelta(hours=ago_hours),
        **extra,
    )


def signature(version="2026.11.29.2", **changes) -> dict:
    return {
        "verdict": "false_positive",
        "database_version": version,
        "file_name": "invoice.pdf",
        "sha256": SHA,
        "detection_name": "Trojan.PDF.Fake",
        **changes,
    }


def filing_body(product: Product, **signature_changes) -> dict:
    return {
        "title": "Our invoices are quarantined",
        "description": "Every PDF invoice from our ERP is detected since this morning.",
        "severity": 3,
        "kind": "signature_change",
        "product": product.pk,
        "signature": signature(**signature_changes),
    }


def analyst(**kwargs):
    person = StaffFactory(staff_role="engineer", **kwargs)
    person.groups.add(analysts_group())
    return person
