"""The entitlement ledger: every counted entitlement of a contract, per contract year.

Premium incidents today; health checks and on-site visits use the same ledger.
A use is a +1 row and a refund a -1 row, each naming the contract year it counts
against, so what a year has used is the sum of its rows and nothing is ever
rewritten. A use locks the contract row first, so concurrent uses queue up and
the quota is exact.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.models import Contract, Entitlement, EntitlementEntry, Tier
from contracts.rules import contract_year, contract_year_ends_on, offers_premium_choice
from portal.errors import ContractRuleError, RuleCode
from portal.models import User

# What a tier allows per contract year, by entitlement. None in the field means
# "unlimited" for premium incidents, but "none" for on-site visits (their fields
# were written that way); `allowance` reads each field by its own meaning.
UNLIMITED = None


def allowance(tier: Tier, entitlement: Entitlement) -> int | None:
    """Units per contract year; None is unlimited, 0 is not entitled."""
    if entitlement == Entitlement.PREMIUM_INCIDENT:
        return tier.premium_incident_quota
    if entitlement == Entitlement.ONSITE_VISIT:
        return tier.onsite_visits_per_year or 0
    return tier.health_checks_per_year


def is_counted(tier: Tier, entitlement: Entitlement) -> bool:
    """Whether the tier counts this entitlement against a yearly quota (what the contract
    summary lists): a premium quota or an on-site allowance the tier states, health checks
    when it offers any."""
    if entitlement == Entitlement.PREMIUM_INCIDENT:
        return offers_premium_choice(tier)
    if entitlement == Entitlement.ONSITE_VISIT:
        return tier.onsite_visits_per_year is not None
    return bool(tier.health_checks_per_year)


def counting_year(contract: Contract, day: datetime.date) -> datetime.date:
    """The first day of the contract year that `day` counts in (a day outside the contract
    counts in its first or last year)."""
    return contract_year(contract, min(max(day, contract.starts_on), contract.ends_on))[0]


def used(contract: Contract, entitlement: Entitlement, year_starts_on: datetime.date) -> int:
    return (
        EntitlementEntry.objects.filter(
            organization_id=contract.organization_id,
            contract=contract,
            entitlement=entitlement,
            year_starts_on=year_starts_on,
        ).aggregate(total=Sum("units"))["total"]
        or 0
    )


def usage_of(contract: Contract, entitlement: Entitlement, day: datetime.date) -> "Usage":
    """One quota of one contract in the contract year of `day`."""
    quota = allowance(contract.tier, entitlement)
    if quota is UNLIMITED:
        return Usage(entitlement, None, 0)  # nothing is counted against no limit
    year = counting_year(contract, day)
    return Usage(
        entitlement, quota, used(contract, entitlement, year), contract_year_ends_on(contract, year)
    )


def remaining(contract: Contract, entitlement: Entitlement, day: datetime.date) -> int | None:
    """Units left in the contract year of `day` (None: unlimited)."""
    return usage_of(contract, entitlement, day).left


def premium_by_default(contract: Contract, day: datetime.date) -> bool:
    """What a filing that says neither premium nor standard is (the API's default and the
    form's preselection): premium while the contract year of `day` has a premium unit
    left, else standard. A tier without a quota files every incident as premium."""
    left = remaining(contract, Entitlement.PREMIUM_INCIDENT, day)
    return left is None or left > 0


QUOTA_LABELS = {
    Entitlement.PREMIUM_INCIDENT: gettext_lazy("Premium incidents"),
    Entitlement.ONSITE_VISIT: gettext_lazy("On-site visits"),
    Entitlement.HEALTH_CHECK: gettext_lazy("Health checks"),
}


@dataclass(frozen=True)
class Usage:
    """One quota of a contract in one contract year: allowed, used and left."""

    entitlement: Entitlement
    allowed: int | None  # None: unlimited
    used: int
    until: datetime.date | None = None  # the contract year's last day (a counted quota)

    @property
    def left(self) -> int | None:
        return None if self.allowed is None else max(self.allowed - self.used, 0)

    @property
    def label(self) -> str:
        return QUOTA_LABELS[self.entitlement]


def usage(contracts: Iterable[Contract], days: dict[int, datetime.date]) -> dict[int, list[Usage]]:
    """Per contract, each entitlement its tier counts with what the contract year of its
    day (`days[contract.pk]`, the customer's today) has used: one query for any number."""
    contracts = list(contracts)
    year_of = {c.pk: counting_year(c, days[c.pk]) for c in contracts}
    totals: dict[tuple[int, str], int] = {}
    if contracts:
        rows = (
            EntitlementEntry.objects.filter(
                organization_id__in={c.organization_id for c in contracts},
                contract_id__in=list(year_of),
            )
            .values("contract_id", "entitlement", "year_starts_on")
            .annotate(total=Sum("units"))
        )
        for row in rows:
            if row["year_starts_on"] == year_of[row["contract_id"]]:
                totals[(row["contract_id"], row["entitlement"])] = row["total"]
    return {
        c.pk: [
            Usage(
                e,
                allowance(c.tier, e),
                totals.get((c.pk, e), 0),
                contract_year_ends_on(c, year_of[c.pk]),
            )
            for e in Entitlement
            if is_counted(c.tier, e)
        ]
        for c in contracts
    }


def _refusal(entitlement: Entitlement, quota: int, last_day: datetime.date, hint: str) -> str:
    """The sentence of a quota refusal, ending with what the person can do instead."""
    values = {
        "quota": quota,
        "what": str(QUOTA_LABELS[entitlement]).lower(),
        "last_day": f"{last_day:%-d %b %Y}",
    }
    if quota == 0:
        sentence = _("This contract includes no %(what)s.") % values
    else:
        sentence = (
            _("All %(quota)s %(what)s of this contract year (until %(last_day)s) are used.")
            % values
        )
    return f"{sentence} {hint}".strip()


def entitlement_check(
    *, contract: Contract, entitlement: Entitlement, day: datetime.date, hint: str = ""
) -> datetime.date | None:
    """Lock the contract and make sure a unit is left in the contract year containing
    `day`; returns that year's first day (None: unlimited, nothing to count), or refuses
    with 409 `quota_exhausted` (the sentence ends with `hint`: what the person can do
    instead). The use is then written with `entitlement_record` in the same transaction;
    the lock keeps any other use of the contract waiting until it commits."""
    quota = allowance(contract.tier, entitlement)
    if quota is UNLIMITED:
        return None
    # The contract row lock serialises concurrent uses: the quota is exact. (NO KEY
    # UPDATE: it does not block inserts that merely reference the contract.)
    Contract.objects.select_for_update(no_key=True).get(pk=contract.pk)
    year_start = contract_year(contract, day)[0]
    if used(contract, entitlement, year_start) >= quota:
        last_day = contract_year_ends_on(contract, day)
        raise ContractRuleError(
            RuleCode.QUOTA_EXHAUSTED, _refusal(entitlement, quota, last_day, hint)
        )
    return year_start


def entitlement_record(
    *,
    contract: Contract,
    entitlement: Entitlement,
    year_starts_on: datetime.date,
    actor: User | None,
    reason: str,
    incident=None,
) -> EntitlementEntry:
    """Write one use (+1) checked by `entitlement_check`."""
    return EntitlementEntry.objects.create(
        organization_id=contract.organization_id,
        contract=contract,
        entitlement=entitlement,
        units=1,
        year_starts_on=year_starts_on,
        incident=incident,
        reason=reason,
        created_by=actor,
    )


def entitlement_use(
    *,
    contract: Contract,
    entitlement: Entitlement,
    day: datetime.date,
    actor: User | None,
    reason: str,
    incident=None,
    hint: str = "",
) -> EntitlementEntry | None:
    """Take one unit of the contract year containing `day` (nothing is written on an
    unlimited entitlement), or refuse with 409 `quota_exhausted`. Runs inside the
    caller's transaction."""
    year_start = entitlement_check(contract=contract, entitlement=entitlement, day=day, hint=hint)
    if year_start is None:
        return None
    return entitlement_record(
        contract=contract,
        entitlement=entitlement,
        year_starts_on=year_start,
        actor=actor,
        reason=reason,
        incident=incident,
    )


def entitlement_refund(
    *,
    use: EntitlementEntry,
    actor: User | None,
    reason: str,
) -> EntitlementEntry:
    """Give back one unit, to the contract year the use counted against."""
    return EntitlementEntry.objects.create(
        organization_id=use.organization_id,
        contract_id=use.contract_id,
        entitlement=use.entitlement,
        units=-1,
        year_starts_on=use.year_starts_on,
        incident_id=use.incident_id,
        reason=reason,
        created_by=actor,
    )


@dataclass(frozen=True)
class Holding:
    """What one subject (an incident, a booking) holds of an entitlement: its first use
    (None if it never took a unit) and the units it holds now (uses minus refunds)."""

    first_use: EntitlementEntry | None
    units: int


def holding(*, incident, entitlement: Entitlement) -> Holding:
    entries = EntitlementEntry.objects.filter(
        organization_id=incident.organization_id, incident=incident, entitlement=entitlement
    )
    return Holding(
        first_use=entries.filter(units=1).order_by("created_at", "id").first(),
        units=entries.aggregate(total=Sum("units"))["total"] or 0,
    )
