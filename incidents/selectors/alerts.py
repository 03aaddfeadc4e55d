"""Reads of malware alerts, scoped by the reader: provider staff see every alert (drafts
too) with who it went to; a customer's contact sees the published alerts addressed to their
organisation (`AlertAudience`), each with whether they have read it, and nothing else."""

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.http import Http404

from incidents.models import Alert, AlertRead
from portal.access import organization_of
from portal.models import Organization, User

# The most alerts a feed lists (the newest).
FEED_LENGTH = 50


def addressed_to(organization_id: int) -> QuerySet[Alert]:
    """The published alerts addressed to the organisation, newest first."""
    return Alert.objects.filter(
        published_at__isnull=False, audience__organization_id=organization_id
    ).order_by("-published_at", "-id")


def alerts_for_user(user: User) -> QuerySet[Alert]:
    """The alerts the user may read: `organizations` and `people` reached on staff's rows,
    `read_at` (None: unread) on a customer's."""
    if user.is_provider_staff:
        return (
            Alert.objects.annotate(
                organizations=Count("audience"), people=Sum("audience__people", default=0)
            )
            .select_related("published_by")
            .prefetch_related("products")
            .order_by("-id")
        )
    organization = organization_of(user)
    if organization is None:
        return Alert.objects.none()
    reads = AlertRead.objects.filter(
        organization_id=organization.pk, alert=OuterRef("pk"), user=user
    )
    return (
        addressed_to(organization.pk)
        .annotate(read_at=Subquery(reads.values("read_at")[:1]))
        .prefetch_related("products")
    )


def alert_for_user(user: User, pk) -> Alert:
    """The alert, if the user may read it; else 404 (another tenant's is no hint)."""
    try:
        return alerts_for_user(user).get(pk=pk)
    except (Alert.DoesNotExist, ValueError, TypeError):
        raise Http404("No such alert.") from None


def unread_alerts(user: User, limit: int = 3) -> list[Alert]:
    """The newest alerts the customer's contact has not read (the banner), one query."""
    if user.is_provider_staff or organization_of(user) is None:
        return []
    alerts = alerts_for_user(user).filter(read_at__isnull=True).prefetch_related(None)
    return list(alerts[:limit])


def feed_organization(key: str) -> Organization:
    """The organisation whose alert feed key this is; else 404."""
    try:
        return Organization.objects.get(alert_feed_key=key)
    except Organization.DoesNotExist:
        raise Http404("No such feed.") from None


def feed_alerts(organization: Organization) -> list[Alert]:
    return list(addressed_to(organization.pk).prefetch_related("products")[:FEED_LENGTH])
