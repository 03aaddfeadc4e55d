"""What a customer holds: the products its contracts in force cover; and the latest
database release of each product."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts.catalogue_models import DatabaseRelease
from contracts.holdings import (
    check_product_held,
    held_products,
    holds,
    latest_release,
    latest_releases,
    version_key,
)
from contracts.models import Product
from tests.factories import ContractFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def products(db):
    return {
        name: Product.objects.create(name=name, vendor="Kaspersky")
        for name in ("Endpoint Shield", "Mail Gateway", "File Server")
    }


def test_an_active_contract_holds_its_products_and_no_other(ours, theirs, products):
    ours.contract.products.set([products["Endpoint Shield"], products["Mail Gateway"]])
    theirs.contract.products.set([products["File Server"]])
    day = ours.contract.starts_on
    assert list(held_products(ours.organization, day)) == [
        products["Endpoint Shield"],
        products["Mail Gateway"],
    ]
    assert holds(ours.organization, products["Mail Gateway"], day)
    assert not holds(ours.organization, products["File Server"], day)


def test_a_contract_out_of_force_holds_nothing(ours, products):
    ours.contract.products.set([products["Endpoint Shield"]])
    before = ours.contract.starts_on - datetime.timedelta(days=1)
    after = ours.contract.ends_on + datetime.timedelta(days=1)
    assert not held_products(ours.organization, before).exists()
    assert not held_products(ours.organization, after).exists()
    assert held_products(ours.organization, ours.contract.ends_on).exists()


def test_two_contracts_holding_one_product_list_it_once(ours, products):
    ours.contract.products.set([products["Endpoint Shield"]])
    second = ContractFactory(organization=ours.organization)
    second.products.set([products["Endpoint Shield"], products["File Server"]])
    day = ours.contract.starts_on
    assert [p.name for p in held_products(ours.organization, day)] == [
        "Endpoint Shield",
        "File Server",
    ]


def test_a_product_not_held_is_a_400_on_product_naming_those_held(ours, products):
    ours.contract.products.set([products["Mail Gateway"], products["Endpoint Shield"]])
    day = ours.contract.starts_on
    check_product_held(ours.organization, products["Mail Gateway"], day)
    check_product_held(ours.contract, products["Mail Gateway"], day)
    check_product_held(ours.organization, None, day)
    for holder in (ours.organization, ours.contract):
        with pytest.raises(ValidationError) as refused:
            check_product_held(holder, products["File Server"], day)
        (message,) = refused.value.message_dict["product"]
        assert "does not hold File Server" in message
        assert "it holds: Endpoint Shield, Mail Gateway." in message


def test_a_contract_covering_no_products_says_so(ours, products):
    with pytest.raises(ValidationError) as refused:
        check_product_held(ours.organization, products["File Server"], ours.contract.starts_on)
    assert "covers no products" in refused.value.message_dict["product"][0]


def test_versions_compare_by_their_numeric_parts():
    ordered = ["12.0.1.55", "12.1", "2026.11.29.1", "2026.11.29.2", "2026.11.29.10"]
    shuffled = ["2026.11.29.10", "12.1", "2026.11.29.2", "12.0.1.55", "2026.11.29.1"]
    assert sorted(shuffled, key=version_key) == ordered


def test_the_latest_release_is_the_newest_released_at_ties_by_id(products):
    now = timezone.now()
    shield, gateway = products["Endpoint Shield"], products["Mail Gateway"]
    DatabaseRelease.objects.create(product=shield, version="1.10", released_at=now)
    older = now - datetime.timedelta(hours=1)
    DatabaseRelease.objects.create(product=shield, version="1.9", released_at=older)
    tie = DatabaseRelease.objects.create(product=shield, version="1.11", released_at=now)
    mail = DatabaseRelease.objects.create(product=gateway, version="7", released_at=older)
    assert latest_release(shield) == tie
    assert latest_release(products["File Server"]) is None
    assert latest_releases([shield, gateway.pk, products["File Server"]]) == {
        shield.pk: tie,
        gateway.pk: mail,
    }


def test_latest_releases_is_one_query(products, django_assert_num_queries):
    with django_assert_num_queries(1):
        latest_releases(products.values())
