"""Tenancy core: users, customer organisations and their memberships."""

import secrets
import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            f"Unknown time zone {value!r}: use an IANA name such as Europe/Madrid."
        )


class StaffRole(models.TextChoices):
    ENGINEER = "engineer", _("Engineer")
    TAM = "tam", _("Technical Account Manager")
    DUTY_MANAGER = "duty_manager", _("Duty manager")
    ADMIN = "admin", _("Provider admin")


class MemberRole(models.TextChoices):
    MEMBER = "member", _("Member")
    ADMIN = "admin", _("Customer admin")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        # A superuser is a provider admin (createsuperuser --noinput relies on this).
        extra.setdefault("is_superuser", True)
        extra.setdefault("staff_role", StaffRole.ADMIN)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in by e-mail: a customer contact or provider staff."""

    email = models.EmailField(unique=True, verbose_name=_("e-mail address"))
    full_name = models.CharField(max_length=200, blank=True, verbose_name=_("full name"))
    staff_role = models.CharField(
        max_length=20,
        choices=StaffRole.choices,
        blank=True,
        help_text="Set for the provider's own people; blank for customer contacts.",
        verbose_name=_("staff role"),
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",
        validators=[validate_timezone],
        help_text=_(
            "The zone the person's pages show times in (staff; empty: their working "
            "hours' zone, else UTC). Customers read their organisation's zone."
        ),
        verbose_name=_("time zone"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    date_joined = models.DateTimeField(default=timezone.now, verbose_name=_("joined"))

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        # set_password() leaves the new password here until the save (a hash upgrade at
        # login clears it first): a changed password ends every API token (any path: the
        # password form, a reset, the admin).
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            ApiToken.objects.filter(user=self).delete()

    @property
    def is_staff(self) -> bool:
        """Django admin access: provider admins only."""
        return self.is_active and self.is_provider_admin

    def has_perm(self, perm, obj=None) -> bool:
        # Provider admins run the portal: every admin permission is theirs.
        return (self.is_active and self.is_provider_admin) or super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return (self.is_active and self.is_provider_admin) or super().has_module_perms(app_label)

    @property
    def is_provider_staff(self) -> bool:
        return bool(self.staff_role) or self.is_superuser

    @property
    def is_provider_admin(self) -> bool:
        return self.is_superuser or self.staff_role == StaffRole.ADMIN

    @property
    def role(self) -> str:
        """One word for the user's role, as the API and the navigation use it."""
        if self.is_provider_staff:
            return self.staff_role or StaffRole.ADMIN
        membership = getattr(self, "membership", None)
        return membership.role if membership else ""


def new_feed_key() -> str:
    """A secret for an organisation's alert feed address (portal Organization.alert_feed_key)."""
    return secrets.token_urlsafe(32)


class RandomKey(models.Func):
    """The database's own random 64 hex digits: the feed key of a row written by code that
    predates the field (the portal's own writes use `new_feed_key`)."""

    output_field = models.CharField()
    template = "lower(hex(randomblob(32)))"  # SQLite

    def as_postgresql(self, compiler, connection, **extra):
        # Both halves from the server's strong random source (PostgreSQL 13+).
        sql = "replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')"
        return sql, []


class Organization(models.Model):
    """A customer tenant."""

    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="IANA time zone",
        verbose_name=_("time zone"),
    )
    next_incident_number = models.PositiveIntegerField(
        default=1, editable=False, verbose_name=_("next incident number")
    )
    require_mfa = models.BooleanField(
        default=False,
        db_default=False,  # rows written by code that predates the field stay valid
        help_text="Members must use a second factor (set by the organisation's customer admin).",
        verbose_name=_("second factor required"),
    )
    # The secret in the address of the organisation's malware alert feed (read without
    # logging in, by feed readers): its admins make a new one when it got out.
    alert_feed_key = models.CharField(
        max_length=64, unique=True, default=new_feed_key, db_default=RandomKey(), editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("organisation")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A customer contact's place in their organisation (one organisation per person)."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="membership", verbose_name=_("person")
    )
    role = models.CharField(
        max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER, verbose_name=_("role")
    )
    invited_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("contact")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_org_user"),
        ]
        indexes = [models.Index(fields=["organization", "role"], name="membership_org_role")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organization})"


class WorkerHeartbeat(models.Model):
    """When a periodic task last ran: proof that a worker with beat is alive."""

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """A named API key of one person. Only its hash is kept (and a prefix to tell it by):
    the key itself is shown once, when it is made (portal.tokens)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("owner")
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    prefix = models.CharField(max_length=8, verbose_name=_("prefix"))
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("API token")
        indexes = [models.Index(fields=["user", "-id"], name="apitoken_user_id")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def get_additional_data(self) -> dict:
        """auditlog: a token's making and revoking belong to its owner's history."""
        return {"user": self.user_id}
