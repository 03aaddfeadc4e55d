"""The catalogue's API: products with their versions' lifecycle, contract products,
database releases (who writes, who reads which, the request id only to its owner), and an
organisation's entitlements on a day."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from contracts.catalogue_models import DatabaseRelease, ProductVersion
from contracts.holdings import latest_release
from contracts.models import Product
from incidents.models import Kind, PrivatePatch
from portal.models import StaffRole
from tests.factories import IncidentFactory
from tests.incidents.signature_helpers import signature

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
PRODUCTS = "/api/v1/products/"
RELEASES = "/api/v1/database-releases/"


@pytest.fixture
def catalogue(ours, theirs):
    """Shield (ours and theirs hold it), Gateway (ours only), Vault (theirs only)."""
    made = {
        name: Product.objects.create(name=name, vendor="Kaspersky")
        for name in ("Shield", "Gateway", "Vault")
    }
    ours.contract.products.set([made["Shield"], made["Gateway"]])
    theirs.contract.products.set([made["Shield"], made["Vault"]])
    return made


def release(product, version, hours_ago, **extra):
    at = timezone.now() - datetime.timedelta(hours=hours_ago)
    return DatabaseRelease.objects.create(product=product, version=version, released_at=at, **extra)


def signature_request(tenant, product):
    """A signature change request of the tenant about the product, filed with its databases
    at the latest release (a first one, long ago, when none is recorded yet)."""
    latest = latest_release(product) or release(product, "0.1", 500)
    return IncidentFactory(
        actor=tenant.member,
        kind=Kind.SIGNATURE_CHANGE,
        product=product,
        signature=signature(version=latest.version),
    )


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


# -- products -------------------------------------------------------------------------------


def test_an_admin_creates_a_product_with_versions_and_reads_their_stages(api, provider_admin):
    today = timezone.localdate()
    year = datetime.timedelta(days=365)
    body = {
        "name": "Endpoint Shield",
        "vendor": "Kaspersky",
        "versions": [
            {"version": "11.0", "ga_on": str(today - 3 * year), "eol_on": str(today)},
            {"version": "12.0", "ga_on": str(today - 2 * year), "limited_on": str(today)},
            {"version": "13.0", "ga_on": str(today - year)},
        ],
    }
    response = api(provider_admin).post(PRODUCTS, body, format="json")
    assert response.status_code == 201, response.content
    stages = {v["version"]: v["stage"] for v in response.json()["versions"]}
    assert stages == {"11.0": "eol", "12.0": "limited", "13.0": "ga"}
    listed = results(api(provider_admin).get(PRODUCTS))
    assert listed[0]["name"] == "Endpoint Shield"
    assert listed[0]["versions"][0]["limited_on"] is None


def test_versions_given_replace_the_products_versions(api, provider_admin, catalogue):
    shield = catalogue["Shield"]
    kept = ProductVersion.objects.create(product=shield, version="1.0", ga_on="2025-01-01")
    ProductVersion.objects.create(product=shield, version="0.9", ga_on="2024-01-01")
    response = api(provider_admin).patch(
        f"{PRODUCTS}{shield.pk}/",
        {"versions": [{"version": "1.0", "ga_on": "2025-01-01", "eol_on": "2030-01-01"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    ((version_id, eol),) = shield.versions.values_list("id", "eol_on")
    assert (version_id, eol) == (kept.pk, datetime.date(2030, 1, 1))


def test_dates_out_of_order_are_a_400_on_versions(api, provider_admin, catalogue):
    response = api(provider_admin).patch(
        f"{PRODUCTS}{catalogue['Shield'].pk}/",
        {"versions": [{"version": "1.0", "ga_on": "2025-01-01", "limited_on": "2024-01-01"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "Limited support cannot begin" in response.json()["versions"][0]


def test_a_version_a_patch_request_names_is_not_removed(api, provider_admin, ours, catalogue):
    shield = catalogue["Shield"]
    version = ProductVersion.objects.create(product=shield, version="1.0", ga_on="2025-01-01")
    incident = IncidentFactory(actor=ours.member, product=shield)
    PrivatePatch.objects.create(
        organization=ours.organization, incident=incident, product_version=version
    )
    response = api(provider_admin).patch(f"{PRODUCTS}{shield.pk}/", {"versions": []}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
    assert shield.versions.exists()


def test_a_taken_name_is_a_409_and_only_provider_admins_write(api, staff, ours, catalogue):
    admin = staff[StaffRole.ADMIN]
    taken = api(admin).post(PRODUCTS, {"name": "Shield"}, format="json")
    assert taken.status_code == 409
    assert taken.json()["code"] == "already_exists"
    assert (
        api(staff[StaffRole.ENGINEER]).post(PRODUCTS, {"name": "X"}, format="json").status_code
        == 403
    )
    url = f"{PRODUCTS}{catalogue['Shield'].pk}/"
    assert api(ours.admin).patch(url, {"name": "Mine"}, format="json").status_code == 403


def test_customers_read_the_products_their_contracts_cover(api, ours, catalogue):
    names = {p["name"] for p in results(api(ours.member).get(PRODUCTS))}
    assert names == {"Shield", "Gateway"}
    assert api(ours.member).get(f"{PRODUCTS}{catalogue['Vault'].pk}/").status_code == 404


# -- contract products ----------------------------------------------------------------------


def test_provider_admins_set_a_contracts_products(api, provider_admin, ours, catalogue):
    url = f"/api/v1/contracts/{ours.contract.pk}/"
    response = api(provider_admin).patch(url, {"products": [catalogue["Vault"].pk]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["products"] == [catalogue["Vault"].pk]
    assert api(ours.member).get(url).json()["products"] == [catalogue["Vault"].pk]


def test_a_product_of_another_vendor_is_a_400_on_products(api, provider_admin, ours):
    trend = Product.objects.create(name="Apex One", vendor="Trend Micro")
    response = api(provider_admin).patch(
        f"/api/v1/contracts/{ours.contract.pk}/", {"products": [trend.pk]}, format="json"
    )
    assert response.status_code == 400
    assert "Apex One cannot be held" in response.json()["products"][0]


# -- database releases ----------------------------------------------------------------------


def test_staff_record_a_release(api, staff, catalogue):
    engineer = staff[StaffRole.ENGINEER]
    at = (timezone.now() - datetime.timedelta(minutes=5)).replace(microsecond=0)
    body = {
        "product": catalogue["Shield"].pk,
        "version": "2026.11.29.1",
        "released_at": at.isoformat(),
    }
    response = api(engineer).post(RELEASES, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {
        "id": response.json()["id"],
        "product": catalogue["Shield"].pk,
        "version": "2026.11.29.1",
        "released_at": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "expedited": False,
        "request": None,
    }
    assert DatabaseRelease.objects.get().recorded_by == engineer
    again = api(engineer).post(RELEASES, body, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_exists"


def test_an_expedited_release_names_a_signature_request_of_its_product(api, staff, ours, catalogue):
    engineer = staff[StaffRole.ENGINEER]
    request = signature_request(ours, catalogue["Shield"])
    problem = IncidentFactory(actor=ours.member, product=catalogue["Gateway"])
    at = timezone.now().isoformat()

    def post(**extra):
        body = {"product": catalogue["Shield"].pk, "released_at": at, **extra}
        return api(engineer).post(RELEASES, body, format="json")

    good = post(version="1.1", expedited=True, request=request.pk)
    assert good.status_code == 201, good.content
    assert good.json()["request"] == request.pk
    assert post(version="1.2", request=request.pk).status_code == 400  # not expedited
    assert post(version="1.3", expedited=True, request=problem.pk).status_code == 400
    gateway = api(engineer).post(
        RELEASES,
        {
            "product": catalogue["Gateway"].pk,
            "version": "9",
            "released_at": at,
            "expedited": True,
            "request": request.pk,
        },
        format="json",
    )
    assert gateway.status_code == 400
    assert "not a signature change request about Gateway" in gateway.json()["request"][0]


def test_a_release_in_the_future_and_a_customers_release_are_refused(api, staff, ours, catalogue):
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    body = {"product": catalogue["Shield"].pk, "version": "1", "released_at": later}
    assert api(staff[StaffRole.ENGINEER]).post(RELEASES, body, format="json").status_code == 400
    body["released_at"] = timezone.now().isoformat()
    assert api(ours.admin).post(RELEASES, body, format="json").status_code == 403
    assert not DatabaseRelease.objects.exists()


def test_customers_read_releases_of_held_products_newest_first(api, ours, theirs, catalogue):
    old = release(catalogue["Shield"], "1.0", 48)
    new = release(catalogue["Shield"], "1.1", 1)
    gateway = release(catalogue["Gateway"], "7", 24)
    release(catalogue["Vault"], "3", 2)
    listed = results(api(ours.member).get(RELEASES))
    assert [r["id"] for r in listed] == [new.pk, gateway.pk, old.pk]
    shield = results(api(ours.member).get(f"{RELEASES}?product={catalogue['Shield'].pk}"))
    assert [r["id"] for r in shield] == [new.pk, old.pk]
    assert api(ours.member).get(f"{RELEASES}?product=x").status_code == 400


def test_customers_see_the_request_id_only_of_their_own_request(api, ours, theirs, catalogue):
    theirs_request = signature_request(theirs, catalogue["Shield"])
    ours_request = signature_request(ours, catalogue["Shield"])
    foreign = release(catalogue["Shield"], "2", 2, expedited=True, request=theirs_request)
    own = release(catalogue["Shield"], "3", 1, expedited=True, request=ours_request)
    shown = {r["id"]: r["request"] for r in results(api(ours.member).get(RELEASES))}
    assert (shown[own.pk], shown[foreign.pk]) == (ours_request.pk, None)
    assert api(ours.member).get(f"{RELEASES}{foreign.pk}/").json()["request"] is None


def test_a_product_no_longer_held_hides_its_releases(api, ours, catalogue):
    gateway = release(catalogue["Gateway"], "7", 1)
    ours.contract.ends_on = timezone.localdate() - datetime.timedelta(days=2)
    ours.contract.starts_on = ours.contract.ends_on - datetime.timedelta(days=30)
    ours.contract.save(update_fields=["starts_on", "ends_on"])
    assert results(api(ours.member).get(RELEASES)) == []
    assert api(ours.member).get(f"{RELEASES}{gateway.pk}/").status_code == 404


# -- entitlements ---------------------------------------------------------------------------


@pytest.fixture
def silver(ours):
    from contracts.models import Tier

    ours.contract.tier = Tier.objects.get(code="av-silver")
    ours.contract.purchased_on = datetime.date(2026, 3, 15)
    ours.contract.save(update_fields=["tier", "purchased_on"])
    return ours


def entitlements(api, user, organization, on=None):
    url = f"/api/v1/organizations/{organization.pk}/entitlements/"
    return api(user).get(url + (f"?on={on}" if on else ""))


def test_entitlements_say_until_when_updates_are_included(api, silver, staff, catalogue):
    org = silver.organization
    last = entitlements(api, staff[StaffRole.ENGINEER], org, "2027-03-14")
    assert last.status_code == 200, last.content
    assert last.json()["updates"] == {"entitled": True, "until": "2027-03-14"}
    after = entitlements(api, silver.member, org, "2027-03-15").json()
    assert after["updates"] == {"entitled": False, "until": "2027-03-14"}
    assert after["on"] == "2027-03-15"


def test_entitlements_list_the_products_held_on_the_day(api, ours, catalogue):
    with time_machine.travel(datetime.datetime(2026, 6, 3, 10, tzinfo=UTC), tick=False):
        body = entitlements(api, ours.admin, ours.organization).json()
    assert body["on"] == "2026-06-03"
    assert body["products"] == sorted([catalogue["Shield"].pk, catalogue["Gateway"].pk])
    assert body["updates"] == {"entitled": False, "until": None}


def test_another_organisations_entitlements_are_404_and_a_bad_day_400(api, ours, theirs):
    assert entitlements(api, ours.admin, theirs.organization).status_code == 404
    assert entitlements(api, ours.admin, ours.organization, "2026-13-01").status_code == 400


@pytest.mark.parametrize("on", ["", "20261129", "2026-W48-7", "2026-11-29T00:00"])
def test_a_day_not_written_yyyy_mm_dd_is_a_400(api, ours, on):
    url = f"/api/v1/organizations/{ours.organization.pk}/entitlements/?on={on}"
    response = api(ours.admin).get(url)
    assert response.status_code == 400
    assert "on" in response.json()
