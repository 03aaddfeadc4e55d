"""API throttles: per user, per client address on logging in, 429 with Retry-After; the
rates are settings a test (or a deployment) can change."""

import pytest

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def rates(settings):
    def set_rates(**rates):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                **rates,
            },
        }

    return set_rates


def assert_throttled(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


def test_the_defaults_are_generous_for_integrations_and_strict_on_logging_in(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates["user"] == "1000/min"
    assert rates["login"] == "10/min"
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.PORTAL_PROXY_COUNT == 0


def test_a_user_over_the_rate_gets_429_with_retry_after(api, ours, rates):
    rates(user="3/min")
    client = api(ours.member)
    for _ in range(3):
        assert client.get("/api/v1/contracts/").status_code == 200
    assert_throttled(client.get("/api/v1/contracts/"))
    # Per user: a colleague is not slowed down by it.
    assert api(ours.admin).get("/api/v1/contracts/").status_code == 200


def test_a_raised_rate_lets_the_same_calls_through(api, ours, rates):
    rates(user="3/min")
    client = api(ours.member)
    for _ in range(3):
        client.get("/api/v1/contracts/")
    rates(user="100/min")
    assert client.get("/api/v1/contracts/").status_code == 200


def test_token_requests_are_limited_per_address_and_rotating_the_header_does_not_help(
    client, ours, rates, settings
):
    settings.AXES_FAILURE_LIMIT = 100  # the throttle, not the lockout, is under test
    rates(login="3/min")
    for number in range(3):
        response = client.post(
            TOKEN,
            {"email": f"guess{number}@example.test", "password": "guess"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"10.1.2.{number}",
        )
        assert response.status_code == 401
    assert_throttled(
        client.post(
            TOKEN,
            {"email": ours.admin.email, "password": "anything"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR="10.200.0.1",
        )
    )
    # Another client address is served.
    response = client.post(
        TOKEN,
        {"email": ours.admin.email, "password": "nope"},
        content_type="application/json",
        REMOTE_ADDR="192.0.2.44",
    )
    assert response.status_code == 401


def test_anonymous_callers_are_limited_per_address(client, rates):
    rates(anon="1/min")
    assert client.get("/api/v1/schema/", HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 200
    throttled = client.get("/api/v1/schema/", HTTP_X_FORWARDED_FOR="10.0.0.2")
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
