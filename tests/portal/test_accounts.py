"""Logging in by e-mail, invitations, superusers, API tokens and staff."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command

from portal.models import ApiToken, StaffRole, User
from portal.tokens import token_user
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_by_email_case_insensitive(client, ours):
    response = client.post(
        "/accounts/login/", {"login": ours.admin.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == f"/organizations/{ours.organization.pk}/"


def test_wrong_password_is_refused(client, ours):
    response = client.post("/accounts/login/", {"login": ours.admin.email, "password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert client.get("/").status_code == 302


def test_there_is_no_open_sign_up(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "walk-in@example.test", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not User.objects.filter(email="walk-in@example.test").exists()
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "closed" in response.content.decode().lower()


def test_the_invitation_is_plain_text_as_written(client, ours, django_capture_on_commit_callbacks):
    ours.organization.name = "Smith & O'Brien <Legal>"
    ours.organization.save(update_fields=["name"])
    client.force_login(ours.admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/organizations/{ours.organization.pk}/contacts/",
            {"email": "niamh@example.test", "full_name": "Niamh O'Brien", "role": "member"},
        )
    (message,) = mail.outbox
    assert "Hello Niamh O'Brien," in message.body
    assert "Smith & O'Brien <Legal>" in message.body


def test_pages_need_login(client, ours):
    for url in ["/", "/contracts/", f"/organizations/{ours.organization.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_invitation_link_sets_the_password_and_logs_in(
    client, ours, django_capture_on_commit_callbacks
):
    client.force_login(ours.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/organizations/{ours.organization.pk}/contacts/",
            {"email": "invitee@example.test", "full_name": "Ivy Invitee", "role": "member"},
        )
    assert response.status_code == 302
    invitee = User.objects.get(email="invitee@example.test")
    assert not invitee.has_usable_password()
    assert invitee.membership.organization == ours.organization
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert ours.organization.name in message.body
    link = re.search(r"http://testserver(\S+)", message.body).group(1)

    client.logout()
    page = client.get(link, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    new_password = "a fresh long passphrase 42"
    done = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    invitee.refresh_from_db()
    assert invitee.check_password(new_password)
    client.logout()
    login = client.post(
        "/accounts/login/", {"login": "invitee@example.test", "password": new_password}
    )
    assert login.status_code == 302


def test_contact_removed_on_the_page_cannot_log_in(client, ours):
    client.force_login(ours.admin)
    response = client.post(
        f"/organizations/{ours.organization.pk}/contacts/{ours.member_membership.pk}/remove/",
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert ours.member.email not in response.content.decode()
    ours.member.refresh_from_db()
    assert ours.member.is_active is False
    client.logout()
    login = client.post("/accounts/login/", {"login": ours.member.email, "password": PASSWORD})
    assert login["Location"] == "/accounts/inactive/"
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_member_cannot_remove_contacts(client, ours):
    client.force_login(ours.member)
    response = client.post(
        f"/organizations/{ours.organization.pk}/contacts/{ours.admin_membership.pk}/remove/"
    )
    assert response.status_code == 403
    ours.admin.refresh_from_db()
    assert ours.admin.is_active


def test_createsuperuser_noinput_is_a_provider_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@provider.test")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", verbosity=0)
    user = User.objects.get(email="root@provider.test")
    assert user.is_provider_admin
    assert user.is_staff
    assert user.role == StaffRole.ADMIN
    assert user.check_password(PASSWORD)


def test_token_endpoint_returns_a_working_token(client, ours):
    response = client.post(
        "/api/v1/auth/token/",
        {"email": ours.admin.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert token_user(token) == ours.admin
    assert ApiToken.objects.get(user=ours.admin).prefix == token[:8]
    api = client.__class__()
    listed = api.get("/api/v1/contracts/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["results"]] == [ours.contract.pk]


def test_token_endpoint_refuses_bad_credentials(client, ours):
    response = client.post(
        "/api/v1/auth/token/",
        {"email": ours.admin.email, "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "Unable to log in" in response.json()["detail"]
    missing = client.post("/api/v1/auth/token/", {}, content_type="application/json")
    assert missing.status_code == 400
    assert set(missing.json()) == {"email", "password"}


def test_api_without_credentials_is_refused(client):
    assert client.get("/api/v1/contracts/").status_code in (401, 403)


def test_issue_token_command_prints_a_new_token_of_the_user(ours, capsys):
    call_command("issue_token", ours.member.email, "--name", "siem", "--days", "3")
    key = capsys.readouterr().out.strip()
    assert token_user(key) == ours.member
    token = ApiToken.objects.get(user=ours.member)
    assert token.name == "siem"
    lifetime = token.expires_at - token.created_at
    assert abs(lifetime - datetime.timedelta(days=3)) < datetime.timedelta(minutes=1)
    call_command("issue_token", ours.member.email)
    assert capsys.readouterr().out.strip() != key  # keys are not kept: each call makes one


def test_issue_token_for_unknown_email_fails():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user with the e-mail"):
        call_command("issue_token", "ghost@example.test")


def test_provider_admin_creates_staff(api, provider_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(provider_admin).post(
            "/api/v1/staff/", {"email": "new-tam@provider.test", "role": "tam"}
        )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "new-tam@provider.test"
    assert body["role"] == "tam"
    assert User.objects.get(pk=body["id"]).staff_role == StaffRole.TAM
    assert mail.outbox[0].to == ["new-tam@provider.test"]


def test_staff_role_is_validated(api, provider_admin):
    response = api(provider_admin).post(
        "/api/v1/staff/", {"email": "x@provider.test", "role": "overlord"}
    )
    assert response.status_code == 400
    assert "role" in response.json()


def test_weak_password_is_refused_naming_the_field(api, provider_admin):
    response = api(provider_admin).post(
        "/api/v1/staff/", {"email": "x@provider.test", "role": "engineer", "password": "123"}
    )
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(email="x@provider.test").exists()


def test_engineer_cannot_create_staff(api, staff):
    response = api(staff["engineer"]).post(
        "/api/v1/staff/", {"email": "y@provider.test", "role": "engineer"}
    )
    assert response.status_code == 403


def test_schema_and_docs_are_served(client, ours):
    client.force_login(ours.admin)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/calendars/",
        "/api/v1/tiers/",
        "/api/v1/organizations/{organization_pk}/members/",
        "/api/v1/staff/",
        "/api/v1/contracts/",
    ]:
        assert path in text
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()


def test_the_api_schema_is_valid_without_warnings(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    # The fixed names of API.md, typed as they are returned.
    for fragment in ("first_response:", "resolution:", "target_minutes:", "breached_at:"):
        assert fragment in text
    assert "/api/v1/incidents/{id}/events/" in text
