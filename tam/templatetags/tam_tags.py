import datetime

from django import template

from tam import wording

register = template.Library()


@register.filter
def duration_words(span: datetime.timedelta) -> str:
    """A span in words: "2 d 3 h", "14 h 30 min", "45 min"."""
    return wording.duration(span)
