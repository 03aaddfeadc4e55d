"""Shared fixtures: two customer organisations (ours and an outsider's) and provider staff."""

import importlib
import uuid
from dataclasses import dataclass

import pytest
from axes.handlers.proxy import AxesProxyHandler
from rest_framework.test import APIClient

from contracts.models import Contract, Tier
from portal.models import MemberRole, Membership, Organization, StaffRole, User
from tests.factories import (
    CalendarFactory,
    ContractFactory,
    MembershipFactory,
    OrganizationFactory,
    StaffFactory,
)
from tests.mfa import MfaClient


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last, every other order kept (pytest-django's included).

    pytest-playwright's session-scoped `playwright` fixture leaves an event loop on the main
    thread from the first browser test to the end of the session. Django refuses ORM calls
    while one is there, and only the browser tests are allowed them (tests/browser/conftest.py),
    so a test that touches the database after a browser test would fail.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Real hashing costs ~0.2 s a user; the suite makes hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.PORTAL_BASE_URL = "http://testserver"
    # A cache of the test's own (a fresh key prefix): login lockouts, rate limits and
    # throttles never carry over between tests or xdist workers, and nothing is flushed
    # (Celery shares the Redis database).
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }
    # django-axes' handler holds on to the cache it started with: start it again on this one.
    AxesProxyHandler.get_implementation(force=True)
    from portal.celery import app

    app.conf.task_always_eager = True


@dataclass
class Tenant:
    organization: Organization
    contract: Contract
    admin: User
    member: User
    admin_membership: Membership
    member_membership: Membership


def seed_catalogue() -> None:
    """The shipped tiers and calendars, again after a transactional test flushed them."""
    from django.apps import apps

    importlib.import_module("contracts.migrations.0003_seed_catalogue").seed(apps, None)
    importlib.import_module("contracts.migrations.0011_tier_vendor").name_vendors(apps, None)


def make_tenant(name: str, tier_code: str = "msa-enterprise") -> Tenant:
    seed_catalogue()
    organization = OrganizationFactory(name=name)
    contract = ContractFactory(
        organization=organization,
        tier=Tier.objects.get(code=tier_code),
        calendar=CalendarFactory(name=f"{name} hours"),
    )
    admin = MembershipFactory(organization=organization, role=MemberRole.ADMIN)
    member = MembershipFactory(organization=organization, role=MemberRole.MEMBER)
    return Tenant(organization, contract, admin.user, member.user, admin, member)


@pytest.fixture
def ours(db) -> Tenant:
    return make_tenant("Ours Ltd")


@pytest.fixture
def theirs(db) -> Tenant:
    return make_tenant("Theirs Inc")


@pytest.fixture
def staff(db) -> dict[str, User]:
    return {role: StaffFactory(staff_role=role) for role in StaffRole.values}


@pytest.fixture
def provider_admin(staff) -> User:
    return staff[StaffRole.ADMIN]


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def api():
    return client_for


@pytest.fixture
def client() -> MfaClient:
    """pytest-django's client, whose force_login also records the second factor as done
    (staff need it: portal.mfa). Tests of the requirement itself use django.test.Client."""
    return MfaClient()
