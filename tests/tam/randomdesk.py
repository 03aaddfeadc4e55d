"""Random sequences of everything that moves an SLA clock, for the desk's property tests:
filing, replies from both sides, waiting and resuming, resolving and reopening, severity
changes, and time passing with the sweep running."""

import contextlib
import datetime
import random

import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from contracts.rules import priority
from incidents.models import DONE_STATUSES, Incident, SlaClock, Status
from incidents.services import (
    incident_change_severity,
    incident_change_status,
    incident_reply,
)
from incidents.sweep import sweep
from portal.errors import ContractRuleError
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, TierFactory
from tests.incidents.conftest import T, widen

ACTIONS = (
    "file",
    "file",
    "staff_reply",
    "customer_reply",
    "wait",
    "open",
    "resolve",
    "severity",
    "time",
    "time",
)
REFUSED = (ValidationError, ContractRuleError, PermissionDenied)


def tenants():
    """An account on a dedicated-TAM tier, one on a quota tier (premium or standard
    incidents) and one whose tier also promises resolution (clocks that pause)."""
    resolution = TierFactory()
    for severity, first, whole in [(1, 30, 240), (2, 240, 600), (3, 480, 1440)]:
        resolution.targets.create(
            severity=severity, metric="first_response", minutes=first, clock="calendar"
        )
        resolution.targets.create(
            severity=severity, metric="resolution", minutes=whole, clock="business"
        )
    found = [
        widen(make_tenant("Enterprise AG", "msa-enterprise")),
        widen(make_tenant("Start SL", "msa-start")),
        widen(make_tenant("Resolution BV")),
    ]
    found[2].contract.tier = resolution
    found[2].contract.save(update_fields=["tier"])
    return found


class RandomDesk:
    def __init__(self, accounts, engineer, seed: int):
        self.accounts = accounts
        self.engineer = engineer
        self.rng = random.Random(seed)
        self.now = T

    def _pick(self) -> Incident | None:
        ids = list(Incident.objects.order_by("id").values_list("pk", flat=True))
        return Incident.objects.get(pk=self.rng.choice(ids)) if ids else None

    def step(self, action: str) -> None:
        rng = self.rng
        with time_machine.travel(self.now, tick=False):
            if action == "time":
                self.now += datetime.timedelta(minutes=rng.choice([1, 7, 30, 95, 400, 1500]))
                with time_machine.travel(self.now, tick=False):
                    sweep(self.now)
                return
            if action == "file":
                tenant = rng.choice(self.accounts)
                extra = {"premium": rng.choice([True, False])} if tenant is self.accounts[1] else {}
                # A used-up quota refuses the filing, which writes nothing.
                with contextlib.suppress(*REFUSED):
                    IncidentFactory(actor=tenant.member, severity=rng.randint(1, 4), **extra)
                return
            incident = self._pick()
            if incident is None:
                return
            # A move the rules refuse changes nothing: also worth checking.
            with contextlib.suppress(*REFUSED):
                self._change(action, incident)

    def _change(self, action: str, incident: Incident) -> None:
        rng = self.rng
        if action == "staff_reply":
            incident_reply(incident=incident, author=self.engineer, body="Looking.")
        elif action == "customer_reply":
            incident_reply(incident=incident, author=incident.filed_by, body="Any news?")
        elif action == "wait":
            incident_change_status(
                incident=incident, actor=self.engineer, status=Status.WAITING_ON_CUSTOMER
            )
        elif action == "open":
            incident_change_status(incident=incident, actor=self.engineer, status=Status.OPEN)
        elif action == "resolve":
            incident_change_status(incident=incident, actor=self.engineer, status=Status.RESOLVED)
        elif action == "severity":
            incident_change_severity(
                incident=incident, actor=self.engineer, severity=rng.randint(1, 4)
            )


def expected_columns(incident: Incident) -> tuple:
    """(sla_due_at, sla_warn_at, sla_breached_at) worked out from the clocks themselves."""
    running = [
        c
        for c in SlaClock.objects.filter(incident=incident)
        if c.stopped_at is None and c.paused_at is None
    ]
    due = min((c.due_at for c in running if c.due_at), default=None)
    warn = min((c.warn_at for c in running if c.warn_at and c.breached_at is None), default=None)
    breached = min((c.breached_at for c in running if c.breached_at), default=None)
    return due, warn, breached


def brute_force_order() -> list[int]:
    """The open incidents in urgency order, sorted in Python from their clocks."""
    keys = []
    for incident in Incident.objects.exclude(status__in=DONE_STATUSES).select_related(
        "contract__tier"
    ):
        due, _warn, breached = expected_columns(incident)
        rank = priority(incident.contract.tier, premium=incident.premium)
        keys.append(
            (
                (breached is None, breached or T),
                (due is None, due or T),
                incident.severity,
                rank,
                incident.received_at,
                incident.pk,
            )
        )
    return [key[-1] for key in sorted(keys)]
