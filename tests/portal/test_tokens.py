"""API tokens: hashed, named, expiring; listed and revoked; ended by a password change or
a deactivation; a second factor to get one for staff and for anyone who has one."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from portal.models import ApiToken, StaffRole
from portal.services import member_remove
from portal.tokens import token_create
from tests.factories import PASSWORD, StaffFactory
from tests.mfa import give_totp, totp_code

pytestmark = pytest.mark.django_db


def ask_token(user, **extra):
    body = {"email": user.email, "password": PASSWORD, **extra}
    return APIClient().post("/api/v1/auth/token/", body, format="json")


def calls_with(key: str, url: str = "/api/v1/contracts/"):
    return APIClient().get(url, HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_is_kept_only_as_a_hash_and_listed_without_its_key(ours):
    response = ask_token(ours.admin, name="SIEM")
    assert response.status_code == 200
    key = response.json()["token"]
    token = ApiToken.objects.get(user=ours.admin)
    assert key not in token.key_hash
    assert token.prefix == key[:8]
    assert token.name == "SIEM"
    assert calls_with(key).status_code == 200
    listed = calls_with(key, "/api/v1/auth/tokens/").json()["results"]
    assert [t["id"] for t in listed] == [token.pk]
    assert {"id", "name", "created_at", "last_used_at", "expires_at"} <= set(listed[0])
    assert key not in str(listed)
    assert token.key_hash not in str(listed)
    assert listed[0]["last_used_at"] is not None
    lifetime = token.expires_at - token.created_at
    assert abs(lifetime - datetime.timedelta(days=90)) < datetime.timedelta(minutes=1)


def test_last_use_is_written_at_most_once_a_minute(ours):
    token, key = token_create(user=ours.member, name="script")
    assert calls_with(key).status_code == 200
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    assert calls_with(key).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    assert calls_with(key).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - datetime.timedelta(minutes=1)


def test_a_revoked_token_is_refused(ours):
    token, key = token_create(user=ours.member, name="script")
    _other, other_key = token_create(user=ours.member, name="other")
    assert calls_with(key).status_code == 200
    response = APIClient().delete(
        f"/api/v1/auth/tokens/{token.pk}/", HTTP_AUTHORIZATION=f"Token {other_key}"
    )
    assert response.status_code == 204
    assert calls_with(key).status_code == 401
    assert calls_with(other_key).status_code == 200


def test_an_expired_token_is_refused(ours):
    token, key = token_create(user=ours.member, name="script")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert calls_with(key).status_code == 401
    assert calls_with("not-a-token-at-all").status_code == 401


def test_a_deactivated_users_tokens_stop_at_once(ours):
    _token, key = token_create(user=ours.member, name="script")
    assert calls_with(key).status_code == 200
    member_remove(membership=ours.member_membership)
    assert calls_with(key).status_code == 401


def test_a_password_change_ends_the_users_tokens(ours):
    _token, key = token_create(user=ours.member, name="script")
    ours.member.set_password("another long passphrase 42")
    ours.member.save()
    assert calls_with(key).status_code == 401
    assert not ApiToken.objects.filter(user=ours.member).exists()


def test_the_password_form_ends_the_users_tokens(ours):
    _token, key = token_create(user=ours.member, name="script")
    client = Client()
    client.force_login(ours.member)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "another long passphrase 42",
            "password2": "another long passphrase 42",
        },
    )
    assert response.status_code == 302
    assert calls_with(key).status_code == 401


def test_a_hash_upgrade_at_login_keeps_the_tokens(ours, settings):
    _token, key = token_create(user=ours.member, name="script")
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert ours.member.check_password(PASSWORD)  # rehashed and saved
    assert ours.member.password.startswith("pbkdf2")
    assert calls_with(key).status_code == 200


def test_only_the_owner_or_a_provider_admin_revokes_a_token(ours, theirs, provider_admin):
    token, key = token_create(user=theirs.member, name="script")
    _mine, my_key = token_create(user=ours.admin, name="mine")
    outsider = APIClient().delete(
        f"/api/v1/auth/tokens/{token.pk}/", HTTP_AUTHORIZATION=f"Token {my_key}"
    )
    assert outsider.status_code == 404
    assert calls_with(key).status_code == 200
    admin = APIClient()
    admin.force_authenticate(provider_admin)
    assert admin.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 204
    assert calls_with(key).status_code == 401


def test_staff_get_a_token_only_with_a_second_factor(db):
    engineer = StaffFactory(staff_role=StaffRole.ENGINEER)
    unset = ask_token(engineer)
    assert unset.status_code == 403
    assert unset.json()["code"] == "mfa_required"
    secret = give_totp(engineer)
    without = ask_token(engineer)
    assert without.status_code == 403
    assert without.json()["code"] == "mfa_required"
    wrong = f"{(int(totp_code(secret)) + 1) % 10**6:06d}"
    assert ask_token(engineer, code=wrong).json()["code"] == "mfa_required"
    assert not ApiToken.objects.filter(user=engineer).exists()
    response = ask_token(engineer, code=totp_code(secret))
    assert response.status_code == 200
    assert calls_with(response.json()["token"], "/api/v1/incidents/").status_code == 200


def test_a_recovery_code_gets_a_token_once(db):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    engineer = StaffFactory(staff_role=StaffRole.ADMIN)
    give_totp(engineer)
    code = RecoveryCodes.activate(engineer).get_unused_codes()[0]
    assert ask_token(engineer, code=code).status_code == 200
    again = ask_token(engineer, code=code)
    assert again.status_code == 403
    assert again.json()["code"] == "mfa_required"


def test_a_customer_with_a_second_factor_needs_the_code(ours):
    assert ask_token(ours.member).status_code == 200  # none set up: none asked for
    secret = give_totp(ours.member)
    assert ask_token(ours.member).json()["code"] == "mfa_required"
    assert ask_token(ours.member, code=totp_code(secret)).status_code == 200


def test_the_tokens_page_shows_a_new_key_once_and_revokes(client, ours):
    client.force_login(ours.member)
    made = client.post("/account/tokens/", {"name": "Nightly export"})
    assert made.status_code == 200
    token = ApiToken.objects.get(user=ours.member)
    key = made.context["new_key"]
    assert key.startswith(token.prefix)
    assert key.encode() in made.content
    page = client.get("/account/tokens/")
    assert b"Nightly export" in page.content
    assert key.encode() not in page.content
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    assert calls_with(key).status_code == 401
    assert client.post("/account/tokens/", {"name": ""}).status_code == 400
