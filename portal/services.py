"""Writes of the tenancy core: contacts, staff and invitations."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.selectors import contact_limit
from portal.errors import ContractRuleError, RuleCode
from portal.models import MemberRole, Membership, Organization, StaffRole, User
from portal.tasks import send_invitation

CONTACT_ADDRESS_TAKEN = gettext_lazy(
    "This address cannot be added as a contact. Check it, or use another address."
)


def _enqueue_invitation(user: User) -> None:
    transaction.on_commit(lambda: send_invitation.delay(user.pk))


def _new_user(email: str, password: str | None, *, taken: str | None = None, **extra) -> User:
    """A new user; `taken` is what to say if the address is already someone's login."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {
                "email": taken
                or _("A user with the e-mail %(email)s already exists.") % {"email": email}
            }
        )
    if password:
        try:
            validate_password(password, User(email=email))
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
    return User.objects.create_user(email=email, password=password, **extra)


def member_add(
    *,
    organization: Organization,
    email: str,
    role: str = MemberRole.MEMBER,
    password: str | None = None,
    full_name: str = "",
    invited_by: User | None = None,
) -> Membership:
    """Add a contact to an organisation within its tier's contact limit, and invite them."""
    if role not in MemberRole.values:
        raise ValidationError({"role": f"Role must be one of {', '.join(MemberRole.values)}."})
    with transaction.atomic():
        # Lock the organisation so concurrent additions cannot both pass the limit.
        Organization.objects.select_for_update().get(pk=organization.pk)
        limit = contact_limit(organization)
        active = Membership.objects.filter(organization=organization, user__is_active=True).count()
        if limit is not None and active >= limit:
            raise ContractRuleError(
                RuleCode.CONTACT_LIMIT_REACHED,
                _(
                    "%(organization)s already has %(active)s of the %(limit)s authorised "
                    "contacts its contract allows. Remove a contact before adding another."
                )
                % {"organization": organization.name, "active": active, "limit": limit},
            )
        # One answer wherever the address is taken (this organisation, another one, the
        # provider's staff): a customer admin learns nothing about other tenants.
        user = _new_user(email, password, taken=str(CONTACT_ADDRESS_TAKEN), full_name=full_name)
        membership = Membership.objects.create(
            organization=organization, user=user, role=role, invited_by=invited_by
        )
        if not password:
            _enqueue_invitation(user)
    return membership


def member_remove(*, membership: Membership) -> None:
    """Withdraw a contact's access. The person stays, so everything they wrote is kept."""
    user = membership.user
    user.is_active = False
    user.save(update_fields=["is_active"])  # a save, not an update(): the audit trail sees it


def member_set_role(*, membership: Membership, role: str) -> Membership:
    if role not in MemberRole.values:
        raise ValidationError({"role": f"Role must be one of {', '.join(MemberRole.values)}."})
    membership.role = role
    membership.save(update_fields=["role"])  # a save, not an update(): the audit trail sees it
    return membership


def staff_create(
    *, email: str, role: str, password: str | None = None, full_name: str = ""
) -> User:
    if role not in StaffRole.values:
        raise ValidationError({"role": f"Role must be one of {', '.join(StaffRole.values)}."})
    with transaction.atomic():
        user = _new_user(email, password, staff_role=role, full_name=full_name)
        if not password:
            _enqueue_invitation(user)
    return user


def organization_set_mfa(*, organization: Organization, required: bool) -> Organization:
    """Whether the organisation's members must use a second factor (portal.mfa)."""
    Organization.objects.filter(pk=organization.pk).update(require_mfa=required)
    organization.require_mfa = required
    return organization
