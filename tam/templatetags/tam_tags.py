import datetime

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from tam import wording

register = template.Library()


@register.filter
def duration_words(span: datetime.timedelta) -> str:
    """A span in words: "2 d 3 h", "14 h 30 min", "45 min"."""
    return wording.duration(span)


@register.simple_tag
def options(pairs, selected=None):
    """`<option>`s of (value, label) pairs, `selected` marked: the desk's long lists (every
    organisation, every staff member) rendered in one pass instead of a template loop."""
    chosen = "" if selected in (None, "") else str(selected)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if str(value) == chosen else "", label)
            for value, label in pairs
        ),
    )
