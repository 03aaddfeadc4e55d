"""REST API for incidents (API.md, Incidents)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import (
    mixins,
    renderers,
    status,
    viewsets,
)
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from contracts.models import Severity
from incidents import files, selectors, services, stages
from incidents.filters import ACTIVE, IncidentFilter
from incidents.models import (
    Channel,
    Incident,
    Kind,
    Status,
)
from incidents.sample_serializers import SampleAnalysisInputSerializer, SampleAnalysisSerializer
from incidents.selectors.samples import sample_for_user
from incidents.serializers import (
    AttachmentSerializer,
    EventSerializer,
    IncidentCreateSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    ReplySerializer,
    UploadSerializer,
)
from incidents.services.samples import sample_analyse
from incidents.services.status import UNCHANGED
from portal.api import RefusalSerializer
from portal.filters import MAX_TEXT, checked
from portal.pagination import IdCursorPagination, IdOrderPagination
from portal.parsers import MultiPartParser
from portal.uploads import install_upload_handler
from tam.desk import Queue, decode_cursor, queue_condition, urgency_page

URGENCY_SORT = "urgency"
FILING_REFUSALS = (  # a filing's 409s (API.md, Incidents)
    "`not_entitled`: the contract's tier does not cover this `kind` (the detail names the "
    "kinds it covers); `quota_exhausted`: no premium incident left this contract year; "
    "`contract_inactive`, `no_contract`, `renewal_expired`: no contract in force covers it; "
    "`version_unsupported`: a private patch's `product_version` is at end of life (the "
    "detail names the supported versions). "
    "A `product` of another vendor than the contract's is a 400 on `product`."
)
# Replies and files go to an incident still open (API.md, Incidents).
CLOSED_REFUSAL = "`status_conflict`: the incident is closed (reopen it, or file a new one)."
# Filing on a customer's behalf: which organisation, by what channel, received when.
STAFF_FILING_FIELDS = frozenset({"organization", "channel", "received_at"})


class FileRenderer(renderers.BaseRenderer):
    """Lets a download answer any Accept header (the file response renders itself);
    errors on the same route still come back as JSON."""

    media_type = "*/*"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only errors reach a renderer here (a file streams itself): send them as JSON.
        if renderer_context and "response" in renderer_context:
            renderer_context["response"]["Content-Type"] = "application/json"
        return renderers.JSONRenderer().render(data)


class IncidentCursorPagination(IdCursorPagination):
    ordering = ("-received_at", "-id")


class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = IncidentSerializer
    pagination_class = IncidentCursorPagination

    def initialize_request(self, request, *args, **kwargs):
        # Only an upload reads files, so only its request gets the bounded handler (before
        # authentication, which may read the body for the CSRF check).
        if request.method == "POST" and self.action_map.get("post") == "attachments":
            install_upload_handler(request)
        return super().initialize_request(request, *args, **kwargs)

    def get_queryset(self):
        queryset = selectors.incidents_for_user(self.request.user).prefetch_related("clocks")
        if self.action == "list":
            filters = IncidentFilter(self.request.query_params, queryset=queryset)
            checked(filters)
            queryset = filters.qs
        return queryset

    def get_object(self):
        incident = selectors.incident_for_user(self.request.user, self.kwargs["pk"])
        self.check_object_permissions(self.request, incident)
        return incident

    def _fresh(self, incident: Incident) -> dict:
        incident = self.get_queryset().get(pk=incident.pk)
        return IncidentSerializer(incident, context=self.get_serializer_context()).data

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=[ACTIVE, *Status.values],
                description=f"{ACTIVE}: every status before resolved",
            ),
            OpenApiParameter("severity", int, enum=Severity.values),
            OpenApiParameter("kind", str, enum=Kind.values),
            OpenApiParameter(
                "q",
                {"type": "string", "maxLength": MAX_TEXT, "pattern": "^[^\\u0000]*$"},
                description="text in title, description or number",
            ),
            OpenApiParameter(
                "sort",
                str,
                enum=[URGENCY_SORT],
                description="urgency: breached longest first, then the nearest deadline, "
                "severity, the tier's priority and age (keyset pages: `next` only)",
            ),
            OpenApiParameter(
                "queue", str, enum=Queue.values, description="the desk's queues (staff only)"
            ),
        ],
        responses={200: IncidentSerializer(many=True), 400: None},
    )
    def list(self, request, *args, **kwargs):
        params = request.query_params
        sort, queue = params.get("sort", ""), params.get("queue", "")
        if sort not in ("", URGENCY_SORT):
            raise DRFValidationError({"sort": [_("Sort by urgency, or leave sort out.")]})
        if queue and queue not in Queue.values:
            raise DRFValidationError(
                {"queue": [_("Unknown queue: use one of %(q)s.") % {"q": ", ".join(Queue.values)}]}
            )
        if queue and not request.user.is_provider_staff:
            raise PermissionDenied(_("Queues are for the provider's staff."))
        queryset = self.filter_queryset(self.get_queryset())
        if queue:
            queryset = queryset.filter(queue_condition(queue, request.user, timezone.now()))
        if sort != URGENCY_SORT:
            page = self.paginate_queryset(queryset)
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        size = self.paginator.get_page_size(request) or self.paginator.page_size
        cursor = params.get("cursor", "")
        if cursor and decode_cursor(cursor) is None:
            raise DRFValidationError({"cursor": [_("This cursor is not one of this list's.")]})
        rows, cursor = urgency_page(queryset, cursor=cursor, size=size)
        return Response(
            {
                "next": replace_query_param(request.build_absolute_uri(), "cursor", cursor)
                if cursor
                else None,
                "previous": None,
                "results": self.get_serializer(rows, many=True).data,
            }
        )

    @extend_schema(
        request=IncidentCreateSerializer,
        responses={
            201: IncidentSerializer,
            409: OpenApiResponse(RefusalSerializer, FILING_REFUSALS),
        },
    )
    def create(self, request, *args, **kwargs):
        data = IncidentCreateSerializer(data=request.data, user=request.user)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if not request.user.is_provider_staff:
            given = sorted(STAFF_FILING_FIELDS & set(values))
            if given:
                raise PermissionDenied(
                    _("Only the provider's staff set %(fields)s when filing.")
                    % {"fields": ", ".join(given)}
                )
            values["channel"] = Channel.API
        incident = services.incident_file(actor=request.user, **values)
        return Response(self._fresh(incident), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=IncidentUpdateSerializer,
        responses={
            200: IncidentSerializer,
            400: OpenApiResponse(
                description="A value breaks a rule, named by field; a `stage` the request "
                "cannot move to next names the stages it can."
            ),
            409: RefusalSerializer,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        incident = self.get_object()
        data = IncidentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        stages.check_move_fields(
            values.get("stage"), release=values.get("release"), patch=values.get("patch")
        )
        patch = None
        if "patch" in values:
            # Only a file of this incident: any other id is "not attached" (a 400 on it).
            files_here = selectors.attachments_for_user(request.user, incident)
            patch = files_here.filter(pk=values["patch"]).first()
        incident = services.incident_update(
            incident=incident,
            actor=request.user,
            severity=values.get("severity", UNCHANGED),
            assignee=values.get("assignee", UNCHANGED),
            status=values.get("status", UNCHANGED),
            reason=values.get("reason", ""),
            stage=values.get("stage", UNCHANGED),
            release=values.get("release"),
            patch=patch,
        )
        return Response(self._fresh(incident))

    @extend_schema(methods=["GET"], responses=ReplySerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=ReplySerializer,
        responses={201: ReplySerializer, 409: OpenApiResponse(RefusalSerializer, CLOSED_REFUSAL)},
    )
    @action(detail=True, methods=["get", "post"])
    def replies(self, request, *args, **kwargs):
        incident = self.get_object()
        if request.method == "POST":
            data = ReplySerializer(data=request.data)
            data.is_valid(raise_exception=True)
            entry = services.incident_reply(
                incident=incident,
                author=request.user,
                body=data.validated_data["body"],
                internal=data.validated_data["internal"],
                qualified=data.validated_data["qualified"],
            )
            return Response(ReplySerializer(entry).data, status=status.HTTP_201_CREATED)
        entries = selectors.entries_for_user(request.user, incident)
        return self._paged(entries, ReplySerializer)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request, *args, **kwargs):
        incident = self.get_object()
        return self._paged(selectors.events_for_user(request.user, incident), EventSerializer)

    @extend_schema(methods=["GET"], responses=AttachmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=UploadSerializer,
        responses={
            201: AttachmentSerializer,
            409: OpenApiResponse(RefusalSerializer, CLOSED_REFUSAL),
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        # A file travels only in a multipart body (a URL-encoded one cannot carry it).
        parser_classes=[MultiPartParser],
    )
    def attachments(self, request, *args, **kwargs):
        incident = self.get_object()
        if request.method == "POST":
            data = UploadSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            attachment = services.attachment_add(
                incident=incident,
                actor=request.user,
                upload=data.validated_data["file"],
                sample=data.validated_data["sample"],
            )
            return Response(
                AttachmentSerializer(attachment, context={"request": request}).data,
                status=status.HTTP_201_CREATED,
            )
        return self._paged(
            selectors.attachments_for_user(request.user, incident), AttachmentSerializer
        )

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                bytes, description="The file as it was uploaded."
            ),
            (200, "application/zip"): OpenApiResponse(
                bytes, description="A malware sample, zipped with the password `infected`."
            ),
        }
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[FileRenderer, renderers.JSONRenderer],
        url_path=r"attachments/(?P<attachment_id>\d+)/download",
    )
    def download(self, request, *args, attachment_id=None, **kwargs):
        incident = self.get_object()
        attachment = selectors.attachment_for_user(request.user, incident, attachment_id)
        files.check_download(request.user, attachment)
        return files.download_response(attachment)

    @extend_schema(
        request=SampleAnalysisInputSerializer,
        responses=SampleAnalysisSerializer,
        description="Staff record (or correct) a malware sample's analysis; the customer's "
        "side is e-mailed when the result is new or changed. A file that is not a sample "
        "is a 404.",
    )
    @action(detail=True, methods=["put"], url_path=r"attachments/(?P<attachment_id>\d+)/analysis")
    def analysis(self, request, *args, attachment_id=None, **kwargs):
        incident = self.get_object()
        sample = sample_for_user(request.user, incident, attachment_id)
        if not request.user.is_provider_staff:
            raise PermissionDenied(_("Only the provider's staff analyse malware samples."))
        data = SampleAnalysisInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        analysis = sample_analyse(
            incident=incident, attachment=sample, actor=request.user, **data.validated_data
        )
        return Response(SampleAnalysisSerializer(analysis, context={"request": request}).data)

    def _paged(self, queryset, serializer_class):
        paginator = IdOrderPagination()
        page = paginator.paginate_queryset(queryset.order_by("id"), self.request, view=self)
        data = serializer_class(page, many=True, context={"request": self.request}).data
        return paginator.get_paginated_response(data)
