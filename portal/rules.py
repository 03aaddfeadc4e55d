"""Rules of the tenancy core: what day and time it is for a customer, and who must stay.

Contract days, contract years and quotas are counted in the customer's calendar
days, so every page, service and task asks these functions instead of taking
the server's (UTC) date.
"""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ContractRuleError, RuleCode
from portal.models import MemberRole, Membership, Organization


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


def require_another_admin(membership: Membership) -> None:
    """An organisation always keeps an active customer admin: its only one is neither removed
    nor made a member. Call it with the organisation locked (two admins removing each other
    at once would otherwise both pass)."""
    if membership.role != MemberRole.ADMIN or not membership.user.is_active:
        return
    others = Membership.objects.filter(
        organization_id=membership.organization_id, role=MemberRole.ADMIN, user__is_active=True
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ContractRuleError(
            RuleCode.LAST_ADMIN,
            _(
                "%(person)s is the only customer admin of %(organization)s. Make another "
                "contact an admin first, so the organisation can still manage its contacts."
            )
            % {"person": membership.user.email, "organization": membership.organization.name},
        )
