"""The provider's people at work: their working hours, their absences and the duty rota."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from contracts.models import BusinessCalendar

USER = settings.AUTH_USER_MODEL


class AbsenceReason(models.TextChoices):
    LEAVE = "leave", _("Leave")
    SICK = "sick", _("Sick")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class WorkingHours(models.Model):
    """When a staff member works: a business calendar (time zone, weekly hours, holidays).
    Staff without one are taken to work at any hour (only absences make them away)."""

    staff = models.OneToOneField(
        USER,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="working_hours",
        verbose_name=_("staff member"),
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        related_name="staff_hours",
        verbose_name=_("calendar"),
    )

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self) -> str:
        return f"{self.staff}: {self.calendar}"


class Absence(models.Model):
    """A span in which a staff member is away: leave, sickness, training."""

    staff = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="absences")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=10, choices=AbsenceReason.choices)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["staff", "ends_at"], name="absence_staff_ends")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="absence_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.reason} {self.starts_at:%Y-%m-%d %H:%M}"


class DutyShift(models.Model):
    """A span in which a staff member is the duty manager."""

    staff = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="duty_shifts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["ends_at", "starts_at"], name="shift_ends_starts")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%H:%M}"
