"""Filing rules: entitlements, the premium quota and its ledger, staff filing, validation.

Every refusal is checked for what it leaves behind: no incident, no event, no ledger row,
no outbox row, no used incident number.
"""

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from contracts.entitlements import remaining
from contracts.models import Entitlement, EntitlementEntry
from incidents.models import Incident, IncidentEvent, Notification, SlaClock, ThreadEntry
from incidents.selectors import premium_left
from portal.models import Organization
from tests.conftest import client_for, make_tenant
from tests.factories import IncidentFactory, MembershipFactory, OrganizationFactory
from tests.incidents.conftest import T  # a Wednesday in June, inside every contract covered below

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def payload(**extra):
    return {"title": "Scanner stopped", "description": "Since the update.", "severity": 2, **extra}


def nothing_written(organization=None):
    assert not Incident.objects.exists()
    assert not IncidentEvent.objects.exists()
    assert not ThreadEntry.objects.exists()
    assert not Notification.objects.exists()
    assert not EntitlementEntry.objects.exists()
    if organization is not None:
        organization.refresh_from_db()
        assert organization.next_incident_number == 1


def ledger(contract):
    return list(
        EntitlementEntry.objects.filter(
            contract=contract, entitlement=Entitlement.PREMIUM_INCIDENT
        ).order_by("id")
    )


def cover(tenant, starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2028, 12, 31)):
    tenant.contract.starts_on = starts_on
    tenant.contract.ends_on = ends_on
    tenant.contract.save(update_fields=["starts_on", "ends_on"])
    return tenant


@pytest.fixture
def start(db):
    """A customer on MSA Start: 6 premium incidents a contract year, unlimited standard."""
    return cover(make_tenant("Start GmbH", "msa-start"))


def use_quota(tenant, units, day=T):
    with time_machine.travel(day, tick=False):
        for _ in range(units):
            IncidentFactory(actor=tenant.member, severity=3, premium=True)


# -- eligibility --------------------------------------------------------------------------


def test_organisation_without_a_contract_gets_no_contract(api):
    membership = MembershipFactory(organization=OrganizationFactory(name="Bare Ltd"))
    response = api(membership.user).post(URL, payload(), format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "no_contract"
    assert "Bare Ltd has no support contract" in body["detail"]
    nothing_written(membership.organization)


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "phrase"),
    [
        (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), "31 Dec 2025"),
        (datetime.date(2026, 9, 1), datetime.date(2027, 8, 31), "1 Sep 2026"),
    ],
    ids=["expired", "not-yet-started"],
)
def test_contract_outside_its_dates_gets_contract_inactive(api, ours, starts_on, ends_on, phrase):
    cover(ours, starts_on, ends_on)
    with time_machine.travel(T, tick=False):
        response = api(ours.member).post(URL, payload(), format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "contract_inactive"
    assert phrase in body["detail"]
    nothing_written(ours.organization)


@pytest.mark.parametrize(
    "renewal", [None, datetime.date(2026, 6, 2)], ids=["no-renewal", "lapsed-yesterday"]
)
def test_av_silver_without_a_current_renewal_gets_renewal_expired(api, renewal):
    silver = cover(make_tenant("Silver SA", "av-silver"))
    silver.contract.renewal_valid_until = renewal
    silver.contract.save(update_fields=["renewal_valid_until"])
    with time_machine.travel(T, tick=False):
        response = api(silver.member).post(URL, payload(), format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "renewal_expired"
    assert "renewal" in body["detail"]
    if renewal:
        assert "2 Jun 2026" in body["detail"]
    nothing_written(silver.organization)


def test_av_silver_with_a_current_renewal_files(api):
    silver = cover(make_tenant("Silver SA", "av-silver"))
    silver.contract.renewal_valid_until = T.date()
    silver.contract.save(update_fields=["renewal_valid_until"])
    with time_machine.travel(T, tick=False):
        response = api(silver.member).post(URL, payload(), format="json")
    assert response.status_code == 201, response.json()


def test_refusal_on_the_web_form_shows_the_sentence_and_writes_nothing(client):
    membership = MembershipFactory(organization=OrganizationFactory(name="Bare Ltd"))
    client.force_login(membership.user)
    response = client.post(
        "/incidents/new/",
        {"title": "t", "description": "d", "severity": 2, "kind": "problem"},
    )
    assert response.status_code == 409
    assert b'data-code="no_contract"' in response.content
    assert b"Bare Ltd has no support contract" in response.content
    nothing_written(membership.organization)


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
    assert "4 of 6 premium incidents left this contract year." in page
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


def test_omitting_premium_on_a_quota_tier_files_standard_without_a_unit(api, start):
    with time_machine.travel(T, tick=False):
        response = api(start.member).post(URL, payload(), format="json")
    assert response.status_code == 201
    assert response.json()["premium"] is False
    assert ledger(start.contract) == []


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
        assert premium_left(start.contract) == 6
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
        assert premium_left(start.contract) == 1
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
        assert premium_left(start.contract) == 0
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


# -- staff filing -------------------------------------------------------------------------


def test_staff_log_a_phone_call_received_earlier(api, ours, staff):
    cover(ours)
    received = T - datetime.timedelta(hours=3)
    with time_machine.travel(T, tick=False):
        response = api(staff["engineer"]).post(
            URL,
            payload(
                severity=1,
                organization=ours.organization.pk,
                channel="phone",
                received_at=received.isoformat(),
            ),
            format="json",
        )
    assert response.status_code == 201, response.json()
    incident = Incident.objects.get(pk=response.json()["id"])
    assert (incident.channel, incident.received_at) == ("phone", received)
    assert incident.filed_by == staff["engineer"]
    first = SlaClock.objects.get(incident=incident, metric="first_response")
    # Severity 1 on MSA Enterprise: 30 minutes, long gone when the call is logged.
    assert first.started_at == received
    assert first.breached_at == T
    assert IncidentEvent.objects.filter(incident=incident, kind="sla_breach").count() == 1


def test_staff_received_at_in_the_future_is_a_400_naming_the_field(api, ours, staff):
    future = timezone.now() + datetime.timedelta(minutes=5)
    response = api(staff["engineer"]).post(
        URL,
        payload(organization=ours.organization.pk, received_at=future.isoformat()),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"received_at": ["The time received cannot be in the future."]}
    nothing_written(ours.organization)


def test_staff_must_choose_the_organisation(api, ours, staff):
    response = api(staff["engineer"]).post(URL, payload(), format="json")
    assert response.status_code == 400
    assert "organization" in response.json()
    nothing_written()


def test_customers_cannot_backdate_or_file_for_another_organisation(api, ours, theirs):
    cover(ours)
    with time_machine.travel(T, tick=False):
        response = api(ours.member).post(
            URL,
            payload(
                organization=theirs.organization.pk,
                received_at=(T - datetime.timedelta(days=2)).isoformat(),
                channel="phone",
            ),
            format="json",
        )
    assert response.status_code == 201
    incident = Incident.objects.get(pk=response.json()["id"])
    assert incident.organization == ours.organization
    assert (incident.received_at, incident.channel) == (T, "api")


def test_another_organisations_contract_reads_as_no_such_contract(api, ours, theirs):
    client = api(ours.member)
    foreign = client.post(URL, payload(contract=theirs.contract.pk), format="json")
    missing = client.post(URL, payload(contract=999999), format="json")
    assert (foreign.status_code, missing.status_code) == (400, 400)
    # The same answer as for an id that does not exist: no hint that it is real.
    assert foreign.json()["contract"][0].replace(str(theirs.contract.pk), "N") == missing.json()[
        "contract"
    ][0].replace("999999", "N")
    nothing_written()


def test_staff_form_logs_an_email_for_a_customer(client, ours, staff):
    cover(ours)
    client.force_login(staff["engineer"])
    with time_machine.travel(T, tick=False):
        response = client.post(
            "/incidents/new/",
            {
                "organization": ours.organization.pk,
                "channel": "email",
                "received_at": "2026-06-03 09:45",
                "title": "Quarantine full",
                "description": "Mail from the customer.",
                "severity": 3,
                "kind": "question",
                "premium": "1",
            },
        )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.organization, incident.channel, incident.kind) == (
        ours.organization,
        "email",
        "question",
    )
    assert incident.received_at == T - datetime.timedelta(minutes=15)


# -- validation and numbering -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"severity": 5}, "severity"),
        ({"severity": 0}, "severity"),
        ({"kind": "wish"}, "kind"),
        ({"kind": "health_check"}, "kind"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": ""}, "description"),
        ({"product": 999999}, "product"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, ours, change, field):
    response = api(ours.member).post(URL, payload(**change), format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    nothing_written(ours.organization)


def test_numbers_count_per_organisation(api, ours, theirs):
    cover(ours)
    cover(theirs)
    with time_machine.travel(T, tick=False):
        mine = [api(ours.member).post(URL, payload()).json()["number"] for _ in range(3)]
        other = api(theirs.member).post(URL, payload()).json()["number"]
    prefix = f"{ours.organization.pk:03d}-"
    assert mine == [f"{prefix}00001", f"{prefix}00002", f"{prefix}00003"]
    assert other == f"{theirs.organization.pk:03d}-00001"


def test_filing_writes_the_event_the_acknowledgement_and_the_clock(api, ours):
    cover(ours)
    with time_machine.travel(T, tick=False):
        response = api(ours.member).post(URL, payload(severity=2), format="json")
    incident = Incident.objects.get(pk=response.json()["id"])
    kinds = list(
        IncidentEvent.objects.filter(incident=incident)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds[0] == "filed"
    assert "clock_started" in kinds
    ack = ThreadEntry.objects.get(incident=incident)
    assert ack.kind == "auto_ack"
    assert ack.qualified_response is False
    assert "A first response is due by" in ack.body
    assert SlaClock.objects.get(incident=incident, metric="first_response").stopped_at is None
