"""Rules of the tenancy core: what day and time it is for a customer.

Contract days, contract years and quotas are counted in the customer's calendar
days, so every page, service and task asks these functions instead of taking
the server's (UTC) date.
"""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from portal.models import Organization


def organization_zone(organization: Organization) -> ZoneInfo:
    return ZoneInfo(organization.timezone)


def organization_date(organization: Organization, at: datetime.datetime) -> datetime.date:
    """The customer's calendar day at an instant."""
    return timezone.localdate(at, timezone=organization_zone(organization))


def organization_today(
    organization: Organization, now: datetime.datetime | None = None
) -> datetime.date:
    """Today in the customer's own time zone (the day a contract covers, or not)."""
    return organization_date(organization, now or timezone.now())
