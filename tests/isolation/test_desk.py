"""The desk is the provider's: a customer finds nothing there (404 on every method of every
desk page and desk API, their own objects in the path or not)."""

import re

import pytest
from django.urls import reverse

from portal.models import MemberRole
from tests.isolation.conftest import METHODS, customer, own_url
from tests.isolation.test_roles import ALL_ROUTES

pytestmark = pytest.mark.django_db

# The desk's pages, and the API routes it added (API.md, "TAM desk").
DESK_PATHS = re.compile(r"^(desk/|api/v1/\^?(absences|rota|desk)\b)")
DESK_ROUTES = [route for route in ALL_ROUTES if DESK_PATHS.match(route[2].lstrip("^"))]


def test_the_desk_routes_are_found():
    names = {name.split(":")[-1] for name, _kwargs, _path in DESK_ROUTES}
    assert {"desk", "desk_live", "desk_take_next", "rota", "portfolio"} <= names
    assert any(path.startswith("api/v1/") for _name, _kwargs, path in DESK_ROUTES)


@pytest.mark.parametrize("role", MemberRole.values)
@pytest.mark.parametrize(
    ("route_name", "kwargs", "path"), DESK_ROUTES, ids=[r[2] for r in DESK_ROUTES]
)
def test_customers_get_404_on_every_desk_route(client, world, ours, role, route_name, kwargs, path):
    client.force_login(customer(ours, role))
    url = own_url(route_name, kwargs, world) if kwargs else reverse(route_name)
    for method in METHODS:
        response = getattr(client, method)(url, content_type="application/json")
        assert response.status_code in (404, 405), f"{method.upper()} {url}: {response.status_code}"
