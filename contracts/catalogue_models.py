"""The vendor's catalogue beyond product names: each product's versions with their
support-lifecycle dates, and its antivirus database (signature) releases."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class LifecycleStage(models.TextChoices):
    """Where a product version is in its support lifecycle (`contracts.lifecycle` says
    which, on a day, from the version's dates)."""

    GA = "ga", _("General availability")
    LIMITED = "limited", _("Limited support")
    EOL = "eol", _("End of life")


class ProductVersion(models.Model):
    """A version of a product and the days its lifecycle stages begin."""

    product = models.ForeignKey(
        "contracts.Product",
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("product"),
    )
    version = models.CharField(max_length=50, verbose_name=_("version"))
    ga_on = models.DateField(verbose_name=_("general availability from"))
    limited_on = models.DateField(null=True, blank=True, verbose_name=_("limited support from"))
    eol_on = models.DateField(null=True, blank=True, verbose_name=_("end of life from"))

    class Meta:
        verbose_name = _("product version")
        ordering = ["product", "-ga_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="version_product_unique"),
            models.CheckConstraint(
                condition=Q(limited_on__isnull=True) | Q(limited_on__gte=F("ga_on")),
                name="version_limited_after_ga",
            ),
            models.CheckConstraint(
                condition=Q(eol_on__isnull=True) | Q(eol_on__gte=F("ga_on")),
                name="version_eol_after_ga",
            ),
            models.CheckConstraint(
                condition=Q(eol_on__isnull=True)
                | Q(limited_on__isnull=True)
                | Q(eol_on__gte=F("limited_on")),
                name="version_eol_after_limited",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}"


class DatabaseRelease(models.Model):
    """A release of a product's antivirus databases; an expedited one names the signature
    change request it was made for."""

    product = models.ForeignKey(
        "contracts.Product",
        on_delete=models.CASCADE,
        related_name="releases",
        verbose_name=_("product"),
    )
    version = models.CharField(max_length=50, verbose_name=_("version"))
    released_at = models.DateTimeField(verbose_name=_("released at"))
    expedited = models.BooleanField(default=False, verbose_name=_("expedited"))
    request = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("request"),
        help_text=_("The signature change request an expedited release was made for."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("database release")
        ordering = ["-released_at", "-id"]
        indexes = [
            models.Index(fields=["product", "-released_at", "-id"], name="release_product_latest"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="release_product_version"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}"
