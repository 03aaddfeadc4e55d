"""The filing form's live hint: the contracts a filing may name, the promised first
response, the premium units left, and what a fresh form starts with."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from contracts import entitlements
from contracts.models import Contract, Entitlement, Metric, Severity
from contracts.priority_line import PriorityLineNotice, priority_line_notice
from contracts.rules import offers_premium_choice, sla_applies
from contracts.selectors import active_contracts
from contracts.sla import plan_clock
from portal.access import organization_of
from portal.errors import RuleCode
from portal.models import Organization, User
from portal.rules import organization_today, organization_zone


def filing_contracts(user: User, organization_id=None) -> list[Contract]:
    """The contracts a filing may name: a contact's organisation's contracts in force today;
    for staff, those of the organisation chosen on the form (none for a bad id)."""
    if user.is_provider_staff:
        if not organization_id or not str(organization_id).isdigit():
            return []
        return active_contracts(int(organization_id))
    organization = organization_of(user)
    return active_contracts(organization.pk) if organization else []


def filing_organization(user: User, organization_id) -> Organization | None:
    """The organisation staff chose on the filing form (None: none yet, or a bad id)."""
    if not user.is_provider_staff or not str(organization_id or "").isdigit():
        return None
    return Organization.objects.filter(pk=int(organization_id)).first()


def day_words(day: datetime.date) -> str:
    return f"{day:%-d %b %Y}"


def no_contract_in_force(
    organization: Organization, contracts: list[Contract], day: datetime.date
) -> tuple[RuleCode, str]:
    """Why the organisation, holding `contracts` and none in force on `day`, cannot file:
    the refusal's code and words (the filing hint says the same before anyone files)."""
    if not contracts:
        return RuleCode.NO_CONTRACT, _(
            "%(organization)s has no support contract, so incidents cannot be filed. "
            "Please contact your provider."
        ) % {"organization": organization.name}
    latest = max(contracts, key=lambda c: c.ends_on)
    return RuleCode.CONTRACT_INACTIVE, _(
        "%(organization)s has no active contract on %(day)s: the latest one runs "
        "from %(starts)s to %(ends)s."
    ) % {
        "organization": organization.name,
        "day": day_words(day),
        "starts": day_words(latest.starts_on),
        "ends": day_words(latest.ends_on),
    }


@dataclass(frozen=True)
class FilingHint:
    """What the filing form shows beside the severity: the promised first response and,
    on a tier with a premium quota, the units left this contract year."""

    contract: Contract | None
    offers_premium: bool
    premium: entitlements.Usage | None  # this contract year's units, on a quota tier
    promise: str
    # Out of the contract's working hours a customer is asked to phone the priority line too.
    priority_line: PriorityLineNotice | None = None


def received_at_from(value, zone: datetime.tzinfo = datetime.UTC) -> datetime.datetime | None:
    """Staff's "received at" as typed, on the customer's clock (`zone`, as the form says);
    None when empty, invalid or in the future."""
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        parsed = parse_datetime(str(value or "").strip().replace("T", " "))
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=zone)
    return parsed if parsed <= timezone.now() else None


def _promise(user: User, contract: Contract | None, severity, premium: bool, received_at) -> str:
    try:
        severity = int(severity)
    except (TypeError, ValueError):
        severity = Severity.MEDIUM
    if contract is None:
        return _("Choose the contract to see the promised response.")
    if severity not in Severity.values:
        return ""
    if not sla_applies(contract.tier, premium):
        return _("Standard incidents have no response target on this tier.")
    now = timezone.now()
    plan = plan_clock(contract, severity, Metric.FIRST_RESPONSE, received_at or now)
    if plan is None and premium and offers_premium_choice(contract.tier):
        # Said before filing: a premium unit spent here buys no deadline.
        return _(
            "The %(tier)s tier states no response target for severity %(severity)s: a "
            "premium incident gets priority handling but no deadline, and still uses a "
            "premium unit. File it as standard to keep the unit."
        ) % {"tier": contract.tier.name, "severity": severity}
    if plan is None:
        return _("No response target on this tier for this severity.")
    if plan.due_at is None:
        return _(
            "The contract's calendar has no working hours yet: no response time can be promised."
        )
    zone = organization_zone(contract.organization)
    values = {"when": f"{plan.due_at.astimezone(zone):%a %-d %b, %H:%M}", "zone": zone.key}
    passed = plan.due_at <= now  # a call logged after its deadline
    if user.is_provider_staff and passed:
        return _("First response due by %(when)s, their time (%(zone)s) (already passed).") % values
    if user.is_provider_staff:
        return _("First response due by %(when)s, their time (%(zone)s).") % values
    if passed:
        return _("First response due by %(when)s, your time (%(zone)s) (already passed).") % values
    return _("First response due by %(when)s, your time (%(zone)s).") % values


def premium_usage(contract: Contract) -> entitlements.Usage | None:
    """The premium units of the contract year of the customer's today (None: the tier files
    every incident as premium and counts nothing)."""
    if not offers_premium_choice(contract.tier):
        return None
    return entitlements.usage_of(
        contract, Entitlement.PREMIUM_INCIDENT, organization_today(contract.organization)
    )


def _premium_default(contract: Contract) -> bool:
    return entitlements.premium_by_default(contract, organization_today(contract.organization))


def filing_initial(contracts: list[Contract], *, staff: bool = False) -> dict:
    """What a fresh filing form starts with: for the only contract it can name, what a
    filing that leaves premium out is (`entitlements.premium_by_default`, as the API does);
    with several, premium unchosen (the contract picked decides the same way) and, for a
    customer, whose list has no empty choice, the first contract chosen, as the hint
    assumes."""
    if len(contracts) == 1:
        return {"premium": "1" if _premium_default(contracts[0]) else "0"}
    initial: dict = {"premium": None}
    if contracts and not staff:
        initial["contract"] = contracts[0].pk
    return initial


def filing_hint(user: User, contracts: list[Contract], values) -> FilingHint:
    """The hint for the form's current values (`contract`, `premium`, `severity`,
    `received_at`), over the contracts the filing may name."""
    chosen = str(values.get("contract") or "")
    staff = user.is_provider_staff
    contract = next((c for c in contracts if str(c.pk) == chosen), None)
    if contract is None and contracts and (len(contracts) == 1 or not staff):
        # The only contract (no field to choose it), or the one a customer's list shows
        # first (it offers no empty choice): the hint speaks of what will be filed.
        contract = contracts[0]
    zone = organization_zone(contract.organization) if contract else datetime.UTC
    received_at = received_at_from(values.get("received_at"), zone) if staff else None
    chosen_premium = values.get("premium")
    if chosen_premium in (None, ""):  # neither chosen: the default a filing would get
        premium = _premium_default(contract) if contract else True
    else:
        premium = chosen_premium != "0"
    if contract is None and not staff:
        # Nothing to choose from: none of the customer's contracts is in force today.
        promise = _no_contract_words(user)
    else:
        promise = _promise(
            user, contract, values.get("severity") or Severity.MEDIUM, premium, received_at
        )
    return FilingHint(
        contract=contract,
        offers_premium=staff or any(offers_premium_choice(c.tier) for c in contracts),
        premium=premium_usage(contract) if contract else None,
        promise=promise,
        priority_line=None
        if staff or contract is None  # staff log calls: the customer phoned already
        else priority_line_notice(contract, values.get("severity"), timezone.now()),
    )


def _no_contract_words(user: User) -> str:
    organization = organization_of(user)
    if organization is None:
        return ""
    held = list(Contract.objects.filter(organization=organization))
    return no_contract_in_force(organization, held, organization_today(organization))[1]
