"""The second factor: staff (and members of an organisation that requires it) who have not
done it reach nothing but the second factor's own pages, on every route and the API."""

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from portal.mfa import MFA_PAGES
from portal.models import StaffRole
from tests.factories import PASSWORD, StaffFactory
from tests.isolation.conftest import METHODS, own_url
from tests.isolation.test_roles import ALL_ROUTES
from tests.mfa import give_totp, totp_code

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"
# Routes a held-back session may still use: the second factor's pages and signing out; the
# token endpoint takes no session (credentials and a code: tests/portal/test_tokens.py).
OPEN = MFA_PAGES | {"api_token"}


def held_back(response, is_api: bool, where: str) -> None:
    if is_api:
        assert response.status_code == 403, f"{where}: {response.status_code}"
        if not response["Content-Type"].startswith("text/html"):  # the docs page: a bare 403
            assert b"mfa_required" in response.content, where  # JSON, or the schema's YAML
    else:
        assert response.status_code == 302, f"{where}: {response.status_code}"
        assert response["Location"].startswith(ACTIVATE), f"{where}: {response['Location']}"


@pytest.mark.parametrize(
    ("route_name", "kwargs", "path"), ALL_ROUTES, ids=[r[2] for r in ALL_ROUTES]
)
def test_staff_without_a_second_factor_reach_nothing(world, route_name, kwargs, path):
    if route_name.split(":")[-1] in OPEN or route_name.startswith("account_"):
        return
    client = Client()
    client.force_login(StaffFactory(staff_role=StaffRole.ADMIN))
    url = own_url(route_name, kwargs, world) if kwargs else reverse(route_name)
    is_api = url.startswith("/api/")
    for method in METHODS:
        response = getattr(client, method)(url, content_type="application/json")
        held_back(response, is_api, f"{method.upper()} {url}")


@pytest.mark.parametrize("url", ["/admin/", "/admin/portal/user/", "/accounts/password/change/"])
def test_staff_without_a_second_factor_reach_no_admin_or_account_page(db, url):
    client = Client()
    client.force_login(StaffFactory(staff_role=StaffRole.ADMIN))
    held_back(client.get(url), False, url)


def log_in(user) -> Client:
    """The login form, then the password again: allauth asks for it before a factor is set up."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(ACTIVATE)["Location"].startswith(reverse("account_reauthenticate"))
    again = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert again.status_code == 302
    return client


def test_staff_may_still_set_it_up_and_log_out(db):
    client = log_in(StaffFactory(staff_role=StaffRole.ENGINEER))
    assert client.get(ACTIVATE).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get("/desk/").status_code == 302  # signed out: to the login page


@pytest.mark.django_db(transaction=True)  # allauth's on-commit work runs inside the request
def test_setting_it_up_opens_the_portal():
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    engineer = StaffFactory(staff_role=StaffRole.ENGINEER)
    client = log_in(engineer)
    assert client.get("/desk/")["Location"].startswith(ACTIVATE)
    client.get(ACTIVATE)
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=engineer, type=Authenticator.Type.TOTP).exists()
    assert client.get("/desk/").status_code == 200
    assert client.get("/api/v1/incidents/").status_code == 200


def test_staff_with_an_authenticator_log_in_with_a_code(db):
    engineer = StaffFactory(staff_role=StaffRole.ENGINEER)
    secret = give_totp(engineer)
    client = Client()
    login = client.post(reverse("account_login"), {"login": engineer.email, "password": PASSWORD})
    assert login["Location"] == reverse("mfa_authenticate")
    assert client.get("/desk/").status_code == 302  # not signed in yet
    done = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert done.status_code == 302
    assert client.get("/desk/").status_code == 200


def test_a_signed_in_session_without_the_code_is_asked_for_it(db):
    """Forced or older sessions of someone who has an authenticator: reauthenticate with it."""
    engineer = StaffFactory(staff_role=StaffRole.ENGINEER)
    give_totp(engineer)
    client = Client()
    client.force_login(engineer)
    assert client.get("/desk/")["Location"].startswith(reverse("mfa_reauthenticate"))


def test_a_recovery_code_works_once(db):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    engineer = StaffFactory(staff_role=StaffRole.ENGINEER)
    give_totp(engineer)
    code = RecoveryCodes.activate(engineer).get_unused_codes()[0]
    for expected in (200, 302):
        client = Client()
        client.post(reverse("account_login"), {"login": engineer.email, "password": PASSWORD})
        client.post(reverse("mfa_authenticate"), {"code": code})
        assert client.get("/desk/").status_code == expected


def test_staff_cannot_remove_the_factor_they_must_have(db):
    engineer = StaffFactory(staff_role=StaffRole.ENGINEER)
    give_totp(engineer)
    client = Client()
    client.force_login(engineer)
    from tests.mfa import record_mfa

    record_mfa(client, engineer)
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=engineer, type=Authenticator.Type.TOTP).exists()


def test_the_requirement_can_be_turned_off(db, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client = Client()
    client.force_login(StaffFactory(staff_role=StaffRole.ENGINEER))
    assert client.get("/desk/").status_code == 200
    assert client.get("/api/v1/incidents/").status_code == 200


def test_a_customer_admin_requires_it_of_the_members(ours, theirs):
    member = Client()
    member.force_login(ours.member)
    assert member.get(f"/organizations/{ours.organization.pk}/").status_code == 200
    assert (
        member.post(
            f"/organizations/{ours.organization.pk}/second-factor/", {"required": "1"}
        ).status_code
        == 403
    )
    admin = Client()
    admin.force_login(ours.admin)
    page = admin.get(f"/organizations/{ours.organization.pk}/")
    assert b"Require a second factor" in page.content
    response = admin.post(
        f"/organizations/{ours.organization.pk}/second-factor/", {"required": "1"}
    )
    assert response.status_code == 302
    ours.organization.refresh_from_db()
    assert ours.organization.require_mfa
    held_back(member.get(f"/organizations/{ours.organization.pk}/"), False, "member page")
    held_back(member.get("/api/v1/contracts/"), True, "member API")
    held_back(admin.get("/incidents/"), False, "the admin too")
    # Another organisation's members are not affected; nor may its admin change ours.
    other = Client()
    other.force_login(theirs.admin)
    assert other.get("/incidents/").status_code == 200
    refused = other.post(f"/organizations/{ours.organization.pk}/second-factor/", {"required": "0"})
    assert refused.status_code == 404
