"""The rules of contracts and tiers, each in one place.

Services, selectors, views, the API, forms and templates ask these functions:
when a contract is in force, what its contract year is, which licence a tier
needs, and whether an incident is promised the tier's SLA.
"""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.models import Contract, LicenceRequirement, LicenceType, Product, Tier
from incidents.models import Kind
from portal.errors import ContractRuleError, RuleCode
from portal.models import StaffRole

# -- dates ----------------------------------------------------------------------------------


class ContractStatus(models.TextChoices):
    UPCOMING = "upcoming", gettext_lazy("upcoming")
    ACTIVE = "active", gettext_lazy("active")
    ENDED = "ended", gettext_lazy("ended")


def check_contract_dates(
    *,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    renewal_valid_until: datetime.date | None = None,
) -> None:
    """A contract ends on or after its start; a renewal cannot expire before the start."""
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The contract cannot end before it starts.")]})
    if starts_on and renewal_valid_until and renewal_valid_until < starts_on:
        raise ValidationError(
            {"renewal_valid_until": [_("The renewal cannot expire before the contract starts.")]}
        )


def check_organization_unchanged(contract: Contract, organization_id: int | None) -> None:
    """A contract belongs to the organisation it was created for: its incidents, ledger and
    clocks carry that organisation, so moving it would leave them pointing across tenants."""
    if contract.pk is not None and organization_id != contract.organization_id:
        raise ValidationError(
            {
                "organization": [
                    _(
                        "A contract's organisation cannot change; end this contract and "
                        "create one for the other organisation."
                    )
                ]
            }
        )


def contract_status(contract: Contract, day: datetime.date) -> ContractStatus:
    if day < contract.starts_on:
        return ContractStatus.UPCOMING
    if day > contract.ends_on:
        return ContractStatus.ENDED
    return ContractStatus.ACTIVE


def is_active_on(contract: Contract, day: datetime.date) -> bool:
    return contract_status(contract, day) == ContractStatus.ACTIVE


def not_ended_on(day: datetime.date) -> models.Q:
    """Contracts in force on `day` or yet to start (not ENDED), as a query condition."""
    return models.Q(ends_on__gte=day)


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def contract_year(contract: Contract, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The contract year containing `day`: [start, end), anniversaries of starts_on."""
    years = day.year - contract.starts_on.year
    start = _add_years(contract.starts_on, years)
    if start > day:
        start = _add_years(contract.starts_on, years - 1)
    return start, _add_years(start, 1)


def contract_year_ends_on(contract: Contract, day: datetime.date) -> datetime.date:
    """The last day of the contract year containing `day`: the day before the next
    anniversary, or the contract's own last day when it ends sooner. Quota refusals and
    the contract page both name this date."""
    return min(contract_year(contract, day)[1] - datetime.timedelta(days=1), contract.ends_on)


def one_year_ends_on(starts_on: datetime.date) -> datetime.date:
    """The last day of a contract that runs one year from `starts_on` (so its only contract
    year and the contract end on the same day)."""
    return _add_years(starts_on, 1) - datetime.timedelta(days=1)


def updates_until(contract: Contract) -> datetime.date | None:
    """The last day pattern and engine updates are free: the tier's months from the
    purchase date (None when the tier gives none or no purchase date is on record)."""
    months = contract.tier.free_updates_months
    if not months or contract.purchased_on is None:
        return None
    bought = contract.purchased_on
    month_index = bought.month - 1 + months
    year, month = bought.year + month_index // 12, month_index % 12 + 1
    last_of_month = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(bought.day, last_of_month)) - datetime.timedelta(days=1)


def renewal_lapsed(contract: Contract, day: datetime.date) -> bool:
    """On a tier that needs a current renewal: none on record, or expired before `day`."""
    return bool(
        contract.tier.requires_renewal
        and (contract.renewal_valid_until is None or contract.renewal_valid_until < day)
    )


# -- licences -------------------------------------------------------------------------------


def check_licence(tier: Tier, licence_type: str) -> None:
    """Some tiers are only for holders of a (Plus) licence of the vendor's product."""
    if tier.required_licence == LicenceRequirement.PLUS and licence_type != LicenceType.PLUS:
        if licence_type:
            detail = _(
                "The %(tier)s tier is only for customers who hold a Plus licence; "
                "this contract records a %(licence)s licence."
            ) % {"tier": tier.name, "licence": licence_type}
        else:
            detail = _(
                "The %(tier)s tier is only for customers who hold a Plus licence; "
                "this contract records no licence."
            ) % {"tier": tier.name}
        raise ContractRuleError(RuleCode.LICENCE_REQUIRED, detail)
    if tier.required_licence == LicenceRequirement.ANY and not licence_type:
        raise ContractRuleError(
            RuleCode.LICENCE_REQUIRED,
            _(
                "The %(tier)s tier is only for customers with a valid licence of the "
                "vendor's product; record the customer's licence type."
            )
            % {"tier": tier.name},
        )


# -- premium incidents and the SLA ----------------------------------------------------------


def offers_premium_choice(tier: Tier) -> bool:
    """A tier with a premium-incident quota files each incident as premium or standard;
    on a tier without one every incident is premium."""
    return tier.premium_incident_quota is not None


def is_premium(tier: Tier, requested: bool | None) -> bool:
    """What a filing is, from what was asked for (on a quota tier: premium when asked, so
    `entitlements.premium_by_default` first settles a filing that asked for neither;
    always premium on a tier without a quota)."""
    return True if not offers_premium_choice(tier) else bool(requested)


def sla_applies(tier: Tier, premium: bool) -> bool:
    """The tier's targets are promised to premium incidents. A standard incident on a quota
    tier is served under the standard support package, whose terms promise no target."""
    return premium or not offers_premium_choice(tier)


# -- what a contract covers: kinds of request and products ---------------------------------


def covered_kinds(tier: Tier) -> list[Kind]:
    """The kinds of request the tier entitles, in the vocabulary's order: problems and
    questions on every tier, the rest as the tier's flags say."""
    entitled = {
        Kind.SIGNATURE_CHANGE: tier.signature_change_requests,
        Kind.PRIVATE_PATCH: tier.private_patches,
        Kind.ONSITE: tier.onsite_visits_per_year is not None,
        Kind.HEALTH_CHECK: tier.health_checks_per_year > 0,
        Kind.MALWARE_SAMPLE: tier.malware_sample_processing,
    }
    return [kind for kind in Kind if entitled.get(kind, True)]


def check_kind_covered(tier: Tier, kind: str) -> None:
    """Refuse (409 `not_entitled`) a kind of request the tier does not cover, naming what
    it covers."""
    covered = covered_kinds(tier)
    if kind in covered:
        return
    raise ContractRuleError(
        RuleCode.NOT_ENTITLED,
        _("%(kind)s is not covered by the %(tier)s tier, which covers: %(covered)s.")
        % {
            "tier": tier.name,
            "kind": Kind(kind).label,
            "covered": ", ".join(k.label.lower() for k in covered),
        },
    )


def covered_products(tier: Tier) -> models.Q:
    """The products a contract on the tier covers, as a query condition: its vendor's, and
    those whose vendor is not recorded (every product when the tier names no vendor)."""
    return models.Q(vendor__iexact=tier.vendor) | models.Q(vendor="") if tier.vendor else models.Q()


def check_product_covered(tier: Tier, product: Product | None) -> None:
    """A product of another vendor than the tier's is outside the contract: a 400 on
    `product`."""
    if product is None or not tier.vendor or not product.vendor:
        return
    if product.vendor.casefold() != tier.vendor.casefold():
        raise ValidationError(
            {
                "product": [
                    _(
                        "%(product)s is not covered by the %(tier)s tier: choose a "
                        "%(vendor)s product."
                    )
                    % {"product": product.name, "tier": tier.name, "vendor": tier.vendor}
                ]
            }
        )


def check_products_covered(tier: Tier, products) -> None:
    """A contract holds only products its tier covers (its vendor's): a 400 on `products`
    naming those of another vendor."""
    if not tier.vendor:
        return
    foreign = sorted(
        p.name for p in products if p.vendor and p.vendor.casefold() != tier.vendor.casefold()
    )
    if foreign:
        raise ValidationError(
            {
                "products": [
                    _(
                        "The %(tier)s tier covers %(vendor)s products; %(products)s cannot be "
                        "held under it."
                    )
                    % {"tier": tier.name, "vendor": tier.vendor, "products": ", ".join(foreign)}
                ]
            }
        )


# -- owners ---------------------------------------------------------------------------------

TAM_ROLES = frozenset({StaffRole.TAM, StaffRole.ADMIN})


def check_tams(contract: Contract) -> None:
    """The TAM and backup TAM are active staff with role tam (or provider admins); a backup
    needs a TAM to stand in for, and is someone else."""
    for name in ("tam", "backup_tam"):
        person = getattr(contract, name)
        if person is not None and (person.staff_role not in TAM_ROLES or not person.is_active):
            raise ValidationError(
                {name: [_("Choose an active provider staff member with role tam.")]}
            )
    if contract.backup_tam_id and not contract.tam_id:
        raise ValidationError({"backup_tam": [_("Choose the TAM before a backup TAM.")]})
    if contract.backup_tam_id and contract.backup_tam_id == contract.tam_id:
        raise ValidationError({"backup_tam": [_("The backup TAM must be someone else.")]})


# -- the desk's order ---------------------------------------------------------------------


def priority(tier: Tier, *, premium: bool) -> int:
    """How the tier ranks an incident on the desk (lower first), as the tiers promise:
    dedicated-TAM tiers first, then other premium incidents, then standard ones."""
    if premium and tier.dedicated_tam:
        return 0
    return 1 if premium else 2
