from django import template

register = template.Library()

LABELS = {
    "filed": "Filed",
    "replied": "Reply",
    "status_changed": "Status",
    "severity_changed": "Severity",
    "assigned": "Assigned",
    "clock_started": "Clock started",
    "clock_stopped": "Clock stopped",
    "clock_paused": "Clock paused",
    "clock_resumed": "Clock resumed",
    "clock_restarted": "Clock restarted",
    "sla_warning": "SLA at risk",
    "sla_breach": "SLA breached",
    "escalated": "Escalated",
    "attachment_added": "File added",
    "premium_refunded": "Premium incident refunded",
}


@register.filter
def event_label(kind: str) -> str:
    return LABELS.get(kind, kind.replace("_", " ").capitalize())
