"""Every write to incidents: filing, replies, status, severity, assignment, files.

Each service runs in one transaction with the incident (or contract) row locked,
so a refusal writes nothing and concurrent changes queue up instead of racing.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from contracts.models import Contract, Entitlement, EntitlementEntry
from contracts.sla import plan_clock
from incidents import clocks, files
from incidents.models import (
    Attachment,
    Channel,
    CloseReason,
    EntryKind,
    Incident,
    Kind,
    Product,
    SlaClock,
    Status,
    ThreadEntry,
)
from incidents.notifications import notify
from portal.errors import ContractRuleError
from portal.models import Organization, User

TRANSITIONS = {
    Status.NEW: {Status.OPEN, Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED},
    Status.OPEN: {Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED},
    Status.WAITING_ON_CUSTOMER: {Status.OPEN, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: {Status.OPEN},
}


# -- entitlements -------------------------------------------------------------------------


def _active_contract(organization: Organization, contract: Contract | None, day: datetime.date):
    if contract is not None:
        if contract.organization_id != organization.pk:
            raise ValidationError({"contract": ["No such contract for this organisation."]})
        if not contract.is_active_on(day):
            raise ContractRuleError(
                "contract_inactive",
                f"Your {contract.tier.name} contract runs from {contract.starts_on:%-d %b %Y} "
                f"to {contract.ends_on:%-d %b %Y}, so it does not cover {day:%-d %b %Y}.",
            )
        return contract
    contracts = list(
        Contract.objects.filter(organization=organization).select_related("tier", "calendar")
    )
    if not contracts:
        raise ContractRuleError(
            "no_contract",
            f"{organization.name} has no support contract, so incidents cannot be filed. "
            "Please contact your provider.",
        )
    active = [c for c in contracts if c.is_active_on(day)]
    if not active:
        latest = max(contracts, key=lambda c: c.ends_on)
        raise ContractRuleError(
            "contract_inactive",
            f"{organization.name} has no active contract on {day:%-d %b %Y}: the latest "
            f"one runs from {latest.starts_on:%-d %b %Y} to {latest.ends_on:%-d %b %Y}.",
        )
    if len(active) > 1:
        raise ValidationError(
            {"contract": [f"{organization.name} has {len(active)} active contracts: choose one."]}
        )
    return active[0]


def _check_renewal(contract: Contract, day: datetime.date) -> None:
    if contract.tier.requires_renewal and (
        contract.renewal_valid_until is None or contract.renewal_valid_until < day
    ):
        when = (
            f"expired on {contract.renewal_valid_until:%-d %b %Y}"
            if contract.renewal_valid_until
            else "is not on record"
        )
        raise ContractRuleError(
            "renewal_expired",
            f"The {contract.tier.name} covers only customers with a current renewal, and "
            f"yours {when}. Renew it to file incidents again.",
        )


def premium_used(contract: Contract, year_start: datetime.date) -> int:
    return (
        EntitlementEntry.objects.filter(
            organization_id=contract.organization_id,
            contract=contract,
            entitlement=Entitlement.PREMIUM_INCIDENT,
            year_starts_on=year_start,
        ).aggregate(total=Sum("units"))["total"]
        or 0
    )


def _use_premium(
    contract: Contract,
    day: datetime.date,
    actor: User,
    alternative: str = "You can still file it as a standard incident.",
) -> datetime.date:
    # The contract row lock serialises concurrent filings: the quota is exact. (NO KEY
    # UPDATE: it does not block inserts that merely reference the contract.)
    Contract.objects.select_for_update(no_key=True).get(pk=contract.pk)
    year_start, year_end = contract.contract_year(day)
    quota = contract.tier.premium_incident_quota
    used = premium_used(contract, year_start)
    if used >= quota:
        raise ContractRuleError(
            "quota_exhausted",
            f"All {quota} premium incidents of this contract year (until "
            f"{year_end - datetime.timedelta(days=1):%-d %b %Y}) are used. " + alternative,
        )
    return year_start


def premium_left(contract: Contract, day: datetime.date | None = None) -> int | None:
    quota = contract.tier.premium_incident_quota
    if quota is None:
        return None
    day = day or timezone.localdate(timezone=_zone(contract.organization.timezone))
    return max(quota - premium_used(contract, contract.contract_year(day)[0]), 0)


# -- filing -------------------------------------------------------------------------------


def _next_number(organization: Organization) -> str:
    Organization.objects.filter(pk=organization.pk).update(
        next_incident_number=F("next_incident_number") + 1
    )
    n = Organization.objects.values_list("next_incident_number", flat=True).get(pk=organization.pk)
    return f"{organization.pk:03d}-{n - 1:05d}"


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
) -> Incident:
    """File an incident for the actor's organisation (or, for staff, a customer's)."""
    now = timezone.now()
    if actor.is_provider_staff:
        if organization is None:
            raise ValidationError(
                {"organization": ["Staff filing for a customer must choose the organisation."]}
            )
        channel = channel or Channel.PHONE
        received_at = received_at or now
        if received_at > now:
            raise ValidationError({"received_at": ["The time received cannot be in the future."]})
    else:
        membership = getattr(actor, "membership", None)
        if membership is None:
            raise PermissionDenied("Only an organisation's contacts file its incidents.")
        organization = membership.organization
        channel = channel if channel in (Channel.PORTAL, Channel.API) else Channel.PORTAL
        received_at = now
    if severity not in (1, 2, 3, 4):
        raise ValidationError({"severity": ["Severity must be 1, 2, 3 or 4."]})
    if kind not in Kind.values:
        raise ValidationError({"kind": [f"Kind must be one of {', '.join(Kind.values)}."]})
    if kind == Kind.HEALTH_CHECK and not actor.is_provider_staff:
        raise ValidationError(
            {"kind": ["Health checks are booked with your provider, not filed as incidents."]}
        )
    uploads = list(uploads)
    for upload, _ in uploads:
        files.check_size(upload)

    stored: list[files.StoredFile] = []
    try:
        with transaction.atomic():
            # Contract dates and years are the customer's calendar days.
            day = timezone.localdate(received_at, timezone=_zone(organization.timezone))
            contract = _active_contract(organization, contract, day)
            _check_renewal(contract, day)
            quota = contract.tier.premium_incident_quota
            premium = True if quota is None else bool(premium)
            year_start = _use_premium(contract, day, actor) if premium and quota else None

            incident = Incident.objects.create(
                organization=organization,
                contract=contract,
                number=_next_number(organization),
                title=title.strip(),
                description=description,
                severity=severity,
                kind=kind,
                product=product,
                premium=premium,
                channel=channel,
                received_at=received_at,
                filed_by=actor,
            )
            if year_start is not None:
                _ledger(incident, 1, year_start, f"Premium incident {incident.number}", actor)
            filed = clocks.record(
                incident,
                "filed",
                now,
                actor,
                severity=severity,
                channel=channel,
                premium=premium,
                received_at=received_at.isoformat(),
            )
            running = clocks.start_clocks(incident, now, actor)
            _acknowledge(incident, running)
            for upload, sample in uploads:
                saved = files.store_upload(upload, sample=sample)
                stored.append(saved)
                _attachment_row(incident, actor, saved, sample)
            notify(filed, _customer_admins(incident) + _staff_for(incident), actor=actor)
    except BaseException:
        for saved in stored:
            files.discard(saved.stored_name)
        raise
    return incident


def _acknowledge(incident: Incident, running) -> None:
    first = next((c for c in running if c.metric == "first_response"), None)
    if first is not None:
        zone = incident.organization.timezone
        local = timezone.localtime(first.due_at, timezone=_zone(zone))
        promise = f"A first response is due by {local:%a %-d %b %Y, %H:%M} ({zone})."
    else:
        promise = (
            "Your tier states no response target for this severity."
            if incident.premium
            else "Standard incidents have no response target on your tier."
        )
    ThreadEntry.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        author=None,
        kind=EntryKind.AUTO_ACK,
        body=f"We received incident {incident.number}. {promise}",
        by_staff=True,
    )


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _attachment_row(incident, actor, saved: files.StoredFile, sample: bool, entry=None):
    return Attachment.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        entry=entry,
        uploaded_by=actor,
        original_name=saved.original_name,
        stored_name=saved.stored_name,
        size=saved.size,
        content_type=saved.content_type,
        sha256=saved.sha256,
        sample=sample,
    )


# -- recipients ---------------------------------------------------------------------------


def _customer_admins(incident: Incident) -> list[User]:
    return list(
        User.objects.filter(
            membership__organization_id=incident.organization_id,
            membership__role="admin",
            is_active=True,
        )
    )


def _customer_side(incident: Incident) -> list[User]:
    """Who hears from the provider: the person who filed (if a contact) and the admins."""
    people = _customer_admins(incident)
    filer = incident.filed_by
    if filer.is_active and not filer.is_provider_staff:
        people.append(filer)
    return people


def _staff_for(incident: Incident) -> list[User]:
    """Who hears from the customer: the assignee, else the TAM, else the duty managers."""
    if incident.assignee_id and incident.assignee.is_active:
        return [incident.assignee]
    tam = incident.contract.tam
    if tam is not None and tam.is_active:
        return [tam]
    return list(User.objects.filter(staff_role="duty_manager", is_active=True))


# -- replies, status, severity, assignment ------------------------------------------------


def _locked(incident: Incident, *, clocks: bool = False) -> Incident:
    """The incident row, locked; with `clocks`, its SLA clocks too.

    Lock order is always incident, then clocks. NO KEY UPDATE on the incident, so the
    sweep's event inserts (which only reference it) never wait on a web change; the
    sweep itself locks only clocks, so the two never wait on each other in a circle.
    A change that reads clocks locks them first, so a sweep that claimed a clock has
    committed before the change reads it, and the change's time is taken after that.
    """
    locked = (
        Incident.objects.select_for_update(of=("self",), no_key=True)
        .select_related("contract__tier", "contract__calendar", "organization", "filed_by")
        .get(pk=incident.pk)
    )
    if clocks:
        list(SlaClock.objects.select_for_update().filter(incident=locked).values_list("pk"))
    return locked


def incident_reply(
    *,
    incident: Incident,
    author: User,
    body: str,
    internal: bool = False,
    qualified: bool | None = None,
    uploads: Iterable[tuple[UploadedFile, bool]] = (),
) -> ThreadEntry:
    """Add to the thread. A public staff reply is a qualified response unless said otherwise."""
    if not body.strip():
        raise ValidationError({"body": ["Write a message."]})
    staff = author.is_provider_staff
    if internal and not staff:
        raise ValidationError({"internal": ["Internal notes are for the provider's staff."]})
    uploads = list(uploads)
    for upload, _ in uploads:
        files.check_size(upload)
    stored = []
    try:
        with transaction.atomic():
            incident = _locked(incident, clocks=True)
            now = timezone.now()  # after the locks: the reply happens when it commits
            if incident.status == Status.CLOSED:
                raise ValidationError(
                    {"body": ["This incident is closed. Reopen it or file a new one."]}
                )
            counts = bool(staff and not internal and (qualified is None or qualified))
            entry = ThreadEntry.objects.create(
                organization_id=incident.organization_id,
                incident=incident,
                author=author,
                kind=EntryKind.NOTE if internal else EntryKind.REPLY,
                body=body,
                by_staff=staff,
                qualified_response=counts,
            )
            event = clocks.record(
                incident,
                "replied",
                now,
                author,
                internal=internal,
                entry=entry.pk,
                by_staff=staff,
                qualified=counts,
            )
            if counts:
                clocks.stop_clocks(incident, now, author, metric="first_response")
            # Automatic moves that the reply itself already tells the other side about.
            if staff and not internal and incident.status == Status.NEW:
                _set_status(incident, Status.OPEN, now, author, announce=False)
            if not staff and incident.status == Status.WAITING_ON_CUSTOMER:
                _set_status(incident, Status.OPEN, now, author, announce=False)
            for upload, sample in uploads:
                saved = files.store_upload(upload, sample=sample)
                stored.append(saved)
                _attachment_row(incident, author, saved, sample, entry=entry)
            if not internal:
                recipients = _customer_side(incident) if staff else _staff_for(incident)
                notify(event, recipients, actor=author)
    except BaseException:
        for saved in stored:
            files.discard(saved.stored_name)
        raise
    return entry


def _set_status(
    incident: Incident, status: str, now, actor, reason: str = "", *, announce: bool = True
) -> None:
    old = incident.status
    fields = {"status": status}
    if status == Status.RESOLVED:
        fields["resolved_at"] = now
    if status == Status.CLOSED:
        fields["closed_at"] = now
        fields["close_reason"] = reason
    if status == Status.OPEN and old in (Status.RESOLVED, Status.CLOSED):
        fields.update(closed_at=None, close_reason="")
    Incident.objects.filter(pk=incident.pk).update(**fields, updated_at=now)
    for name, value in fields.items():
        setattr(incident, name, value)

    if status == Status.WAITING_ON_CUSTOMER:
        clocks.pause_resolution(incident, now, actor)
    elif old == Status.WAITING_ON_CUSTOMER and status == Status.OPEN:
        clocks.resume_resolution(incident, now, actor)
    if status in (Status.RESOLVED, Status.CLOSED):
        clocks.stop_clocks(incident, now, actor)
    if status == Status.OPEN and old in (Status.RESOLVED, Status.CLOSED):
        clocks.restart_resolution(incident, now, actor)
    event = clocks.record(
        incident, "status_changed", now, actor, old=old, new=status, reason=reason
    )
    if announce:
        notify(event, _customer_side(incident) + _staff_for(incident), actor=actor)


def _check_transition(incident: Incident, actor: User, status: str, reason: str, now) -> None:
    if status not in Status.values:
        raise ValidationError({"status": [f"Status must be one of {', '.join(Status.values)}."]})
    if status == incident.status:
        raise ValidationError({"status": [f"The incident is already {incident.status}."]})
    if status not in TRANSITIONS[incident.status] or status == Status.NEW:
        raise ValidationError(
            {"status": [f"An incident cannot go from {incident.status} to {status}."]}
        )
    if reason and reason not in CloseReason.values:
        raise ValidationError({"reason": ["Reason must be duplicate or filed_in_error."]})
    if reason and status != Status.CLOSED:
        raise ValidationError(
            {"reason": ["A reason (duplicate, filed in error) applies only when closing."]}
        )
    if reason and not actor.is_provider_staff:
        raise ValidationError({"reason": ["Only staff close an incident with a reason."]})
    if actor.is_provider_staff:
        return
    if status not in (Status.CLOSED, Status.OPEN):
        raise PermissionDenied("Customers can close or reopen an incident; staff do the rest.")
    if status == Status.OPEN:
        days = settings.PORTAL_REOPEN_DAYS
        if incident.status not in (Status.RESOLVED, Status.CLOSED):
            raise ValidationError(
                {"status": ["Only a resolved or closed incident can be reopened."]}
            )
        if not customer_may_reopen(incident, now):
            raise ValidationError(
                {
                    "status": [
                        f"An incident can be reopened within {days} days of its resolution; "
                        "please file a new incident and mention this one."
                    ]
                }
            )


def customer_may_reopen(incident: Incident, now) -> bool:
    """Customers reopen a resolved or closed incident within the reopening window, counted
    from its resolution (or from the closing, for one closed before it was resolved)."""
    since = incident.resolved_at or incident.closed_at
    return (
        incident.status in (Status.RESOLVED, Status.CLOSED)
        and since is not None
        and now - since <= datetime.timedelta(days=settings.PORTAL_REOPEN_DAYS)
    )


def incident_change_status(
    *, incident: Incident, actor: User, status: str, reason: str = ""
) -> Incident:
    with transaction.atomic():
        incident = _locked(incident, clocks=True)
        now = timezone.now()
        _check_transition(incident, actor, status, reason, now)
        if status == Status.OPEN and incident.status == Status.CLOSED:
            _recharge_premium(incident, actor)
        _set_status(incident, status, now, actor, reason)
        if reason in (CloseReason.DUPLICATE, CloseReason.FILED_IN_ERROR):
            _refund_premium(incident, actor, reason)
    return incident


def _ledger(incident: Incident, units: int, year_start, reason: str, actor: User) -> None:
    """One row of the premium-incident ledger: +1 a use, -1 a refund."""
    EntitlementEntry.objects.create(
        organization_id=incident.organization_id,
        contract_id=incident.contract_id,
        entitlement=Entitlement.PREMIUM_INCIDENT,
        units=units,
        year_starts_on=year_start,
        incident=incident,
        reason=reason,
        created_by=actor,
    )


def _premium_balance(incident: Incident):
    uses = EntitlementEntry.objects.filter(
        organization_id=incident.organization_id,
        incident=incident,
        entitlement=Entitlement.PREMIUM_INCIDENT,
    )
    return uses, uses.aggregate(total=Sum("units"))["total"] or 0


def _recharge_premium(incident: Incident, actor: User) -> None:
    """Reopening a premium incident whose unit was given back takes a unit again (of the
    contract year it was filed in), or is refused when that year's quota is used up."""
    uses, balance = _premium_balance(incident)
    first = uses.first()
    if balance > 0 or first is None:
        return
    year_start = _use_premium(
        incident.contract,
        first.year_starts_on,
        actor,
        "Reopening would take one; file a standard incident that mentions this one instead.",
    )
    _ledger(incident, 1, year_start, f"Premium incident {incident.number} reopened", actor)


def _refund_premium(incident: Incident, actor: User, reason: str) -> None:
    uses, balance = _premium_balance(incident)
    if balance <= 0:
        return
    use = uses.filter(units=1).first()
    refund = f"Refund: {incident.number} closed as {reason.replace('_', ' ')}"
    _ledger(incident, -1, use.year_starts_on, refund, actor)
    clocks.record(incident, "premium_refunded", timezone.now(), actor, reason=reason)


def incident_change_severity(*, incident: Incident, actor: User, severity: int) -> Incident:
    if not actor.is_provider_staff:
        raise PermissionDenied("Only staff change an incident's severity.")
    if severity not in (1, 2, 3, 4):
        raise ValidationError({"severity": ["Severity must be 1, 2, 3 or 4."]})
    with transaction.atomic():
        incident = _locked(incident, clocks=True)
        now = timezone.now()
        old = incident.severity
        if old == severity:
            return incident
        Incident.objects.filter(pk=incident.pk).update(severity=severity, updated_at=now)
        incident.severity = severity
        clocks.record(incident, "severity_changed", now, actor, old=old, new=severity)
        responded = ThreadEntry.objects.filter(incident=incident, qualified_response=True).exists()
        clocks.retarget(incident, now, actor, responded=responded)
    return incident


def incident_assign(*, incident: Incident, actor: User, assignee: User | None) -> Incident:
    if not actor.is_provider_staff:
        raise PermissionDenied("Only staff assign incidents.")
    if assignee is not None and not (assignee.is_provider_staff and assignee.is_active):
        raise ValidationError({"assignee": ["The assignee must be an active staff member."]})
    now = timezone.now()
    with transaction.atomic():
        incident = _locked(incident)
        old = incident.assignee_id
        if old == (assignee.pk if assignee else None):
            return incident
        Incident.objects.filter(pk=incident.pk).update(assignee=assignee, updated_at=now)
        incident.assignee = assignee
        event = clocks.record(
            incident, "assigned", now, actor, old=old, new=assignee.pk if assignee else None
        )
        if assignee is not None and assignee != actor:
            notify(event, [assignee], actor=actor)
    return incident


def attachment_add(
    *, incident: Incident, actor: User, upload: UploadedFile, sample: bool = False
) -> Attachment:
    files.check_size(upload)
    saved = files.store_upload(upload, sample=sample)
    try:
        with transaction.atomic():
            incident = _locked(incident)
            if incident.status == Status.CLOSED:
                raise ValidationError({"file": ["This incident is closed."]})
            attachment = _attachment_row(incident, actor, saved, sample)
            clocks.record(
                incident,
                "attachment_added",
                timezone.now(),
                actor,
                attachment=attachment.pk,
                name=saved.original_name,
                sample=sample,
                sha256=saved.sha256,
            )
    except BaseException:
        files.discard(saved.stored_name)
        raise
    return attachment


def promised_first_response(
    contract: Contract, severity: int, premium: bool, received_at: datetime.datetime | None = None
):
    """The deadline a filing would get (received now, or when staff say the call came in),
    for the live hint on the form (None: no target)."""
    if contract.tier.premium_incident_quota is not None and not premium:
        return None
    return plan_clock(contract, severity, "first_response", received_at or timezone.now())
