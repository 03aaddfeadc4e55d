"""Out of the contract's working hours a customer is asked to phone the priority line too:
on the filing form (prominent for severity 1-2), after filing and in the confirmation."""

import datetime

import pytest
import time_machine
from django.core import mail

from contracts.priority_line import priority_line_notice
from incidents.models import Channel
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

# Ours works Monday to Friday, 9:00-17:00 in Madrid (UTC+1 in winter).
SATURDAY_NIGHT = datetime.datetime(2026, 11, 28, 2, 0, tzinfo=datetime.UTC)
WEDNESDAY_MORNING = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC)


def hint(client, severity):
    return client.get("/incidents/new/promise/", {"severity": severity}).content.decode()


def test_the_notice_names_the_tiers_number_or_the_providers_line(ours):
    tier = ours.contract.tier
    notice = priority_line_notice(ours.contract, 3, SATURDAY_NIGHT)
    assert "phone your provider's priority line" in notice.text
    assert not notice.urgent
    tier.priority_phone = "+34 900 000 111"
    tier.save()
    notice = priority_line_notice(ours.contract, "1", SATURDAY_NIGHT)
    assert "phone the priority line, +34 900 000 111 now" in notice.text
    assert notice.urgent
    assert priority_line_notice(ours.contract, 1, WEDNESDAY_MORNING) is None


def test_the_filing_form_asks_to_phone_out_of_hours_prominently_for_severity_1_2(client, ours):
    client.force_login(ours.member)
    with time_machine.travel(SATURDAY_NIGHT, tick=False):
        urgent, calm = hint(client, 1), hint(client, 4)
        form = client.get("/incidents/new/").content.decode()
    assert 'class="error-box priority-line-urgent"' in urgent
    assert "for a severity 1 problem, phone your provider&#x27;s priority line now" in urgent
    assert 'class="priority-line"' in calm
    assert "please also phone your provider&#x27;s priority line" in calm
    assert 'id="priority-line"' in form
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        assert 'id="priority-line"' not in hint(client, 1)


def test_filing_out_of_hours_says_so_after_filing_and_in_the_confirmation(
    client, ours, django_capture_on_commit_callbacks
):
    client.force_login(ours.member)
    with (
        time_machine.travel(SATURDAY_NIGHT, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            "/incidents/new/",
            {
                "title": "Ransomware on the file server",
                "description": "Files are being encrypted.",
                "severity": 1,
                "kind": "problem",
                "contract": ours.contract.pk,
            },
            follow=True,
        )
    assert "phone your provider&#x27;s priority line now" in response.content.decode()
    (message,) = [m for m in mail.outbox if m.to == [ours.member.email]]
    assert message.body.startswith("IMPORTANT: It is outside your contract's working hours")
    assert "A first response is due by" in message.body


def test_no_notice_within_hours_nor_for_a_call_staff_logged(
    ours, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with time_machine.travel(WEDNESDAY_MORNING, tick=False):
            IncidentFactory(actor=ours.member, severity=1)
        with time_machine.travel(SATURDAY_NIGHT, tick=False):
            IncidentFactory(
                actor=staff["engineer"],
                organization=ours.organization,
                channel=Channel.PHONE,
                severity=1,
            )
    bodies = [m.body for m in mail.outbox if m.to == [ours.admin.email]]
    assert len(bodies) == 2
    assert not any("priority line" in body for body in bodies)
