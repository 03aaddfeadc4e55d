"""What the operations pages list: the incidents at risk in the next hour (SLA health) and
when each outbox message was queued and sent, in the viewer's zone, linked to its incident."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from incidents.models import Notification, OutboxStatus
from tam.models import WorkingHours
from tests.factories import CalendarFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokyo_admin(provider_admin):
    """A provider admin who works in Tokyo (UTC+9, no DST): their pages speak Tokyo time."""
    WorkingHours.objects.create(
        staff=provider_admin, calendar=CalendarFactory(timezone="Asia/Tokyo")
    )
    return provider_admin


def test_sla_health_lists_the_incidents_at_risk_in_the_next_hour(client, tokyo_admin, ours):
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now - datetime.timedelta(minutes=10), tick=False):
        soon = IncidentFactory(actor=ours.member, severity=1, title="Core switch down")
        IncidentFactory(actor=ours.member, severity=2, title="Printer slow")  # due in 3h50
    client.force_login(tokyo_admin)
    page = client.get("/operations/sla/").content.decode()
    table = page[page.index('id="at-risk"') :]
    assert f'href="/incidents/{soon.pk}/">{soon.number}</a>' in table
    assert "Core switch down" in table
    assert "Printer slow" not in table
    due = soon.clocks.get(metric="first_response").due_at
    tokyo = due.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
    assert f"{tokyo:%a} {tokyo.day} {tokyo:%b}, {tokyo:%H:%M}" in table
    assert "At risk in the next hour (Asia/Tokyo)" in page


def test_sla_health_says_when_nothing_is_at_risk(client, provider_admin):
    client.force_login(provider_admin)
    page = client.get("/operations/sla/").content.decode()
    assert "No clock is due in the next hour." in page


def test_the_outbox_shows_send_times_in_the_viewers_zone_and_links_incidents(
    client, tokyo_admin, ours
):
    incident = IncidentFactory(actor=ours.member, severity=2, title="VPN down")
    sent_at = datetime.datetime(2026, 11, 29, 23, 30, tzinfo=datetime.UTC)
    row = Notification.objects.filter(incident=incident).first()
    row.status, row.sent_at = OutboxStatus.SENT, sent_at
    row.save(update_fields=["status", "sent_at"])
    client.force_login(tokyo_admin)
    page = client.get("/operations/outbox/?status=sent").content.decode()
    assert "Sent (Asia/Tokyo)" in page
    assert '<td class="sent-at">30 Nov 2026 08:30:00</td>' in page
    assert f'href="/incidents/{incident.pk}/">{incident.number}</a>' in page
    assert "VPN down" in page
