from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from incidents.models import Alert, AlertAudience, Incident, Notification
from portal.errors import ContractRuleError


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


class AlertAudienceInline(admin.TabularInline):
    model = AlertAudience
    fields = ["organization", "people"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Drafts are edited here or on the alert pages; publishing goes through the service
    (who is told, once), and a published alert is as it was sent."""

    list_display = ["title", "severity", "published_at", "published_by"]
    list_filter = ["severity", "published_at"]
    search_fields = ["title"]
    readonly_fields = ["published_at", "published_by"]
    filter_horizontal = ["products"]
    inlines = [AlertAudienceInline]
    actions = ["publish"]

    def has_change_permission(self, request, obj=None):
        published = obj is not None and obj.published_at is not None
        return super().has_change_permission(request, obj) and not published

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    @admin.action(description=_("Publish and send the selected alerts"))
    def publish(self, request, queryset):
        from incidents.services.alerts import alert_publish

        for alert in queryset:
            try:
                sent = alert_publish(alert=alert, publisher=request.user)
            except ContractRuleError as exc:
                self.message_user(request, f"{alert}: {exc.detail}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(alert)s: sent to %(people)d people in %(organizations)d organisations.")
                    % {"alert": alert, "people": sent.people, "organizations": sent.organizations},
                )
