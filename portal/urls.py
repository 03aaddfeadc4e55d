from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from contracts import views as contract_views
from incidents import alert_views, ops_views
from portal import audit_views, profile_views, token_views, views
from tam import pages as tam_pages

handler404 = "portal.api.not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("organizations/", views.organization_list, name="organization_list"),
    path(
        "organizations/<int:organization_id>/",
        views.organization_detail,
        name="organization_detail",
    ),
    path(
        "organizations/<int:organization_id>/contacts/",
        views.contact_add,
        name="contact_add",
    ),
    path(
        "organizations/<int:organization_id>/second-factor/",
        views.organization_mfa,
        name="organization_mfa",
    ),
    path(
        "organizations/<int:organization_id>/contacts/<int:membership_id>/edit/",
        views.contact_edit,
        name="contact_edit",
    ),
    path(
        "organizations/<int:organization_id>/contacts/<int:membership_id>/remove/",
        views.contact_remove,
        name="contact_remove",
    ),
    path(
        "organizations/<int:organization_id>/contacts/<int:membership_id>/tokens/"
        "<int:token_id>/revoke/",
        views.contact_token_revoke,
        name="contact_token_revoke",
    ),
    path(
        "organizations/<int:organization_id>/contacts/history/",
        audit_views.contact_history,
        name="contact_history",
    ),
    path(
        "organizations/<int:organization_id>/alert-feed/",
        alert_views.alert_feed_key,
        name="alert_feed_key",
    ),
    path("audit/", audit_views.audit_list, name="audit_list"),
    path(
        "organizations/<int:organization_id>/contracts/<int:contract_id>/owners/",
        tam_pages.contract_owners,
        name="contract_owners",
    ),
    path("desk/", include("tam.urls")),
    path("contracts/", contract_views.contract_list, name="contract_list"),
    path("contracts/<int:contract_id>/", contract_views.contract_detail, name="contract_detail"),
    path("incidents/", include("incidents.urls")),
    path("alerts/", include("incidents.alert_urls")),
    path("operations/sla/", ops_views.health, name="sla_health"),
    path("operations/outbox/", ops_views.outbox, name="outbox"),
    path("operations/outbox/retry/", ops_views.outbox_retry, name="outbox_retry"),
    # Login addresses are not changed by their owners: allauth's e-mail management would
    # let anyone claim an address they cannot receive mail at. Provider admins change them.
    path("accounts/email/", views.not_found),
    path("account/profile/", profile_views.profile, name="profile"),
    path("account/tokens/", token_views.api_tokens, name="api_tokens"),
    path(
        "account/tokens/<int:token_id>/revoke/",
        token_views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for this on pages that name no icon (the admin's, a file's).
    path(
        "favicon.ico",
        RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.svg", permanent=True),
    ),
    path("api/v1/", include("portal.api_urls")),
]
