"""One helper per access rule. Every page and API view goes through these.

A foreign or invisible object is a 404 (no existence hint); an object the user may
see but not change is a 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from portal.models import MemberRole, Membership, Organization, User
from portal.selectors import organizations_for_user


def organization_of(user: User) -> Organization | None:
    """The customer organisation a contact belongs to (None for provider staff)."""
    if not user.is_authenticated or user.is_provider_staff:
        return None  # staff belong to no customer: no query for a membership
    membership = getattr(user, "membership", None)
    return membership.organization if membership else None


def require_provider_staff(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.is_provider_staff):
        raise PermissionDenied(_("Only the provider's staff may do this."))


def staff_only(user: User) -> None:
    """The staff's own pages (the desk, the rota): anyone else finds nothing there (404)."""
    if not (user.is_authenticated and user.is_active and user.is_provider_staff):
        raise Http404("No such page.")


def require_provider_admin(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.is_provider_admin):
        raise PermissionDenied(_("Only a provider admin may do this."))


def can_manage_contacts(user: User, organization: Organization) -> bool:
    if user.is_provider_admin:
        return True
    membership = getattr(user, "membership", None)
    return bool(
        membership
        and membership.organization_id == organization.pk
        and membership.role == MemberRole.ADMIN
    )


def require_contact_manager(user: User, organization: Organization) -> None:
    if not can_manage_contacts(user, organization):
        raise PermissionDenied(
            _("Only a provider admin or the organisation's customer admin manages contacts.")
        )


def require_not_self(user: User, membership: Membership) -> None:
    """Nobody removes their own access: an organisation would lose its last admin that way."""
    if membership.user_id == user.pk:
        raise PermissionDenied(_("You cannot remove yourself; another admin can."))


def organization_for_user(user: User, pk) -> Organization:
    try:
        return organizations_for_user(user).get(pk=pk)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise Http404("No such organisation.") from None
