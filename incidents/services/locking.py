"""The lock every change of an incident takes first."""

from incidents.models import Incident, SlaClock


def locked_incident(incident: Incident, *, clocks: bool = False) -> Incident:
    """The incident row, locked; with `clocks`, its SLA clocks too.

    Lock order is always incident, then clocks. NO KEY UPDATE on the incident, so the
    sweep's event inserts (which only reference it) never wait on a web change; the
    sweep locks clocks, then (for a breach) their incidents with SKIP LOCKED, so it
    never waits on a web change and the two never wait on each other in a circle.
    A change that reads clocks locks them first, so a sweep that claimed a clock has
    committed before the change reads it, and the change's time is taken after that.
    """
    locked = (
        Incident.objects.select_for_update(of=("self",), no_key=True)
        .select_related("contract__tier", "contract__calendar", "organization", "filed_by")
        .get(pk=incident.pk)
    )
    if clocks:
        list(
            SlaClock.objects.select_for_update()
            .filter(organization_id=locked.organization_id, incident=locked)
            .values_list("pk")
        )
    return locked
