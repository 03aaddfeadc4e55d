"""Times as people read them: in a zone, always saying which.

Every page shows a time through `local_time` (the `when` tag and the `in_zone` filter of
portal/templatetags/zones.py), so no time on a page leaves its zone unsaid.
"""

import datetime
import zoneinfo
from functools import cache

from django.utils.formats import date_format

from portal.access import organization_of
from portal.rules import organization_zone

DEFAULT_FORMAT = "j M Y H:i"


def zone_abbreviation(value: datetime.datetime, zone: datetime.tzinfo) -> str:
    """The zone's short name at that instant ("CET", "UTC"); "UTC-03" where the zone's
    only short name is its offset."""
    name = value.astimezone(zone).tzname() or ""
    if name[:1] in "+-":
        return "UTC" + name
    return name


def local_time(value: datetime.datetime, zone: datetime.tzinfo | None, fmt: str = "") -> str:
    """`value` in `zone` (UTC without one) followed by the zone's short name."""
    zone = zone or datetime.UTC
    local = value.astimezone(zone)
    return f"{date_format(local, fmt or DEFAULT_FORMAT)} {zone_abbreviation(value, zone)}"


def viewer_zone(user) -> zoneinfo.ZoneInfo:
    """The zone a person reads times in: a customer contact their organisation's, staff
    their own (tam.availability.zone_of)."""
    from tam.availability import zone_of  # tam builds on the tenancy core

    organization = organization_of(user)
    return organization_zone(organization) if organization else zone_of(user)


@cache
def zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]
