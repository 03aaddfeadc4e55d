"""Managing an organisation's contacts: re-adding a removed contact, keeping an admin,
editing a contact, and what the page says after each step."""

import pytest

from portal.errors import RuleCode
from portal.models import MemberRole, Membership, User
from portal.services import CONTACT_ADDRESS_TAKEN
from portal.tokens import token_create
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def contacts_url(tenant, *rest):
    return "/".join([f"/organizations/{tenant.organization.pk}/contacts", *map(str, rest), ""])


def members_api(tenant, *rest):
    base = f"/api/v1/organizations/{tenant.organization.pk}/members"
    return "/".join([base, *map(str, rest), ""])


def test_a_removed_contact_added_again_is_the_same_person_active(
    client, ours, django_capture_on_commit_callbacks, mailoutbox
):
    member = ours.member_membership
    token_create(user=ours.member, name="old script")
    client.force_login(ours.admin)
    client.post(contacts_url(ours, member.pk, "remove"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            contacts_url(ours),
            {"email": ours.member.email.upper(), "full_name": "Back Again", "role": "admin"},
        )
    assert response.status_code == 302
    member.refresh_from_db()
    ours.member.refresh_from_db()
    assert ours.member.is_active
    assert (ours.member.full_name, member.role) == ("Back Again", MemberRole.ADMIN)
    assert Membership.objects.filter(organization=ours.organization).count() == 2
    # A fresh start: the password and tokens from before no longer work; an invitation comes.
    assert not ours.member.api_tokens.exists()
    assert not ours.member.has_usable_password()
    assert [message.to for message in mailoutbox] == [[ours.member.email]]


def test_a_removed_contact_is_added_again_by_the_api(api, ours):
    api(ours.admin).delete(members_api(ours, ours.member_membership.pk))
    response = api(ours.admin).post(members_api(ours), {"email": ours.member.email})
    assert response.status_code == 201
    assert response.json()["id"] == ours.member_membership.pk
    assert response.json()["is_active"] is True


def test_a_removed_contact_of_another_organisation_is_refused_as_any_taken_address(
    client, ours, theirs, staff
):
    theirs.member.is_active = False
    theirs.member.save(update_fields=["is_active"])
    staff["engineer"].is_active = False
    staff["engineer"].save(update_fields=["is_active"])
    client.force_login(ours.admin)
    for email in (theirs.member.email, staff["engineer"].email):
        response = client.post(contacts_url(ours), {"email": email, "role": "member"})
        assert response.status_code == 400
        assert str(CONTACT_ADDRESS_TAKEN) in response.content.decode()
    theirs.member.refresh_from_db()
    assert not theirs.member.is_active
    assert theirs.member.membership.organization == theirs.organization


def test_the_only_admin_cannot_be_removed_on_the_page(client, ours, provider_admin):
    client.force_login(provider_admin)
    response = client.post(contacts_url(ours, ours.admin_membership.pk, "remove"))
    assert response.status_code == 409
    assert "only customer admin" in response.content.decode()
    ours.admin.refresh_from_db()
    assert ours.admin.is_active


def test_the_only_admin_cannot_be_removed_by_the_api(api, ours, provider_admin):
    response = api(provider_admin).delete(members_api(ours, ours.admin_membership.pk))
    assert response.status_code == 409
    assert response.json()["code"] == RuleCode.LAST_ADMIN
    ours.admin.refresh_from_db()
    assert ours.admin.is_active


def test_an_admin_is_removed_while_another_stays(api, ours, provider_admin):
    MembershipFactory(organization=ours.organization, role=MemberRole.ADMIN)
    response = api(provider_admin).delete(members_api(ours, ours.admin_membership.pk))
    assert response.status_code == 204
    ours.admin.refresh_from_db()
    assert not ours.admin.is_active


def test_a_success_message_follows_adding_a_contact(client, ours):
    client.force_login(ours.admin)
    response = client.post(
        contacts_url(ours), {"email": "new@example.test", "role": "member"}, follow=True
    )
    assert "new@example.test is a contact of Ours Ltd now" in response.content.decode()
    swapped = client.post(
        contacts_url(ours),
        {"email": "newer@example.test", "role": "member"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'role="status">newer@example.test is a contact of Ours Ltd now' in swapped


def test_the_customer_admin_edits_a_contacts_name_and_role(client, ours):
    client.force_login(ours.admin)
    url = contacts_url(ours, ours.member_membership.pk, "edit")
    page = client.get(url)
    assert page.status_code == 200
    assert ours.member.full_name in page.content.decode()
    response = client.post(url, {"full_name": "Renamed Person", "role": "admin"}, follow=True)
    assert "is saved" in response.content.decode()
    ours.member.refresh_from_db()
    ours.member_membership.refresh_from_db()
    assert (ours.member.full_name, ours.member_membership.role) == ("Renamed Person", "admin")


def test_a_member_cannot_edit_contacts(client, ours):
    client.force_login(ours.member)
    url = contacts_url(ours, ours.admin_membership.pk, "edit")
    assert client.get(url).status_code == 403
    assert client.post(url, {"full_name": "x", "role": "member"}).status_code == 403


def test_the_only_admin_is_not_made_a_member(client, api, ours):
    client.force_login(ours.admin)
    url = contacts_url(ours, ours.admin_membership.pk, "edit")
    response = client.post(url, {"full_name": "Me", "role": "member"})
    assert response.status_code == 409
    assert "only customer admin" in response.content.decode()
    refused = api(ours.admin).patch(
        members_api(ours, ours.admin_membership.pk), {"role": "member"}, format="json"
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == RuleCode.LAST_ADMIN
    ours.admin_membership.refresh_from_db()
    assert ours.admin_membership.role == MemberRole.ADMIN


def test_the_api_changes_a_contacts_name_and_role(api, ours):
    response = api(ours.admin).patch(
        members_api(ours, ours.member_membership.pk),
        {"full_name": "API Name", "role": "admin"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["full_name"], response.json()["role"]) == ("API Name", "admin")
    bad = api(ours.admin).patch(
        members_api(ours, ours.member_membership.pk), {"role": "owner"}, format="json"
    )
    assert bad.status_code == 400
    assert "role" in bad.json()
    assert (
        api(ours.member)
        .patch(members_api(ours, ours.admin_membership.pk), {"full_name": "x"}, format="json")
        .status_code
        == 403
    )


def test_the_add_form_is_hidden_at_the_contact_limit(client, ours):
    tier = ours.contract.tier
    tier.max_contacts = 2
    tier.save()
    client.force_login(ours.admin)
    page = client.get(f"/organizations/{ours.organization.pk}/").content.decode()
    assert 'id="contact-limit-reached"' in page
    assert "allows 2 authorised contacts and all are in use" in page
    assert 'name="email"' not in page
    tier.max_contacts = 3
    tier.save()
    page = client.get(f"/organizations/{ours.organization.pk}/").content.decode()
    assert 'name="email"' in page
    assert not User.objects.filter(email="x@example.test").exists()
