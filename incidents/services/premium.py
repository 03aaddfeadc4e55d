"""Premium incidents in the entitlement ledger: the unit a premium filing takes, the refund
when it is closed as a duplicate or filed in error, and the unit a reopening takes again."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import entitlements
from contracts.models import Contract, Entitlement
from incidents import timeline
from incidents.models import CloseReason, EventKind, Incident
from portal.models import User

PREMIUM = Entitlement.PREMIUM_INCIDENT


def premium_check(*, contract: Contract, day: datetime.date) -> datetime.date | None:
    """Before filing: a premium unit is left in the contract year of `day` (its first day
    is returned), or 409 `quota_exhausted` says a standard incident is still possible."""
    return entitlements.entitlement_check(
        contract=contract,
        entitlement=PREMIUM,
        day=day,
        hint=_("You can still file it as a standard incident."),
    )


def premium_take(*, incident: Incident, year_starts_on: datetime.date, actor: User) -> None:
    entitlements.entitlement_record(
        contract=incident.contract,
        entitlement=PREMIUM,
        year_starts_on=year_starts_on,
        actor=actor,
        reason=_("Premium incident %(number)s") % {"number": incident.number},
        incident=incident,
    )


def premium_retake(*, incident: Incident, actor: User) -> None:
    """Reopening a premium incident whose unit was given back takes a unit again (of the
    contract year it was filed in), or is refused when that year's quota is used up."""
    held = entitlements.holding(incident=incident, entitlement=PREMIUM)
    if held.units > 0 or held.first_use is None:
        return
    entitlements.entitlement_use(
        contract=incident.contract,
        entitlement=PREMIUM,
        day=held.first_use.year_starts_on,
        actor=actor,
        reason=_("Premium incident %(number)s reopened") % {"number": incident.number},
        incident=incident,
        hint=_(
            "Reopening would take one; file a standard incident that mentions this one instead."
        ),
    )


def premium_refund(*, incident: Incident, actor: User, reason: CloseReason) -> None:
    """A premium incident closed as a duplicate or filed in error gives its unit back."""
    held = entitlements.holding(incident=incident, entitlement=PREMIUM)
    if held.units <= 0:
        return
    entitlements.entitlement_refund(
        use=held.first_use,
        actor=actor,
        reason=_("Refund: %(number)s closed as %(reason)s")
        % {"number": incident.number, "reason": CloseReason(reason).label.lower()},
    )
    timeline.record(incident, EventKind.PREMIUM_REFUNDED, timezone.now(), actor, reason=reason)
