from auditlog.mixins import AuditlogHistoryAdminMixin
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contracts.calendar_changes import calendar_changed, contract_calendar_moved, working_time
from contracts.catalogue_models import DatabaseRelease, ProductVersion
from contracts.models import (
    BusinessCalendar,
    CalendarWindow,
    Contract,
    EntitlementEntry,
    Holiday,
    Product,
    SeverityTarget,
    Tier,
)
from contracts.rules import check_licence, check_products_covered
from contracts.services import calendar_import_holidays
from contracts.services_catalogue import check_request
from portal.errors import ContractRuleError


class CalendarWindowInline(admin.TabularInline):
    model = CalendarWindow
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


class HolidayImportForm(ActionForm):
    country = forms.CharField(
        max_length=2, required=False, help_text="ISO country code, e.g. ES", label="Country"
    )
    year = forms.IntegerField(required=False, label="Year")


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    show_auditlog_history_link = True  # each row links to its audit trail

    list_display = ["name", "timezone", "always_open"]
    search_fields = ["name"]
    inlines = [CalendarWindowInline, HolidayInline]
    action_form = HolidayImportForm
    actions = ["import_public_holidays"]

    def save_model(self, request, obj, form, change):
        if change:
            # Before the form's rows are saved, with the calendar locked until commit.
            form.working_time_before = working_time(obj.pk)
            obj.version = type(obj).objects.values_list("version", flat=True).get(pk=obj.pk)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            # Windows and holidays are inlines: the change is complete only now.
            calendar_changed(calendar=form.instance, before=form.working_time_before)

    @admin.action(description="Add a country's public holidays for a year")
    def import_public_holidays(self, request, queryset):
        country = (request.POST.get("country") or "").strip()
        year = (request.POST.get("year") or "").strip()
        if not country or not year.isdigit():
            self.message_user(
                request,
                "Give a country code (e.g. ES) and a year next to the action, then run it.",
                messages.ERROR,
            )
            return
        for calendar in queryset:
            try:
                added = calendar_import_holidays(calendar=calendar, country=country, year=int(year))
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return
            self.message_user(
                request,
                f"{calendar.name}: added {len(added)} holidays of {country.upper()} {year}.",
            )


class ProductVersionInline(admin.TabularInline):
    model = ProductVersion
    extra = 0
    fields = ["version", "ga_on", "limited_on", "eol_on"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "vendor", "is_active"]
    search_fields = ["name", "vendor"]
    inlines = [ProductVersionInline]


class DatabaseReleaseForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("product") is not None:
            check_request(cleaned["product"], cleaned.get("request"), cleaned.get("expedited"))
        return cleaned


@admin.register(DatabaseRelease)
class DatabaseReleaseAdmin(admin.ModelAdmin):
    """Provider staff record each release of a product's antivirus databases."""

    form = DatabaseReleaseForm
    list_display = ["product", "version", "released_at", "expedited", "request", "recorded_by"]
    list_filter = ["product", "expedited"]
    list_select_related = ["product", "request", "recorded_by"]
    search_fields = ["version", "product__name"]
    raw_id_fields = ["request"]
    readonly_fields = ["recorded_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class SeverityTargetInline(admin.TabularInline):
    model = SeverityTarget
    extra = 0


# What a tier edit changes, on the tier's page (templates/admin/contracts/tier/change_form.html).
TARGETS_NOTE = _(
    "Changed targets apply to incidents filed from now on. A running SLA clock keeps the "
    "target copied when it started, so editing a tier never moves a deadline already "
    "promised; a change of severity on an incident recomputes its deadline with the new "
    "severity's target."
)


@admin.register(Tier)
class TierAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    show_auditlog_history_link = True  # each row links to its audit trail

    list_display = [
        "name",
        "code",
        "premium_incident_quota",
        "onsite_visits_per_year",
        "max_contacts",
        "dedicated_tam",
        "health_checks_per_year",
    ]
    search_fields = ["name", "code"]
    inlines = [SeverityTargetInline]
    change_form_template = "admin/contracts/tier/change_form.html"

    def render_change_form(self, request, context, *args, **kwargs):
        context["targets_note"] = TARGETS_NOTE
        return super().render_change_form(request, context, *args, **kwargs)


class ContractAdminForm(admin.ModelAdmin.form):
    def clean(self):
        cleaned = super().clean()
        tier = cleaned.get("tier")
        if tier is not None:
            try:
                check_licence(tier, cleaned.get("licence_type") or "")
            except ContractRuleError as exc:
                raise ValidationError({"licence_type": exc.detail}) from None
            check_products_covered(tier, cleaned.get("products") or [])
        return cleaned


@admin.register(Contract)
class ContractAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    show_auditlog_history_link = True  # each row links to its audit trail

    form = ContractAdminForm
    list_display = [
        "organization",
        "tier",
        "starts_on",
        "ends_on",
        "renewal_valid_until",
        "tam",
        "backup_tam",
    ]
    list_filter = ["tier"]
    list_select_related = ["organization", "tier", "tam", "backup_tam"]
    search_fields = ["organization__name", "reference"]
    autocomplete_fields = ["organization"]
    filter_horizontal = ["products"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "calendar" in form.changed_data:
            contract_calendar_moved(contract=obj)

    def get_readonly_fields(self, request, obj=None):
        # A contract stays with its organisation (contracts.rules.check_organization_unchanged).
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "organization"] if obj is not None else readonly


@admin.register(EntitlementEntry)
class EntitlementEntryAdmin(admin.ModelAdmin):
    list_display = ["contract", "entitlement", "units", "year_starts_on", "reason", "created_at"]
    list_select_related = ["contract__organization", "contract__tier"]
    readonly_fields = [f.name for f in EntitlementEntry._meta.fields]

    def has_add_permission(self, request):
        return False  # the ledger is written by services only

    def has_delete_permission(self, request, obj=None):
        return False
