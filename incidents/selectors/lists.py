"""The incident list: filters, sorting and keyset pagination."""

import functools
import operator
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from incidents.models import DONE_STATUSES, Incident, SlaClock
from portal import keyset
from portal.models import User

SORTS = {
    "newest": ("-received_at", "-id"),
    "oldest": ("received_at", "id"),
    "severity": ("severity", "-received_at", "-id"),
}

# The sort fields that are instants (in cursors too).
DATETIMES = frozenset({"received_at"})
# What the incident list's text search reads.
TEXT_FIELDS = ("title", "description", "number")


def filter_incidents(
    queryset: QuerySet[Incident],
    *,
    status: str = "",
    severity: str = "",
    kind: str = "",
    q: str = "",
    organization: str = "",
    assignee: User | int | None = None,
    tier: str = "",
    product: str = "",
    text_in: tuple[str, ...] = TEXT_FIELDS,
) -> QuerySet[Incident]:
    """The incidents matching every filter given (an empty one filters on nothing).
    `q` searches the `text_in` fields (the desk searches titles and numbers only)."""
    if status == "active":  # the pages' "not resolved": new, open or waiting
        queryset = queryset.exclude(status__in=DONE_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    if severity:
        queryset = queryset.filter(severity=severity)
    if kind:
        queryset = queryset.filter(kind=kind)
    if organization:
        queryset = queryset.filter(organization_id=organization)
    if assignee is not None:
        queryset = queryset.filter(assignee=assignee)
    if tier:
        queryset = queryset.filter(contract__tier_id=tier)
    if product:
        queryset = queryset.filter(product_id=product)
    q = q.replace("\x00", "")  # PostgreSQL refuses NUL in text; it can match nothing anyway
    if q:
        text = [Q(**{f"{field}__icontains": q}) for field in text_in]
        queryset = queryset.filter(functools.reduce(operator.or_, text))
    return queryset


@dataclass
class IncidentPage:
    rows: list[Incident]
    next_cursor: str | None
    sort: str
    # The key of this page's first row: the page before it ends there (None on the first).
    previous_cursor: str | None = None


def decode_list_cursor(cursor: str, sort: str) -> list | None:
    """The key of a list page's cursor, or None for one this order did not make."""
    sort = sort if sort in SORTS else "newest"
    return keyset.decode(cursor, SORTS[sort], datetimes=DATETIMES)


def _reversed(fields: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)


def incident_page(
    queryset: QuerySet[Incident],
    *,
    sort: str = "newest",
    cursor: str = "",
    before: str = "",
    size: int = 25,
) -> IncidentPage:
    """A keyset page in the `sort` order: the rows after `cursor` (a next link), or the
    `size` rows before `before` (a previous link), with the cursors of both neighbours."""
    sort = sort if sort in SORTS else "newest"
    fields = SORTS[sort]
    queryset = queryset.prefetch_related(
        Prefetch("clocks", queryset=SlaClock.objects.order_by("metric"))
    )

    def key(row: Incident) -> str:
        return keyset.encode([getattr(row, f.lstrip("-")) for f in fields])

    backwards = decode_list_cursor(before, sort) if before else None
    if backwards is not None:
        # Walk the order backwards from `before`, then put the page the right way round.
        found = list(
            queryset.order_by(*_reversed(fields)).filter(
                keyset.after(_reversed(fields), backwards)
            )[: size + 1]
        )
        more_before = len(found) > size
        rows = found[:size][::-1]
        return IncidentPage(
            rows,
            next_cursor=key(rows[-1]) if rows else None,
            sort=sort,
            previous_cursor=key(rows[0]) if rows and more_before else None,
        )
    queryset = queryset.order_by(*fields)
    values = decode_list_cursor(cursor, sort) if cursor else None
    if values is not None:
        queryset = queryset.filter(keyset.after(fields, values))
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = key(rows[-1])
    previous_cursor = key(rows[0]) if values is not None and rows else None
    return IncidentPage(rows, next_cursor, sort, previous_cursor)
