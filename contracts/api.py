"""REST API for calendars, tiers and contracts (API.md, provider configuration)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from contracts import selectors, services
from contracts.models import (
    BusinessCalendar,
    ClockKind,
    Contract,
    LicenceRequirement,
    LicenceType,
    Metric,
    Product,
    Tier,
)
from contracts.sla import target_words
from portal.api import ConfigViewSet, HourMinuteField, RefusalSerializer
from portal.json_types import TypedJson
from portal.models import Organization, StaffRole, User

_WEEKDAY_RULE = "Weekday must be 0 (Monday) to 6 (Sunday)."


class WindowSerializer(TypedJson, serializers.Serializer):
    weekday = serializers.IntegerField(
        min_value=0,
        max_value=6,
        help_text="0=Monday .. 6=Sunday",
        error_messages={"min_value": _WEEKDAY_RULE, "max_value": _WEEKDAY_RULE},
    )
    start = HourMinuteField()
    end = HourMinuteField(help_text="At or before start: an overnight window.")


class CalendarSerializer(TypedJson, serializers.ModelSerializer):
    hours = WindowSerializer(many=True, required=False)
    holidays = serializers.ListField(child=serializers.DateField(), required=False)

    class Meta:
        model = BusinessCalendar
        fields = ["id", "name", "timezone", "always_open", "hours", "holidays"]

    def to_representation(self, instance):
        return {
            "id": instance.pk,
            "name": instance.name,
            "timezone": instance.timezone,
            "always_open": instance.always_open,
            "hours": [
                {"weekday": w.weekday, "start": f"{w.start:%H:%M}", "end": f"{w.end:%H:%M}"}
                for w in instance.hours.all()
            ],
            "holidays": [h.date.isoformat() for h in instance.holidays.all()],
        }

    def save_calendar(self, calendar=None):
        data = self.validated_data
        hours = data.get("hours")
        return services.calendar_save(
            calendar=calendar,
            name=data.get("name", calendar.name if calendar else None),
            timezone=data.get("timezone", calendar.timezone if calendar else "UTC"),
            always_open=data.get("always_open", calendar.always_open if calendar else False),
            hours=None if hours is None else [(h["weekday"], h["start"], h["end"]) for h in hours],
            holidays=data.get("holidays"),
        )


# Deleting configuration that contracts still use is refused with 409 `in_use`.
_DELETE_REFUSAL = extend_schema(responses={204: None, 409: RefusalSerializer})


@extend_schema_view(destroy=_DELETE_REFUSAL)
class CalendarViewSet(ConfigViewSet):
    serializer_class = CalendarSerializer

    def get_queryset(self):
        return selectors.calendars_for_user(self.request.user).order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = serializer.save_calendar()

    def perform_update(self, serializer):
        serializer.instance = serializer.save_calendar(serializer.instance)


# A target's minutes column (PostgreSQL integer).
MAX_MINUTES = 2**31 - 1


class TargetSerializer(TypedJson, serializers.Serializer):
    severity = serializers.IntegerField(min_value=1, max_value=4)
    metric = serializers.ChoiceField(choices=Metric.choices)
    minutes = serializers.IntegerField(min_value=1, max_value=MAX_MINUTES)
    clock = serializers.ChoiceField(choices=ClockKind.choices)
    words = serializers.CharField(
        read_only=True,
        help_text='The target as the pages and e-mails write it: "6 working hours" on '
        'business time; "30 minutes", "4 hours", "2 calendar days" on calendar time.',
    )

    def to_internal_value(self, data):
        # A target is whole even in a PATCH of its tier (DRF would let a partial update
        # skip the nested fields it requires).
        if isinstance(data, dict):
            missing = [
                name for name in ("severity", "metric", "minutes", "clock") if name not in data
            ]
            if missing:
                raise serializers.ValidationError(
                    {name: [_("This field is required.")] for name in missing}
                )
        return super().to_internal_value(data)


class TierSerializer(TypedJson, serializers.ModelSerializer):
    targets = TargetSerializer(many=True, required=False)
    required_licence = serializers.ChoiceField(
        choices=LicenceRequirement.choices, required=False, allow_blank=True
    )

    class Meta:
        model = Tier
        fields = ["id", "code", "name", "targets", *services.TIER_FIELDS[2:]]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["targets"] = [
            {
                "severity": t.severity,
                "metric": t.metric,
                "minutes": t.minutes,
                "clock": t.clock,
                "words": target_words(t.minutes, t.clock),
            }
            for t in instance.targets.all()
        ]
        return data

    def save_tier(self, tier=None):
        data = dict(self.validated_data)
        targets = data.pop("targets", None)
        return services.tier_save(tier=tier, targets=targets, **data)


@extend_schema_view(destroy=_DELETE_REFUSAL)
class TierViewSet(ConfigViewSet):
    serializer_class = TierSerializer

    def get_queryset(self):
        return selectors.tiers_for_user(self.request.user).order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = serializer.save_tier()

    def perform_update(self, serializer):
        serializer.instance = serializer.save_tier(serializer.instance)


class IdField(serializers.PrimaryKeyRelatedField):
    """An id as a JSON whole number (in a list too, where TypedJson does not look)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class ContractSerializer(TypedJson, serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    tier = serializers.PrimaryKeyRelatedField(queryset=Tier.objects.all())
    calendar = serializers.PrimaryKeyRelatedField(queryset=BusinessCalendar.objects.all())
    tam = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(staff_role__in=[StaffRole.TAM, StaffRole.ADMIN]),
        required=False,
        allow_null=True,
    )
    backup_tam = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(staff_role__in=[StaffRole.TAM, StaffRole.ADMIN]),
        required=False,
        allow_null=True,
    )
    licence_type = serializers.ChoiceField(
        choices=LicenceType.choices, required=False, allow_blank=True
    )
    products = IdField(
        queryset=Product.objects.all(),
        many=True,
        required=False,
        help_text="The products the contract covers: what the customer holds (provider "
        "admins set them; the tier's vendor's products only).",
    )

    class Meta:
        model = Contract
        fields = ["id", *services.CONTRACT_FIELDS, "products"]


@extend_schema_view(
    create=extend_schema(responses={201: ContractSerializer, 409: RefusalSerializer}),
    update=extend_schema(responses={200: ContractSerializer, 409: RefusalSerializer}),
    partial_update=extend_schema(responses={200: ContractSerializer, 409: RefusalSerializer}),
)
class ContractViewSet(ConfigViewSet):
    serializer_class = ContractSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        # The API shows ids only: none of the pages' prefetched targets and calendars.
        return (
            selectors.contracts_for_user(self.request.user)
            .prefetch_related(None)
            .prefetch_related("products")
            .order_by("-id")
        )

    def perform_create(self, serializer):
        serializer.instance = services.contract_create(**serializer.validated_data)

    def perform_update(self, serializer):
        if not self.request.user.is_provider_admin:
            raise PermissionDenied(_("Only a provider admin may change a contract."))
        serializer.instance = services.contract_update(
            contract=serializer.instance, **serializer.validated_data
        )
