"""The server-rendered incident pages: filing hints, status buttons, list display, paging."""

import datetime
import re
from urllib.parse import unquote

import pytest
import time_machine
from django.utils import timezone

from contracts.models import Tier
from incidents.models import Incident, Notification, OutboxStatus, SlaClock
from incidents.selectors import clock_state
from incidents.services import incident_change_status
from tests.conftest import make_tenant
from tests.factories import CalendarFactory, ContractFactory, IncidentFactory
from tests.incidents.conftest import T

pytestmark = pytest.mark.django_db

FORM = {"title": "Console down", "description": "d", "severity": 1, "kind": "problem"}


@pytest.fixture
def two_contracts(db):
    """A customer holding MSA Start and MSA Enterprise at once."""
    tenant = make_tenant("Twice AG", "msa-start")
    second = ContractFactory(
        organization=tenant.organization,
        tier=Tier.objects.get(code="msa-enterprise"),
        calendar=CalendarFactory(name="Twice 24x7", always_open=True),
    )
    return tenant, tenant.contract, second


# -- filing -------------------------------------------------------------------------------


def test_a_customer_with_two_contracts_chooses_one_and_can_file_premium(client, two_contracts):
    tenant, start, _ = two_contracts
    client.force_login(tenant.member)
    page = client.get("/incidents/new/").content.decode()
    assert 'name="premium"' in page
    assert re.search(r'<select name="contract"[^>]*class="promise-input"', page)

    hint = client.get(f"/incidents/new/promise/?contract={start.pk}&severity=1&premium=1")
    assert "First response due by" in hint.content.decode()
    assert "6 of 6 premium incidents left" in hint.content.decode()

    response = client.post("/incidents/new/", {**FORM, "contract": start.pk, "premium": "1"})
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.contract, incident.premium) == (start, True)
    assert SlaClock.objects.filter(incident=incident).exists()


def test_staff_pick_the_contract_of_an_organisation_with_two(client, staff, two_contracts):
    tenant, _, enterprise = two_contracts
    client.force_login(staff["engineer"])
    base = {**FORM, "organization": tenant.organization.pk, "channel": "phone"}
    base["caller_name"] = "Their night operator"

    refused = client.post("/incidents/new/", base)
    assert refused.status_code == 400
    assert "Twice AG has 2 active contracts: choose one." in refused.content.decode()

    response = client.post("/incidents/new/", {**base, "contract": enterprise.pk})
    assert response.status_code == 302
    assert Incident.objects.get().contract == enterprise


def test_staff_hint_counts_from_the_time_received_and_shows_units_left(client, staff):
    tenant = make_tenant("Start GmbH", "msa-start")
    tenant.contract.calendar.always_open = True
    tenant.contract.calendar.save(update_fields=["always_open"])
    client.force_login(staff["engineer"])
    org = tenant.organization.pk
    with time_machine.travel(T, tick=False):
        hint = client.get(
            f"/incidents/new/promise/?organization={org}&severity=1&premium=1"
            "&received_at=2026-06-03T02:00"
        ).content.decode()
    # Typed on the customer's clock: six hours from 02:00 in Madrid is 08:00 there (06:00
    # UTC): before "now" (10:00 UTC), so passed.
    assert "Wed 3 Jun, 08:00, their time (Europe/Madrid) (already passed)" in hint
    assert "6 of 6 premium incidents left" in hint


def test_a_refused_post_keeps_the_hint_for_the_premium_choice_made(client):
    tenant = make_tenant("Start GmbH", "msa-start")
    client.force_login(tenant.member)
    response = client.post("/incidents/new/", {**FORM, "title": "", "premium": "0"})
    assert response.status_code == 400
    assert "Standard incidents have no response target on this tier." in response.content.decode()


# -- the detail page's status buttons -----------------------------------------------------


def buttons(client, incident):
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    return re.findall(r'name="status" value="(\w+)"', page)


def test_customers_see_close_and_reopen_only_when_they_can_use_them(client, ours, staff):
    incident = IncidentFactory(actor=ours.member, severity=2)
    client.force_login(ours.member)
    assert buttons(client, incident) == ["closed"]

    incident_change_status(incident=incident, actor=staff["engineer"], status="resolved")
    assert buttons(client, incident) == ["open", "closed"]

    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        client.force_login(ours.member)  # the first session has expired by then
        assert buttons(client, incident) == ["closed"]
        refused = client.post(f"/incidents/{incident.pk}/status/", {"status": "open"}, follow=True)
    assert "within 14 days of its resolution" in refused.content.decode()


def test_a_customer_cannot_reopen_an_incident_that_is_still_open(api, ours):
    incident = IncidentFactory(actor=ours.member, severity=2)
    response = api(ours.member).patch(f"/api/v1/incidents/{incident.pk}/", {"status": "open"})
    assert response.status_code == 409
    assert response.json() == {
        "code": "status_conflict",
        "detail": "Only a resolved or closed incident can be reopened.",
    }


# -- the list -----------------------------------------------------------------------------


def test_a_breached_clock_paused_later_still_reads_breached(ours, staff):
    clock = SlaClock(
        metric="resolution",
        started_at=T,
        due_at=None,
        paused_at=T + datetime.timedelta(hours=3),
        breached_at=T + datetime.timedelta(hours=2),
    )
    state = clock_state(clock, now=T + datetime.timedelta(hours=4))
    assert state.state == "breached"
    assert state.text == "breached 2 h 0 min ago, paused while waiting on the customer"


@pytest.mark.parametrize(
    ("query", "name"),
    [("organization=abc", "organization"), ("q=a%00b", "q"), ("severity=x", "severity")],
)
def test_hand_edited_filters_are_a_400_naming_them_not_a_server_error(
    client, ours, staff, query, name
):
    incident = IncidentFactory(actor=ours.member, severity=2)
    client.force_login(staff["engineer"])
    page = client.get(f"/incidents/?{query}")
    assert page.status_code == 400
    assert f"<code>{name}</code>:" in page.content.decode()
    assert incident.number in page.content.decode()  # still listed, without the bad value
    if name != "organization":  # customers have no organisation filter: it is not read
        client.force_login(ours.member)
        assert client.get(f"/incidents/?{query}").status_code == 400
        answer = client.get(f"/api/v1/incidents/?{query}")
        assert answer.status_code == 400
        assert list(answer.json()) == [name]


def test_the_live_refresh_reloads_the_page_being_read(client, ours):
    for _ in range(30):
        IncidentFactory(actor=ours.member, severity=3)
    client.force_login(ours.member)
    first = client.get("/incidents/?severity=3").content.decode()
    cursor = unquote(re.search(r"cursor=([^\"&]+)", first).group(1))
    second = client.get("/incidents/", {"severity": 3, "cursor": cursor})
    assert second.status_code == 200, "a cursor the page made is one of this list's"
    second = second.content.decode()
    live = re.search(r'hx-get="([^"]+)"[^>]*hx-trigger="every 30s"', second).group(1)
    assert f"cursor={cursor}" in unquote(live)
    assert "severity=3" in live


def test_customers_read_the_list_in_their_own_time_zone(client, ours):
    ours.organization.timezone = "Asia/Tokyo"
    ours.organization.save(update_fields=["timezone"])
    with time_machine.travel(T, tick=False):
        IncidentFactory(actor=ours.member, severity=2)
    client.force_login(ours.member)
    page = client.get("/incidents/").content.decode()
    assert "Received (Asia/Tokyo)" in page
    assert "3 Jun 2026 19:00" in page


# -- the outbox page ----------------------------------------------------------------------


def test_outbox_pages_keep_the_status_filter(client, provider_admin, ours):
    ours.contract.calendar.always_open = True
    ours.contract.calendar.save(update_fields=["always_open"])
    for _ in range(60):
        IncidentFactory(actor=ours.member, severity=1)
    Notification.objects.update(status=OutboxStatus.FAILED, last_error="550 no such user")
    client.force_login(provider_admin)
    page = client.get("/operations/outbox/?status=failed").content.decode()
    assert "status=failed&amp;page=2" in page


def test_staff_filing_form_lists_the_contracts_to_choose_from(client, staff, two_contracts):
    _, start, enterprise = two_contracts
    client.force_login(staff["engineer"])
    organization = start.organization_id
    page = client.get(f"/incidents/new/?organization={organization}").content.decode()
    assert f'<option value="{start.pk}">' in page
    assert f'<option value="{enterprise.pk}">' in page


def test_a_customer_may_reopen_an_incident_they_closed_unresolved(client, ours):
    incident = IncidentFactory(actor=ours.member, severity=2)
    client.force_login(ours.member)
    client.post(f"/incidents/{incident.pk}/status/", {"status": "closed"})
    assert buttons(client, incident) == ["open"]
    page = client.post(f"/incidents/{incident.pk}/status/", {"status": "open"}, follow=True)
    assert "Status is now open." in page.content.decode()


def test_actions_on_the_detail_page_say_what_they_did(client, ours, staff):
    incident = IncidentFactory(actor=ours.member, severity=3)
    client.force_login(staff["engineer"])
    url = f"/incidents/{incident.pk}/"
    note = client.post(url + "reply/", {"body": "lab notes", "internal": "on"}, follow=True)
    assert "Internal note added (staff only)." in note.content.decode()
    reply = client.post(url + "reply/", {"body": "on it", "qualified": "on"}, follow=True)
    assert "it counts as the first response" in reply.content.decode()
    saved = client.post(url + "update/", {"severity": 2, "assignee": ""}, follow=True)
    assert "Saved: severity 3 → 2." in saved.content.decode()
    waiting = client.post(url + "status/", {"status": "waiting_on_customer"}, follow=True)
    body = waiting.content.decode()
    assert "Status is now waiting on customer." in body
    assert "open → waiting on customer" in body  # the timeline, in words
    assert "waiting_on_customer" not in body.split('id="timeline"')[1].split("</ol>")[0]


def test_a_reason_with_a_status_other_than_closed_is_explained(api, ours, staff):
    incident = IncidentFactory(actor=ours.member, severity=3)
    response = api(staff["engineer"]).patch(
        f"/api/v1/incidents/{incident.pk}/",
        {"status": "resolved", "reason": "duplicate"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "reason": ["A reason (duplicate, filed in error) applies only when closing."]
    }


def test_no_premium_units_left_preselects_standard(client):
    tenant = make_tenant("Start GmbH", "msa-start")
    for _ in range(6):
        IncidentFactory(actor=tenant.member, severity=3, premium=True)
    client.force_login(tenant.member)
    page = client.get("/incidents/new/").content.decode()
    assert re.search(r'value="0"[^>]*checked', page)
    assert "0 of 6 premium incidents left" in page


def test_with_two_contracts_the_form_preselects_neither_premium_nor_standard(client, two_contracts):
    tenant, _, _ = two_contracts
    client.force_login(tenant.member)
    page = client.get("/incidents/new/").content.decode()
    radios = re.findall(r'<input type="radio" name="premium"[^>]*>', page)
    assert len(radios) == 2
    assert not [r for r in radios if "checked" in r]


def _promise(page: str) -> str:
    return re.search(r'<p class="promise">([^<]*)</p>', page).group(1)


def test_a_customer_with_one_contract_sees_its_promise_without_a_contract_field(client, ours):
    client.force_login(ours.member)
    with time_machine.travel(T, tick=False):
        page = client.get("/incidents/new/").content.decode()
        # What the form sends when the severity changes: the hidden, empty contract field.
        live = client.get("/incidents/new/promise/?contract=&severity=1").content.decode()
    assert '<select name="contract"' not in page
    assert _promise(page).startswith("First response due by")
    assert _promise(live).startswith("First response due by")
    assert "Choose the contract" not in page + live


def test_a_customer_whose_only_contract_is_not_in_force_is_told_so_not_to_choose(client, ours):
    ours.contract.starts_on = datetime.date(2027, 1, 1)
    ours.contract.ends_on = datetime.date(2027, 12, 31)
    ours.contract.save(update_fields=["starts_on", "ends_on"])
    client.force_login(ours.member)
    with time_machine.travel(T, tick=False):
        page = client.get("/incidents/new/").content.decode()
        live = client.get("/incidents/new/promise/?contract=&severity=1").content.decode()
        refused = client.post("/incidents/new/", FORM)
    assert "Choose the contract" not in page + live
    said = "Ours Ltd has no active contract on 3 Jun 2026: the latest one runs from 1 Jan 2027"
    assert said in _promise(page)
    assert said in _promise(live)
    assert refused.status_code == 409
    assert said in refused.content.decode()


def test_a_customer_with_two_contracts_sees_the_promise_of_the_one_shown_chosen(
    client, two_contracts
):
    tenant, start, enterprise = two_contracts
    client.force_login(tenant.member)
    with time_machine.travel(timezone.now(), tick=False):  # one instant for both hints
        page = client.get("/incidents/new/").content.decode()
        chosen = re.search(r'<option value="(\d+)" selected>', page)
        hint = client.get(f"/incidents/new/promise/?contract={chosen.group(1)}&severity=3")
    assert chosen is not None, "the list shows one contract chosen"
    assert int(chosen.group(1)) in (start.pk, enterprise.pk)
    assert "Choose the contract" not in page
    # The page's hint is the one for the contract shown chosen, at the form's severity.
    assert _promise(page) == _promise(hint.content.decode())
