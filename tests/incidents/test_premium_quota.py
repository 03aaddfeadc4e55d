"""The premium quota and its ledger: units per contract year, refunds, reopening, and exact
under concurrent filings."""

import datetime
import re
import threading

import pytest
import time_machine
from django.db import connection

from contracts.entitlements import remaining
from contracts.models import Entitlement
from incidents.models import Incident, IncidentEvent, SlaClock
from incidents.selectors import premium_usage
from portal.models import Organization
from tests.conftest import client_for, make_tenant
from tests.factories import IncidentFactory, MembershipFactory
from tests.incidents.conftest import URL, T, cover, ledger, payload, use_quota

pytestmark = pytest.mark.django_db


# -- the premium quota --------------------------------------------------------------------


def test_each_premium_filing_is_a_ledger_row_and_counts_down(api, start):
    use_quota(start, 2)
    rows = ledger(start.contract)
    assert [(r.units, r.year_starts_on) for r in rows] == [(1, datetime.date(2026, 1, 1))] * 2
    assert {r.incident.premium for r in rows} == {True}
    assert remaining(start.contract, Entitlement.PREMIUM_INCIDENT, T.date()) == 4


def test_filing_page_offers_premium_or_standard_with_units_left(client, start):
    use_quota(start, 2)
    client.force_login(start.member)
    with time_machine.travel(T, tick=False):
        page = client.get("/incidents/new/").content.decode()
    assert "4 of 6 premium incidents left this contract year (until " in page
    assert 'name="premium"' in page


def test_seventh_premium_incident_is_refused_and_standard_still_files(api, start):
    use_quota(start, 6)
    numbers_before = Organization.objects.get(pk=start.organization.pk).next_incident_number
    with time_machine.travel(T, tick=False):
        refused = api(start.member).post(URL, payload(premium=True), format="json")
        standard = api(start.member).post(URL, payload(premium=False), format="json")

    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "quota_exhausted"
    assert "All 6 premium incidents" in body["detail"]
    assert "standard incident" in body["detail"]

    assert standard.status_code == 201, standard.json()
    incident = Incident.objects.get(pk=standard.json()["id"])
    assert incident.premium is False
    # Standard incidents are served under the standard package: no SLA clock, no unit.
    assert not SlaClock.objects.filter(incident=incident).exists()
    assert len(ledger(start.contract)) == 6
    # The refusal used no number: the standard incident got the next one.
    assert incident.number.endswith(f"{numbers_before:05d}")


def test_omitting_premium_on_a_quota_tier_files_premium_while_units_are_left(api, start, client):
    """The API's default is the form's preselection: premium while a unit is left."""
    client.force_login(start.member)
    with time_machine.travel(T, tick=False):
        form = client.get("/incidents/new/").content.decode()
        response = api(start.member).post(URL, payload(severity=1), format="json")
    assert re.search(r'<input type="radio" name="premium" value="1"[^>]*checked', form)
    assert response.status_code == 201, response.content
    assert response.json()["premium"] is True
    assert [e.units for e in ledger(start.contract)] == [1]
    assert SlaClock.objects.filter(incident_id=response.json()["id"]).exists()


def test_omitting_premium_with_no_unit_left_files_standard_as_the_form_preselects(
    api, start, client
):
    use_quota(start, 6)
    client.force_login(start.member)
    with time_machine.travel(T, tick=False):
        form = client.get("/incidents/new/").content.decode()
        response = api(start.member).post(URL, payload(severity=1, premium=None), format="json")
    assert re.search(r'<input type="radio" name="premium" value="0"[^>]*checked', form)
    assert response.status_code == 201, response.content
    assert response.json()["premium"] is False
    assert len(ledger(start.contract)) == 6
    assert not SlaClock.objects.filter(incident_id=response.json()["id"]).exists()


def test_a_web_filing_that_sends_neither_gets_the_same_default(client, start):
    """What a form without a choice sends (a customer with several contracts finds
    neither preselected) files what the API would."""
    client.force_login(start.member)
    with time_machine.travel(T, tick=False):
        response = client.post(
            "/incidents/new/",
            {"title": "Scanner stopped", "description": "d", "severity": 2, "kind": "problem"},
        )
    assert response.status_code == 302
    assert Incident.objects.get().premium is True


def test_tiers_without_a_quota_make_every_incident_premium_with_no_ledger(api, ours):
    cover(ours)
    with time_machine.travel(T, tick=False):
        response = api(ours.member).post(URL, payload(premium=False), format="json")
    assert response.status_code == 201
    incident = Incident.objects.get(pk=response.json()["id"])
    assert incident.premium is True
    assert SlaClock.objects.filter(incident=incident, metric="first_response").exists()
    assert ledger(ours.contract) == []


def test_quota_is_counted_per_contract_year(api, start):
    # The contract runs from 1 Jan 2026; its second year starts on 1 Jan 2027.
    use_quota(start, 6, day=datetime.datetime(2026, 12, 31, 12, 0, tzinfo=datetime.UTC))
    with time_machine.travel(datetime.datetime(2026, 12, 31, 15, 0, tzinfo=datetime.UTC)):
        assert api(start.member).post(URL, payload(premium=True)).status_code == 409

    next_year = datetime.datetime(2027, 1, 4, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(next_year, tick=False):
        assert premium_usage(start.contract).left == 6
        response = api(start.member).post(URL, payload(premium=True), format="json")
    assert response.status_code == 201
    years = [r.year_starts_on for r in ledger(start.contract)]
    assert years == [datetime.date(2026, 1, 1)] * 6 + [datetime.date(2027, 1, 1)]


@pytest.mark.parametrize("reason", ["duplicate", "filed_in_error"])
def test_closing_as_duplicate_or_in_error_gives_the_unit_back(api, start, staff, reason):
    use_quota(start, 6)
    incident = Incident.objects.filter(organization=start.organization).first()
    with time_machine.travel(T, tick=False):
        closed = api(staff["engineer"]).patch(
            f"{URL}{incident.pk}/", {"status": "closed", "reason": reason}, format="json"
        )
        assert closed.status_code == 200, closed.json()
        assert premium_usage(start.contract).left == 1
        refiled = api(start.member).post(URL, payload(premium=True), format="json")

    assert refiled.status_code == 201
    refunds = [r for r in ledger(start.contract) if r.units == -1]
    assert len(refunds) == 1
    assert refunds[0].incident_id == incident.pk
    assert refunds[0].year_starts_on == datetime.date(2026, 1, 1)
    assert reason.replace("_", " ") in refunds[0].reason
    assert IncidentEvent.objects.filter(incident=incident, kind="premium_refunded").count() == 1


def test_reopening_a_refunded_incident_takes_its_unit_again(api, start, staff):
    use_quota(start, 6)
    incident = Incident.objects.filter(organization=start.organization).first()
    engineer = api(staff["engineer"])
    url = f"{URL}{incident.pk}/"
    with time_machine.travel(T, tick=False):
        engineer.patch(url, {"status": "closed", "reason": "duplicate"}, format="json")
        assert engineer.patch(url, {"status": "open"}).status_code == 200
        assert premium_usage(start.contract).left == 0
        # Closed again without a reason: the unit stays used.
        assert engineer.patch(url, {"status": "closed"}).status_code == 200
    assert [r.units for r in ledger(start.contract)] == [1] * 6 + [-1, 1]
    assert "reopened" in ledger(start.contract)[-1].reason


def test_reopening_a_refunded_incident_with_no_units_left_is_refused(api, start, staff):
    use_quota(start, 6)
    incident = Incident.objects.filter(organization=start.organization).first()
    engineer = api(staff["engineer"])
    url = f"{URL}{incident.pk}/"
    with time_machine.travel(T, tick=False):
        engineer.patch(url, {"status": "closed", "reason": "filed_in_error"}, format="json")
        use_quota(start, 1)  # the unit given back is used by a new incident
        events_before = IncidentEvent.objects.count()
        refused = engineer.patch(url, {"status": "open"})

    assert refused.status_code == 409
    assert refused.json()["code"] == "quota_exhausted"
    assert "Reopening would take one" in refused.json()["detail"]
    incident.refresh_from_db()
    assert incident.status == "closed"
    assert IncidentEvent.objects.count() == events_before
    assert [r.units for r in ledger(start.contract)] == [1] * 6 + [-1, 1]


def test_plain_close_or_customer_close_gives_nothing_back(api, start, staff):
    use_quota(start, 2)
    first, second = Incident.objects.filter(organization=start.organization).order_by("id")
    with time_machine.travel(T, tick=False):
        staff_close = api(staff["engineer"]).patch(f"{URL}{first.pk}/", {"status": "closed"})
        refused = api(start.member).patch(
            f"{URL}{second.pk}/", {"status": "closed", "reason": "duplicate"}, format="json"
        )
        customer_close = api(start.member).patch(f"{URL}{second.pk}/", {"status": "closed"})
    assert (staff_close.status_code, customer_close.status_code) == (200, 200)
    assert refused.status_code == 403  # closing with a reason is the provider's call
    assert [r.units for r in ledger(start.contract)] == [1, 1]


def test_a_standard_incident_closed_as_duplicate_refunds_nothing(api, start, staff):
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=start.member, severity=3, premium=False)
        response = api(staff["engineer"]).patch(
            f"{URL}{incident.pk}/", {"status": "closed", "reason": "duplicate"}, format="json"
        )
    assert response.status_code == 200
    assert ledger(start.contract) == []


@pytest.mark.django_db(transaction=True)
def test_twelve_simultaneous_premium_filings_with_six_left_exactly_six_succeed():
    tenant = make_tenant("Race AG", "msa-start")
    contacts = [tenant.member] + [
        MembershipFactory(organization=tenant.organization).user for _ in range(11)
    ]
    barrier = threading.Barrier(len(contacts))
    outcomes: list[int] = []
    lock = threading.Lock()

    def file_premium(user):
        try:
            barrier.wait(timeout=30)
            response = client_for(user).post(URL, payload(premium=True), format="json")
            with lock:
                outcomes.append(response.status_code)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=file_premium, args=(user,)) for user in contacts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == [201] * 6 + [409] * 6
    assert Incident.objects.filter(organization=tenant.organization, premium=True).count() == 6
    assert [r.units for r in ledger(tenant.contract)] == [1] * 6
    numbers = sorted(Incident.objects.values_list("number", flat=True))
    prefix = f"{tenant.organization.pk:03d}-"
    assert numbers == [f"{prefix}{n:05d}" for n in range(1, 7)]


def test_a_tier_with_no_premium_units_refuses_premium_and_files_standard(api, ours):
    """A quota of 0 is a quota: premium is refused (it used to slip through unlimited)."""
    cover(ours)
    ours.contract.tier.premium_incident_quota = 0
    ours.contract.tier.save(update_fields=["premium_incident_quota"])
    with time_machine.travel(T, tick=False):
        refused = api(ours.member).post(URL, payload(premium=True), format="json")
        standard = api(ours.member).post(URL, payload(premium=False), format="json")
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "quota_exhausted",
        "detail": "This contract includes no premium incidents. "
        "You can still file it as a standard incident.",
    }
    assert standard.status_code == 201
    assert standard.json()["premium"] is False
    assert ledger(ours.contract) == []


def test_raising_the_quota_later_does_not_promise_a_standard_incident_an_sla(api, start, staff):
    """What a filing was promised is settled when it is filed: a tier edited afterwards
    (here, made unlimited) gives a standard incident no clock, not even on a severity change."""
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=start.member, severity=3, premium=False)
        start.contract.tier.premium_incident_quota = None
        start.contract.tier.save(update_fields=["premium_incident_quota"])
        response = api(staff["engineer"]).patch(f"{URL}{incident.pk}/", {"severity": 1})
    assert response.status_code == 200
    assert response.json()["sla"] == {"first_response": None, "resolution": None}
    assert not SlaClock.objects.filter(incident=incident).exists()
