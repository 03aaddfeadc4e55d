"""REST API for malware alerts (API.md, Security workflows: `/api/v1/alerts/`).

Provider staff write drafts (POST, PATCH while a draft) and publish them (POST
`…/{id}/publish/`: once, then 409 `status_conflict`); customers list and read the
published alerts addressed to their organisation and mark them read (POST `…/{id}/read/`,
204). Another organisation's alert, or a draft, is a 404 to a customer.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from contracts.models import Product, Severity
from incidents.alert_forms import BODY_MAX, TITLE_MAX
from incidents.alerts import body_html
from incidents.models import Alert, AlertFormat
from incidents.selectors.alerts import alert_for_user, alerts_for_user
from incidents.services import alerts as services
from portal.api import RefusalSerializer
from portal.pagination import IdCursorPagination
from portal.validators import validate_single_line

PUBLISHED_ALREADY = "`status_conflict`: the alert is published already (it is as it was sent)."


class AlertSerializer(serializers.ModelSerializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    body_html = serializers.SerializerMethodField(
        help_text=_("The body as sanitised HTML (Markdown rendered; no scripts or raw HTML).")
    )
    read = serializers.SerializerMethodField(
        help_text=_("Whether you have read it; null for provider staff.")
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "title",
            "body",
            "body_format",
            "body_html",
            "prevention",
            "severity",
            "products",
            "published_at",
            "read",
        ]
        read_only_fields = fields

    def get_body_html(self, alert: Alert) -> str:
        return str(body_html(alert.body, alert.body_format))

    @extend_schema_field({"type": "boolean", "nullable": True})
    def get_read(self, alert: Alert):
        if not hasattr(alert, "read_at"):
            return None  # staff: nothing is addressed to them
        return alert.read_at is not None


class AlertWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX, validators=[validate_single_line])
    body = serializers.CharField(max_length=BODY_MAX)
    body_format = serializers.ChoiceField(choices=AlertFormat.choices, default=AlertFormat.TEXT)
    prevention = serializers.CharField(max_length=BODY_MAX, allow_blank=True, default="")
    severity = serializers.ChoiceField(choices=Severity.choices)
    products = serializers.ListField(
        child=serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(is_active=True)),
        min_length=1,
        max_length=100,
        help_text=_("The affected products' ids: who holds one of them is told."),
    )


class AlertCursorPagination(IdCursorPagination):
    ordering = "-id"


class AlertViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AlertSerializer
    pagination_class = AlertCursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's look at the model
            return Alert.objects.none()
        return alerts_for_user(self.request.user)

    def get_object(self):
        alert = alert_for_user(self.request.user, self.kwargs["pk"])
        self.check_object_permissions(self.request, alert)
        return alert

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return AlertWriteSerializer
        return AlertSerializer

    def _answer(self, alert: Alert, code: int = status.HTTP_200_OK) -> Response:
        fresh = alert_for_user(self.request.user, alert.pk)
        return Response(AlertSerializer(fresh).data, status=code)

    @extend_schema(
        request=AlertWriteSerializer,
        responses={201: AlertSerializer},
        description="A draft alert (provider staff); nobody is told until it is published.",
    )
    def create(self, request, *args, **kwargs):
        services.require_writer(request.user)
        serializer = AlertWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alert = services.alert_create(author=request.user, **serializer.validated_data)
        return self._answer(alert, status.HTTP_201_CREATED)

    @extend_schema(
        request=AlertWriteSerializer,
        responses={
            200: AlertSerializer,
            409: OpenApiResponse(RefusalSerializer, description=PUBLISHED_ALREADY),
        },
        description="Change a draft (provider staff).",
    )
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        alert = self.get_object()
        services.require_writer(request.user)
        serializer = AlertWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        products = fields.pop("products", None)
        alert = services.alert_update(alert=alert, author=request.user, products=products, **fields)
        return self._answer(alert)

    @extend_schema(
        request=AlertWriteSerializer(partial=True),
        responses={
            200: AlertSerializer,
            409: OpenApiResponse(RefusalSerializer, description=PUBLISHED_ALREADY),
        },
        description="Change some fields of a draft (provider staff).",
    )
    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    @extend_schema(
        request=None,
        responses={
            200: AlertSerializer,
            409: OpenApiResponse(RefusalSerializer, description=PUBLISHED_ALREADY),
        },
        description=(
            "Publish the alert (provider staff): it is sent once to every active contact of "
            "the customers whose tier has malware alerts and who hold an affected product."
        ),
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None, **kwargs):
        alert = self.get_object()
        services.alert_publish(alert=alert, publisher=request.user)
        return self._answer(alert)

    @extend_schema(
        request=None,
        responses={204: None},
        description="Mark the alert read for you (a customer's contact).",
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None, **kwargs):
        alert = self.get_object()
        services.alert_mark_read(alert=alert, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
