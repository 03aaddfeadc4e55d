"""The error pages in the portal's layout with a way back, the favicon, one log entry per
refusal, and a sign-in page that says how to get an account instead of offering a sign-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import path

from portal.urls import urlpatterns as portal_urls

ROOT = Path(__file__).resolve().parents[2]


def fails(request):
    raise RuntimeError("a bug")


urlpatterns = [path("bug/", fails), *portal_urls]


def test_a_page_not_found_is_in_the_layout_with_a_way_back(client, ours):
    client.force_login(ours.member)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert 'aria-label="Main"' in page  # the portal's own navigation
    assert 'href="/"' in page
    assert "Back to the start page" in page


def test_the_api_still_answers_json_for_a_missing_route(client):
    response = client.get("/api/v1/no-such-route/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_refusal_shows_its_reason_in_the_layout(client, ours):
    client.force_login(ours.member)  # a member, not the customer admin, manages no contacts
    response = client.post(
        f"/organizations/{ours.organization.pk}/contacts/",
        {"email": "new@example.test", "role": "member"},
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Not allowed" in page
    assert "customer admin manages contacts" in page
    assert 'aria-label="Main"' in page
    assert "Back to the start page" in page


@pytest.mark.urls(__name__)
def test_a_server_error_is_in_the_layout_with_a_way_back(db):
    response = Client(raise_request_exception=False).get("/bug/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert 'class="topbar"' in page
    assert "Back to the start page" in page


def test_every_page_names_the_favicon_and_the_old_address_finds_it(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    assert (ROOT / "static" / "favicon.svg").read_text().startswith("<svg")


def test_the_sign_in_page_says_how_to_get_an_account_and_offers_no_sign_up(client):
    page = client.get("/accounts/login/").content.decode()
    assert "/accounts/signup/" not in page
    assert "sign up" not in page.lower()
    assert "Ask your organisation's admin" in page.replace("&#x27;", "'")
    closed = client.get("/accounts/signup/").content.decode().replace("&#x27;", "'")
    assert "Ask your organisation's admin" in closed


REFUSE_ONCE = """
import django
django.setup()
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.test import RequestFactory
request = RequestFactory().get("/organizations/1/", SERVER_NAME="127.0.0.1")
request.user = AnonymousUser()
try:
    raise PermissionDenied("No.")
except PermissionDenied as refusal:  # as a view raises it, with its traceback
    print(response_for_exception(request, refusal).status_code)
"""


@pytest.mark.parametrize("debug", ["1", "0"])
def test_a_refusal_is_logged_once(debug):
    """`make run` runs with DEBUG=1, where Django's own console handler used to repeat every
    request warning the portal's root handler had already written."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DEBUG=debug, DJANGO_SETTINGS_MODULE="portal.settings", LOG_LEVEL="INFO")
    done = subprocess.run(
        [sys.executable, "-c", REFUSE_ONCE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "403", done.stderr
    assert done.stderr.count("Forbidden (Permission denied): /organizations/1/") == 1, done.stderr
    assert done.stderr.count("Traceback") == 1, done.stderr
