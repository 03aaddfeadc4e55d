from auditlog.admin import LogEntryAdmin
from auditlog.mixins import AuditlogHistoryAdminMixin
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from portal.models import Membership, Organization, User, WorkerHeartbeat


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "organization"
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["invited_by", "created_at"]


@admin.register(Organization)
class OrganizationAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    show_auditlog_history_link = True  # each row links to its audit trail

    list_display = ["name", "timezone", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(User)
class UserAdmin(AuditlogHistoryAdminMixin, BaseUserAdmin):
    show_auditlog_history_link = True  # each row links to its audit trail

    ordering = ["email"]
    list_display = ["email", "full_name", "staff_role", "is_active", "is_superuser"]
    list_filter = ["staff_role", "is_active", "is_superuser"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "staff_role"]}),
        ("Access", {"fields": ["is_active", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "staff_role", "password1", "password2"]}),
    ]
    filter_horizontal = ["groups", "user_permissions"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "seen_at"]


# auditlog's own list searches names our users do not have (first and last name): search
# what an entry holds instead. Entries stay read-only there, as auditlog makes them.
admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditEntryAdmin(LogEntryAdmin):
    search_fields = ["object_repr", "actor_email", "actor__full_name"]
