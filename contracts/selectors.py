"""Reads of tiers, calendars and contracts that pages and the API share."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from contracts.models import (
    BusinessCalendar,
    Contract,
    Entitlement,
    EntitlementEntry,
    Metric,
    SeverityTarget,
    Tier,
)
from portal.models import Organization, User


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
        .select_related("tier", "calendar", "tam")
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
    today = today or timezone.localdate()
    limits = list(
        Contract.objects.filter(organization=organization, ends_on__gte=today).values_list(
            "tier__max_contacts", flat=True
        )
    )
    if not limits or None in limits:
        return None
    return max(limits)


def format_minutes(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def describe_target(target: SeverityTarget | None) -> str:
    """A promise in words: '30 minutes, any time' or '6 working hours'."""
    if target is None:
        return "no target"
    amount = format_minutes(target.minutes)
    if target.clock == "business":
        if target.minutes % 60 == 0:
            hours = target.minutes // 60
            return f"{hours} working hour{'s' if hours != 1 else ''}"
        return f"{amount} of working time"
    return f"{amount}, any time"


@dataclass(frozen=True)
class TargetLine:
    severity: int
    severity_name: str
    first_response: str
    resolution: str | None


def response_targets(tier: Tier) -> list[TargetLine]:
    from contracts.models import SEVERITY_NAMES

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
class QuotaLine:
    label: str
    allowed: int | None  # None: unlimited
    used: int
    unit: str

    @property
    def left(self) -> int | None:
        return None if self.allowed is None else max(self.allowed - self.used, 0)


def quota_usage(
    contracts: list[Contract], today: datetime.date | None = None
) -> dict[int, list[QuotaLine]]:
    """Per contract: each quota of its tier with what this contract year has used."""
    today = today or timezone.localdate()
    year_start = {
        c.pk: c.contract_year(min(max(today, c.starts_on), c.ends_on))[0] for c in contracts
    }
    used: dict[tuple[int, str], int] = {}
    if contracts:
        rows = (
            EntitlementEntry.objects.filter(
                organization_id__in={c.organization_id for c in contracts},
                contract_id__in=[c.pk for c in contracts],
            )
            .values("contract_id", "entitlement", "year_starts_on")
            .annotate(total=Sum("units"))
        )
        for row in rows:
            if row["year_starts_on"] == year_start[row["contract_id"]]:
                used[(row["contract_id"], row["entitlement"])] = row["total"]
    result = {}
    for contract in contracts:
        tier = contract.tier
        lines = []
        if tier.premium_incident_quota is not None:
            lines.append(
                QuotaLine(
                    "Premium incidents",
                    tier.premium_incident_quota,
                    used.get((contract.pk, Entitlement.PREMIUM_INCIDENT), 0),
                    "per contract year",
                )
            )
        if tier.onsite_visits_per_year is not None:
            lines.append(
                QuotaLine(
                    "On-site visits",
                    tier.onsite_visits_per_year,
                    used.get((contract.pk, Entitlement.ONSITE_VISIT), 0),
                    "per contract year",
                )
            )
        if tier.health_checks_per_year:
            lines.append(
                QuotaLine(
                    "Health checks",
                    tier.health_checks_per_year,
                    used.get((contract.pk, Entitlement.HEALTH_CHECK), 0),
                    "per contract year",
                )
            )
        result[contract.pk] = lines
    return result


@dataclass(frozen=True)
class DeadlineLine:
    severity: int
    severity_name: str
    text: str


@dataclass(frozen=True)
class ContractSummary:
    contract: Contract
    status: str  # "active", "upcoming" or "ended"
    targets: list[TargetLine]
    quotas: list[QuotaLine]
    renewal_expired: bool
    if_filed_now: list[DeadlineLine]


def first_response_if_filed_now(contract: Contract, now: datetime.datetime) -> list[DeadlineLine]:
    """Per severity, when a first response would be due for an incident filed now,
    in the customer's own time zone."""
    from zoneinfo import ZoneInfo

    from contracts.models import SEVERITY_NAMES
    from contracts.sla import plan_clock

    zone = ZoneInfo(contract.organization.timezone)
    lines = []
    for severity, name in SEVERITY_NAMES.items():
        plan = plan_clock(contract, severity, Metric.FIRST_RESPONSE, now)
        if plan is None:
            text = "no response target on this tier"
        else:
            local = plan.due_at.astimezone(zone)
            text = f"first response due by {local:%a %-d %b %Y, %H:%M} ({zone.key})"
        lines.append(DeadlineLine(severity, name, text))
    return lines


def contract_status(contract: Contract, today: datetime.date) -> str:
    if today < contract.starts_on:
        return "upcoming"
    if today > contract.ends_on:
        return "ended"
    return "active"


def contract_summaries(
    contracts: list[Contract],
    now: datetime.datetime | None = None,
    *,
    with_deadlines: bool = True,
) -> list[ContractSummary]:
    """What a customer needs to know about each contract, for the summary pages."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    quotas = quota_usage(contracts, today)
    return [
        ContractSummary(
            contract=c,
            status=contract_status(c, today),
            targets=response_targets(c.tier),
            quotas=quotas[c.pk],
            renewal_expired=bool(
                c.tier.requires_renewal
                and (c.renewal_valid_until is None or c.renewal_valid_until < today)
            ),
            if_filed_now=(
                first_response_if_filed_now(c, now)
                if with_deadlines and contract_status(c, today) == "active"
                else []
            ),
        )
        for c in contracts
    ]
