"""Every write to incidents, one module per rule set: filing, the thread (replies and files),
status, severity and assignment, and the premium units they use.

Each service runs in one transaction with the incident (or contract) row locked,
so a refusal writes nothing and concurrent changes queue up instead of racing.
"""

from incidents.services.filing import incident_file
from incidents.services.status import (
    incident_assign,
    incident_change_severity,
    incident_change_status,
    incident_update,
)
from incidents.services.thread import attachment_add, incident_reply

__all__ = [
    "attachment_add",
    "incident_assign",
    "incident_change_severity",
    "incident_change_status",
    "incident_file",
    "incident_reply",
    "incident_update",
]
