"""Revoking someone else's API token from a page: a provider admin on the staff page (and
on any organisation's contacts), a customer admin on their organisation's contacts. Each
token is listed with its name, prefix, times; the revocation is a confirmed POST and is
recorded in the audit trail."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from rest_framework.test import APIClient

from portal.models import ApiToken
from portal.tokens import token_create

pytestmark = pytest.mark.django_db


def works(key: str) -> bool:
    return (
        APIClient().get("/api/v1/contracts/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    )


def revocations(token_pk: int):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ApiToken),
        object_id=token_pk,
        action=LogEntry.Action.DELETE,
    )


def staff_revoke_url(person, token) -> str:
    return f"/desk/staff/{person.pk}/tokens/{token.pk}/revoke/"


def contact_revoke_url(tenant, membership, token) -> str:
    org = tenant.organization.pk
    return f"/organizations/{org}/contacts/{membership.pk}/tokens/{token.pk}/revoke/"


def test_the_staff_page_lists_each_persons_tokens_for_a_provider_admin(
    client, staff, provider_admin
):
    engineer = staff["engineer"]
    token, _key = token_create(user=engineer, name="Ticket sync")
    client.force_login(provider_admin)
    page = client.get("/desk/staff/").content.decode()
    row = page.split(f'id="staff-{engineer.pk}"')[1].split("</tr>")[0]
    assert "Ticket sync" in row
    assert f"<code>{token.prefix}…</code>" in row
    assert "never" in row  # not used yet
    assert f'action="{staff_revoke_url(engineer, token)}"' in row
    assert 'data-confirm="Revoke the token “Ticket sync”?' in row
    # Other staff see availability, not tokens.
    client.force_login(engineer)
    assert "Ticket sync" not in client.get("/desk/staff/").content.decode()


def test_a_provider_admin_revokes_a_staff_members_token_and_it_is_recorded(
    client, staff, provider_admin
):
    engineer = staff["engineer"]
    token, key = token_create(user=engineer, name="Ticket sync")
    _kept, kept_key = token_create(user=engineer, name="Other")
    client.force_login(provider_admin)
    response = client.post(staff_revoke_url(engineer, token))
    assert response.status_code == 302
    assert response["Location"] == f"/desk/staff/#staff-{engineer.pk}"
    assert not works(key)
    assert works(kept_key)
    (entry,) = revocations(token.pk)
    assert entry.actor == provider_admin
    assert entry.additional_data["user"] == engineer.pk
    assert entry.additional_data["source"] == "web"
    assert "key_hash" not in (entry.changes or {})
    history = client.get(f"/audit/?type=person&object={engineer.pk}").content.decode()
    assert "Ticket sync" in history


def test_only_a_provider_admin_revokes_on_the_staff_page(client, staff, ours):
    engineer = staff["engineer"]
    token, key = token_create(user=staff["tam"], name="TAM script")
    client.force_login(engineer)
    assert client.post(staff_revoke_url(staff["tam"], token)).status_code == 403
    client.force_login(ours.admin)
    assert client.post(staff_revoke_url(staff["tam"], token)).status_code == 404
    client.force_login(staff["admin"])
    assert client.get(staff_revoke_url(staff["tam"], token)).status_code == 405
    assert works(key)


def test_the_staff_page_revokes_only_the_named_staff_members_token(
    client, staff, ours, provider_admin
):
    customer_token, key = token_create(user=ours.member, name="Customer's")
    client.force_login(provider_admin)
    # A token of someone else than the person in the path, or of a customer: no such token.
    assert client.post(staff_revoke_url(staff["tam"], customer_token)).status_code == 404
    assert client.post(staff_revoke_url(ours.member, customer_token)).status_code == 404
    assert works(key)


def test_a_customer_admin_sees_and_revokes_a_contacts_token(client, ours):
    token, key = token_create(user=ours.member, name="SIEM feed")
    client.force_login(ours.admin)
    page = client.get(f"/organizations/{ours.organization.pk}/").content.decode()
    assert "SIEM feed" in page
    url = contact_revoke_url(ours, ours.member_membership, token)
    assert f'action="{url}"' in page
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == f"/organizations/{ours.organization.pk}/#contacts"
    assert not works(key)
    (entry,) = revocations(token.pk)
    assert entry.actor == ours.admin
    assert entry.additional_data["user"] == ours.member.pk


def test_a_member_neither_sees_nor_revokes_a_colleagues_token(client, ours):
    token, key = token_create(user=ours.admin, name="Admin's script")
    client.force_login(ours.member)
    assert (
        "Admin's script"
        not in client.get(f"/organizations/{ours.organization.pk}/").content.decode()
    )
    response = client.post(contact_revoke_url(ours, ours.admin_membership, token))
    assert response.status_code == 403
    assert works(key)


def test_a_provider_admin_revokes_a_contacts_token_on_the_organisation_page(
    client, ours, provider_admin
):
    token, key = token_create(user=ours.admin, name="Backup job")
    client.force_login(provider_admin)
    assert "Backup job" in client.get(f"/organizations/{ours.organization.pk}/").content.decode()
    assert client.post(contact_revoke_url(ours, ours.admin_membership, token)).status_code == 302
    assert not works(key)


def test_a_customer_admin_revokes_a_contacts_token_through_the_api_too(ours, staff):
    token, key = token_create(user=ours.member, name="SIEM feed")
    staff_token, staff_key = token_create(user=staff["engineer"], name="Staff's")
    admin = APIClient()
    admin.force_authenticate(ours.admin)
    assert admin.delete(f"/api/v1/auth/tokens/{staff_token.pk}/").status_code == 404
    assert admin.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 204
    assert not works(key)
    assert works(staff_key)


def test_revoking_needs_the_csrf_token(ours):
    token, key = token_create(user=ours.member, name="SIEM feed")
    client = Client(enforce_csrf_checks=True)
    client.force_login(ours.admin)
    assert client.post(contact_revoke_url(ours, ours.member_membership, token)).status_code == 403
    assert works(key)
