"""Reads of the tenancy core, scoped by the acting user."""

from django.db.models import Count, Q, QuerySet

from portal.models import Membership, Organization, User


def organizations_for_user(user: User) -> QuerySet[Organization]:
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    if user.is_provider_staff:
        return Organization.objects.all()
    return Organization.objects.filter(memberships__user=user)


def organizations_with_counts(user: User) -> QuerySet[Organization]:
    return organizations_for_user(user).annotate(
        contact_count=Count(
            "memberships", filter=Q(memberships__user__is_active=True), distinct=True
        ),
        contract_count=Count("contracts", distinct=True),
    )


def members_of(
    organization: Organization, *, include_inactive: bool = False
) -> QuerySet[Membership]:
    members = Membership.objects.filter(organization=organization).select_related("user")
    if not include_inactive:
        members = members.filter(user__is_active=True)
    return members.order_by("user__email")


def staff_members() -> QuerySet[User]:
    return User.objects.exclude(staff_role="").order_by("email")
