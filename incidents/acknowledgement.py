"""The automatic acknowledgement: what the customer is promised, at filing and whenever
the first-response deadline moves (a severity change, a calendar re-plan).

The first acknowledgement stays as it was written (history is evidence); a move adds a
new automatic entry that says the promise was updated, in the customer's time zone.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Metric
from contracts.priority_line import PriorityLineNotice, priority_line_notice
from incidents.models import EntryKind, Incident, SlaClock, ThreadEntry
from portal.rules import organization_zone


def _when(incident: Incident, due: datetime.datetime) -> dict:
    zone = organization_zone(incident.organization)
    return {
        "when": f"{timezone.localtime(due, timezone=zone):%a %-d %b %Y, %H:%M}",
        "zone": zone.key,
    }


def promise_text(incident: Incident, first_response_due: datetime.datetime | None) -> str:
    """The promise of the first acknowledgement."""
    if first_response_due is not None:
        return _("A first response is due by %(when)s (%(zone)s).") % _when(
            incident, first_response_due
        )
    if incident.has_sla:
        return _("Your tier states no response target for this severity.")
    return _("Standard incidents have no response target on your tier.")


def update_text(incident: Incident, first_response_due: datetime.datetime | None) -> str:
    """The body of an acknowledgement whose promise moved."""
    if first_response_due is None:
        promise = _("Your tier states no response target for this severity.")
    else:
        promise = _("A first response is now due by %(when)s (%(zone)s).") % _when(
            incident, first_response_due
        )
    return (
        _("Updated promise for incident %(number)s.") % {"number": incident.number} + f" {promise}"
    )


def acknowledgement_entry(incident: Incident, body: str) -> ThreadEntry:
    """An automatic entry (unsaved: the re-planning writes them in bulk)."""
    return ThreadEntry(
        organization_id=incident.organization_id,
        incident=incident,
        author=None,
        kind=EntryKind.AUTO_ACK,
        body=body,
        by_staff=True,
    )


def first_response_promise(incident: Incident) -> datetime.datetime | None:
    """The deadline the customer is promised now: the running, unbreached first-response
    clock's (None when there is none)."""
    return (
        SlaClock.objects.filter(
            organization_id=incident.organization_id,
            incident=incident,
            metric=Metric.FIRST_RESPONSE,
            stopped_at__isnull=True,
            breached_at__isnull=True,
        )
        .values_list("due_at", flat=True)
        .first()
    )


def acknowledge_change(
    incident: Incident, before: datetime.datetime | None, now: datetime.datetime
) -> ThreadEntry | None:
    """After a change that may move the promise (a severity change): a new acknowledgement
    when the first-response deadline moved, or the clock went away with the target. A
    deadline moved into the past is a breach instead, which the timeline shows."""
    first = (
        SlaClock.objects.filter(
            organization_id=incident.organization_id,
            incident=incident,
            metric=Metric.FIRST_RESPONSE,
            stopped_at__isnull=True,
        )
        .values("due_at", "breached_at")
        .first()
    )
    if first is None:
        if before is None:
            return None
        new_due = None  # no target at the new severity
    elif first["breached_at"] is not None or first["due_at"] is None:
        return None
    else:
        new_due = first["due_at"]
        if new_due == before or new_due <= now:
            return None
    entry = acknowledgement_entry(incident, update_text(incident, new_due))
    entry.save()
    return entry


def first_acknowledgement(incident: Incident) -> str:
    """What the customer was promised at filing, as the thread's first automatic entry
    says it (the filing's confirmation e-mail repeats it)."""
    return (
        ThreadEntry.objects.filter(
            organization_id=incident.organization_id, incident=incident, kind=EntryKind.AUTO_ACK
        )
        .order_by("created_at", "pk")
        .values_list("body", flat=True)
        .first()
        or ""
    )


def priority_line_for(incident: Incident) -> PriorityLineNotice | None:
    """The out-of-hours notice for a customer's own filing (a call staff logged was phoned
    in already): received outside the contract's working hours, phone the priority line."""
    if incident.filed_by.is_provider_staff:
        return None
    return priority_line_notice(incident.contract, incident.severity, incident.received_at)
