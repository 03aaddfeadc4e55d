"""Malware alert pages: the banner until read, the list and an alert (marks it read), the
staff's form and publish button, and each organisation's Atom feed at a secret address."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from incidents.models import Alert, AlertFormat, AlertRead, Notification
from incidents.services.alerts import alert_publish
from portal.models import Organization
from tests.incidents.alert_helpers import addressed, draft, holder, product

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def silver():
    return holder("Silver Holder", product())


@pytest.fixture
def published(silver, staff):
    alert = draft(staff["admin"], title="Worm in the wild")
    alert_publish(alert=alert, publisher=staff["admin"])
    return alert


def home(client, tenant) -> str:
    response = client.get("/", follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_the_banner_shows_until_the_alert_is_read(client, silver, published):
    client.force_login(silver.member)
    assert "Worm in the wild" in home(client, silver)
    response = client.get(f"/alerts/{published.pk}/")
    assert response.status_code == 200
    assert "Block macros." in response.content.decode()
    assert "alert-banner" not in home(client, silver)


def test_mark_read_from_the_banner_is_for_that_person_only(client, silver, published):
    client.force_login(silver.admin)
    response = client.post(f"/alerts/{published.pk}/read/", {"next": "/"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "alert-banner" not in home(client, silver)
    client.force_login(silver.member)
    assert "Worm in the wild" in home(client, silver)  # the member has not read it


def test_mark_read_without_htmx_goes_back_to_a_local_page_only(client, silver, published):
    client.force_login(silver.member)
    response = client.post(f"/alerts/{published.pk}/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/alerts/"
    assert AlertRead.objects.filter(user=silver.member, alert=published).exists()


def test_the_list_shows_read_and_unread_and_only_our_alerts(client, silver, published, theirs):
    theirs_only = addressed(theirs.organization, title="Their private alert")
    client.force_login(silver.member)
    body = client.get("/alerts/").content.decode()
    assert "Worm in the wild" in body
    assert "Unread" in body
    assert "Their private alert" not in body
    assert client.get(f"/alerts/{theirs_only.pk}/").status_code == 404
    client.get(f"/alerts/{published.pk}/")
    assert "Unread" not in client.get("/alerts/").content.decode()


def test_a_draft_is_not_shown_to_customers(client, silver, staff):
    alert = draft(staff["admin"], title="Not yet")
    client.force_login(silver.member)
    assert client.get(f"/alerts/{alert.pk}/").status_code == 404
    assert "Not yet" not in client.get("/alerts/").content.decode()


def test_markdown_on_the_page_is_sanitised(client, silver, staff):
    alert = draft(
        staff["admin"],
        body="**Bold** <script>alert(1)</script> [x](javascript:alert(2))",
        body_format=AlertFormat.MARKDOWN,
    )
    alert_publish(alert=alert, publisher=staff["admin"])
    client.force_login(silver.member)
    body = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "<strong>Bold</strong>" in body
    assert "<script>alert(1)" not in body
    assert "javascript:alert(2)" not in body


def test_staff_write_publish_and_see_who_it_went_to(client, silver, staff):
    client.force_login(staff["tam"])
    form = {
        "title": "Phishing kit",
        "severity": "1",
        "products": [product().pk],
        "body_format": AlertFormat.TEXT,
        "body": "Watch for invoices.",
        "prevention": "",
    }
    response = client.post("/alerts/new/", form)
    assert response.status_code == 302
    alert = Alert.objects.get(title="Phishing kit")
    assert alert.published_at is None
    assert not Notification.objects.filter(topic=f"alert:{alert.pk}").exists()
    response = client.post(f"/alerts/{alert.pk}/publish/", follow=True)
    body = response.content.decode()
    assert "sent to 2 people in 1 organisations" in body
    assert Notification.objects.filter(topic=f"alert:{alert.pk}").count() == 2
    response = client.post(f"/alerts/{alert.pk}/publish/", follow=True)
    assert "published already" in response.content.decode()
    assert Notification.objects.filter(topic=f"alert:{alert.pk}").count() == 2
    listed = client.get("/alerts/").content.decode()
    assert "2 people in 1 organisation" in listed
    assert "stays as it was sent" in client.get(f"/alerts/{alert.pk}/edit/").content.decode()
    form["title"] = "Changed after sending"
    assert client.post(f"/alerts/{alert.pk}/edit/", form).status_code == 409


def test_a_bad_form_names_the_field(client, staff):
    client.force_login(staff["admin"])
    response = client.post("/alerts/new/", {"title": "x", "severity": "9"})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()


def test_customers_find_no_staff_pages(client, silver, published):
    client.force_login(silver.admin)
    assert client.get("/alerts/new/").status_code == 404
    assert client.post(f"/alerts/{published.pk}/publish/").status_code == 404
    assert client.get(f"/alerts/{published.pk}/edit/").status_code == 404


# -- the feed -------------------------------------------------------------------------------


def feed_url(organization) -> str:
    organization.refresh_from_db()
    return f"/alerts/feed/{organization.alert_feed_key}/"


def test_the_feed_is_atom_with_the_organisations_alerts(silver, published, theirs):
    addressed(theirs.organization, title="Their private alert")
    response = Client().get(feed_url(silver.organization))  # no login
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    titles = [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]
    assert titles == ["[2 High] Worm in the wild"]
    (entry,) = root.iter(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href") == f"http://testserver/alerts/{published.pk}/"
    assert "Block macros." in entry.findtext(f"{ATOM}summary")


def test_a_wrong_key_is_404_and_a_new_key_ends_the_old(client, silver, published):
    old = feed_url(silver.organization)
    assert Client().get("/alerts/feed/not-a-key/").status_code == 404
    client.force_login(silver.admin)
    page = client.get(f"/organizations/{silver.organization.pk}/").content.decode()
    assert old in page
    response = client.post(
        f"/organizations/{silver.organization.pk}/alert-feed/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    new = feed_url(silver.organization)
    assert new != old
    assert new in response.content.decode()
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_only_admins_see_and_change_the_feed_address(client, silver):
    client.force_login(silver.member)
    page = client.get(f"/organizations/{silver.organization.pk}/").content.decode()
    assert silver.organization.alert_feed_key not in page
    response = client.post(f"/organizations/{silver.organization.pk}/alert-feed/")
    assert response.status_code == 403


def test_every_organisation_has_its_own_key(silver, theirs):
    keys = list(Organization.objects.values_list("alert_feed_key", flat=True))
    assert len(set(keys)) == len(keys) >= 2


# -- query counts ---------------------------------------------------------------------------


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def more_alerts(organization, n: int) -> None:
    for i in range(n):
        alert = addressed(organization, title=f"Alert {i}")
        alert.products.add(product(f"Product {i}"))


@pytest.mark.parametrize("who", ["member", "staff"])
def test_the_alert_lists_do_not_grow_with_alerts(client, silver, staff, who):
    client.force_login(silver.member if who == "member" else staff["admin"])
    more_alerts(silver.organization, 2)
    few = count(client, "/alerts/")
    more_alerts(silver.organization, 5)
    assert count(client, "/alerts/") == few


def test_the_feed_and_the_banner_do_not_grow_with_alerts(client, silver):
    client.force_login(silver.member)
    home = f"/organizations/{silver.organization.pk}/"
    feed = feed_url(silver.organization)
    more_alerts(silver.organization, 2)
    few = (count(client, home), count(Client(), feed))
    more_alerts(silver.organization, 5)
    assert (count(client, home), count(Client(), feed)) == few


def test_staff_edit_a_draft_and_its_products(client, staff):
    alert = draft(staff["engineer"], title="First words")
    other = product("Mail Gateway")
    client.force_login(staff["engineer"])
    page = client.get(f"/alerts/{alert.pk}/edit/").content.decode()
    assert "First words" in page
    form = {
        "title": "Better words",
        "severity": "3",
        "products": [other.pk],
        "body_format": AlertFormat.MARKDOWN,
        "body": "New *body*",
        "prevention": "Update.",
    }
    assert client.post(f"/alerts/{alert.pk}/edit/", form).status_code == 302
    alert.refresh_from_db()
    assert (alert.title, alert.severity, alert.body_format) == ("Better words", 3, "markdown")
    assert list(alert.products.all()) == [other]
