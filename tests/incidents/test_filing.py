"""Filing rules: eligibility, staff filing, validation and numbering (the premium quota and
its ledger: test_premium_quota.py).

Every refusal is checked for what it leaves behind: no incident, no event, no ledger row,
no outbox row, no used incident number.
"""

import datetime

import pytest
import time_machine
from django.utils import timezone

from incidents.models import Incident, IncidentEvent, SlaClock, ThreadEntry
from tests.conftest import make_tenant
from tests.factories import MembershipFactory, OrganizationFactory
from tests.incidents.conftest import URL, T, cover, nothing_written, payload

pytestmark = pytest.mark.django_db

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
    assert response.status_code == 403, response.content
    detail = response.json()["detail"]
    assert all(field in detail for field in ("organization", "received_at", "channel"))
    assert not Incident.objects.exists()


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
                "caller": ours.admin.pk,
                # On the customer's clock (Madrid, UTC+2 in June): 07:45 UTC.
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
    assert incident.received_at == T - datetime.timedelta(hours=2, minutes=15)
    assert incident.caller == ours.admin


# -- validation and numbering -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"severity": 5}, "severity"),
        ({"severity": 0}, "severity"),
        ({"kind": "wish"}, "kind"),
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


def test_a_customer_filing_a_health_check_is_refused_as_the_providers_to_book(api, ours):
    response = api(ours.member).post(URL, payload(kind="health_check"), format="json")
    assert response.status_code == 403
    assert "booked with your provider" in response.json()["detail"]
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
