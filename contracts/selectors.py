"""Reads of tiers, calendars and contracts that pages and the API share."""

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import entitlements, rules
from contracts.catalogue_models import DatabaseRelease
from contracts.holdings import latest_releases
from contracts.models import (
    SEVERITY_NAMES,
    BusinessCalendar,
    ClockKind,
    Contract,
    Metric,
    Product,
    SeverityTarget,
    Tier,
)
from contracts.rules import ContractStatus
from contracts.sla import plan_clock, target_words
from portal.models import Organization, User
from portal.rules import organization_today, organization_zone


def tiers_for_user(user: User) -> QuerySet[Tier]:
    tiers = Tier.objects.prefetch_related(
        Prefetch("targets", queryset=SeverityTarget.objects.order_by("metric", "severity"))
    )
    if not user.is_authenticated or not user.is_active:
        return tiers.none()
    if user.is_provider_staff:
        return tiers
    # Customers read only the tiers their organisation holds a contract on.
    return tiers.filter(contracts__organization__memberships__user=user).distinct()


def calendars_for_user(user: User) -> QuerySet[BusinessCalendar]:
    calendars = BusinessCalendar.objects.prefetch_related("hours", "holidays")
    if not user.is_authenticated or not user.is_active:
        return calendars.none()
    if user.is_provider_staff:
        return calendars
    return calendars.filter(contracts__organization__memberships__user=user).distinct()


def contracts_for_user(user: User) -> QuerySet[Contract]:
    contracts = Contract.objects.select_related(
        "organization", "tier", "calendar", "tam"
    ).prefetch_related(
        Prefetch("tier__targets", queryset=SeverityTarget.objects.order_by("severity")),
        "calendar__hours",
        "calendar__holidays",
    )
    if not user.is_authenticated or not user.is_active:
        return contracts.none()
    if user.is_provider_staff:
        return contracts
    return contracts.filter(organization__memberships__user=user)


def _get_or_404(queryset, pk, what: str):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No such {what}.") from None


def tier_for_user(user: User, pk) -> Tier:
    return _get_or_404(tiers_for_user(user), pk, "tier")


def calendar_for_user(user: User, pk) -> BusinessCalendar:
    return _get_or_404(calendars_for_user(user), pk, "calendar")


def contract_for_user(user: User, pk) -> Contract:
    return _get_or_404(contracts_for_user(user), pk, "contract")


def contracts_of_organization(organization: Organization) -> QuerySet[Contract]:
    return (
        Contract.objects.filter(organization=organization)
        .select_related("tier", "calendar", "tam", "backup_tam")
        .prefetch_related(
            Prefetch("tier__targets", queryset=SeverityTarget.objects.order_by("severity")),
            "calendar__hours",
            "calendar__holidays",
        )
        .select_related("organization")
        .order_by("-ends_on", "-starts_on")
    )


def contact_limit(organization: Organization, today: datetime.date | None = None) -> int | None:
    """The most contacts the organisation's current contracts allow; None = no limit.

    Contracts that have not ended count (a renewal signed ahead of time included);
    the most generous one wins, and any unlimited one makes the limit go away.
    """
    today = today or organization_today(organization)
    limits = list(
        Contract.objects.filter(rules.not_ended_on(today), organization=organization).values_list(
            "tier__max_contacts", flat=True
        )
    )
    if not limits or None in limits:
        return None
    return max(limits)


def active_contracts(organization_id: int, day: datetime.date | None = None) -> list[Contract]:
    """An organisation's contracts in force on `day` (by default the customer's today)."""
    contracts = list(
        Contract.objects.filter(organization_id=organization_id).select_related(
            "tier", "calendar", "organization"
        )
    )
    if not contracts:
        return []
    day = day or organization_today(contracts[0].organization)
    return [c for c in contracts if rules.is_active_on(c, day)]


def describe_target(target: SeverityTarget | None) -> str:
    """A promise in words ("6 working hours", "30 minutes"), or that there is none."""
    if target is None:
        return _("no target")
    return target_words(target.minutes, target.clock)


@dataclass(frozen=True)
class TargetLine:
    severity: int
    severity_name: str
    first_response: str
    resolution: str | None


def response_targets(tier: Tier) -> list[TargetLine]:
    has_resolution = any(t.metric == Metric.RESOLUTION for t in tier.targets.all())
    lines = []
    for severity, name in SEVERITY_NAMES.items():
        resolution = tier.target_for(severity, Metric.RESOLUTION)
        lines.append(
            TargetLine(
                severity=severity,
                severity_name=name,
                first_response=describe_target(tier.target_for(severity, Metric.FIRST_RESPONSE)),
                resolution=describe_target(resolution) if has_resolution else None,
            )
        )
    return lines


@dataclass(frozen=True)
class DeadlineLine:
    severity: int
    severity_name: str
    text: str


@dataclass(frozen=True)
class HeldProduct:
    """A product the contract covers and its newest database release (None: none yet)."""

    product: Product
    release: DatabaseRelease | None


@dataclass(frozen=True)
class ContractSummary:
    contract: Contract
    status: ContractStatus
    targets: list[TargetLine]
    quotas: list[entitlements.Usage]
    renewal_expired: bool
    if_filed_now: list[DeadlineLine]
    updates_until: datetime.date | None = None  # free pattern and engine updates
    updates_ended: bool = False  # the customer's today is after `updates_until`
    products: list["HeldProduct"] = field(default_factory=list)
    zone: ZoneInfo | None = None  # the customer's, for the releases' times

    @property
    def onsite_arrival(self) -> str:
        """The on-site arrival promise in words ("2 hours"), or "" when the tier has none."""
        minutes = self.contract.tier.onsite_arrival_minutes
        return target_words(minutes, ClockKind.CALENDAR) if minutes else ""

    @property
    def is_active(self) -> bool:
        return self.status == ContractStatus.ACTIVE

    @property
    def is_upcoming(self) -> bool:
        return self.status == ContractStatus.UPCOMING


def first_response_if_filed_now(contract: Contract, now: datetime.datetime) -> list[DeadlineLine]:
    """Per severity, when a first response would be due for an incident filed now,
    in the customer's own time zone."""
    zone = organization_zone(contract.organization)
    lines = []
    for severity, name in SEVERITY_NAMES.items():
        plan = plan_clock(contract, severity, Metric.FIRST_RESPONSE, now)
        if plan is None:
            text = _("no response target on this tier")
        else:
            local = plan.due_at.astimezone(zone)
            text = _("first response due by %(when)s (%(zone)s)") % {
                "when": f"{local:%a %-d %b %Y, %H:%M}",
                "zone": zone.key,
            }
        lines.append(DeadlineLine(severity, name, text))
    return lines


def contract_summaries(
    contracts: list[Contract],
    now: datetime.datetime | None = None,
    *,
    with_deadlines: bool = True,
) -> list[ContractSummary]:
    """What a customer needs to know about each contract, for the summary pages. Every
    date rule is applied to the customer's own calendar day."""
    now = now or timezone.now()
    days = {c.pk: organization_today(c.organization, now) for c in contracts}
    quotas = entitlements.usage(contracts, days)  # the ledger's count, one query
    prefetch_related_objects(contracts, "products")
    releases = latest_releases({p.pk for c in contracts for p in c.products.all()})
    summaries = []
    for c in contracts:
        status = rules.contract_status(c, days[c.pk])
        updates_until = rules.updates_until(c)
        summaries.append(
            ContractSummary(
                contract=c,
                status=status,
                targets=response_targets(c.tier),
                quotas=quotas[c.pk],
                renewal_expired=rules.renewal_lapsed(c, days[c.pk]),
                updates_until=updates_until,
                updates_ended=updates_until is not None and days[c.pk] > updates_until,
                products=[HeldProduct(p, releases.get(p.pk)) for p in c.products.all()],
                zone=organization_zone(c.organization),
                if_filed_now=(
                    first_response_if_filed_now(c, now)
                    if with_deadlines and status == ContractStatus.ACTIVE
                    else []
                ),
            )
        )
    return summaries
