"""The health of the SLA machinery and the outbox, for the provider admins' pages."""

import datetime
from dataclasses import dataclass

from django.db.models import Min, QuerySet
from django.utils import timezone

from incidents.models import Notification, OutboxStatus, SlaClock
from incidents.sweep import HEARTBEAT
from portal.celery import SLA_SWEEP_SECONDS
from portal.models import WorkerHeartbeat

# The health page calls the sweep stale when this many of its runs were missed.
MISSED_SWEEPS = 4
# The clocks due in the next hour that the health page lists one by one (it counts them all).
AT_RISK_LISTED = 50


@dataclass(frozen=True)
class Health:
    last_sweep: datetime.datetime | None
    stale: bool  # no worker with beat has swept lately
    due_next_hour: int
    overdue_unrecorded: int
    outbox_backlog: int
    oldest_unsent: datetime.datetime | None
    failed: int


def _running_clocks() -> QuerySet[SlaClock]:
    return SlaClock.objects.filter(
        stopped_at__isnull=True, breached_at__isnull=True, paused_at__isnull=True
    )


def at_risk_next_hour(now: datetime.datetime | None = None) -> list[SlaClock]:
    """The running clocks due in the next hour, soonest first, with their incidents (the
    first AT_RISK_LISTED of them: the health page counts them all)."""
    now = now or timezone.now()
    due = _running_clocks().filter(due_at__gt=now, due_at__lte=now + datetime.timedelta(hours=1))
    return list(
        due.select_related("incident", "organization").order_by("due_at", "pk")[:AT_RISK_LISTED]
    )


def sla_health(now: datetime.datetime | None = None) -> Health:
    now = now or timezone.now()
    stale_after = datetime.timedelta(seconds=MISSED_SWEEPS * SLA_SWEEP_SECONDS)
    running = _running_clocks()
    pending = Notification.objects.filter(status=OutboxStatus.PENDING)
    beat = WorkerHeartbeat.objects.filter(name=HEARTBEAT).first()
    return Health(
        last_sweep=beat.seen_at if beat else None,
        stale=beat is None or now - beat.seen_at > stale_after,
        due_next_hour=running.filter(
            due_at__gt=now, due_at__lte=now + datetime.timedelta(hours=1)
        ).count(),
        overdue_unrecorded=running.filter(due_at__lte=now).count(),
        outbox_backlog=pending.count(),
        oldest_unsent=pending.aggregate(oldest=Min("created_at"))["oldest"],
        failed=Notification.objects.filter(status=OutboxStatus.FAILED).count(),
    )


UNSENT = "unsent"  # the outbox page's default view: pending and failed
EVERY_STATUS = "all"


def outbox_messages(status: str = UNSENT) -> QuerySet[Notification]:
    """The outbox, newest first, by status (EVERY_STATUS: all of it)."""
    rows = Notification.objects.select_related("incident").order_by("-created_at", "-id")
    if status == UNSENT:
        return rows.exclude(status=OutboxStatus.SENT)
    if status in OutboxStatus.values:
        return rows.filter(status=status)
    return rows
