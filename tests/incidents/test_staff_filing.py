"""Staff logging a call: the chosen organisation's contracts and contacts, who called, the
time received on the customer's clock, and a title that matches the heading."""

import datetime
import re

import pytest
import time_machine

from incidents.models import Incident
from tests.incidents.conftest import T, cover

pytestmark = pytest.mark.django_db

NEW = "/incidents/new/"
CALL = {
    "channel": "phone",
    "title": "Console down",
    "description": "They rang the desk.",
    "severity": 2,
    "kind": "problem",
    "premium": "1",
}


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


def test_the_page_title_matches_its_heading(client, staff):
    client.force_login(staff["engineer"])
    html = client.get(NEW).content.decode()
    assert "<title>Log an incident for a customer · Support Portal</title>" in html
    assert "<h1>Log an incident for a customer</h1>" in html


def test_only_the_chosen_organisations_contracts_and_contacts_are_offered(
    client, ours, theirs, staff
):
    client.force_login(staff["engineer"])
    html = client.get(NEW).content.decode()
    assert options(html, "contract") == []  # nothing before an organisation is chosen
    assert "Choose the organisation first." in html

    html = client.get(f"{NEW}?organization={ours.organization.pk}").content.decode()
    assert options(html, "contract") == [str(ours.contract.pk)]
    assert sorted(options(html, "caller")) == sorted([str(ours.admin.pk), str(ours.member.pk)])
    assert str(theirs.admin.pk) not in options(html, "caller")


def test_choosing_the_organisation_reloads_the_customer_fields_by_htmx(client, staff):
    client.force_login(staff["engineer"])
    html = client.get(NEW).content.decode()
    select = re.search(r'<select name="organization"[^>]*>', html).group()
    assert f'hx-get="{NEW}"' in select
    assert 'hx-select="#customer-fields"' in select
    assert 'hx-target="#customer-fields"' in select
    assert 'id="customer-fields"' in html


def test_another_organisations_contract_is_refused(client, ours, theirs, staff):
    client.force_login(staff["engineer"])
    form = {**CALL, "organization": ours.organization.pk, "caller": ours.admin.pk}
    response = client.post(NEW, {**form, "contract": theirs.contract.pk})
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_the_caller_is_recorded_as_a_contact_or_a_name(client, ours, staff):
    cover(ours)
    client.force_login(staff["engineer"])
    form = {**CALL, "organization": ours.organization.pk}
    assert client.post(NEW, {**form, "caller": ours.member.pk}).status_code == 302
    assert client.post(NEW, {**form, "caller_name": "Night operator"}).status_code == 302
    first, second = Incident.objects.order_by("id")
    assert (first.caller, first.caller_name) == (ours.member, "")
    assert (second.caller, second.caller_name) == (None, "Night operator")
    page = client.get(f"/incidents/{second.pk}/").content.decode()
    assert "from Night operator" in page


def test_a_call_without_a_caller_is_refused_naming_the_field(client, ours, staff):
    client.force_login(staff["engineer"])
    response = client.post(NEW, {**CALL, "organization": ours.organization.pk})
    assert response.status_code == 400
    assert "Say who called" in response.content.decode()
    assert not Incident.objects.exists()


def test_another_organisations_contact_cannot_be_the_caller(client, ours, theirs, staff):
    client.force_login(staff["engineer"])
    form = {**CALL, "organization": ours.organization.pk, "caller": theirs.admin.pk}
    assert client.post(NEW, form).status_code == 400
    assert not Incident.objects.exists()


def test_the_time_received_is_typed_on_the_customers_clock_with_the_zone_named(client, staff):
    from tests.conftest import make_tenant

    tenant = cover(make_tenant("Saigon Co"))
    tenant.organization.timezone = "Asia/Ho_Chi_Minh"
    tenant.organization.save(update_fields=["timezone"])
    client.force_login(staff["engineer"])
    html = client.get(f"{NEW}?organization={tenant.organization.pk}").content.decode()
    assert "Received at (their time, Asia/Ho_Chi_Minh)" in html
    form = {**CALL, "organization": tenant.organization.pk, "caller": tenant.admin.pk}
    with time_machine.travel(T, tick=False):  # 17:00 in Ho Chi Minh City
        response = client.post(NEW, {**form, "received_at": "2026-06-03 16:30"})
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.received_at == T - datetime.timedelta(minutes=30)
