"""The desk page's reads: the queue asked for (or the default one), its page of rows in
urgency order with each row's countdown and last customer activity, the queues' counts
and what the filters offer. A fixed number of queries, whatever the number of rows."""

import datetime
import hashlib
from dataclasses import dataclass

from django.db import models
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.models import Product, Tier
from incidents.models import EntryKind, Incident, ThreadEntry
from incidents.selectors import filter_incidents, incidents_for_user
from incidents.selectors.sla import span_catalogue, span_words
from portal.models import Organization, User
from portal.selectors import staff_members
from tam.desk import Queue, queue_condition, queue_counts, queues_for, urgency_page

# Rows on one page of the desk.
PAGE_SIZE = 50
# The desk's text search: titles and numbers (descriptions are the incident list's).
SEARCHED = ("title", "number")


class Countdown(models.TextChoices):
    """Where a row stands against its next deadline (its CSS class on the page)."""

    BREACHED = "breached", gettext_lazy("Breached")
    AT_RISK = "at_risk", gettext_lazy("At risk")
    RUNNING = "running", gettext_lazy("Running")
    NONE = "none", gettext_lazy("No running clock")


def countdown_words() -> dict[str, str]:
    """The countdown's sentences; the page's script fills them in as the clock ticks, so
    the browser's words are the server's (and translated with them)."""
    return {
        Countdown.BREACHED: _("breached %(span)s ago"),
        Countdown.AT_RISK: _("at risk: due in %(span)s"),
        Countdown.RUNNING: _("due in %(span)s"),
        Countdown.NONE: _("no running clock"),
        **span_catalogue(),
    }


@dataclass(frozen=True)
class RowClock:
    """A row's next deadline as the page shows it (and as its script keeps ticking)."""

    state: Countdown
    text: str
    # The instants the script counts from: the nearest deadline, the breach, the warning.
    due_at: datetime.datetime | None
    breached_at: datetime.datetime | None
    warn_at: datetime.datetime | None


def row_clock(incident: Incident, now: datetime.datetime, words: dict[str, str]) -> RowClock:
    """Breached since the passed deadline (or the breach a later deadline left standing),
    at risk once warned, else due in; paused and stopped clocks are not on the row."""
    due, breached, warn = incident.sla_due_at, incident.sla_breached_at, incident.sla_warn_at
    since = due if due is not None and due <= now else breached
    if since is not None:
        state, span = Countdown.BREACHED, now - since
    elif due is None:
        return RowClock(Countdown.NONE, words[Countdown.NONE], None, None, None)
    elif warn is not None and warn <= now:
        state, span = Countdown.AT_RISK, due - now
    else:
        state, span = Countdown.RUNNING, due - now
    text = words[state] % {"span": span_words(span, words)}
    return RowClock(state, text, due, breached, warn)


def last_customer_activity(incidents: list[Incident]) -> dict[int, datetime.datetime]:
    """Each incident's latest customer reply, for a page of rows in one query."""
    if not incidents:
        return {}
    latest = (
        ThreadEntry.objects.filter(
            organization_id__in={i.organization_id for i in incidents},
            incident_id__in=[i.pk for i in incidents],
            by_staff=False,
            kind=EntryKind.REPLY,
        )
        .values("incident_id")
        .annotate(last=Max("created_at"))
        .order_by()
    )
    return {row["incident_id"]: row["last"] for row in latest}


@dataclass(frozen=True)
class DeskRow:
    incident: Incident
    clock: RowClock
    customer_activity: datetime.datetime | None


@dataclass(frozen=True)
class QueueTab:
    queue: Queue
    count: int
    current: bool


@dataclass(frozen=True)
class DeskPage:
    queue: Queue
    tabs: list[QueueTab]
    rows: list[DeskRow]
    next_cursor: str | None
    # A fingerprint of what the page shows: the live refresh answers "nothing changed"
    # (204) when the browser already has it.
    digest: str


def default_queue(counts: dict[str, int]) -> Queue:
    """A staff member starts on their own incidents if they have any, else on the ones
    nobody has taken."""
    return Queue.MINE if counts.get(Queue.MINE) else Queue.UNASSIGNED


def _digest(counts: dict[str, int], queue: Queue, rows, next_cursor) -> str:
    state = [sorted(counts.items()), str(queue), next_cursor]
    for row in rows:
        i = row.incident
        state.append(
            (i.pk, i.updated_at, i.sla_due_at, i.sla_breached_at, i.sla_warn_at, i.assignee_id)
        )
        state.append(row.customer_activity)
    return hashlib.blake2b(repr(state).encode(), digest_size=8).hexdigest()


def desk_page(
    user: User,
    *,
    queue: str = "",
    filters: dict | None = None,
    cursor: str = "",
    now: datetime.datetime,
    size: int | None = None,
) -> DeskPage:
    """The queue asked for (one of the user's, else their default), filtered, one page in
    urgency order, with every queue's count. `filters` are `filter_incidents`' keywords."""
    shown = queues_for(user)
    counts = queue_counts(user, now, shown)
    current = Queue(queue) if queue in {q.value for q in shown} else default_queue(counts)
    incidents = incidents_for_user(user).filter(queue_condition(current, user, now))
    incidents = filter_incidents(incidents, **(filters or {}), text_in=SEARCHED)
    page, next_cursor = urgency_page(incidents, cursor=cursor, size=size or PAGE_SIZE)
    activity = last_customer_activity(page)
    words = countdown_words()
    rows = [DeskRow(i, row_clock(i, now, words), activity.get(i.pk)) for i in page]
    return DeskPage(
        queue=current,
        tabs=[QueueTab(q, counts[q.value], q == current) for q in shown],
        rows=rows,
        next_cursor=next_cursor,
        digest=_digest(counts, current, rows, next_cursor),
    )


@dataclass(frozen=True)
class FilterChoices:
    tiers: list[tuple[int, str]]
    products: list[tuple[int, str]]
    organizations: list[tuple[int, str]]
    staff: list[tuple[int, str]]


def filter_choices() -> FilterChoices:
    """What the desk's filters offer (four small queries: ids and names only)."""
    staff = staff_members().filter(is_active=True).values_list("pk", "full_name", "email")
    return FilterChoices(
        tiers=list(Tier.objects.order_by("name", "pk").values_list("pk", "name")),
        products=list(Product.objects.order_by("name", "pk").values_list("pk", "name")),
        organizations=list(Organization.objects.order_by("name", "pk").values_list("pk", "name")),
        staff=[(pk, name or email) for pk, name, email in staff],
    )
