from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from contracts.api import CalendarViewSet, ContractViewSet, TierViewSet
from incidents.api import IncidentViewSet
from portal.api_views import MemberViewSet, OrganizationViewSet, StaffViewSet, TokenView

router = DefaultRouter()
router.register("calendars", CalendarViewSet, basename="calendar")
router.register("tiers", TierViewSet, basename="tier")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register(r"organizations/(?P<organization_pk>\d+)/members", MemberViewSet, basename="member")
router.register("staff", StaffViewSet, basename="staff")
router.register("contracts", ContractViewSet, basename="contract")
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api_token"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("", include(router.urls)),
]
