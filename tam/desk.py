"""The desk's reads: its queues, their counts and the urgency order.

The order is breached first (longest breached first), then the nearest deadline of any
running clock, then severity, the tier's priority and age; paused and stopped clocks do
not count. It reads only columns of the incident row (`incidents.deadlines` keeps them),
so PostgreSQL walks a partial index of open incidents instead of sorting them all.
"""

import datetime

from django.db import models
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract
from incidents.models import DONE_STATUSES, URGENCY_FIELDS, Incident, Status
from portal import keyset
from portal.models import User
from tam.rota import DUTY_ROLES


class Queue(models.TextChoices):
    MINE = "mine", _("Mine")
    UNASSIGNED = "unassigned", _("Unassigned")
    ACCOUNTS = "accounts", _("My accounts")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    OWNER_AWAY = "owner_away", _("Owner away")
    WAITING = "waiting", _("Waiting on customer")
    OPEN = "open", _("All open")


# Fields that may be empty sort last ascending (PostgreSQL's default for an index).
NULLABLE = frozenset({"sla_breached_at", "sla_due_at"})
DATETIMES = NULLABLE | {"received_at"}
URGENCY = [F(name).asc(nulls_last=True) if name in NULLABLE else name for name in URGENCY_FIELDS]
OPEN = ~Q(status__in=DONE_STATUSES)


def breached(now: datetime.datetime) -> Q:
    """Breached: a breach recorded on a running clock, or a deadline already past (the
    sweep records it within its interval)."""
    return Q(sla_breached_at__isnull=False) | Q(sla_due_at__lte=now)


def _members(queue: str, user: User, now: datetime.datetime) -> Q:
    """Which open incidents belong to a queue (unknown queues: all of them)."""
    late = breached(now)
    # The caller's accounts as a subquery, not a join: the counts read no other table.
    accounts = Contract.objects.filter(Q(tam=user) | Q(backup_tam=user)).values("pk")
    conditions = {
        Queue.MINE: Q(assignee=user),
        Queue.UNASSIGNED: Q(assignee__isnull=True),
        Queue.ACCOUNTS: Q(contract_id__in=accounts),
        Queue.AT_RISK: ~late & Q(sla_warn_at__lte=now),
        Queue.BREACHED: late,
        Queue.OWNER_AWAY: Q(owner_away_at__isnull=False),
        Queue.WAITING: Q(status=Status.WAITING_ON_CUSTOMER),
    }
    return conditions.get(queue, Q())


def queue_condition(queue: str, user: User, now: datetime.datetime) -> Q:
    """The incidents of a queue, as a query condition (unknown queues are all open)."""
    return OPEN & _members(queue, user, now)


def queues_for(user: User) -> list[Queue]:
    """The queues a staff member's desk shows: "Owner away" is the duty managers' own."""
    shown = list(Queue)
    if user.staff_role not in DUTY_ROLES and not user.is_superuser:
        shown.remove(Queue.OWNER_AWAY)
    return shown


def queue_counts(user: User, now: datetime.datetime, queues=tuple(Queue)) -> dict[str, int]:
    """Every queue's count in one query over the open incidents."""
    counts = Incident.objects.filter(OPEN).aggregate(
        **{
            q.value: Count("pk", filter=_members(q, user, now)) if q != Queue.OPEN else Count("pk")
            for q in queues
        }
    )
    return {q.value: counts[q.value] for q in queues}


def urgency_ordered(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    return queryset.order_by(*URGENCY)


# -- keyset pages in urgency order -----------------------------------------------------------


def urgency_key(incident: Incident) -> list:
    return [getattr(incident, name) for name in URGENCY_FIELDS]


def encode_cursor(incident: Incident) -> str:
    return keyset.encode(urgency_key(incident))


def decode_cursor(cursor: str) -> list | None:
    """The cursor's key, or None for anything that is not one of ours."""
    return keyset.decode(cursor, URGENCY_FIELDS, datetimes=DATETIMES, nullable=NULLABLE)


def after(key: list) -> Q:
    """Rows after `key` in the urgency order."""
    return keyset.after(URGENCY_FIELDS, key, nullable=NULLABLE)


def urgency_page(
    queryset: QuerySet[Incident], *, cursor: str = "", size: int = 50
) -> tuple[list[Incident], str | None]:
    """One page in urgency order and the cursor of the next (None on the last)."""
    queryset = urgency_ordered(queryset)
    key = decode_cursor(cursor) if cursor else None
    if key is not None:
        queryset = queryset.filter(after(key))
    rows = list(queryset[: size + 1])
    if len(rows) > size:
        rows = rows[:size]
        return rows, encode_cursor(rows[-1])
    return rows, None
