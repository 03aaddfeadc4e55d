"""The token revocation pages across tenants: a customer admin revokes their own
organisation's contacts' tokens only, never another tenant's and never a staff member's
(the walk in test_isolation.py tries every mix of ours and theirs in the path as well)."""

import pytest
from rest_framework.test import APIClient

from portal.tokens import token_create

pytestmark = pytest.mark.django_db


def works(key: str) -> bool:
    return (
        APIClient().get("/api/v1/contracts/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    )


def test_a_customer_admin_cannot_revoke_another_tenants_token(client, ours, theirs):
    token, key = token_create(user=theirs.member, name="Their feed")
    client.force_login(ours.admin)
    mine, member = ours.organization.pk, ours.member_membership.pk
    theirs_org, their_member = theirs.organization.pk, theirs.member_membership.pk
    for url in [
        f"/organizations/{theirs_org}/contacts/{their_member}/tokens/{token.pk}/revoke/",
        f"/organizations/{mine}/contacts/{member}/tokens/{token.pk}/revoke/",
        f"/organizations/{mine}/contacts/{their_member}/tokens/{token.pk}/revoke/",
    ]:
        response = client.post(url)
        assert response.status_code == 404, url
        assert b"Their feed" not in response.content
    assert b"Their feed" not in client.get(f"/organizations/{mine}/").content
    assert works(key)


def test_a_customer_admin_cannot_revoke_a_staff_members_token(client, ours, staff):
    engineer = staff["engineer"]
    token, key = token_create(user=engineer, name="Staff feed")
    client.force_login(ours.admin)
    mine, member = ours.organization.pk, ours.member_membership.pk
    for url in [
        f"/organizations/{mine}/contacts/{member}/tokens/{token.pk}/revoke/",
        f"/desk/staff/{engineer.pk}/tokens/{token.pk}/revoke/",
    ]:
        assert client.post(url).status_code == 404, url
    assert works(key)
