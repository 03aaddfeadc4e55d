import datetime

from django import template
from django.utils.dateparse import parse_datetime

from incidents.models import Status

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


STATUS_LABELS = dict(Status.choices)
METRIC_LABELS = {"first_response": "first response", "resolution": "resolution"}


@register.filter
def status_label(value: str) -> str:
    """A status as people read it ("waiting on customer"), never its code."""
    return STATUS_LABELS.get(value, str(value).replace("_", " ")).lower()


@register.filter
def metric_label(value: str) -> str:
    return METRIC_LABELS.get(value, str(value).replace("_", " "))


@register.filter
def as_datetime(value) -> datetime.datetime | None:
    """An ISO timestamp kept in an event's data, as a datetime for the date filter."""
    return parse_datetime(value) if isinstance(value, str) else value
