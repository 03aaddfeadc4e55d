"""Business calendars: a contract's working time (a zone, weekly windows, holidays) and
the versions of it that re-planned clocks name."""

import unicodedata

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import validate_timezone


def _plain(text: str) -> str:
    """Text without accents or case, to compare place names ("São Paulo", "Sao_Paulo")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


WEEKDAY_NAMES = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


class BusinessCalendar(models.Model):
    """Working time of a contract: a time zone, weekly windows and holidays, or 24x7."""

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    timezone = models.CharField(
        max_length=64, default="UTC", validators=[validate_timezone], verbose_name=_("time zone")
    )
    always_open = models.BooleanField(
        default=False,
        help_text="24x7: windows and holidays are ignored.",
        verbose_name=_("always open"),
    )
    # +1 per change of working time; clocks keep the version they use (docs/replanning.md).
    version = models.PositiveBigIntegerField(
        default=1, db_default=1, editable=False, verbose_name=_("working time version")
    )

    class Meta:
        verbose_name = _("business calendar")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.zone_label})" if self.zone_label else self.name

    @property
    def zone_label(self) -> str:
        """The zone to name beside the calendar's name: none for 24x7, nor when the name
        already says where ("Office hours (Madrid)" is not followed by "(Europe/Madrid)")."""
        city = self.timezone.rsplit("/", 1)[-1].replace("_", " ")
        if self.always_open or _plain(city) in _plain(self.name):
            return ""
        return self.timezone


class CalendarChangeKind(models.TextChoices):
    """What changed a calendar's working time (a re-planned clock's cause)."""

    HOLIDAY_ADDED = "holiday_added", _("holiday added")
    HOLIDAY_REMOVED = "holiday_removed", _("holiday removed")
    HOLIDAYS_IMPORTED = "holidays_imported", _("public holidays imported")
    HOURS_CHANGED = "hours_changed", _("working hours changed")
    ZONE_CHANGED = "zone_changed", _("time zone changed")
    ALWAYS_OPEN_CHANGED = "always_open_changed", _("24x7 changed")
    CONTRACT_MOVED = "contract_moved", _("contract moved to another calendar")


class CalendarChange(models.Model):
    """A version of a calendar's working time: its causes, named by the clocks re-planned."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    # [{"kind": CalendarChangeKind, ...date, old, new, country...}]; who: the audit trail.
    causes = models.JSONField(default=list)

    class Meta:
        verbose_name = _("calendar change")
        ordering = ["calendar", "version"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "version"], name="calendar_change_once"),
        ]

    def __str__(self) -> str:
        return f"{self.calendar_id} v{self.version}"


class CalendarWindow(models.Model):
    """A weekly working window in local wall-clock time; end <= start runs overnight."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="hours", verbose_name=_("calendar")
    )
    weekday = models.PositiveSmallIntegerField(
        choices=list(enumerate(WEEKDAY_NAMES)),
        validators=[MaxValueValidator(6)],
        verbose_name=_("weekday"),
    )
    start = models.TimeField(verbose_name=_("start"))
    end = models.TimeField(
        help_text="At or before the start: an overnight window.", verbose_name=_("end")
    )

    class Meta:
        verbose_name = _("working window")
        ordering = ["calendar", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="window_weekday_0_6"),
            models.UniqueConstraint(
                fields=["calendar", "weekday", "start"], name="window_calendar_weekday_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]} {self.start:%H:%M}-{self.end:%H:%M}"

    def get_additional_data(self) -> dict:
        """auditlog: the window's changes belong to its calendar's history (portal.audit)."""
        return {"calendar": self.calendar_id}


class Holiday(models.Model):
    """A whole local date on which the windows that start that day do not open."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.CASCADE,
        related_name="holidays",
        verbose_name=_("calendar"),
    )
    date = models.DateField(verbose_name=_("date"))
    name = models.CharField(max_length=200, blank=True, verbose_name=_("name"))

    class Meta:
        verbose_name = _("holiday")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_calendar_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()

    def get_additional_data(self) -> dict:
        """auditlog: the holiday's changes belong to its calendar's history (portal.audit)."""
        return {"calendar": self.calendar_id}
