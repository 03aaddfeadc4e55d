"""Provider admins' SLA health and outbox pages, and the live SLA words on staff pages."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Notification, OutboxStatus
from incidents.sweep import sweep
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_health_page_reports_sweep_due_clocks_and_backlog(client, provider_admin, ours):
    now = timezone.now()
    with time_machine.travel(now - datetime.timedelta(minutes=10), tick=False):
        IncidentFactory(actor=ours.member, severity=1)  # due in 20 min
        IncidentFactory(actor=ours.member, severity=2)  # due in 3h50
    client.force_login(provider_admin)
    page = client.get("/operations/sla/").content.decode()
    assert "never" in page
    assert "no worker with beat is sweeping" in page
    assert '<dd id="due-next-hour">1</dd>' in page
    backlog = Notification.objects.filter(status=OutboxStatus.PENDING).count()
    assert f"{backlog} unsent" in page

    sweep()
    page = client.get("/operations/sla/").content.decode()
    assert "sweeping" in page
    assert "no worker" not in page


def test_operations_pages_are_for_provider_admins_only(client, staff, ours):
    for user in (ours.admin, staff["engineer"]):
        client.force_login(user)
        assert client.get("/operations/sla/").status_code == 403
        assert client.get("/operations/outbox/").status_code == 403
        assert client.post("/operations/outbox/retry/").status_code == 403


def test_outbox_page_shows_failures_and_retries_them(client, provider_admin, ours):
    IncidentFactory(actor=ours.member, severity=2)
    Notification.objects.update(
        status=OutboxStatus.FAILED, attempts=8, last_error="SMTPRecipientsRefused: no such user"
    )
    client.force_login(provider_admin)
    page = client.get("/operations/outbox/?status=failed").content.decode()
    assert "SMTPRecipientsRefused: no such user" in page
    client.post("/operations/outbox/retry/")
    assert not Notification.objects.filter(status=OutboxStatus.FAILED).exists()


def test_outbox_page_queries_do_not_grow_with_rows(client, provider_admin, ours):
    client.force_login(provider_admin)
    IncidentFactory(actor=ours.member, severity=2)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/operations/outbox/?status=all").status_code == 200
        return len(queries)

    few = count()
    for _ in range(5):
        IncidentFactory(actor=ours.member, severity=2)
    assert count() == few


def test_at_risk_and_breached_words_on_the_staff_list(client, staff, ours):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        IncidentFactory(actor=ours.member, title="Outage", severity=1)
    client.force_login(staff["engineer"])
    with time_machine.travel(start + datetime.timedelta(minutes=25), tick=False):
        rows = client.get("/incidents/", HTTP_HX_REQUEST="true").content.decode()
        assert "at risk: due in 5 min" in rows
        assert 'hx-trigger="every 30s"' in rows
    with time_machine.travel(start + datetime.timedelta(minutes=95), tick=False):
        assert "breached 1 h 5 min ago" in client.get("/incidents/").content.decode()


@pytest.mark.parametrize(("interval", "stale"), [(30.0, False), (5.0, True)])
def test_the_stale_sweep_warning_follows_the_sweep_interval(
    client, provider_admin, monkeypatch, interval, stale
):
    """Four missed sweeps make the page say no worker is sweeping: 2 minutes at the default
    30 s, 20 s when SLA_SWEEP_SECONDS is 5."""
    monkeypatch.setattr("incidents.selectors.operations.SLA_SWEEP_SECONDS", interval)
    with time_machine.travel(timezone.now() - datetime.timedelta(seconds=60), tick=False):
        sweep()
    client.force_login(provider_admin)
    page = client.get("/operations/sla/").content.decode()
    assert ("no worker with beat is sweeping" in page) is stale
