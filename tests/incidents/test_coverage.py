"""Filing offers and accepts only what the contract covers: the kinds its tier entitles and
its vendor's products. And the premium choice says what a unit buys before filing."""

import pytest
import time_machine

from contracts.models import Product
from incidents.models import Kind
from portal.errors import ContractRuleError, RuleCode
from portal.models import StaffRole
from tests.conftest import make_tenant
from tests.factories import IncidentFactory
from tests.incidents.conftest import URL, T, cover, nothing_written, payload, use_quota

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(db):
    return {
        "kaspersky": Product.objects.create(name="Endpoint Security", vendor="Kaspersky"),
        "trend": Product.objects.create(name="Apex One", vendor="Trend Micro"),
    }


@pytest.fixture
def silver(db):
    """A customer on AV Silver: on-site cases and malware samples, Trend Micro products."""
    tenant = cover(make_tenant("Silver JSC", "av-silver"))
    tenant.contract.renewal_valid_until = tenant.contract.ends_on
    tenant.contract.save(update_fields=["renewal_valid_until"])
    return tenant


def offered(client, tenant) -> tuple[list[str], list[str]]:
    client.force_login(tenant.member)
    with time_machine.travel(T, tick=False):
        form = client.get("/incidents/new/").context["form"]
    kinds = [value for value, _label in form.fields["kind"].choices]
    return kinds, [p.name for p in form.fields["product"].queryset]


def test_enterprise_is_offered_its_kinds_and_its_vendors_products(client, ours, products):
    ours.contract.products.set(products.values())
    kinds, names = offered(client, ours)
    assert kinds == [Kind.PROBLEM, Kind.QUESTION, Kind.SIGNATURE_CHANGE, Kind.PRIVATE_PATCH]
    assert names == ["Endpoint Security"]


def test_av_silver_is_offered_on_site_visits_and_samples_not_signature_changes(
    client, silver, products
):
    silver.contract.products.set(products.values())
    kinds, names = offered(client, silver)
    assert kinds == [Kind.PROBLEM, Kind.QUESTION, Kind.ONSITE, Kind.MALWARE_SAMPLE]
    assert names == ["Apex One"]


def test_msa_start_refuses_a_private_patch_naming_what_it_covers(api, start):
    with time_machine.travel(T, tick=False):
        response = api(start.member).post(URL, payload(kind=Kind.PRIVATE_PATCH), format="json")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == RuleCode.NOT_ENTITLED
    assert body["detail"] == (
        "Private patch is not covered by the MSA Start tier, which covers: problem, "
        "question, signature change request."
    )
    nothing_written(start.organization)


def test_a_product_of_another_vendor_is_a_400_on_product(api, ours, products):
    with time_machine.travel(T, tick=False):
        response = api(ours.member).post(URL, payload(product=products["trend"].pk), format="json")
    assert response.status_code == 400, response.content
    assert "Apex One is not covered by the MSA Enterprise tier" in response.json()["product"][0]
    nothing_written(ours.organization)


def test_the_contracts_own_product_and_kind_are_accepted(api, silver, products):
    silver.contract.products.add(products["trend"])
    with time_machine.travel(T, tick=False):
        response = api(silver.member).post(
            URL, payload(kind=Kind.ONSITE, product=products["trend"].pk), format="json"
        )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == Kind.ONSITE


def test_staff_logging_a_call_get_the_same_refusal(silver, staff):
    with time_machine.travel(T, tick=False), pytest.raises(ContractRuleError) as refused:
        IncidentFactory(
            actor=staff[StaffRole.ENGINEER],
            organization=silver.organization,
            kind=Kind.SIGNATURE_CHANGE,
        )
    assert refused.value.code == RuleCode.NOT_ENTITLED


def test_the_web_form_refuses_a_kind_it_does_not_offer(client, silver):
    client.force_login(silver.member)
    with time_machine.travel(T, tick=False):
        response = client.post(
            "/incidents/new/",
            {**payload(severity=3), "kind": Kind.PRIVATE_PATCH, "contract": silver.contract.pk},
        )
    assert response.status_code == 400
    assert "kind" in response.context["form"].errors
    nothing_written(silver.organization)


# -- the premium choice -------------------------------------------------------------------


def test_premium_is_not_selectable_with_no_unit_left(client, start):
    use_quota(start, 6)
    client.force_login(start.member)
    with time_machine.travel(T, tick=False):
        page = client.get("/incidents/new/").content.decode()
    premium = page[page.index('value="1"', page.index('name="premium"') - 200) :]
    premium = premium[: premium.index(">")]
    assert "disabled" in premium
    assert 'id="premium-used-up"' in page
    assert "Tiers without a quota" not in page


def test_customers_read_no_developer_wording_about_tiers(client, start):
    client.force_login(start.member)
    with time_machine.travel(T, tick=False):
        page = client.get("/incidents/new/").content.decode()
    assert 'name="premium"' in page
    assert "Tiers without a quota" not in page
    assert "treat every incident as premium" not in page


def test_the_hint_says_when_a_premium_unit_buys_no_target(client, start):
    client.force_login(start.member)
    with time_machine.travel(T, tick=False):
        low = client.get("/incidents/new/promise/", {"severity": 3, "premium": "1"})
        critical = client.get("/incidents/new/promise/", {"severity": 1, "premium": "1"})
    assert "no response target for severity 3" in low.content.decode()
    assert "File it as standard to keep the unit." in low.content.decode()
    assert "First response due by" in critical.content.decode()


def test_the_schema_documents_not_entitled_on_filing():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    refusal = schema["paths"]["/api/v1/incidents/"]["post"]["responses"]["409"]
    assert "`not_entitled`" in refusal["description"]
    assert "400 on `product`" in refusal["description"]


def test_a_product_without_a_recorded_vendor_is_not_refused(api, ours):
    unnamed = Product.objects.create(name="Legacy Console")
    ours.contract.products.add(unnamed)
    with time_machine.travel(T, tick=False):
        response = api(ours.member).post(URL, payload(product=unnamed.pk), format="json")
    assert response.status_code == 201, response.content
