"""Text inputs are bounded by their columns or a sensible size, header-bound text stays on
one line, instants stay in range, and plain-text e-mails are not HTML-escaped."""

import pytest
from django.core import mail

from incidents.models import Incident
from incidents.services import incident_reply
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def filing(**values):
    return {"title": "VPN down", "description": "Since noon.", "severity": 3, **values}


@pytest.mark.parametrize("title", ["a\nBcc: x@evil.test", "a\rb", "a\u2028b"])
def test_a_title_with_a_line_break_is_refused_by_the_api_and_the_page(api, client, ours, title):
    answer = api(ours.member).post("/api/v1/incidents/", filing(title=title), format="json")
    assert answer.status_code == 400
    assert answer.json() == {"title": ["Keep this on one line (no line breaks)."]}
    client.force_login(ours.member)
    page = client.post("/incidents/new/", {**filing(title=title), "kind": "problem"})
    assert page.status_code == 400
    assert "Keep this on one line" in page.content.decode()
    assert not Incident.objects.exists()


@pytest.mark.parametrize(("field", "limit"), [("title", 200), ("description", 20_000)])
def test_filing_texts_are_bounded(api, client, ours, field, limit):
    answer = api(ours.member).post("/api/v1/incidents/", filing(**{field: "x" * (limit + 1)}))
    assert answer.status_code == 400
    assert f"no more than {limit} characters" in answer.json()[field][0]
    client.force_login(ours.member)
    page = client.post(
        "/incidents/new/", {**filing(**{field: "x" * (limit + 1)}), "kind": "problem"}
    )
    assert page.status_code == 400
    assert (
        api(ours.member).post("/api/v1/incidents/", filing(**{field: "x" * limit})).status_code
        == 201
    )


def test_replies_are_bounded(api, client, ours):
    incident = IncidentFactory(actor=ours.admin)
    before = incident.entries.count()
    url = f"/api/v1/incidents/{incident.pk}/replies/"
    answer = api(ours.member).post(url, {"body": "x" * 50_001})
    assert answer.status_code == 400
    assert "no more than 50000 characters" in answer.json()["body"][0]
    client.force_login(ours.member)
    page = client.post(f"/incidents/{incident.pk}/reply/", {"body": "x" * 50_001}, follow=True)
    assert page.redirect_chain[0][1] == 302  # after the POST, even refused
    assert "at most 50000 characters" in page.content.decode()
    assert incident.entries.count() == before


def test_names_past_their_column_are_a_400(api, ours, provider_admin):
    members = f"/api/v1/organizations/{ours.organization.pk}/members/"
    long_name = {"email": "long@example.test", "full_name": "n" * 201}
    answer = api(ours.admin).post(members, long_name)
    assert answer.status_code == 400
    assert list(answer.json()) == ["full_name"]
    staff = api(provider_admin).post("/api/v1/staff/", {**long_name, "role": "engineer"})
    assert staff.status_code == 400
    assert list(staff.json()) == ["full_name"]


def test_tier_minutes_past_the_column_are_a_400(api, provider_admin):
    target = {"severity": 1, "metric": "first_response", "minutes": 2**31, "clock": "calendar"}
    answer = api(provider_admin).post(
        "/api/v1/tiers/", {"code": "huge", "name": "Huge", "targets": [target]}, format="json"
    )
    assert answer.status_code == 400
    assert "less than or equal to 2147483647" in str(answer.json()["targets"])


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00Z"])
def test_received_at_of_year_one_is_a_400(api, ours, staff, when):
    body = filing(organization=ours.organization.pk, received_at=when, channel="phone")
    answer = api(staff["engineer"]).post("/api/v1/incidents/", body, format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == ["received_at"]


def test_plain_text_mail_is_not_html_escaped(ours, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = IncidentFactory(actor=ours.member, title="It's <down> & out")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_reply(incident=incident, author=staff["engineer"], body='Don\'t "panic" <b>')
    message = mail.outbox[0]
    assert "It's <down> & out" in message.body
    assert 'Don\'t "panic" <b>' in message.body
    assert "&#x27;" not in message.body
    assert "&amp;" not in message.body
    assert "It's <down> & out" in message.subject


def test_a_stored_title_with_line_breaks_still_mails_on_one_line(
    ours, staff, django_capture_on_commit_callbacks
):
    incident = IncidentFactory(actor=ours.member, title="Old")
    Incident.objects.filter(pk=incident.pk).update(title="Old\r\nBcc: x@evil.test")
    incident.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_reply(incident=incident, author=staff["engineer"], body="Looking")
    assert mail.outbox
    for message in mail.outbox:
        assert "\n" not in message.subject
        assert "\r" not in message.subject
        assert "Old Bcc: x@evil.test" in message.subject
        message.message()  # renders the headers: no BadHeaderError
