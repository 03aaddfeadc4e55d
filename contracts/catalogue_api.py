"""REST API of the catalogue (API.md "Security workflows"): products with their versions,
database releases, and what an organisation is entitled to on a day."""

import datetime
import re

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts import catalogue_selectors, services_catalogue
from contracts.catalogue_models import DatabaseRelease, LifecycleStage
from contracts.holdings import held_products
from contracts.lifecycle import stage_on
from contracts.models import Product
from contracts.updates import updates_on
from incidents.models import Incident, Kind
from portal.api import ConfigViewSet, RefusalSerializer
from portal.filters import IdFilter, checked
from portal.json_types import TypedJson
from portal.pagination import IdCursorPagination
from portal.rules import organization_today
from portal.selectors import organizations_for_user
from portal.validators import validate_not_too_early, validate_single_line

# A version as vendors write them: letters, digits and . _ + - (no spaces).
VERSION = r"^[0-9A-Za-z][0-9A-Za-z._+-]*$"
VERSION_MAX = 50


@extend_schema_field({"type": "string", "pattern": VERSION, "maxLength": VERSION_MAX})
class VersionField(serializers.CharField):
    default_error_messages = {
        "invalid": gettext_lazy(
            "Write the version with letters, digits and . _ + - only, starting with a "
            "letter or digit (for example 2026.11.29.1)."
        )
    }

    def __init__(self, **kwargs):
        super().__init__(max_length=VERSION_MAX, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not re.fullmatch(VERSION[1:-1], value):
            self.fail("invalid")
        return value


class VersionSerializer(TypedJson, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    version = VersionField()
    stage = serializers.ChoiceField(
        choices=LifecycleStage.choices, read_only=True, help_text="On today's date."
    )
    ga_on = serializers.DateField()
    limited_on = serializers.DateField(required=False, allow_null=True, default=None)
    eol_on = serializers.DateField(required=False, allow_null=True, default=None)

    def to_internal_value(self, data):
        # A version is whole even in a PATCH of its product (a partial update would let
        # DRF skip the nested fields it requires).
        if isinstance(data, dict):
            missing = [name for name in ("version", "ga_on") if name not in data]
            if missing:
                raise serializers.ValidationError(
                    {name: [_("This field is required.")] for name in missing}
                )
        return super().to_internal_value(data)


def not_blank(value: str) -> None:
    if not value.strip():
        raise serializers.ValidationError(_("This field may not be blank."))


class ProductSerializer(TypedJson, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    # Not trimmed before the one-line rule (a trailing line break would pass it unseen);
    # the service trims what is kept.
    name = serializers.CharField(
        max_length=200, trim_whitespace=False, validators=[validate_single_line, not_blank]
    )
    vendor = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    versions = VersionSerializer(
        many=True,
        required=False,
        help_text="When given, the product's versions become these (matched by `version`; "
        "those left out are removed).",
    )

    def to_representation(self, instance):
        today = timezone.localdate()
        return {
            "id": instance.pk,
            "name": instance.name,
            "vendor": instance.vendor,
            "is_active": instance.is_active,
            "versions": [
                {
                    "id": v.pk,
                    "version": v.version,
                    "stage": stage_on(v, today).value,
                    "ga_on": v.ga_on.isoformat(),
                    "limited_on": v.limited_on.isoformat() if v.limited_on else None,
                    "eol_on": v.eol_on.isoformat() if v.eol_on else None,
                }
                for v in instance.versions.all()
            ],
        }


_PRODUCT_WRITE = extend_schema(responses={200: ProductSerializer, 409: RefusalSerializer})


@extend_schema_view(
    create=extend_schema(responses={201: ProductSerializer, 409: RefusalSerializer}),
    update=_PRODUCT_WRITE,
    partial_update=_PRODUCT_WRITE,
)
class ProductViewSet(ConfigViewSet):
    """The vendor's products and their versions' support lifecycle. Provider admins write;
    staff read them all, customers those their contracts cover. A version left out of
    `versions` that a private patch request names is kept (409 `in_use`)."""

    serializer_class = ProductSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return catalogue_selectors.products_for_user(self.request.user).order_by("-id")

    def _save(self, serializer, product=None):
        serializer.instance = services_catalogue.product_save(
            actor=self.request.user, product=product, **serializer.validated_data
        )

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class ReleaseSerializer(TypedJson, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    version = VersionField()
    released_at = serializers.DateTimeField(validators=[validate_not_too_early])
    expedited = serializers.BooleanField(required=False, default=False)
    request = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.filter(kind=Kind.SIGNATURE_CHANGE),
        required=False,
        allow_null=True,
        default=None,
        help_text="The signature change request (of this product) an expedited release was "
        "made for. Shown to a customer only when the request is their own.",
    )

    def to_representation(self, instance):
        return {
            "id": instance.pk,
            "product": instance.product_id,
            "version": instance.version,
            "released_at": serializers.DateTimeField().to_representation(instance.released_at),
            "expedited": instance.expedited,
            "request": getattr(instance, "shown_request", instance.request_id),
        }


class ReleasePagination(IdCursorPagination):
    ordering = ("-released_at", "-id")


class ReleaseFilter(django_filters.FilterSet):
    product = IdFilter(field_name="product_id")

    class Meta:
        model = DatabaseRelease
        fields: list[str] = []


class ProviderStaffWrites(permissions.IsAuthenticated):
    """Everyone signed in reads what the selector shows; provider staff record."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        # Only `create` writes (other methods on a release are 405 or, for another tenant's
        # release, 404, as everywhere).
        return view.action != "create" or request.user.is_provider_staff


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "product", {"type": "integer", "minimum": 1}, description="a product's id"
            )
        ]
    ),
    create=extend_schema(responses={201: ReleaseSerializer, 409: RefusalSerializer}),
)
class DatabaseReleaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Releases of the products' antivirus databases, newest first. Provider staff record
    them; customers read those of the products they hold. A version already recorded for
    the product is a 409 `already_exists`."""

    serializer_class = ReleaseSerializer
    pagination_class = ReleasePagination
    permission_classes = [ProviderStaffWrites]

    def get_queryset(self):
        releases = catalogue_selectors.releases_for_user(self.request.user)
        if self.action == "list":
            filters = ReleaseFilter(self.request.query_params, queryset=releases)
            checked(filters)
            releases = filters.qs
        return releases

    def perform_create(self, serializer):
        release = services_catalogue.database_release_record(
            actor=self.request.user, **serializer.validated_data
        )
        release.shown_request = release.request_id
        serializer.instance = release


class UpdatesSerializer(serializers.Serializer):
    entitled = serializers.BooleanField()
    until = serializers.DateField(
        allow_null=True,
        help_text="The last day of included updates (when not entitled: the day they "
        "ended, or null when none were ever included).",
    )


class EntitlementsSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="The day asked about.")
    updates = UpdatesSerializer(help_text="Pattern and engine updates included.")
    products = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The ids of the products the organisation holds on the day.",
    )


class EntitlementsQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False)

    def validate_on(self, value):
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", self.initial_data.get("on", "")):
            raise serializers.ValidationError(_("Give the day as YYYY-MM-DD."))
        return value


class EntitlementsView(APIView):
    """What an organisation is entitled to on a day (for an update server): provider staff
    ask about any organisation, a customer's contacts about their own."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "organization_pk", int, OpenApiParameter.PATH, description="The organisation's id."
            ),
            OpenApiParameter(
                "on",
                {"type": "string", "format": "date"},
                description="The day (YYYY-MM-DD); the organisation's today when left out.",
            ),
        ],
        responses={200: EntitlementsSerializer},
    )
    def get(self, request, organization_pk: int):
        organization = get_object_or_404(organizations_for_user(request.user), pk=organization_pk)
        # A plain dict: an empty `on` is a bad day, not a missing one (as DRF reads forms).
        query = EntitlementsQuerySerializer(data=dict(request.query_params.items()))
        if not query.is_valid():
            raise ValidationError(query.errors)
        day: datetime.date = query.validated_data.get("on") or organization_today(organization)
        updates = updates_on(organization, day)
        held = held_products(organization, day).order_by("pk").values_list("pk", flat=True)
        return Response(
            {
                "on": day.isoformat(),
                "updates": {
                    "entitled": updates.entitled,
                    "until": updates.until.isoformat() if updates.until else None,
                },
                "products": list(held),
            }
        )
