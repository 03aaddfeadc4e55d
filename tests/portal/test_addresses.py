"""Login addresses: nobody claims an address they cannot receive mail at, and adding a
contact reveals nothing about who else has an address."""

import pytest
from allauth.account.models import EmailAddress

from portal.models import User
from portal.services import CONTACT_ADDRESS_TAKEN

pytestmark = pytest.mark.django_db


def test_nobody_manages_their_login_addresses(client, ours, theirs, provider_admin):
    for user in (ours.member, ours.admin, provider_admin):
        client.force_login(user)
        assert client.get("/accounts/email/").status_code == 404
        for action in ("action_add", "action_primary"):
            response = client.post("/accounts/email/", {"email": theirs.admin.email, action: "1"})
            assert response.status_code == 404
    ours.member.refresh_from_db()
    assert ours.member.email != theirs.admin.email
    assert not EmailAddress.objects.filter(email__iexact=theirs.admin.email).exists()


def contact_add_page(client, tenant, email):
    client.force_login(tenant.admin)
    return client.post(
        f"/organizations/{tenant.organization.pk}/contacts/",
        {"email": email, "full_name": "Someone", "role": "member"},
    )


def contact_add_api(api, tenant, email):
    return api(tenant.admin).post(
        f"/api/v1/organizations/{tenant.organization.pk}/members/",
        {"email": email, "full_name": "Someone", "role": "member"},
    )


def test_an_address_taken_anywhere_is_refused_alike_on_the_page(client, ours, theirs, staff):
    answers = []
    for email in (ours.member.email, theirs.member.email, staff["engineer"].email.upper()):
        response = contact_add_page(client, ours, email)
        page = response.content.decode()
        assert str(CONTACT_ADDRESS_TAKEN) in page
        assert theirs.organization.name not in page
        answers.append(response.status_code)
    assert answers == [400, 400, 400]
    assert ours.organization.memberships.count() == 2


def test_an_address_taken_anywhere_is_refused_alike_by_the_api(api, ours, theirs, staff):
    answers = [
        contact_add_api(api, ours, email)
        for email in (ours.member.email, theirs.member.email, staff["engineer"].email)
    ]
    assert {response.status_code for response in answers} == {400}
    assert [response.json() for response in answers] == [
        {"email": [str(CONTACT_ADDRESS_TAKEN)]}
    ] * 3
    assert User.objects.filter(membership__organization=ours.organization).count() == 2
