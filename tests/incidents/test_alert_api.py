"""`/api/v1/alerts/`: provider staff write and publish; customers list and read the alerts
addressed to their organisation, and never another's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import AlertRead, Notification
from tests.incidents.alert_helpers import addressed, holder, product

pytestmark = pytest.mark.django_db


@pytest.fixture
def silver():
    return holder("Silver Holder", product())


def new_alert(api, user, **fields):
    body = {
        "title": "Botnet loader",
        "body": "Read **this**<script>x()</script>",
        "body_format": "markdown",
        "severity": 1,
        "products": [product().pk],
    }
    return api(user).post("/api/v1/alerts/", body | fields, format="json")


def test_staff_create_a_draft_and_publish_it_once(api, staff, silver):
    response = new_alert(api, staff["engineer"])
    assert response.status_code == 201, response.json()
    alert = response.json()
    assert alert["published_at"] is None
    assert alert["read"] is None
    assert alert["products"] == [product().pk]
    assert "<strong>this</strong>" in alert["body_html"]
    assert "<script" not in alert["body_html"]
    url = f"/api/v1/alerts/{alert['id']}/"
    patched = api(staff["engineer"]).patch(url, {"title": "Botnet loader v2"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["title"] == "Botnet loader v2"
    published = api(staff["engineer"]).post(f"{url}publish/")
    assert published.status_code == 200
    assert published.json()["published_at"] is not None
    assert Notification.objects.filter(topic=f"alert:{alert['id']}").count() == 2
    again = api(staff["engineer"]).post(f"{url}publish/")
    assert again.status_code == 409
    assert again.json()["code"] == "status_conflict"
    assert api(staff["engineer"]).patch(url, {"title": "x"}, format="json").status_code == 409
    assert Notification.objects.filter(topic=f"alert:{alert['id']}").count() == 2


def test_bad_input_names_the_field(api, staff):
    response = new_alert(api, staff["admin"], products=[], severity=7)
    assert response.status_code == 400
    assert {"products", "severity"} <= set(response.json())


def test_customers_list_what_was_addressed_to_them_and_mark_it_read(api, silver, theirs):
    ours = addressed(silver.organization, title="Ours")
    theirs_alert = addressed(theirs.organization, title="Theirs")
    client = api(silver.member)
    listed = client.get("/api/v1/alerts/").json()["results"]
    assert [(row["id"], row["read"]) for row in listed] == [(ours.pk, False)]
    assert client.get(f"/api/v1/alerts/{theirs_alert.pk}/").status_code == 404
    assert client.post(f"/api/v1/alerts/{theirs_alert.pk}/read/").status_code == 404
    assert client.post(f"/api/v1/alerts/{ours.pk}/read/").status_code == 204
    assert client.get(f"/api/v1/alerts/{ours.pk}/").json()["read"] is True
    # Read-state is per person: the admin of the same organisation has not read it.
    assert api(silver.admin).get(f"/api/v1/alerts/{ours.pk}/").json()["read"] is False
    assert not AlertRead.objects.filter(organization=theirs.organization).exists()


def test_customers_neither_write_nor_publish(api, silver):
    ours = addressed(silver.organization)
    client = api(silver.admin)
    assert new_alert(api, silver.admin).status_code == 403
    assert (
        client.patch(f"/api/v1/alerts/{ours.pk}/", {"title": "x"}, format="json").status_code == 403
    )
    assert client.post(f"/api/v1/alerts/{ours.pk}/publish/").status_code == 403


def test_drafts_are_hidden_from_customers(api, staff, silver):
    draft_id = new_alert(api, staff["admin"]).json()["id"]
    assert api(silver.member).get(f"/api/v1/alerts/{draft_id}/").status_code == 404
    assert api(silver.member).get("/api/v1/alerts/").json()["results"] == []


def test_staff_do_not_mark_alerts_read(api, staff, silver):
    alert = addressed(silver.organization)
    assert api(staff["admin"]).post(f"/api/v1/alerts/{alert.pk}/read/").status_code == 403


@pytest.mark.parametrize("who", ["member", "staff"])
def test_the_list_does_not_grow_with_alerts(client, silver, staff, who):
    client.force_login(silver.member if who == "member" else staff["admin"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/alerts/").status_code == 200
        return len(queries)

    for i in range(2):
        addressed(silver.organization, title=f"a{i}").products.add(product(f"P{i}"))
    few = count()
    for i in range(5):
        addressed(silver.organization, title=f"b{i}").products.add(product(f"Q{i}"))
    assert count() == few
