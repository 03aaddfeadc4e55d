"""Password rules, how long reset and invitation links live, and a changed password ending
the person's other sessions."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command

from portal.invitations import invitation_url
from portal.management.commands.seed_demo import DEMO_PASSWORD
from portal.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 77"


@pytest.mark.parametrize("weak", ["acme1234", "password123", "short9", "1234567890123"])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak, User(email="someone@acme.example"))


def test_a_password_like_the_address_is_refused():
    with pytest.raises(ValidationError):
        validate_password("maria.gonzalez", User(email="maria.gonzalez@acme.example"))


def test_acme1234_is_refused_by_the_api(api, provider_admin):
    response = api(provider_admin).post(
        "/api/v1/staff/",
        {"email": "new@provider.test", "role": "engineer", "password": "acme1234"},
    )
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(email="new@provider.test").exists()


def test_the_demo_and_test_passwords_pass_the_rules():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    users = list(User.objects.all())
    assert users
    for user in users:
        validate_password(DEMO_PASSWORD, user)
        validate_password(PASSWORD, user)
        assert user.check_password(DEMO_PASSWORD)


def reset_link(client, email: str) -> str:
    mail.outbox.clear()
    assert client.post("/accounts/password/reset/", {"email": email}).status_code == 302
    (message,) = mail.outbox
    return re.search(r"http://testserver(\S+)", message.body).group(1)


def opens(client, link: str) -> bool:
    """Whether the link leads to the set-a-new-password form (not the "bad token" page)."""
    page = client.get(link, follow=True)
    return page.status_code == 200 and 'name="password1"' in page.content.decode()


def test_a_reset_link_lives_for_hours(client, ours, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3 * 3600
    link = reset_link(client, ours.member.email)
    now = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(now + datetime.timedelta(hours=2, minutes=50)):
        assert opens(client.__class__(), link)
    with time_machine.travel(now + datetime.timedelta(hours=3, minutes=10)):
        assert not opens(client.__class__(), link)


def test_an_invitation_lives_for_days_and_only_until_used(client, ours, settings):
    assert settings.PORTAL_INVITATION_TIMEOUT == 7 * 24 * 3600
    invitee = User.objects.create_user(email="invitee@example.test")
    link = invitation_url(invitee).removeprefix("http://testserver")
    now = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(now + datetime.timedelta(days=8)):
        assert not opens(client.__class__(), link)
    with time_machine.travel(now + datetime.timedelta(days=6)):
        assert opens(client, link)
        form_url = client.get(link, follow=True).redirect_chain[-1][0]
        done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert done.status_code == 302
        invitee.refresh_from_db()
        assert invitee.check_password(NEW_PASSWORD)
        assert not opens(client.__class__(), link)


@pytest.fixture
def elsewhere(client):
    """A second browser where the same person is signed in."""
    return client.__class__()


def signed_out(browser) -> bool:
    response = browser.get("/")
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_changing_the_password_ends_the_other_sessions(client, elsewhere, ours):
    client.force_login(ours.member)
    elsewhere.force_login(ours.member)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not signed_out(client)
    assert signed_out(elsewhere)


def test_a_password_reset_ends_every_session(client, elsewhere, ours):
    elsewhere.force_login(ours.member)
    link = reset_link(client, ours.member.email)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert signed_out(elsewhere)


def test_a_password_set_in_the_admin_ends_the_persons_sessions(
    client, elsewhere, ours, provider_admin
):
    elsewhere.force_login(ours.member)
    client.force_login(provider_admin)
    response = client.post(
        f"/admin/portal/user/{ours.member.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    ours.member.refresh_from_db()
    assert ours.member.check_password(NEW_PASSWORD)
    assert signed_out(elsewhere)
    assert not signed_out(client)


def test_reset_requests_are_limited_per_address_asked_for(client, ours):
    for _ in range(3):
        assert (
            client.post("/accounts/password/reset/", {"email": ours.member.email}).status_code
            == 302
        )
    mail.outbox.clear()
    refused = client.post(
        "/accounts/password/reset/", {"email": ours.member.email}, REMOTE_ADDR="192.0.2.8"
    )
    assert refused.status_code == 429
    assert mail.outbox == []


def test_reset_requests_are_limited_per_client_whatever_it_forwards(client):
    for number in range(10):
        response = client.post(
            "/accounts/password/reset/",
            {"email": f"nobody{number}@example.test"},
            HTTP_X_FORWARDED_FOR=f"10.3.0.{number}",
        )
        assert response.status_code == 302
    refused = client.post(
        "/accounts/password/reset/",
        {"email": "nobody-else@example.test"},
        HTTP_X_FORWARDED_FOR="10.3.9.9",
    )
    assert refused.status_code == 429
