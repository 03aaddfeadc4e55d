"""Writes of the tenancy core: contacts, staff and invitations."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.selectors import contact_limit
from portal.errors import ContractRuleError, RuleCode
from portal.models import (
    MemberRole,
    Membership,
    Organization,
    StaffRole,
    User,
    validate_timezone,
)
from portal.rules import require_another_admin
from portal.tasks import send_invitation
from portal.tokens import token_revoke

CONTACT_ADDRESS_TAKEN = gettext_lazy(
    "This address cannot be added as a contact. Check it, or use another address."
)


def _enqueue_invitation(user: User) -> None:
    transaction.on_commit(lambda: send_invitation.delay(user.pk))


def _roles_message(roles) -> str:
    return _("Role must be one of %(roles)s.") % {"roles": ", ".join(roles.values)}


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
        raise ValidationError({"role": _roles_message(MemberRole)})
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
        removed = _removed_contact(organization, email)
        if removed is not None:
            return _member_reactivate(
                membership=removed,
                role=role,
                password=password,
                full_name=full_name,
                invited_by=invited_by,
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


def _removed_contact(organization: Organization, email: str) -> Membership | None:
    """This organisation's own removed contact with the address (only its own: a removed
    contact of another organisation is refused like any taken address)."""
    email = User.objects.normalize_email(email).lower()
    return (
        Membership.objects.select_related("user", "organization")
        .filter(organization=organization, user__email__iexact=email, user__is_active=False)
        .first()
    )


def _member_reactivate(
    *,
    membership: Membership,
    role: str,
    password: str | None,
    full_name: str,
    invited_by: User | None,
) -> Membership:
    """A removed contact added again: the same person (their history stays theirs), active,
    with the role given now and a fresh start: the password and tokens from before no longer
    work, and they are invited to choose a password as a new contact is."""
    user = membership.user
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.is_active = True
    if full_name:
        user.full_name = full_name
    # A save, not an update(): the audit trail sees it.
    user.save(update_fields=["is_active", "full_name", "password"])
    for token in user.api_tokens.all():
        token_revoke(token=token)
    membership.role = role
    membership.invited_by = invited_by
    membership.save(update_fields=["role", "invited_by"])
    if not password:
        _enqueue_invitation(user)
    return membership


def member_remove(*, membership: Membership) -> None:
    """Withdraw a contact's access. The person stays, so everything they wrote is kept.
    The organisation's only customer admin stays (portal.rules.require_another_admin)."""
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=membership.organization_id)
        require_another_admin(membership)
        user = membership.user
        user.is_active = False
        user.save(update_fields=["is_active"])  # a save, not an update(): the audit trail sees it


def member_update(
    *, membership: Membership, role: str | None = None, full_name: str | None = None
) -> Membership:
    """A contact's name and role, as their customer admin (or a provider admin) sets them."""
    if role is not None and role not in MemberRole.values:
        raise ValidationError({"role": _roles_message(MemberRole)})
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=membership.organization_id)
        if role is not None and role != membership.role:
            if role != MemberRole.ADMIN:
                require_another_admin(membership)
            membership.role = role
            membership.save(update_fields=["role"])  # a save: the audit trail sees it
        if full_name is not None and full_name != membership.user.full_name:
            membership.user.full_name = full_name
            membership.user.save(update_fields=["full_name"])
    return membership


def member_set_role(*, membership: Membership, role: str) -> Membership:
    return member_update(membership=membership, role=role)


def staff_create(
    *, email: str, role: str, password: str | None = None, full_name: str = ""
) -> User:
    if role not in StaffRole.values:
        raise ValidationError({"role": _roles_message(StaffRole)})
    with transaction.atomic():
        address = User.objects.normalize_email(email).lower()
        if User.objects.filter(email__iexact=address).exists():
            # A provider admin may know whose it is: name the conflict (409 already_exists).
            raise ContractRuleError(
                RuleCode.ALREADY_EXISTS,
                _("A user with the e-mail %(email)s already exists.") % {"email": address},
            )
        user = _new_user(email, password, staff_role=role, full_name=full_name)
        if not password:
            _enqueue_invitation(user)
    return user


def organization_set_mfa(*, organization: Organization, required: bool) -> Organization:
    """Whether the organisation's members must use a second factor (portal.mfa)."""
    Organization.objects.filter(pk=organization.pk).update(require_mfa=required)
    organization.require_mfa = required
    return organization


def user_set_time_zone(*, user: User, time_zone: str) -> User:
    """The zone a person's pages show times in ("" : their working hours' zone, else UTC).
    Saved on its own field, so the audit trail records just this change."""
    if time_zone:
        validate_timezone(time_zone)
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    return user
