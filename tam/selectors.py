"""Reads of the desk's account, people and rota pages: a TAM's accounts, a customer's
portfolio, the staff's availability, the rota's week and what the health page says of
routing. Each reads a bounded number of queries, whatever the rows."""

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from contracts import entitlements, rules
from contracts.models import SEVERITY_NAMES, BusinessCalendar, Contract, Entitlement, Metric
from contracts.rules import TAM_ROLES, ContractStatus
from incidents.models import EventKind, Incident, IncidentEvent, RouteReason, SlaClock
from incidents.rules import met_condition, missed_condition
from incidents.selectors import ClockState, sla_states
from portal.models import Membership, Organization, User
from portal.rules import organization_today
from portal.selectors import members_of
from tam import rota, wording
from tam.availability import Availability, schedules
from tam.desk import OPEN, breached
from tam.models import Absence, DutyShift
from tam.rota import DUTY_ROLES

# The portfolio's SLA record looks this far back (clocks stopped within it).
SLA_WINDOW = datetime.timedelta(days=90)
LAST_INCIDENTS = 10


def _count_of(incidents: QuerySet[Incident]) -> Coalesce:
    """The number of `incidents` (already tied to the outer organisation) as a subquery."""
    counted = incidents.order_by().values("organization").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), 0)


# -- my accounts ------------------------------------------------------------------------------


def accounts_of(user: User, now: datetime.datetime) -> QuerySet[Organization]:
    """The organisations whose contracts name `user` TAM or backup TAM, each with its open
    and breached incident counts and whether the user is its TAM: one query."""
    owned = Contract.objects.filter(Q(tam=user) | Q(backup_tam=user)).values("organization_id")
    open_here = Incident.objects.filter(OPEN, organization=OuterRef("pk"))
    return (
        Organization.objects.filter(pk__in=owned)
        .annotate(
            open_count=_count_of(open_here),
            breached_count=_count_of(open_here.filter(breached(now))),
            is_tam=Exists(Contract.objects.filter(organization=OuterRef("pk"), tam=user)),
        )
        .order_by("name", "pk")
    )


# -- a customer's portfolio -------------------------------------------------------------------


@dataclass(frozen=True)
class SlaRecord:
    """Stopped clocks of one metric (or all) in the window: how many kept their promise,
    how many broke it, and apart from both those stopped without the event they measure
    (closed before a response: `incidents.rules.clock_met` is None)."""

    label: str
    met: int
    missed: int
    not_met: int = 0

    @property
    def total(self) -> int:
        """The promises settled one way or the other (the share's denominator)."""
        return self.met + self.missed

    @property
    def share(self) -> float | None:
        return self.met / self.total if self.total else None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)


@dataclass(frozen=True)
class ContractLine:
    contract: Contract
    status: ContractStatus
    premium: entitlements.Usage | None  # None: the tier counts no premium incidents
    renewal_lapsed: bool

    @property
    def is_active(self) -> bool:
        return self.status == ContractStatus.ACTIVE

    @property
    def is_ended(self) -> bool:
        return self.status == ContractStatus.ENDED


@dataclass(frozen=True)
class Portfolio:
    organization: Organization
    open_by_severity: list[tuple[int, str, int]]  # (severity, name, open count)
    open_total: int
    breached: int
    unassigned: int
    sla: list[SlaRecord]  # every metric, then all together
    contracts: list[ContractLine]
    contacts: list[Membership]
    last_incidents: list[tuple[Incident, list[ClockState]]]

    @property
    def sla_overall(self) -> SlaRecord:
        return self.sla[-1]


def sla_record(organization: Organization, now: datetime.datetime) -> list[SlaRecord]:
    """Met, missed and stopped-not-met among the clocks stopped in the last 90 days, per
    metric and all together: one aggregate query."""
    rows = (
        SlaClock.objects.filter(
            organization=organization, stopped_at__gt=now - SLA_WINDOW, stopped_at__lte=now
        )
        .order_by()
        .values("metric")
        .annotate(
            total=Count("pk"),
            met=Count("pk", filter=met_condition()),
            missed=Count("pk", filter=missed_condition()),
        )
    )
    found = {row["metric"]: row for row in rows}
    records = [
        SlaRecord(
            str(Metric(metric).label),
            met=found[metric]["met"],
            missed=found[metric]["missed"],
            not_met=found[metric]["total"] - found[metric]["met"] - found[metric]["missed"],
        )
        for metric in Metric.values
        if metric in found
    ]
    overall = SlaRecord(
        "",
        met=sum(r.met for r in records),
        missed=sum(r.missed for r in records),
        not_met=sum(r.not_met for r in records),
    )
    return [*records, overall]


def _open_counts(organization: Organization, now: datetime.datetime) -> dict[str, int]:
    by_severity = {f"s{n}": Count("pk", filter=Q(severity=n)) for n in SEVERITY_NAMES}
    return Incident.objects.filter(OPEN, organization=organization).aggregate(
        total=Count("pk"),
        breached=Count("pk", filter=breached(now)),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        **by_severity,
    )


def contract_lines(organization: Organization, now: datetime.datetime) -> list[ContractLine]:
    """The organisation's contracts, newest first, with the premium units left this
    contract year (the ledger's batch count) and whether a needed renewal lapsed."""
    contracts = list(
        Contract.objects.filter(organization=organization)
        .select_related("tier", "tam", "backup_tam", "organization")
        .order_by("-ends_on", "-starts_on", "pk")
    )
    today = organization_today(organization, now)
    quotas = entitlements.usage(contracts, dict.fromkeys((c.pk for c in contracts), today))
    return [
        ContractLine(
            contract=c,
            status=rules.contract_status(c, today),
            premium=next(
                (q for q in quotas[c.pk] if q.entitlement == Entitlement.PREMIUM_INCIDENT), None
            ),
            renewal_lapsed=rules.renewal_lapsed(c, today),
        )
        for c in contracts
    ]


def portfolio(organization: Organization, now: datetime.datetime) -> Portfolio:
    counts = _open_counts(organization, now)
    last = list(
        Incident.objects.filter(organization=organization)
        .select_related("assignee")
        .prefetch_related("clocks")
        .order_by("-received_at", "-id")[:LAST_INCIDENTS]
    )
    return Portfolio(
        organization=organization,
        open_by_severity=[(n, name, counts[f"s{n}"]) for n, name in SEVERITY_NAMES.items()],
        open_total=counts["total"],
        breached=counts["breached"],
        unassigned=counts["unassigned"],
        sla=sla_record(organization, now),
        contracts=contract_lines(organization, now),
        contacts=list(members_of(organization)),
        last_incidents=[(incident, sla_states(incident, now)) for incident in last],
    )


# -- the staff and their availability --------------------------------------------------------


def active_staff() -> QuerySet[User]:
    return User.objects.filter(is_active=True).exclude(staff_role="").order_by("full_name", "pk")


def tam_candidates() -> QuerySet[User]:
    """Who may be named TAM or backup TAM (contracts.rules.check_tams has the last word)."""
    return active_staff().filter(staff_role__in=TAM_ROLES)


def duty_candidates() -> QuerySet[User]:
    """Who may hold a duty shift (tam.services.shift_save has the last word)."""
    return active_staff().filter(staff_role__in=DUTY_ROLES)


def calendars() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.order_by("name", "pk")


@dataclass
class StaffRow:
    person: User
    state: Availability
    label: str  # the state now, in words
    words: str  # the next change, in words ("back Monday 09:00 Madrid")
    calendar: BusinessCalendar | None
    absences: list[Absence] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.state.available


def staff_rows(people: list[User], now: datetime.datetime) -> list[StaffRow]:
    """Each person's availability now, its next change in words, their working hours and
    their absences not yet over: five queries for any number of people."""
    ids = [p.pk for p in people]
    plans = schedules(ids, now)
    states = {pk: plan.at(now) for pk, plan in plans.items()}
    upcoming = defaultdict(list)
    for absence in Absence.objects.filter(staff_id__in=ids, ends_at__gt=now).order_by(
        "starts_at", "pk"
    ):
        upcoming[absence.staff_id].append(absence)
    return [
        StaffRow(
            person=p,
            state=states[p.pk],
            label=wording.state_label(states[p.pk]),
            words=wording.availability_words(states[p.pk], now),
            calendar=plans[p.pk].hours,
            absences=upcoming[p.pk],
        )
        for p in people
    ]


# -- the rota ---------------------------------------------------------------------------------


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s week."""
    return day - datetime.timedelta(days=day.weekday())


def local_midnight(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)


@dataclass(frozen=True)
class RotaDay:
    day: datetime.date
    shifts: list[DutyShift]
    is_today: bool


@dataclass(frozen=True)
class RotaWeek:
    monday: datetime.date
    days: list[RotaDay]
    on_duty: User | None
    gaps: list[rota.Gap]

    @property
    def previous(self) -> datetime.date:
        return self.monday - datetime.timedelta(days=7)

    @property
    def next(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=7)


def rota_week(monday: datetime.date, zone: zoneinfo.ZoneInfo, now: datetime.datetime) -> RotaWeek:
    """The shifts of the week starting on `monday` in `zone` (a shift shows on each day it
    covers), who is on duty now and the gaps of the coming 14 days."""
    start = local_midnight(monday, zone)
    end = local_midnight(monday + datetime.timedelta(days=7), zone)
    shifts = list(
        DutyShift.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("staff")
        .order_by("starts_at", "pk")
    )
    today = now.astimezone(zone).date()
    days = []
    for offset in range(7):
        day = monday + datetime.timedelta(days=offset)
        day_start = local_midnight(day, zone)
        day_end = local_midnight(day + datetime.timedelta(days=1), zone)
        covering = [s for s in shifts if s.starts_at < day_end and s.ends_at > day_start]
        days.append(RotaDay(day, covering, day == today))
    return RotaWeek(monday, days, rota.on_duty(now), rota.gaps(now))


# -- routing, for the health page -------------------------------------------------------------


def unrouted_count() -> int:
    """Open incidents still unassigned because routing found nobody to give them to (their
    `routed` event says nobody was on duty)."""
    nobody = IncidentEvent.objects.filter(
        incident=OuterRef("pk"),
        organization=OuterRef("organization"),
        kind=EventKind.ROUTED,
        data__reason=RouteReason.NOBODY_ON_DUTY,
    )
    return Incident.objects.filter(OPEN, assignee__isnull=True).filter(Exists(nobody)).count()
