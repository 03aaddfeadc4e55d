"""Pattern and engine updates included with a purchase (AV Silver: free for the tier's
months from the purchase date): whether an organisation is entitled on a day, until when,
and the contracts whose included updates end soon (their admins are told once).

The window of one contract is `contracts.rules.updates_until`: from `purchased_on` to the
day before the same date `free_updates_months` later. It follows the purchase, not the
support period, so it is counted whether or not the contract is still in force.
"""

import datetime
from dataclasses import dataclass

from contracts.models import Contract
from contracts.rules import updates_until
from portal.models import Organization
from portal.rules import organization_date

# Customer admins are told this many days before their included updates end.
NOTICE_DAYS = 30


@dataclass(frozen=True)
class Updates:
    entitled: bool
    # The last day of the window covering the day asked about; when none covers it, the
    # last day of the latest window that ended before it (None when there was none).
    until: datetime.date | None


def _with_updates(organization: Organization | int | None = None):
    contracts = Contract.objects.select_related("tier").filter(
        purchased_on__isnull=False, tier__free_updates_months__gt=0
    )
    return contracts if organization is None else contracts.filter(organization=organization)


def updates_on(organization: Organization | int, day: datetime.date) -> Updates:
    """Whether the organisation's purchases include updates on `day`, and until when."""
    covering, ended = [], []
    for contract in _with_updates(organization).filter(purchased_on__lte=day):
        until = updates_until(contract)
        (covering if until >= day else ended).append(until)
    if covering:
        return Updates(entitled=True, until=max(covering))
    return Updates(entitled=False, until=max(ended, default=None))


def updates_entitled(organization: Organization | int, day: datetime.date) -> bool:
    return updates_on(organization, day).entitled


def updates_ending(
    now: datetime.datetime, within: int = NOTICE_DAYS
) -> list[tuple[Contract, datetime.date]]:
    """Contracts whose included updates end within `within` days of the customer's today
    (not yet ended), with their last day. The purchase dates that can qualify bound the
    query; the months vary by tier, so each window is checked here."""
    today = now.date()
    longest = max(_with_updates().values_list("tier__free_updates_months", flat=True), default=0)
    candidates = (
        _with_updates()
        .select_related("organization")
        .filter(
            purchased_on__gte=today - datetime.timedelta(days=31 * longest + 2),
            purchased_on__lte=today + datetime.timedelta(days=1),
        )
    )
    found = []
    for contract in candidates:
        day = organization_date(contract.organization, now)
        until = updates_until(contract)
        if day <= until <= day + datetime.timedelta(days=within):
            found.append((contract, until))
    return found
