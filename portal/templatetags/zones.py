"""Times on pages, each naming its zone: `{% when value zone "D j M, H:i" %}` and
`{{ value|in_zone:zone }}`."""

from django import template
from django.utils.html import format_html

from portal.timezones import local_time

register = template.Library()


@register.simple_tag
def when(value, zone=None, fmt=""):
    """A <time> element: the instant in `zone`, with the zone's short name and its full
    name on hover."""
    if not value:
        return ""
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        getattr(zone, "key", "UTC"),
        local_time(value, zone, fmt),
    )


@register.filter
def in_zone(value, zone=None):
    """The instant in `zone` as plain text, with the zone's short name."""
    return local_time(value, zone) if value else ""
