from django import template

from incidents import timeline

register = template.Library()


@register.filter
def event_summary(event, zone=None) -> str:
    """One timeline line: the event's label and its details, in words (times in `zone`)."""
    return timeline.summary(event, zone)


@register.filter
def metric_label(value: str) -> str:
    """A metric as people read it ("first response"), never its code."""
    return timeline.metric_words(value)
