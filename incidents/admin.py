from django.contrib import admin

from incidents.models import Incident, Notification


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Read-only: incidents change through the portal's pages and API, which keep the
    SLA clocks, timeline and notifications consistent."""

    list_display = ["number", "title", "organization", "severity", "status", "received_at"]
    list_filter = ["status", "severity", "kind"]
    list_select_related = ["organization"]
    search_fields = ["number", "title"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "event_kind",
        "topic",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "event_kind"]
    list_select_related = ["incident"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False
