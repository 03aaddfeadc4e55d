"""Reads of incidents that the pages and the API share, scoped by the acting user: one
module per concern (scoped objects, SLA words, the list, operations, the filing hint)."""

from incidents.selectors.filing import (
    FilingHint,
    filing_contracts,
    filing_hint,
    filing_initial,
    filing_organization,
    premium_usage,
    received_at_from,
)
from incidents.selectors.lists import (
    IncidentPage,
    decode_list_cursor,
    filter_incidents,
    incident_page,
)
from incidents.selectors.operations import (
    AT_RISK_LISTED,
    EVERY_STATUS,
    UNSENT,
    Health,
    at_risk_next_hour,
    outbox_messages,
    sla_health,
)
from incidents.selectors.scoped import (
    attachment_for_user,
    attachments_for_user,
    entries_for_user,
    events_for_user,
    incident_for_user,
    incidents_for_user,
)
from incidents.selectors.sla import ClockState, clock_state, sla_states

__all__ = [
    "AT_RISK_LISTED",
    "EVERY_STATUS",
    "UNSENT",
    "ClockState",
    "FilingHint",
    "Health",
    "IncidentPage",
    "at_risk_next_hour",
    "attachment_for_user",
    "attachments_for_user",
    "clock_state",
    "decode_list_cursor",
    "entries_for_user",
    "events_for_user",
    "filing_contracts",
    "filing_hint",
    "filing_initial",
    "filing_organization",
    "filter_incidents",
    "incident_for_user",
    "incident_page",
    "incidents_for_user",
    "outbox_messages",
    "premium_usage",
    "received_at_from",
    "sla_health",
    "sla_states",
]
