"""Filing an incident: who may file for whom, which contract covers it, the premium unit
it takes, its clocks, its acknowledgement and its first notifications."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import entitlements, holdings
from contracts import rules as contract_rules
from contracts.catalogue_models import ProductVersion
from contracts.models import Contract, Metric, Product
from incidents import acknowledgement, clocks, files, recipients, rules, stages, timeline
from incidents.models import Channel, EventKind, Incident, Kind, SlaClock
from incidents.notifications import notify
from incidents.selectors.filing import day_words, no_contract_in_force
from incidents.services import patches
from incidents.services.premium import premium_check, premium_take
from incidents.services.samples import sample_reuse_analysis
from incidents.services.signature import signature_details
from incidents.services.thread import attachment_row
from portal.errors import ContractRuleError, RuleCode
from portal.models import Organization, User
from portal.rules import organization_date
from tam import routing

# The channels a customer's own filing comes through (staff log phone calls and e-mails).
CUSTOMER_CHANNELS = frozenset({Channel.PORTAL, Channel.API})


_day = day_words


def _covering_contract(
    organization: Organization, contract: Contract | None, day: datetime.date
) -> Contract:
    """The contract the filing counts against: the one named, or the organisation's only
    contract in force on the customer's `day`."""
    if contract is not None:
        if contract.organization_id != organization.pk:
            raise ValidationError({"contract": [_("No such contract for this organisation.")]})
        if not contract_rules.is_active_on(contract, day):
            raise ContractRuleError(
                RuleCode.CONTRACT_INACTIVE,
                _(
                    "Your %(tier)s contract runs from %(starts)s to %(ends)s, so it does not "
                    "cover %(day)s."
                )
                % {
                    "tier": contract.tier.name,
                    "starts": _day(contract.starts_on),
                    "ends": _day(contract.ends_on),
                    "day": _day(day),
                },
            )
        return contract
    contracts = list(
        Contract.objects.filter(organization=organization).select_related("tier", "calendar")
    )
    active = [c for c in contracts if contract_rules.is_active_on(c, day)]
    if not active:
        raise ContractRuleError(*no_contract_in_force(organization, contracts, day))
    if len(active) > 1:
        raise ValidationError(
            {
                "contract": [
                    _("%(organization)s has %(count)s active contracts: choose one.")
                    % {"organization": organization.name, "count": len(active)}
                ]
            }
        )
    return active[0]


def _check_caller(organization: Organization, caller: User | None) -> None:
    membership = getattr(caller, "membership", None) if caller else None
    if caller is not None and (
        membership is None or membership.organization_id != organization.pk or not caller.is_active
    ):
        raise ValidationError(
            {
                "caller": [
                    _("The caller must be one of %(name)s's contacts.")
                    % {"name": organization.name}
                ]
            }
        )


def _check_renewal(contract: Contract, day: datetime.date) -> None:
    if not contract_rules.renewal_lapsed(contract, day):
        return
    if contract.renewal_valid_until:
        detail = _(
            "The %(tier)s covers only customers with a current renewal, and yours expired "
            "on %(until)s. Renew it to file incidents again."
        ) % {"tier": contract.tier.name, "until": _day(contract.renewal_valid_until)}
    else:
        detail = _(
            "The %(tier)s covers only customers with a current renewal, and yours is not "
            "on record. Renew it to file incidents again."
        ) % {"tier": contract.tier.name}
    raise ContractRuleError(RuleCode.RENEWAL_EXPIRED, detail)


def _next_number(organization: Organization) -> str:
    Organization.objects.filter(pk=organization.pk).update(
        next_incident_number=F("next_incident_number") + 1
    )
    n = Organization.objects.values_list("next_incident_number", flat=True).get(pk=organization.pk)
    return f"{organization.pk:03d}-{n - 1:05d}"


def _acknowledge(incident: Incident, running: list[SlaClock]) -> None:
    """The automatic first entry of the thread: received, and what is promised."""
    first = next((c for c in running if c.metric == Metric.FIRST_RESPONSE), None)
    promise = acknowledgement.promise_text(incident, first.due_at if first else None)
    received = _("We received incident %(number)s.") % {"number": incident.number}
    text = " ".join(part for part in (received, promise, patches.filing_notice(incident)) if part)
    acknowledgement.acknowledgement_entry(incident, text).save()


def incident_file(
    *,
    actor: User,
    title: str,
    description: str,
    severity: int,
    kind: str = Kind.PROBLEM,
    organization: Organization | None = None,
    contract: Contract | None = None,
    premium: bool | None = None,
    product: Product | None = None,
    channel: str | None = None,
    received_at: datetime.datetime | None = None,
    uploads: Iterable[tuple[UploadedFile, bool]] = (),
    caller: User | None = None,
    caller_name: str = "",
    signature: dict | None = None,
    product_version: ProductVersion | None = None,
) -> Incident:
    """File an incident for the actor's organisation (or, for staff, a customer's, saying
    who called: one of its contacts or a name). A signature change request names the file
    (`signature`: `incidents.services.signature`)."""
    now = timezone.now()
    if actor.is_provider_staff:
        if organization is None:
            raise ValidationError(
                {"organization": [_("Staff filing for a customer must choose the organisation.")]}
            )
        _check_caller(organization, caller)
        channel = channel or Channel.PHONE
        received_at = received_at or now
        if received_at > now:
            raise ValidationError(
                {"received_at": [_("The time received cannot be in the future.")]}
            )
    else:
        membership = getattr(actor, "membership", None)
        if membership is None:
            raise PermissionDenied(_("Only an organisation's contacts file its incidents."))
        organization = membership.organization
        channel = channel if channel in CUSTOMER_CHANNELS else Channel.PORTAL
        received_at = now
        caller, caller_name = None, ""  # the contact filing is who asks
    rules.check_severity(severity)
    rules.check_kind(actor, kind)
    details = signature_details(actor=actor, kind=kind, product=product, signature=signature)
    uploads = list(uploads)
    for upload, _sample in uploads:
        files.check_size(upload)

    stored: list[files.StoredFile] = []
    try:
        with transaction.atomic():
            # Contract dates and years are the customer's calendar days.
            day = organization_date(organization, received_at)
            contract = _covering_contract(organization, contract, day)
            _check_renewal(contract, day)
            # Only what the contract covers: its tier's kinds, its vendor's products, and
            # of those the products it holds.
            contract_rules.check_kind_covered(contract.tier, kind)
            # A private patch is for a product version; its product is the request's.
            product = patches.patch_product(
                kind=kind, product=product, product_version=product_version
            )
            with patches.on_version_field(product_version):
                contract_rules.check_product_covered(contract.tier, product)
                holdings.check_product_held(contract, product, day)
            limited = patches.patch_version_check(
                kind=kind, product_version=product_version, day=day
            )
            if premium is None:  # neither asked for: the ledger's default
                premium = entitlements.premium_by_default(contract, day)
            premium = contract_rules.is_premium(contract.tier, premium)
            year_start = premium_check(contract=contract, day=day) if premium else None

            incident = Incident.objects.create(
                organization=organization,
                contract=contract,
                number=_next_number(organization),
                title=title.strip(),
                description=description,
                severity=severity,
                kind=kind,
                stage=stages.initial_stage(kind),
                product=product,
                premium=premium,
                priority=contract_rules.priority(contract.tier, premium=premium),
                channel=channel,
                received_at=received_at,
                filed_by=actor,
                caller=caller,
                caller_name=caller_name.strip()[:200],
            )
            if details is not None:
                details(incident, now)
            patches.patch_request_create(
                incident=incident, product_version=product_version, limited_support=limited
            )
            if year_start is not None:
                premium_take(incident=incident, year_starts_on=year_start, actor=actor)
            filed = timeline.record(
                incident,
                EventKind.FILED,
                now,
                actor,
                severity=severity,
                channel=channel,
                premium=premium,
                received_at=received_at.isoformat(),
            )
            routing.route(incident, now)
            running = clocks.start_clocks(incident, now, actor)
            _acknowledge(incident, running)
            for upload, sample in uploads:
                saved = files.store_upload(upload, sample=sample)
                stored.append(saved)
                attachment = attachment_row(
                    incident=incident, actor=actor, saved=saved, sample=sample
                )
                sample_reuse_analysis(incident=incident, attachment=attachment)
            notify(filed, recipients.for_filing(incident))
    except BaseException:
        for saved in stored:
            files.discard(saved.stored_name)
        raise
    return incident
