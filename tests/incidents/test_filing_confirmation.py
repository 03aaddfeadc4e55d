"""The confirmation e-mail of a filing: the contact who filed gets it with the promised
response time, whether they filed it or staff logged their call."""

import pytest
from django.core import mail

from incidents.models import Channel
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def filed_mail_to(email):
    return [
        m for m in mail.outbox if m.to == [email] and m.extra_headers["X-Portal-Event"] == "filed"
    ]


@pytest.mark.parametrize("who", ["member", "admin"])
def test_a_customer_filing_gets_a_confirmation_with_the_promise(
    ours, staff, who, django_capture_on_commit_callbacks
):
    filer = getattr(ours, who)
    with django_capture_on_commit_callbacks(execute=True):
        incident = IncidentFactory(actor=filer, title="Mail server down", severity=2)
    (message,) = filed_mail_to(filer.email)
    assert f"We received incident {incident.number}." in message.body
    assert "A first response is due by" in message.body
    assert f"({ours.organization.timezone})" in message.body


def test_a_logged_call_confirms_to_the_customer_not_to_the_staff_member(
    ours, staff, django_capture_on_commit_callbacks
):
    engineer = staff["engineer"]
    with django_capture_on_commit_callbacks(execute=True):
        IncidentFactory(
            actor=engineer, organization=ours.organization, channel=Channel.PHONE, severity=1
        )
    (message,) = filed_mail_to(ours.admin.email)
    assert "A first response is due by" in message.body
    assert not filed_mail_to(engineer.email)
