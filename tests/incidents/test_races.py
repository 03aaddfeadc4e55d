"""Web changes and the SLA sweep on the same clock, on real PostgreSQL row locks.

Another connection plays the sweep: it holds a clock's row lock (as the sweep does
between claiming and committing) while the web change runs, then commits its claim.
"""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from incidents.models import IncidentEvent, SlaClock
from incidents.services import incident_change_severity, incident_reply
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)


class SweepHoldingTheClock(threading.Thread):
    """Locks the clock, signals, waits `hold` seconds, writes `claim`, commits."""

    def __init__(self, clock_pk: int, claim: dict, hold: float = 1.0):
        super().__init__()
        self.clock_pk, self.claim, self.hold = clock_pk, claim, hold
        self.locked = threading.Event()
        self.committed_at = None

    def run(self):
        try:
            with transaction.atomic():
                list(SlaClock.objects.select_for_update().filter(pk=self.clock_pk))
                self.locked.set()
                time.sleep(self.hold)
                SlaClock.objects.filter(pk=self.clock_pk).update(**self.claim)
            self.committed_at = timezone.now()
        finally:
            connection.close()

    def __enter__(self):
        self.start()
        assert self.locked.wait(10)
        return self

    def __exit__(self, *exc):
        self.join(10)


def test_a_severity_change_waits_for_a_breach_being_recorded_and_keeps_it():
    start = make_tenant("Start GmbH", "msa-start")  # first response at severity 1 only
    engineer = StaffFactory()
    incident = IncidentFactory(actor=start.member, severity=1, premium=True)
    clock = SlaClock.objects.get(incident=incident)
    breach = timezone.now()
    with SweepHoldingTheClock(clock.pk, {"breached_at": breach}):
        incident_change_severity(incident=incident, actor=engineer, severity=2)

    kept = SlaClock.objects.get(pk=clock.pk)  # not deleted under the sweep's feet
    assert kept.breached_at == breach
    assert kept.stopped_at is not None
    assert IncidentEvent.objects.filter(incident=incident, kind="clock_stopped").exists()


def test_a_warning_recorded_during_a_severity_change_still_warns_at_the_new_time():
    tenant = make_tenant("Ours Ltd")
    engineer = StaffFactory()
    incident = IncidentFactory(actor=tenant.member, severity=1)
    clock = SlaClock.objects.get(incident=incident)
    with SweepHoldingTheClock(clock.pk, {"warned_at": timezone.now()}):
        incident_change_severity(incident=incident, actor=engineer, severity=2)

    clock.refresh_from_db()
    # Severity 2 is four hours: its warning time is ahead, so it will warn again.
    assert clock.warn_at > timezone.now()
    assert clock.warned_at is None


def test_a_reply_waiting_on_the_sweep_is_timed_when_it_gets_the_clock():
    tenant = make_tenant("Ours Ltd")
    engineer = StaffFactory()
    incident = IncidentFactory(actor=tenant.member, severity=1)
    clock = SlaClock.objects.get(incident=incident)
    with SweepHoldingTheClock(clock.pk, {}, hold=1.0) as sweep:
        incident_reply(incident=incident, author=engineer, body="On it")

    clock.refresh_from_db()
    # Stopped after the sweep let go, never at a time from before the sweep's claim.
    assert clock.stopped_at >= sweep.committed_at - datetime.timedelta(milliseconds=50)
