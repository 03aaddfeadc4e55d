"""Filing about a product is for products the customer holds: those its contract covers.
The filing form offers only those; the API and the service refuse the others (400 on
`product`), for customers and for staff filing on their behalf."""

import pytest
import time_machine

from contracts.models import Product
from incidents.models import Incident
from tests.factories import ContractFactory
from tests.incidents.conftest import URL, T, cover, nothing_written, payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(db):
    return {
        name: Product.objects.create(name=name, vendor="Kaspersky")
        for name in ("Endpoint Shield", "Mail Gateway", "File Server")
    }


@pytest.fixture
def holder(ours, products):
    """Ours holds Endpoint Shield and Mail Gateway, not File Server."""
    cover(ours).contract.products.set([products["Endpoint Shield"], products["Mail Gateway"]])
    return ours


def test_a_customer_files_about_a_product_it_holds(api, holder, products):
    with time_machine.travel(T, tick=False):
        response = api(holder.member).post(
            URL, payload(product=products["Mail Gateway"].pk), format="json"
        )
    assert response.status_code == 201, response.content
    assert Incident.objects.get().product == products["Mail Gateway"]


def test_a_product_not_held_is_a_400_naming_the_products_held(api, holder, products):
    with time_machine.travel(T, tick=False):
        response = api(holder.member).post(
            URL, payload(product=products["File Server"].pk), format="json"
        )
    assert response.status_code == 400, response.content
    assert response.json() == {
        "product": [
            "Ours Ltd does not hold File Server under its support contract; choose one of "
            "the products it holds: Endpoint Shield, Mail Gateway."
        ]
    }
    nothing_written(holder.organization)


def test_staff_filing_on_behalf_get_the_same_400(api, holder, products, staff):
    with time_machine.travel(T, tick=False):
        response = api(staff["engineer"]).post(
            URL,
            payload(organization=holder.organization.pk, product=products["File Server"].pk),
            format="json",
        )
    assert response.status_code == 400, response.content
    assert "does not hold File Server" in response.json()["product"][0]
    nothing_written(holder.organization)


def test_the_product_must_be_on_the_contract_the_filing_counts_against(api, holder, products):
    other = ContractFactory(organization=holder.organization, tier=holder.contract.tier)
    other.products.set([products["File Server"]])
    with time_machine.travel(T, tick=False):
        refused = api(holder.member).post(
            URL,
            payload(contract=holder.contract.pk, product=products["File Server"].pk),
            format="json",
        )
        accepted = api(holder.member).post(
            URL, payload(contract=other.pk, product=products["File Server"].pk), format="json"
        )
    assert refused.status_code == 400, refused.content
    assert "Endpoint Shield, Mail Gateway" in refused.json()["product"][0]
    assert accepted.status_code == 201, accepted.content


def test_the_form_offers_only_held_products_and_refuses_others(client, holder, products):
    client.force_login(holder.member)
    with time_machine.travel(T, tick=False):
        form = client.get("/incidents/new/").context["form"]
        response = client.post(
            "/incidents/new/",
            {**payload(), "kind": "problem", "product": products["File Server"].pk},
        )
    assert [p.name for p in form.fields["product"].queryset] == [
        "Endpoint Shield",
        "Mail Gateway",
    ]
    assert response.status_code == 400
    assert "product" in response.context["form"].errors
    nothing_written(holder.organization)


def test_staff_are_offered_the_chosen_organisations_products(client, holder, products, staff):
    client.force_login(staff["engineer"])
    with time_machine.travel(T, tick=False):
        page = client.get(f"/incidents/new/?organization={holder.organization.pk}")
    names = [p.name for p in page.context["form"].fields["product"].queryset]
    assert names == ["Endpoint Shield", "Mail Gateway"]
