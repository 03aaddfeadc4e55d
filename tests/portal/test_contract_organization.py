"""A contract stays with the organisation it was created for (contracts.rules)."""

import pytest
from django.core.exceptions import ValidationError

from contracts.models import Contract
from contracts.services import contract_update
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["patch", "put"])
def test_api_refuses_to_move_a_contract(ours, theirs, provider_admin, method):
    contract = ours.contract
    body = {"organization": theirs.organization.pk}
    if method == "put":
        body.update(
            tier=contract.tier_id,
            calendar=contract.calendar_id,
            starts_on=contract.starts_on.isoformat(),
            ends_on=contract.ends_on.isoformat(),
            licence_type=contract.licence_type,
        )
    response = getattr(client_for(provider_admin), method)(
        f"/api/v1/contracts/{contract.pk}/", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["organization"]
    contract.refresh_from_db()
    assert contract.organization_id == ours.organization.pk


def test_api_accepts_the_same_organisation(ours, provider_admin):
    contract = ours.contract
    response = client_for(provider_admin).patch(
        f"/api/v1/contracts/{contract.pk}/",
        {"organization": ours.organization.pk, "reference": "PO-7"},
        format="json",
    )
    assert response.status_code == 200, response.content
    contract.refresh_from_db()
    assert (contract.organization_id, contract.reference) == (ours.organization.pk, "PO-7")


def test_service_refuses_to_move_a_contract(ours, theirs):
    with pytest.raises(ValidationError) as caught:
        contract_update(contract=ours.contract, organization=theirs.organization)
    assert list(caught.value.message_dict) == ["organization"]
    assert Contract.objects.get(pk=ours.contract.pk).organization_id == ours.organization.pk


def test_admin_shows_the_organisation_read_only(client, ours, theirs, provider_admin):
    client.force_login(provider_admin)
    url = f"/admin/contracts/contract/{ours.contract.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="organization"' not in page.content.decode()
    assert ours.organization.name in page.content.decode()
    # A forged POST carrying another organisation changes nothing.
    contract = ours.contract
    response = client.post(
        url,
        {
            "organization": theirs.organization.pk,
            "tier": contract.tier_id,
            "calendar": contract.calendar_id,
            "reference": "forged",
            "starts_on": contract.starts_on.isoformat(),
            "ends_on": contract.ends_on.isoformat(),
            "licence_type": contract.licence_type,
        },
    )
    assert response.status_code == 302, response.content
    contract.refresh_from_db()
    assert (contract.organization_id, contract.reference) == (ours.organization.pk, "forged")


def test_admin_chooses_the_organisation_when_adding(client, provider_admin):
    client.force_login(provider_admin)
    page = client.get("/admin/contracts/contract/add/")
    assert 'name="organization"' in page.content.decode()
