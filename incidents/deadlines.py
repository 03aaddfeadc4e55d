"""The incident's next deadline on its own row: what the desk's urgency order reads.

The running clocks' nearest deadline, warning and breach are copied onto the incident in
the same transaction as every clock change (filing, reply, pause, resume, severity
change, reopening, the sweep), so an index on open incidents gives the most urgent ones
without reading their clocks.
"""

from collections.abc import Iterable

from django.db.models import Min, OuterRef, Subquery

from incidents.models import Incident, SlaClock


def _nearest(field: str, **condition) -> Subquery:
    """The earliest `field` of the incident's running (not stopped, not paused) clocks."""
    running = SlaClock.objects.filter(
        organization_id=OuterRef("organization_id"),
        incident_id=OuterRef("pk"),
        stopped_at__isnull=True,
        paused_at__isnull=True,
        **condition,
    )
    return Subquery(
        running.order_by().values("incident_id").annotate(first=Min(field)).values("first")[:1]
    )


def settle_deadlines(incident_ids: Iterable[int]) -> int:
    """Copy the running clocks' nearest deadline, warning and breach onto the incident rows
    (the desk's urgency order), in the caller's transaction. Every clock change calls it."""
    ids = list(incident_ids)
    if not ids:
        return 0
    return Incident.objects.filter(pk__in=ids).update(
        sla_due_at=_nearest("due_at"),
        sla_warn_at=_nearest("warn_at", breached_at__isnull=True),
        sla_breached_at=_nearest("breached_at", breached_at__isnull=False),
    )
