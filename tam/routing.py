"""Routing a new incident, as the tiers say it: to the account's TAM if available at the
time received, else to the backup TAM if available, else to the duty manager on shift.
Without a TAM the incident waits in the shared queue (unassigned). The decision and its
reason go on the timeline as a `routed` event (staff only)."""

import datetime
from dataclasses import dataclass

from contracts.models import Contract
from incidents.models import EventKind, Incident, RouteReason
from incidents.timeline import record
from portal.models import User
from tam.availability import schedules
from tam.rota import on_duty


@dataclass(frozen=True)
class Route:
    to: User | None
    reason: RouteReason


def route_for(contract: Contract, at: datetime.datetime) -> Route:
    """Where a new incident on `contract` received at `at` goes, and why."""
    tam = contract.tam if contract.tam_id else None
    if tam is None or not tam.is_active:
        return Route(None, RouteReason.NO_TAM)
    backup = contract.backup_tam if contract.backup_tam_id else None
    if backup is not None and not backup.is_active:
        backup = None
    plans = schedules({tam.pk, backup.pk if backup else None}, at)
    if plans[tam.pk].available_at(at):
        return Route(tam, RouteReason.TAM)
    if backup is not None and plans[backup.pk].available_at(at):
        return Route(backup, RouteReason.BACKUP_TAM)
    duty = on_duty(at)
    if duty is not None:
        return Route(duty, RouteReason.TAM_UNAVAILABLE)
    return Route(None, RouteReason.NOBODY_ON_DUTY)


def route(incident: Incident, now: datetime.datetime) -> Route:
    """Assign a just-filed incident (in the filing's transaction) and record why."""
    decision = route_for(incident.contract, incident.received_at)
    if decision.to is not None:
        Incident.objects.filter(pk=incident.pk).update(assignee=decision.to)
        incident.assignee = decision.to
    record(
        incident,
        EventKind.ROUTED,
        now,
        None,
        internal=True,
        to=decision.to.pk if decision.to else None,
        reason=decision.reason,
    )
    return decision
