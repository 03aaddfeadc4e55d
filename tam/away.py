"""Owner away: when the assignee of a severity 1-2 incident with a running calendar-time
clock becomes unavailable (an absence starts, the working day ends), the duty manager on
shift is told once and the incident shows in the "Owner away" queue. Nothing is
reassigned: the duty manager decides.

The claim is the incident's `owner_away_at` (set only where empty), and the notice's
outbox row is keyed by (clock, event kind, the owner's return, recipient), so a second
notice for the same spell away cannot be written even by a second worker. When the assignee is back,
or someone else takes the incident, it leaves the queue.
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from contracts.models import ClockKind
from incidents.models import DONE_STATUSES, EventKind, Incident, Notification, SlaClock
from incidents.notifications import enqueue_sending, outbox_rows
from incidents.recipients import ESCALATING_SEVERITIES, duty_managers, emails
from incidents.timeline import record
from tam.availability import schedules

logger = logging.getLogger(__name__)


# A running (not stopped, not paused) calendar-time clock: the kind an absence endangers.
RUNNING_CALENDAR = {
    "kind": ClockKind.CALENDAR,
    "stopped_at__isnull": True,
    "paused_at__isnull": True,
}


def _calendar_clock():
    return SlaClock.objects.filter(
        organization_id=OuterRef("organization_id"), incident_id=OuterRef("pk"), **RUNNING_CALENDAR
    )


def watched():
    """Open severity 1-2 incidents with an assignee and a running calendar-time clock."""
    return (
        Incident.objects.exclude(status__in=DONE_STATUSES)
        .filter(severity__in=ESCALATING_SEVERITIES, assignee__isnull=False)
        .filter(Exists(_calendar_clock()))
    )


def _tell(incident: Incident, clock: SlaClock, now: datetime.datetime, away) -> None:
    event = record(
        incident,
        EventKind.OWNER_AWAY,
        now,
        None,
        internal=True,
        assignee=incident.assignee_id,
        state=away.state,
        reason=away.reason or "",
        back_at=away.next_change.isoformat() if away.next_change else None,
    )
    people = duty_managers(now)
    # Keyed by the clock and the end of this absence from work (when the owner is back),
    # so each spell away is told once, however many watchers see it.
    episode = away.next_change or clock.due_at
    rows = outbox_rows(event, emails(people), now, clock_id=clock.pk, deadline=episode)
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def watch_owners(now: datetime.datetime | None = None) -> int:
    """Flag and announce incidents whose owner is away; unflag those whose owner is back.
    Returns how many incidents were newly flagged."""
    now = now or timezone.now()
    # Per person, not per incident: a few hundred staff, however many incidents they hold.
    owners = set(watched().order_by().values_list("assignee_id", flat=True).distinct())
    plans = schedules(owners, now)
    away = {pk: plans[pk].at(now) for pk in owners}
    away_ids = [pk for pk, state in away.items() if not state.available]
    # Back (or no longer watched: resolved, reassigned, the clock stopped): out of the queue.
    still_away = Q(assignee_id__in=away_ids) & Q(pk__in=watched().values("pk"))
    with transaction.atomic():
        # Rows being changed right now are left for the next run (never a lock wait).
        free = (
            Incident.objects.filter(owner_away_at__isnull=False)
            .exclude(still_away)
            .select_for_update(skip_locked=True, no_key=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Incident.objects.filter(pk__in=list(free)).update(owner_away_at=None)
    newly = list(
        watched()
        .filter(owner_away_at__isnull=True, assignee_id__in=away_ids)
        .values_list("pk", flat=True)
    )
    told = 0
    for pk in newly:
        with transaction.atomic():
            incident = (
                Incident.objects.select_for_update(skip_locked=True, no_key=True)
                .filter(pk=pk, owner_away_at__isnull=True)
                .first()
            )
            if incident is None:
                continue  # being changed right now, or already told: the next run looks again
            clock = (
                SlaClock.objects.filter(
                    organization_id=incident.organization_id, incident=incident, **RUNNING_CALENDAR
                )
                .order_by("due_at")
                .first()
            )
            if clock is None or incident.assignee_id not in away_ids:
                continue  # reassigned or its clock stopped since the list was read
            Incident.objects.filter(pk=pk).update(owner_away_at=now)
            _tell(incident, clock, now, away[incident.assignee_id])
            told += 1
    if told:
        transaction.on_commit(enqueue_sending)
    return told
