"""The security vendor's request workflows and alerts: a signature change request's and a
private patch's details beside their incident, a malware sample's analysis, and the
malware alerts published to customers (with who has read them)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Organization

USER = settings.AUTH_USER_MODEL
SHA256 = RegexValidator(r"^[0-9a-f]{64}$", _("A SHA-256 is 64 hexadecimal digits."))


class SignatureVerdict(models.TextChoices):
    """What the customer says the product got wrong."""

    FALSE_POSITIVE = "false_positive", _("False positive (a clean file is detected)")
    FALSE_NEGATIVE = "false_negative", _("False negative (a malicious file is not detected)")


class SampleVerdict(models.TextChoices):
    MALICIOUS = "malicious", _("Malicious")
    PUA = "pua", _("Potentially unwanted")
    CLEAN = "clean", _("Clean")


class AlertFormat(models.TextChoices):
    TEXT = "text", _("Plain text")
    MARKDOWN = "markdown", _("Markdown")


class SignatureChange(models.Model):
    """What a signature change request is about, and how it ended: the release that fixed
    it, or the analysis that found the detection right."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="signature"
    )
    verdict = models.CharField(
        max_length=20, choices=SignatureVerdict.choices, verbose_name=_("verdict")
    )
    database_version = models.CharField(max_length=50, verbose_name=_("database version"))
    file_name = models.CharField(max_length=255, verbose_name=_("file name"))
    sha256 = models.CharField(max_length=64, validators=[SHA256], verbose_name=_("SHA-256"))
    detection_name = models.CharField(max_length=200, blank=True, verbose_name=_("detection name"))
    # Staff filing for a customer on older databases, and why (also on the timeline).
    override_reason = models.TextField(blank=True, verbose_name=_("override reason"))
    release = models.ForeignKey(
        "contracts.DatabaseRelease",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("fixed in release"),
    )
    analysis = models.TextField(
        blank=True, verbose_name=_("analysis"), help_text=_("Why the detection is correct.")
    )

    class Meta:
        verbose_name = _("signature change request")
        constraints = [
            models.UniqueConstraint(fields=["id", "organization"], name="signature_id_org"),
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} {self.file_name}"


class PrivatePatch(models.Model):
    """The product version a private patch is asked for, and what came of it."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="patch_request"
    )
    product_version = models.ForeignKey(
        "contracts.ProductVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product version"),
    )
    # In limited support when asked for: only security fixes are made.
    limited_support = models.BooleanField(default=False, verbose_name=_("limited support"))
    decline_reason = models.TextField(blank=True, verbose_name=_("reason declined"))
    patch = models.ForeignKey(
        "incidents.Attachment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("patch file"),
    )
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))

    class Meta:
        verbose_name = _("private patch request")
        constraints = [
            models.UniqueConstraint(fields=["id", "organization"], name="patch_id_org"),
        ]

    def __str__(self) -> str:
        return f"{self.product_version} ({self.incident_id})"


class SampleAnalysis(models.Model):
    """Staff's analysis of a malware sample. A sample whose SHA-256 was analysed before
    starts from that analysis (`reused_from`) instead of from nothing."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    attachment = models.OneToOneField(
        "incidents.Attachment", on_delete=models.CASCADE, related_name="analysis"
    )
    verdict = models.CharField(
        max_length=20, choices=SampleVerdict.choices, verbose_name=_("verdict")
    )
    detection_name = models.CharField(max_length=200, blank=True, verbose_name=_("detection name"))
    release = models.ForeignKey(
        "contracts.DatabaseRelease",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("detected from release"),
    )
    removal = models.TextField(blank=True, verbose_name=_("removal instructions"))
    reused_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    analysed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    analysed_at = models.DateTimeField(verbose_name=_("analysed at"))

    class Meta:
        verbose_name = _("sample analysis")
        verbose_name_plural = _("sample analyses")
        constraints = [
            models.UniqueConstraint(fields=["id", "organization"], name="analysis_id_org"),
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} ({self.attachment_id})"


class Alert(models.Model):
    """A malware alert with prevention advice, published by provider staff to the customers
    whose tier has alerts and who hold an affected product."""

    title = models.CharField(max_length=200, verbose_name=_("title"))
    body = models.TextField(verbose_name=_("body"))
    body_format = models.CharField(
        max_length=10,
        choices=AlertFormat.choices,
        default=AlertFormat.TEXT,
        verbose_name=_("body format"),
    )
    prevention = models.TextField(blank=True, verbose_name=_("prevention advice"))
    severity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(4)], verbose_name=_("severity")
    )
    products = models.ManyToManyField(
        "contracts.Product", related_name="alerts", verbose_name=_("affected products")
    )
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    published_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("malware alert")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["-published_at", "-id"], name="alert_published")]

    def __str__(self) -> str:
        return self.title


class AlertRead(models.Model):
    """A person has read an alert (its banner no longer shows for them)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "alert", "user"], name="alert_read_once"
            ),
        ]
        indexes = [models.Index(fields=["organization", "user"], name="alert_read_org_user")]

    def __str__(self) -> str:
        return f"{self.alert_id} read by {self.user_id}"


class AlertAudience(models.Model):
    """An organisation an alert was addressed to when it was published (its tier had alerts
    and it held an affected product that day), with how many of its people were sent it.
    Customers see the alerts of their organisation's rows, and only those."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="audience")
    people = models.PositiveIntegerField(default=0, verbose_name=_("people sent it"))

    class Meta:
        verbose_name = _("alert recipient organisation")
        constraints = [
            models.UniqueConstraint(fields=["organization", "alert"], name="alert_audience_once"),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} to {self.organization_id}"
