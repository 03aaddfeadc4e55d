"""Reading the audit trail: whose history an entry belongs to, the filters of the audit
page, keyset pages, and entries as people read them (labels, before and after).

Entries are written by django-auditlog (portal/audit.py says where they came from).
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from contracts.models import BusinessCalendar, CalendarWindow, Contract, Holiday, SeverityTarget
from contracts.models import Tier as TierModel
from portal import keyset
from portal.audit import Source
from portal.models import ApiToken, Membership, Organization, User
from tam.models import WorkingHours

ORDER = ("-timestamp", "-id")
PAGE_SIZE = 50


class Subject(models.TextChoices):
    """What an entry is about, as the audit page filters it (a model and its parts)."""

    TIER = "tier", _("Tier")
    CALENDAR = "calendar", _("Business calendar")
    CONTRACT = "contract", _("Contract")
    ORGANIZATION = "organization", _("Organisation")
    CONTACT = "contact", _("Contact")
    PERSON = "person", _("Person")


# The models whose entries each subject covers: a tier with its targets, a calendar with
# its windows and holidays, a person with their working hours and API tokens.
SUBJECT_MODELS = {
    Subject.TIER: (TierModel, SeverityTarget),
    Subject.CALENDAR: (BusinessCalendar, CalendarWindow, Holiday),
    Subject.CONTRACT: (Contract,),
    Subject.ORGANIZATION: (Organization,),
    Subject.CONTACT: (Membership,),
    Subject.PERSON: (User, WorkingHours, ApiToken),
}


def _type(model) -> ContentType:
    return ContentType.objects.get_for_model(model)


def _about(model, **lookups) -> Q:
    return Q(content_type=_type(model), **lookups)


def subject_condition(subject: Subject) -> Q:
    return Q(content_type__in=[_type(model) for model in SUBJECT_MODELS[subject]])


def contacts_condition(organization: Organization) -> Q:
    """The history of an organisation's contacts: their places in it and their accounts."""
    memberships = Membership.objects.filter(organization=organization)
    return _about(Membership, object_id__in=memberships.values("pk")) | _about(
        User, object_id__in=memberships.values("user_id")
    )


def history_condition(subject: Subject, pk: int) -> Q:
    """One object's history, its parts included (an organisation's: its contacts and
    contracts too). Parts name their parent in the entry (models' get_additional_data)."""
    if subject == Subject.TIER:
        return _about(TierModel, object_id=pk) | _about(SeverityTarget, additional_data__tier=pk)
    if subject == Subject.CALENDAR:
        parts = Q(content_type__in=[_type(CalendarWindow), _type(Holiday)])
        return _about(BusinessCalendar, object_id=pk) | (parts & Q(additional_data__calendar=pk))
    if subject == Subject.ORGANIZATION:
        contracts = Contract.objects.filter(organization_id=pk).values("pk")
        return (
            _about(Organization, object_id=pk)
            | _about(Contract, object_id__in=contracts)
            | contacts_condition(Organization(pk=pk))
        )
    if subject == Subject.PERSON:
        places = Membership.objects.filter(user_id=pk).values("pk")
        # Working hours are keyed by their staff member; tokens name their owner.
        return (
            Q(content_type__in=[_type(User), _type(WorkingHours)], object_id=pk)
            | _about(Membership, object_id__in=places)
            | _about(ApiToken, additional_data__user=pk)
        )
    return Q(content_type__in=[_type(m) for m in SUBJECT_MODELS[subject]], object_id=pk)


def local_day_start(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=zone)


def filter_entries(
    entries: QuerySet,
    *,
    zone: zoneinfo.ZoneInfo,
    subject: str = "",
    object_id: int | None = None,
    actor: str = "",
    source: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet:
    """The audit page's filters; the dates are whole days in the viewer's zone."""
    if subject and object_id is not None:
        entries = entries.filter(history_condition(Subject(subject), object_id))
    elif subject:
        entries = entries.filter(subject_condition(Subject(subject)))
    if actor:
        entries = entries.filter(actor_email__iexact=actor)
    if source:
        entries = entries.filter(additional_data__source=source)
    if since:
        entries = entries.filter(timestamp__gte=local_day_start(since, zone))
    if until:
        next_day = until + datetime.timedelta(days=1)
        entries = entries.filter(timestamp__lt=local_day_start(next_day, zone))
    return entries


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class Row:
    entry: LogEntry
    what: str
    action: str
    source: str
    changes: list[Change]


@dataclass
class EntryPage:
    rows: list[Row]
    next_cursor: str | None


class BadCursor(ValueError):
    """A cursor that no page of this list handed out."""


def _value(field, value) -> str:
    if value in (None, "None", ""):
        return "—"
    choices = {str(key): label for key, label in getattr(field, "flatchoices", None) or []}
    return str(choices.get(str(value), value))


def _changes(entry: LogEntry) -> list[Change]:
    model = entry.content_type.model_class()
    rows = []
    for name, pair in (entry.changes or {}).items():
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        try:
            field = model._meta.get_field(name) if model else None
        except LookupError:
            field = None
        label = capfirst(getattr(field, "verbose_name", name) or name)
        rows.append(Change(str(label), _value(field, before), _value(field, after)))
    return rows


def _row(entry: LogEntry) -> Row:
    model = entry.content_type.model_class()
    kind = capfirst(model._meta.verbose_name) if model else entry.content_type.model
    data = entry.additional_data or {}
    source = data.get("source", "")
    return Row(
        entry=entry,
        what=f"{kind}: {entry.object_repr}",
        action=str(dict(LogEntry.Action.choices).get(entry.action, entry.action)),
        source=str(Source(source).label) if source in Source.values else source,
        changes=_changes(entry),
    )


def entry_page(entries: QuerySet, *, cursor: str = "", size: int = PAGE_SIZE) -> EntryPage:
    """A page of entries, newest first, after the cursor (raises BadCursor for a forged one)."""
    entries = entries.select_related("actor", "content_type").order_by(*ORDER)
    if cursor:
        key = keyset.decode(cursor, ORDER, datetimes=frozenset({"timestamp"}))
        if key is None:
            raise BadCursor(cursor)
        entries = entries.filter(keyset.after(ORDER, key))
    found = list(entries[: size + 1])
    next_cursor = None
    if len(found) > size:
        found = found[:size]
        next_cursor = keyset.encode([found[-1].timestamp, found[-1].pk])
    return EntryPage([_row(entry) for entry in found], next_cursor)
