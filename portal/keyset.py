"""Keyset pages: a cursor holds the last row's sort key, and the next page is the rows
after it in the order, found by a condition an index can answer (no OFFSET).

Fields are named as in `order_by`: a leading "-" sorts descending. A field in `nullable`
sorts ascending with its empty values last (PostgreSQL's order for an ascending index).
"""

import base64
import datetime
import json
from collections.abc import Sequence

from django.db.models import Q

NOTHING = Q(pk__in=[])
# Longer than any cursor `encode` makes: refused before decoding.
MAX_CURSOR_LENGTH = 1000


def encode(values: Sequence) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime.datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode(
    cursor: str,
    fields: Sequence[str],
    *,
    datetimes: frozenset[str],
    nullable: frozenset[str] = frozenset(),
) -> list | None:
    """The cursor's key (datetimes parsed, the rest integers), or None for anything that is
    not a cursor of this order."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        if not isinstance(values, list) or len(values) != len(fields):
            return None
        key = []
        for field, value in zip(fields, values, strict=True):
            name = field.lstrip("-")
            if value is None and name in nullable:
                key.append(None)
            elif name in datetimes:
                key.append(datetime.datetime.fromisoformat(value))
            else:
                key.append(int(value))
        return key
    except (ValueError, TypeError, AttributeError, OverflowError, RecursionError):
        return None


def _beyond(field: str, value, nullable: frozenset[str]) -> Q:
    """Rows strictly past `value` in one field's order."""
    name = field.lstrip("-")
    if field.startswith("-"):
        return Q(**{f"{name}__lt": value})
    if value is None:
        return NOTHING  # empty values sort last: nothing comes after one
    if name in nullable:
        return Q(**{f"{name}__gt": value}) | Q(**{f"{name}__isnull": True})
    return Q(**{f"{name}__gt": value})


def _same(field: str, value) -> Q:
    name = field.lstrip("-")
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})


def after(fields: Sequence[str], key: Sequence, *, nullable: frozenset[str] = frozenset()) -> Q:
    """Rows after `key` in the order of `fields` (a lexicographic keyset condition)."""
    condition, prefix = NOTHING, Q()
    for field, value in zip(fields, key, strict=True):
        condition |= prefix & _beyond(field, value, nullable)
        prefix &= _same(field, value)
    return condition
