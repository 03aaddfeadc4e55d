"""The priority line: outside the contract's working hours the documents ask customers to
report a problem by phone as well (any severity; severity 1-2 most urgently). The filing
form, the filing's confirmation e-mail and the page after filing all ask this module."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from contracts.business_time import is_open
from contracts.models import Contract, Severity
from contracts.sla import work_calendar

# Out of hours at these severities the notice is prominent: phone now.
URGENT_SEVERITIES = frozenset({Severity.CRITICAL, Severity.HIGH})


@dataclass(frozen=True)
class PriorityLineNotice:
    text: str
    urgent: bool  # severity 1-2: shown first and set apart


def out_of_hours(contract: Contract, at: datetime.datetime) -> bool:
    """Whether `at` falls outside the contract's working hours (weekends and holidays too)."""
    return not is_open(work_calendar(contract.calendar), at)


def priority_line_notice(
    contract: Contract, severity, at: datetime.datetime
) -> PriorityLineNotice | None:
    """What to tell a customer filing at `at` (None within working hours)."""
    if not out_of_hours(contract, at):
        return None
    phone = contract.tier.priority_phone.strip()
    if phone:
        line = _("phone the priority line, %(phone)s") % {"phone": phone}
    else:
        line = _("phone your provider's priority line")
    try:
        urgent = int(severity) in URGENT_SEVERITIES
    except (TypeError, ValueError):
        urgent = False
    if urgent:
        text = _(
            "It is outside your contract's working hours: for a severity %(severity)s problem, "
            "%(line)s now as well."
        )
    else:
        text = _("It is outside your contract's working hours: please also %(line)s.")
    return PriorityLineNotice(text=text % {"line": line, "severity": severity}, urgent=urgent)
