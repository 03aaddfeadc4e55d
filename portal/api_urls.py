from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from contracts.api import CalendarViewSet, ContractViewSet, TierViewSet
from contracts.catalogue_api import DatabaseReleaseViewSet, EntitlementsView, ProductViewSet
from incidents.alert_api import AlertViewSet
from incidents.api import IncidentViewSet
from portal.api_views import MemberViewSet, OrganizationViewSet, TokenView
from portal.token_api import ApiTokenViewSet
from tam.api import AbsenceViewSet, DeskStaffViewSet, ShiftViewSet, TakeNextView

router = DefaultRouter()
router.register("auth/tokens", ApiTokenViewSet, basename="apitoken")
router.register("calendars", CalendarViewSet, basename="calendar")
router.register("tiers", TierViewSet, basename="tier")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register(r"organizations/(?P<organization_pk>\d+)/members", MemberViewSet, basename="member")
router.register("staff", DeskStaffViewSet, basename="staff")
router.register("absences", AbsenceViewSet, basename="absence")
router.register("rota", ShiftViewSet, basename="shift")
router.register("contracts", ContractViewSet, basename="contract")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("alerts", AlertViewSet, basename="alert")
router.register("products", ProductViewSet, basename="product")
router.register("database-releases", DatabaseReleaseViewSet, basename="release")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api_token"),
    path(
        "organizations/<int:organization_pk>/entitlements/",
        EntitlementsView.as_view(),
        name="api_entitlements",
    ),
    path("desk/take-next/", TakeNextView.as_view(), name="api_take_next"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view loads its start-up script from a URL, not inline (the CSP allows no
    # inline script); the template moves its inline style to a stylesheet.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api_schema", template_name="portal/api_docs.html"
        ),
        name="api_docs",
    ),
    path("", include(router.urls)),
]
