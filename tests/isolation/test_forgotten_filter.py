"""A customer request whose code forgot the organisation filter still finds only the
customer's rows: the middleware runs it inside row-level security (portal/tenancy.py).

The views below are registered for these tests only; they list every incident with
`Incident.objects.all()`, the very bug the database's wall is for."""

import pytest
from django.http import JsonResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.models import Incident
from portal.tenancy import customer_scope

pytestmark = pytest.mark.django_db


def every_title() -> list[str]:
    return sorted(Incident.objects.all().values_list("title", flat=True))


def unfiltered_page(request):
    return JsonResponse({"titles": every_title()})


class UnfilteredApi(APIView):
    def get(self, request):
        return Response({"titles": every_title()})


urlpatterns = [
    path("forgot-the-filter/", unfiltered_page),
    path("api/forgot-the-filter/", UnfilteredApi.as_view()),
    path("", include("portal.urls")),
]


@pytest.fixture
def leaky_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def titles(world):
    return world["secrets"]["ours"].title, world["secrets"]["theirs"].title


@pytest.mark.parametrize("url", ["/forgot-the-filter/", "/api/forgot-the-filter/"])
def test_a_signed_in_customer_sees_only_their_rows(client, ours, titles, leaky_urls, url):
    client.force_login(ours.member)
    assert client.get(url).json()["titles"] == [titles[0]]


def test_a_customer_with_a_token_sees_only_their_rows(client, ours, titles, leaky_urls):
    ours.member.set_password("a long enough passphrase")
    ours.member.save()
    token = client.post(
        "/api/v1/auth/token/",
        {"email": ours.member.email, "password": "a long enough passphrase"},
        content_type="application/json",
    ).json()["token"]
    response = client.get("/api/forgot-the-filter/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.json()["titles"] == [titles[0]]


def test_a_forged_token_finds_no_rows_before_it_is_refused(client, titles, leaky_urls):
    request = client.get("/forgot-the-filter/", HTTP_AUTHORIZATION="Token forged").wsgi_request
    assert customer_scope(request) == (True, None)


@pytest.mark.parametrize("url", ["/forgot-the-filter/", "/api/forgot-the-filter/"])
def test_the_same_views_show_staff_every_tenant(client, provider_admin, titles, leaky_urls, url):
    """The views really do not filter: the wall, not the code, kept the customer's view."""
    client.force_login(provider_admin)
    assert client.get(url).json()["titles"] == sorted(titles)
