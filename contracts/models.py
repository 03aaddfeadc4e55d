"""Tiers, severity targets, business calendars, contracts and the entitlement ledger."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.calendar_models import (  # noqa: F401 (the app's models, one namespace)
    WEEKDAY_NAMES,
    BusinessCalendar,
    CalendarChange,
    CalendarChangeKind,
    CalendarWindow,
    Holiday,
)
from contracts.catalogue_models import (  # noqa: F401 (the app's models, one namespace)
    DatabaseRelease,
    LifecycleStage,
    ProductVersion,
)
from portal.models import Organization, StaffRole

SEVERITY_NAMES = {1: "Critical", 2: "High", 3: "Medium", 4: "Low"}
SEVERITY_MEANINGS = {
    1: "Interrupts business operation, crashes systems or loses data.",
    2: "Affects functionality, but no data corruption or loss and no software crash.",
    3: "A non-critical problem or service request that partly affects the product.",
    4: "A minor problem or service request that does not affect functionality.",
}


class Severity(models.IntegerChoices):
    CRITICAL = 1, _("1 Critical")
    HIGH = 2, _("2 High")
    MEDIUM = 3, _("3 Medium")
    LOW = 4, _("4 Low")


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class ClockKind(models.TextChoices):
    CALENDAR = "calendar", _("Calendar time (24x7)")
    BUSINESS = "business", _("Business time (contract calendar)")


class LicenceType(models.TextChoices):
    NONE = "", _("None")
    STANDARD = "standard", _("Standard")
    PLUS = "plus", _("Plus")


class LicenceRequirement(models.TextChoices):
    NONE = "", _("No licence required")
    ANY = "any", _("Any valid licence of the vendor's product")
    PLUS = "plus", _("A Plus licence")


class Product(models.Model):
    """A product of the vendor that contracts cover and incidents are about."""

    name = models.CharField(max_length=200, unique=True)
    vendor = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        # Born in the incidents app; the table kept its name when the model moved here.
        db_table = "incidents_product"

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """A contract tier: what the provider promises. Data, edited by provider admins."""

    code = models.SlugField(max_length=50, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    support_hours = models.CharField(
        max_length=200,
        blank=True,
        help_text="When requests are accepted, in words.",
        verbose_name=_("support hours"),
    )
    channels = models.CharField(max_length=200, blank=True, verbose_name=_("channels"))
    vendor = models.CharField(
        max_length=100,
        blank=True,
        db_default="",  # rows written by older code or migrations' historical models
        help_text="Whose products the tier's contracts cover; empty = any vendor's.",
        verbose_name=_("vendor"),
    )
    priority_phone = models.CharField(
        max_length=40,
        blank=True,
        db_default="",  # rows written by older code and historical models
        help_text=_("The priority line customers also phone out of hours; empty = not known."),
        verbose_name=_("priority line phone number"),
    )
    premium_incident_quota = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Premium incidents per contract year; empty = unlimited.",
        verbose_name=_("premium incident quota"),
    )
    onsite_visits_per_year = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="On-site cases per contract year; empty = none.",
        verbose_name=_("on-site visits per year"),
    )
    onsite_overage_charged = models.BooleanField(
        default=False,
        help_text="On-site cases beyond the quota are charged to the customer.",
        verbose_name=_("on-site overage charged"),
    )
    onsite_arrival_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Engineer on site within this time; empty = no promise.",
        verbose_name=_("on-site arrival (minutes)"),
    )
    max_contacts = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Authorised contacts who may file; empty = unlimited.",
        verbose_name=_("maximum contacts"),
    )
    dedicated_tam = models.BooleanField(default=False, verbose_name=_("dedicated TAM"))
    health_checks_per_year = models.PositiveIntegerField(
        default=0, verbose_name=_("health checks per year")
    )
    required_licence = models.CharField(
        max_length=10,
        choices=LicenceRequirement.choices,
        blank=True,
        verbose_name=_("required licence"),
    )
    requires_renewal = models.BooleanField(
        default=False,
        help_text="Only while the customer holds a valid renewal.",
        verbose_name=_("requires renewal"),
    )
    signature_change_requests = models.BooleanField(
        default=False, verbose_name=_("signature change requests")
    )
    private_patches = models.BooleanField(default=False, verbose_name=_("private patches"))
    quarterly_reports = models.BooleanField(default=False, verbose_name=_("quarterly reports"))
    daily_critical_reports = models.BooleanField(
        default=False, verbose_name=_("daily critical reports")
    )
    malware_sample_processing = models.BooleanField(
        default=False, verbose_name=_("malware sample processing")
    )
    malware_alerts = models.BooleanField(default=False, verbose_name=_("malware alerts"))
    free_updates_months = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Pattern and engine updates free after purchase.",
        verbose_name=_("free updates (months)"),
    )
    warn_at_percent = models.PositiveSmallIntegerField(
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="Warn when this share of a target has elapsed.",
        verbose_name=_("warn at (percent)"),
    )
    notify_customer_on_sla = models.BooleanField(
        default=False,
        help_text="Tell the customer's admins about SLA warnings and breaches.",
        verbose_name=_("notify the customer about SLA"),
    )

    class Meta:
        verbose_name = _("tier")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def offers_premium_choice(self) -> bool:
        """Whether a filing chooses premium or standard on this tier (templates ask this)."""
        from contracts.rules import offers_premium_choice  # rules import this module

        return offers_premium_choice(self)

    def target_for(self, severity: int, metric: str) -> "SeverityTarget | None":
        # Uses the prefetched targets when present, so lists stay at one query.
        for target in self.targets.all():
            if target.severity == severity and target.metric == metric:
                return target
        return None


class SeverityTarget(models.Model):
    """A promise: for a severity and metric, a number of minutes on a clock. No row = no target."""

    tier = models.ForeignKey(
        Tier, on_delete=models.CASCADE, related_name="targets", verbose_name=_("tier")
    )
    severity = models.PositiveSmallIntegerField(
        choices=Severity.choices, verbose_name=_("severity")
    )
    metric = models.CharField(max_length=20, choices=Metric.choices, verbose_name=_("metric"))
    minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], verbose_name=_("minutes")
    )
    clock = models.CharField(max_length=10, choices=ClockKind.choices, verbose_name=_("clock"))

    class Meta:
        verbose_name = _("severity target")
        ordering = ["tier", "metric", "severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "severity", "metric"], name="target_tier_severity_metric"
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=4), name="target_severity_1_4"
            ),
            models.CheckConstraint(condition=Q(minutes__gte=1), name="target_minutes_positive"),
        ]

    def __str__(self) -> str:
        from contracts.sla import target_words  # sla imports this module

        words = target_words(self.minutes, self.clock)
        return f"{self.tier.code} S{self.severity} {self.get_metric_display()}: {words}"

    def get_additional_data(self) -> dict:
        """auditlog: the target's changes belong to its tier's history (portal.audit)."""
        return {"tier": self.tier_id}


class Contract(models.Model):
    """An organisation's contract on a tier, measured against a business calendar."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("organisation"),
    )
    tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("tier")
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("calendar"),
    )
    reference = models.CharField(max_length=50, blank=True, verbose_name=_("reference"))
    starts_on = models.DateField(verbose_name=_("starts on"))
    ends_on = models.DateField(verbose_name=_("ends on"))
    renewal_valid_until = models.DateField(
        null=True, blank=True, verbose_name=_("renewal valid until")
    )
    licence_type = models.CharField(
        max_length=10, choices=LicenceType.choices, blank=True, verbose_name=_("licence type")
    )
    purchased_on = models.DateField(null=True, blank=True, verbose_name=_("purchased on"))
    tam = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tam_contracts",
        limit_choices_to={"staff_role__in": [StaffRole.TAM, StaffRole.ADMIN]},
        verbose_name=_("TAM"),
    )
    backup_tam = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backup_tam_contracts",
        limit_choices_to={"staff_role__in": [StaffRole.TAM, StaffRole.ADMIN]},
        help_text="Takes the TAM's new incidents while the TAM is away.",
        verbose_name=_("backup TAM"),
    )
    products = models.ManyToManyField(
        Product,
        blank=True,
        related_name="contracts",
        help_text=_("The products the contract covers: what the customer holds."),
        verbose_name=_("products"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("contract")
        ordering = ["organization", "-starts_on"]
        indexes = [
            models.Index(fields=["organization", "ends_on"], name="contract_org_ends"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="contract_ends_after_start"
            ),
            # The target of the tenant children's composite keys (incidents migration 0007).
            models.UniqueConstraint(fields=["id", "organization"], name="contract_id_org"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} — {self.tier} ({self.starts_on} to {self.ends_on})"

    def clean(self) -> None:
        from contracts.rules import check_contract_dates, check_tams  # rules import this module

        check_contract_dates(
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            renewal_valid_until=self.renewal_valid_until,
        )
        check_tams(self)


class Entitlement(models.TextChoices):
    PREMIUM_INCIDENT = "premium_incident", "Premium incident"
    ONSITE_VISIT = "onsite_visit", "On-site visit"
    HEALTH_CHECK = "health_check", "Health check"


class EntitlementEntry(models.Model):
    """One use (+1) or refund (-1) of a contract quota; the sum per year is what is used."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="ledger")
    entitlement = models.CharField(max_length=20, choices=Entitlement.choices)
    units = models.SmallIntegerField()
    year_starts_on = models.DateField(help_text="The contract year the entry counts against.")
    reason = models.CharField(max_length=200, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("entitlement entry")
        verbose_name_plural = _("entitlement entries")
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["organization", "contract", "entitlement", "year_starts_on"],
                name="ledger_org_contract_year",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(units__in=[1, -1]), name="ledger_units_one"),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement} {self.units:+d} ({self.year_starts_on})"
