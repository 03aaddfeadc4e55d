from auditlog.admin import LogEntryAdmin
from auditlog.mixins import AuditlogHistoryAdminMixin
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from portal.models import ApiToken, Membership, Organization, User, WorkerHeartbeat


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "organization"
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["invited_by", "created_at"]


@admin.register(Organization)
class OrganizationAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    show_auditlog_history_link = True  # each row links to its audit trail

    list_display = ["name", "timezone", "require_mfa", "created_at"]
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
        ("Person", {"fields": ["full_name", "staff_role", "time_zone"]}),
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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Provider admins see everyone's tokens (never a key) and revoke one by deleting it."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__email"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request) -> bool:
        return False  # made by their owner (the page, the API) or `manage.py issue_token`

    def has_change_permission(self, request, obj=None) -> bool:
        return False
