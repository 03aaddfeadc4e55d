from django.contrib import admin
from django.core.exceptions import ValidationError

from contracts.models import (
    BusinessCalendar,
    CalendarWindow,
    Contract,
    EntitlementEntry,
    Holiday,
    SeverityTarget,
    Tier,
)
from contracts.services import check_licence
from portal.errors import ContractRuleError


class CalendarWindowInline(admin.TabularInline):
    model = CalendarWindow
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "always_open"]
    search_fields = ["name"]
    inlines = [CalendarWindowInline, HolidayInline]


class SeverityTargetInline(admin.TabularInline):
    model = SeverityTarget
    extra = 0


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
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


class ContractAdminForm(admin.ModelAdmin.form):
    def clean(self):
        cleaned = super().clean()
        tier = cleaned.get("tier")
        if tier is not None:
            try:
                check_licence(tier, cleaned.get("licence_type") or "")
            except ContractRuleError as exc:
                raise ValidationError({"licence_type": exc.detail}) from None
        return cleaned


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    form = ContractAdminForm
    list_display = ["organization", "tier", "starts_on", "ends_on", "renewal_valid_until", "tam"]
    list_filter = ["tier"]
    list_select_related = ["organization", "tier", "tam"]
    search_fields = ["organization__name", "reference"]
    autocomplete_fields = ["organization"]


@admin.register(EntitlementEntry)
class EntitlementEntryAdmin(admin.ModelAdmin):
    list_display = ["contract", "entitlement", "units", "year_starts_on", "reason", "created_at"]
    list_select_related = ["contract__organization", "contract__tier"]
    readonly_fields = [f.name for f in EntitlementEntry._meta.fields]

    def has_add_permission(self, request):
        return False  # the ledger is written by services only

    def has_delete_permission(self, request, obj=None):
        return False
