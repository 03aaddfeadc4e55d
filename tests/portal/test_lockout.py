"""One lockout for every way in: the login page, the token endpoint and the admin's login,
per account and per client address, in the shared cache."""

import pytest
from axes.handlers.proxy import AxesProxyHandler
from django.core.cache import cache, caches
from django.test import RequestFactory

from portal.client import client_ip
from portal.models import ApiToken
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 3
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def page_login(client, email, password, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def token_login(client, email, password, **extra):
    return client.post(
        TOKEN, {"email": email, "password": password}, content_type="application/json", **extra
    )


def admin_login(client, email, password, **extra):
    return client.post(
        "/admin/login/?next=/admin/", {"username": email, "password": password}, **extra
    )


def assert_locked_page(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed attempts" in response.content.decode()


def assert_locked_token(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert set(response.json()) == {"detail"}
    assert "Too many failed attempts" in response.json()["detail"]


def test_failures_on_the_login_page_lock_the_account_everywhere(client, ours):
    for _ in range(LIMIT - 1):
        assert page_login(client, ours.admin.email, "wrong guess").status_code == 200
    assert_locked_page(page_login(client, ours.admin.email.upper(), "wrong guess"))

    # The right password no longer opens anything for that account.
    assert_locked_page(page_login(client, ours.admin.email, PASSWORD))
    assert client.get("/")["Location"].startswith("/accounts/login/")
    assert_locked_token(token_login(client, ours.admin.email, PASSWORD))
    assert not ApiToken.objects.filter(user=ours.admin).exists()


def test_a_locked_account_gets_no_token_from_another_address(client, ours):
    for _ in range(LIMIT):
        token_login(client, ours.member.email, "wrong guess", REMOTE_ADDR="203.0.113.5")
    response = token_login(client, ours.member.email, PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert_locked_token(response)
    assert not ApiToken.objects.filter(user=ours.member).exists()
    # Someone else, from that other address, is not affected.
    other = token_login(client, ours.admin.email, PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200


def test_token_endpoint_failures_lock_the_login_page(client, ours):
    for _ in range(LIMIT):
        assert token_login(client, ours.member.email, "wrong guess").status_code in (401, 429)
    assert_locked_page(page_login(client, ours.member.email, PASSWORD))


def test_admin_login_locks_too(client, provider_admin):
    for _ in range(LIMIT - 1):
        assert admin_login(client, provider_admin.email, "wrong guess").status_code == 200
    assert_locked_page(admin_login(client, provider_admin.email, "wrong guess"))
    assert_locked_page(admin_login(client, provider_admin.email, PASSWORD))
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert_locked_page(page_login(client, provider_admin.email, PASSWORD))


def test_one_address_guessing_many_accounts_is_locked_out(client, ours, theirs):
    for victim in (ours.admin, ours.member, theirs.admin):
        page_login(client, victim.email, "wrong guess", REMOTE_ADDR="203.0.113.9")
    # Even a right password, for an account nobody guessed at, from that address.
    response = page_login(client, theirs.member.email, PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert_locked_page(response)
    # The same person from their own address is let in.
    assert page_login(client, theirs.member.email, PASSWORD).status_code == 302


def test_rotating_x_forwarded_for_does_not_escape_the_lockout(client, ours, theirs):
    victims = [ours.admin, ours.member, theirs.admin]
    for number, victim in enumerate(victims):
        token_login(client, victim.email, "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")
    response = token_login(client, theirs.member.email, PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert_locked_token(response)


def test_the_lockout_is_kept_in_the_shared_cache(client, ours, settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    for _ in range(LIMIT):
        page_login(client, ours.admin.email, "wrong guess")
    # Another worker has nothing of this one's memory: new connections, Redis's answer.
    cache.close()
    del caches["default"]
    AxesProxyHandler.get_implementation(force=True)
    assert_locked_token(token_login(client, ours.admin.email, PASSWORD))


def test_the_client_address_ignores_forwarded_headers_unless_proxies_are_trusted(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.2"
    )
    settings.PORTAL_PROXY_COUNT = 0
    assert client_ip(request) == "192.0.2.1"
    settings.PORTAL_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.2"
    settings.PORTAL_PROXY_COUNT = 2
    assert client_ip(request) == "10.0.0.1"
    settings.PORTAL_PROXY_COUNT = 5
    assert client_ip(request) == "10.0.0.1"
