"""REST API of the desk (API.md, "TAM desk"): staff working hours and availability,
absences, the duty rota, and taking the next incident. Customers find nothing here (404)."""

import datetime

import django_filters
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts.models import BusinessCalendar
from incidents import selectors as incident_selectors
from incidents.serializers import IncidentSerializer
from portal.api_views import StaffSerializer, StaffViewSet
from portal.filters import IdFilter, checked
from portal.json_types import TypedJson
from portal.selectors import staff_members
from tam import services
from tam.availability import schedules
from tam.models import Absence, AbsenceReason, DutyShift
from tam.rota import on_duty


class StaffOr404(permissions.BasePermission):
    """The desk is the provider's: anyone else is told there is nothing here."""

    denies_with_404 = True  # the schema documents the 404 (portal/schema.py)

    def has_permission(self, request, view) -> bool:
        if request.method not in view.allowed_methods:
            return True  # a method no route here serves is a 405 for anyone
        if not request.user.is_provider_staff:
            raise NotFound()
        return True


DESK_PERMISSIONS = [permissions.IsAuthenticated, StaffOr404]


# -- staff: working hours and availability ------------------------------------------------


class DeskStaffSerializer(StaffSerializer):
    calendar = serializers.PrimaryKeyRelatedField(
        queryset=BusinessCalendar.objects.all(),
        required=False,
        allow_null=True,
        help_text="The business calendar of the person's working hours; null: any hour.",
    )
    available_now = serializers.BooleanField(
        read_only=True, help_text="Inside working hours and not absent, now."
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        facts = self.context.get("desk_facts") or staff_facts([instance])
        data["calendar"] = facts["calendars"].get(instance.pk)
        data["available_now"] = facts["availability"][instance.pk].available
        return data


def staff_facts(people) -> dict:
    """Working-hours calendars and availability now for a page of staff (a fixed number of
    queries, whatever the page's size)."""
    now = timezone.now()
    plans = schedules([person.pk for person in people], now)
    return {
        "calendars": {pk: plan.hours.pk if plan.hours else None for pk, plan in plans.items()},
        "availability": {pk: plan.at(now) for pk, plan in plans.items()},
    }


class StaffUpdateSerializer(TypedJson, serializers.Serializer):
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    calendar = serializers.PrimaryKeyRelatedField(
        queryset=BusinessCalendar.objects.all(), required=False, allow_null=True
    )


class DeskStaffViewSet(mixins.UpdateModelMixin, StaffViewSet):
    """The provider's staff, with their working hours and whether they are available now.
    Provider admins set a person's working hours (PATCH `calendar`)."""

    serializer_class = DeskStaffSerializer

    def _page_response(self, rows, page):
        context = {**self.get_serializer_context(), "desk_facts": staff_facts(rows)}
        data = self.get_serializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self._page_response(page if page is not None else list(queryset), page)

    @extend_schema(request=StaffUpdateSerializer, responses={200: DeskStaffSerializer})
    def update(self, request, *args, **kwargs):
        person = self.get_object()  # first: anyone who may not see staff finds nobody (404)
        if not request.user.is_provider_admin:
            raise PermissionDenied(_("Only a provider admin changes a staff member."))
        data = StaffUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        services.staff_update(actor=request.user, staff=person, **data.validated_data)
        return Response(self.get_serializer(person).data)

    @extend_schema(request=StaffUpdateSerializer, responses={200: DeskStaffSerializer})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)


class AbsenceFilter(django_filters.FilterSet):
    staff = IdFilter()


# -- absences -------------------------------------------------------------------------------


class AbsenceSerializer(TypedJson, serializers.ModelSerializer):
    staff = serializers.PrimaryKeyRelatedField(queryset=staff_members())
    reason = serializers.ChoiceField(choices=AbsenceReason.choices)

    class Meta:
        model = Absence
        fields = ["id", "staff", "starts_at", "ends_at", "reason", "note"]


class AbsenceViewSet(viewsets.ModelViewSet):
    """Absences: every staff member reads them (availability is public among staff);
    provider admins record anyone's, staff their own."""

    serializer_class = AbsenceSerializer
    permission_classes = DESK_PERMISSIONS
    queryset = Absence.objects.none()  # the model, for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Absence.objects.none()
        absences = Absence.objects.all()
        if self.action == "list":
            filters = AbsenceFilter(self.request.query_params, queryset=absences)
            staff = checked(filters).get("staff")
            if staff is not None:
                absences = absences.filter(staff_id=staff)
        return absences.order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = services.absence_save(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        values = {
            name: serializer.validated_data.get(name, getattr(serializer.instance, name))
            for name in ("staff", "starts_at", "ends_at", "reason", "note")
        }
        serializer.instance = services.absence_save(
            actor=self.request.user, absence=serializer.instance, **values
        )

    def perform_destroy(self, instance):
        services.absence_delete(actor=self.request.user, absence=instance)


# -- the duty rota ----------------------------------------------------------------------------


class ShiftSerializer(TypedJson, serializers.ModelSerializer):
    staff = serializers.PrimaryKeyRelatedField(queryset=staff_members())

    class Meta:
        model = DutyShift
        fields = ["id", "staff", "starts_at", "ends_at"]


# "2026-11-29T06:00:00.000000+05:30" and a little room.
MAX_INSTANT_LENGTH = 40


def _instant(request, name: str):
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = parse_datetime(raw) if len(raw) <= MAX_INSTANT_LENGTH else None
        # In UTC: PostgreSQL reads offsets up to 15:59 only, ISO 8601 allows 23:59.
        value = value.astimezone(datetime.UTC) if value and value.tzinfo else value
    except (ValueError, OverflowError):  # no instant (month 13, year 0, past year 9999)
        value = None
    if value is None or value.tzinfo is None:
        raise ValidationError({name: [_("Give an ISO 8601 instant with its offset.")]})
    return value


class ShiftViewSet(viewsets.ModelViewSet):
    """Duty shifts: staff read the rota, provider admins edit it."""

    serializer_class = ShiftSerializer
    permission_classes = DESK_PERMISSIONS
    queryset = DutyShift.objects.none()  # the model, for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DutyShift.objects.none()
        shifts = DutyShift.objects.all()
        start, end = _instant(self.request, "from"), _instant(self.request, "to")
        if start is not None:
            shifts = shifts.filter(ends_at__gt=start)
        if end is not None:
            shifts = shifts.filter(starts_at__lt=end)
        return shifts.order_by("-id")

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="shifts ending after"),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="shifts starting before"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.shift_save(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        values = {
            name: serializer.validated_data.get(name, getattr(serializer.instance, name))
            for name in ("staff", "starts_at", "ends_at")
        }
        serializer.instance = services.shift_save(
            actor=self.request.user, shift=serializer.instance, **values
        )

    def perform_destroy(self, instance):
        services.shift_delete(actor=self.request.user, shift=instance)

    @extend_schema(
        responses=inline_serializer(
            "RotaNow",
            {
                "duty_manager": inline_serializer(
                    "DutyManager",
                    {"id": serializers.IntegerField(), "email": serializers.EmailField()},
                    allow_null=True,
                )
            },
        )
    )
    @action(detail=False, methods=["get"])
    def now(self, request, format=None):  # `format`: the router's `now.json` form
        person = on_duty(timezone.now())
        body = {"id": person.pk, "email": person.email} if person else None
        return Response({"duty_manager": body})


# -- take next --------------------------------------------------------------------------------


class TakeNextView(APIView):
    """Claim the most urgent unassigned incident."""

    permission_classes = DESK_PERMISSIONS

    @extend_schema(
        request=None,
        responses={
            200: IncidentSerializer,
            204: OpenApiResponse(description="The unassigned queue is empty."),
        },
    )
    def post(self, request):
        incident = services.take_next(actor=request.user)
        if incident is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        fresh = incident_selectors.incidents_for_user(request.user).prefetch_related("clocks")
        return Response(
            IncidentSerializer(fresh.get(pk=incident.pk), context={"request": request}).data
        )
