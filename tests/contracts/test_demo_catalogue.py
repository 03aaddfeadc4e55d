"""The demo data shows the catalogue: every lifecycle stage, releases, contract products."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from contracts.catalogue_models import DatabaseRelease, LifecycleStage, ProductVersion
from contracts.holdings import held_products, latest_release
from contracts.lifecycle import stage_on
from contracts.models import Contract
from incidents.models import Incident

pytestmark = pytest.mark.django_db


def seed():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_demo_contracts_hold_their_vendors_products_with_versions_and_releases(db):
    seed()
    today = timezone.localdate()
    stages = {stage_on(v, today) for v in ProductVersion.objects.all()}
    assert stages == set(LifecycleStage)
    for contract in Contract.objects.select_related("tier", "organization"):
        held = list(held_products(contract.organization, today))
        assert held, contract
        assert all(p.vendor == contract.tier.vendor for p in held)
        assert all(latest_release(p) is not None for p in held)
    silver = Contract.objects.get(tier__code="av-silver")
    assert [p.name for p in silver.products.all()] == ["Apex One"]
    # A problem, a question, a signature change request (on the latest databases) and a
    # private patch request (for a version of it).
    assert Incident.objects.filter(product__name="Endpoint Security for Business").count() == 4


def test_seeding_again_adds_no_catalogue_rows(db):
    seed()
    counts = (ProductVersion.objects.count(), DatabaseRelease.objects.count())
    links = Contract.products.through.objects.count()
    seed()
    assert (ProductVersion.objects.count(), DatabaseRelease.objects.count()) == counts
    assert Contract.products.through.objects.count() == links
