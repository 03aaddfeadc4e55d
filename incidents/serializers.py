"""The incident API's bodies: what it reads and what it answers (API.md, Incidents)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.catalogue_models import ProductVersion
from contracts.models import ClockKind, Contract, DatabaseRelease, Metric, Product
from contracts.sla import target_words
from incidents import stages
from incidents.models import (
    Channel,
    ClockStop,
    CloseReason,
    EventKind,
    Incident,
    Kind,
    SignatureChange,
    SignatureVerdict,
    SlaClock,
    Stage,
    Status,
)
from incidents.patch_serializers import PatchRequestSerializer, patch_request_of
from incidents.rules import DESCRIPTION_MAX, REPLY_MAX, TITLE_MAX
from incidents.sample_serializers import SampleAnalysisSerializer
from portal.api import WordsOrCodeField
from portal.json_types import StrictBooleanField, TypedJson
from portal.models import Organization, User
from portal.selectors import staff_members
from portal.validators import validate_not_too_early, validate_single_line

SHA256_PATTERN = r"^[0-9a-fA-F]{64}$"
# The reasons a close may give.
CLOSE_REASONS = [CloseReason.DUPLICATE.value, CloseReason.FILED_IN_ERROR.value]
# The stages a request workflow has (kinds without one have none: `stage` is null).
STAGES = [(s.value, s.label) for s in Stage if s]


class ClockSerializer(TypedJson, serializers.Serializer):
    target_minutes = serializers.IntegerField()
    clock = serializers.ChoiceField(source="kind", choices=ClockKind.choices)
    words = serializers.SerializerMethodField(
        help_text='The target as the pages and e-mails write it ("6 working hours", '
        '"30 minutes", "2 calendar days").'
    )
    due_at = serializers.DateTimeField(allow_null=True)
    warn_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True)
    breached_at = serializers.DateTimeField(allow_null=True)
    paused = serializers.SerializerMethodField()
    stop_reason = serializers.SerializerMethodField()
    met = serializers.BooleanField(
        allow_null=True,
        help_text="true: stopped by the event it measures (a qualified response, a "
        "resolution) at or before `due_at`, never breached; false: breached, or stopped "
        "after `due_at`; null: still running, or stopped without that event before "
        "`due_at` (closed before a response): neither met nor breached.",
    )

    def get_words(self, clock: SlaClock) -> str:
        return target_words(clock.target_minutes, clock.kind)

    def get_paused(self, clock: SlaClock) -> bool:
        return clock.paused_at is not None

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[c for c in ClockStop.values if c],
            allow_null=True,
            help_text="Why the clock stopped: `measured` by the event it measures, `closed` "
            "before that event, `no_target` at a severity without a target; null while "
            "it runs.",
        )
    )
    def get_stop_reason(self, clock: SlaClock) -> str | None:
        return clock.stop_reason or None


class StepSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=STAGES)
    label = serializers.CharField(help_text="The stage in words, in the caller's language.")
    state = serializers.ChoiceField(choices=stages.Step.choices)


class SignatureSerializer(TypedJson, serializers.Serializer):
    """What a signature change request says about the file (API.md, Security workflows)."""

    verdict = serializers.ChoiceField(choices=SignatureVerdict.choices)
    database_version = serializers.CharField(
        max_length=50,
        validators=[validate_single_line],
        help_text="The antivirus databases in use: must be the product's latest release "
        "(409 `databases_outdated` naming it), unless staff give `override_reason`.",
    )
    file_name = serializers.CharField(max_length=255, validators=[validate_single_line])
    sha256 = serializers.RegexField(
        SHA256_PATTERN, max_length=64, help_text="64 hexadecimal digits (stored lower-case)."
    )
    detection_name = serializers.CharField(
        max_length=200,
        required=False,
        validators=[validate_single_line],
        help_text="The detection the product reported: required for a false positive.",
    )
    override_reason = serializers.CharField(
        max_length=2000,
        required=False,
        write_only=True,
        help_text="Staff only (a customer sending it gets 403): filed on older databases, "
        "and why; shown on the timeline.",
    )

    def validate_sha256(self, value: str) -> str:
        return value.lower()

    def validate(self, attrs):
        if attrs["verdict"] == SignatureVerdict.FALSE_POSITIVE and not attrs.get("detection_name"):
            raise serializers.ValidationError(
                {"detection_name": [_("Name the detection the product reported for the file.")]}
            )
        return attrs


class SignatureShownSerializer(TypedJson, serializers.ModelSerializer):
    release = serializers.IntegerField(source="release_id", allow_null=True)

    class Meta:
        model = SignatureChange
        fields = [
            "verdict",
            "database_version",
            "file_name",
            "sha256",
            "detection_name",
            "override_reason",
            "release",
            "analysis",
        ]
        extra_kwargs = {
            "release": {"help_text": "The database release with the fix, once released."},
            "analysis": {"help_text": "Why the detection is correct (not confirmed)."},
        }


class SlaSerializer(TypedJson, serializers.Serializer):
    first_response = ClockSerializer(allow_null=True)
    resolution = ClockSerializer(allow_null=True)


class IncidentSerializer(TypedJson, serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    contract = serializers.PrimaryKeyRelatedField(read_only=True)
    assignee = serializers.IntegerField(source="assignee_id", read_only=True, allow_null=True)
    product = serializers.IntegerField(source="product_id", read_only=True, allow_null=True)
    sla = serializers.SerializerMethodField()
    stage = serializers.SerializerMethodField()
    stages = serializers.SerializerMethodField()
    signature = serializers.SerializerMethodField()
    product_version = serializers.SerializerMethodField(
        help_text="A private patch request's product version (null for other kinds)."
    )
    patch = serializers.SerializerMethodField(
        help_text="A private patch request's delivered patch file: its attachment id (null "
        "until delivered, and for other kinds). `patch_request.file` has its link and SHA-256."
    )
    patch_request = serializers.SerializerMethodField(
        help_text="A private patch request: its version's support, why it was declined, and "
        "the delivered patch file (null for other kinds)."
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "number",
            "organization",
            "contract",
            "title",
            "description",
            "severity",
            "kind",
            "status",
            "premium",
            "channel",
            "received_at",
            "assignee",
            "product",
            "resolved_at",
            "closed_at",
            "close_reason",
            "stage",
            "stages",
            "signature",
            "sla_due_at",
            "sla_breached_at",
            "sla",
            "product_version",
            "patch",
            "patch_request",
        ]
        read_only_fields = ["sla_due_at", "sla_breached_at"]
        extra_kwargs = {
            "sla_due_at": {"help_text": "The nearest deadline of a running clock (urgency)."},
            "sla_breached_at": {"help_text": "The earliest breach of a running clock."},
        }

    @extend_schema_field(
        serializers.ChoiceField(
            choices=STAGES,
            allow_null=True,
            help_text="Where a signature change or private patch request is in its "
            "workflow; null for kinds without stages.",
        )
    )
    def get_stage(self, incident: Incident) -> str | None:
        return incident.stage or None

    @extend_schema_field(
        StepSerializer(
            many=True,
            help_text="The progress bar: the workflow's steps in order, each done, current "
            "or to do (empty for kinds without stages).",
        )
    )
    def get_stages(self, incident: Incident) -> list[dict]:
        return [
            {"stage": stage.value, "label": str(stage.label), "state": state.value}
            for stage, state in stages.progress(incident)
        ]

    @extend_schema_field(SignatureShownSerializer(allow_null=True))
    def get_signature(self, incident: Incident) -> dict | None:
        if incident.kind != Kind.SIGNATURE_CHANGE:
            return None
        details = getattr(incident, "signature", None)
        return SignatureShownSerializer(details).data if details else None

    @extend_schema_field(SlaSerializer)
    def get_sla(self, incident: Incident) -> dict:
        clocks = {c.metric: c for c in incident.clocks.all()}
        return {
            metric: ClockSerializer(clocks[metric]).data if metric in clocks else None
            for metric in Metric.values
        }

    def get_product_version(self, incident: Incident) -> int | None:
        request = patch_request_of(incident)
        return request.product_version_id if request else None

    def get_patch(self, incident: Incident) -> int | None:
        request = patch_request_of(incident)
        return request.patch_id if request else None

    @extend_schema_field(PatchRequestSerializer(allow_null=True))
    def get_patch_request(self, incident: Incident) -> dict | None:
        request = patch_request_of(incident)
        if request is None:
            return None
        return PatchRequestSerializer(request, context=self.context).data


class IncidentCreateSerializer(TypedJson, serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX, validators=[validate_single_line])
    description = serializers.CharField(max_length=DESCRIPTION_MAX)
    severity = serializers.IntegerField(min_value=1, max_value=4)
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.PROBLEM)
    premium = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Premium (true) or standard (false), on a tier with a premium-incident "
        "quota: a premium incident takes a unit of the contract year and gets the tier's "
        "targets. Left out or null: premium while the contract year has a unit left, else "
        "standard (as the web form preselects). On a tier without a quota every incident "
        "is premium.",
    )
    contract = serializers.PrimaryKeyRelatedField(
        queryset=Contract.objects.select_related("tier", "calendar"), required=False
    )
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.filter(is_active=True), required=False, allow_null=True
    )
    product_version = serializers.PrimaryKeyRelatedField(
        queryset=ProductVersion.objects.select_related("product"),
        required=False,
        allow_null=True,
        help_text="A private patch request's product version (required for `private_patch`, "
        "refused for other kinds); its product is the request's. 409 `version_unsupported` "
        "at end of life.",
    )
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        help_text="Staff only (a customer sending it gets 403): the customer filed for.",
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        help_text="Staff only (a customer sending it gets 403); a customer's is `api`.",
    )
    received_at = serializers.DateTimeField(
        required=False,
        validators=[validate_not_too_early],
        help_text="Staff only (a customer sending it gets 403): when the report came in.",
    )
    signature = SignatureSerializer(
        required=False,
        help_text="Required with `kind` `signature_change` (with `product`), and only "
        "there: the file the product judged wrongly. Send the file itself afterwards to "
        "`attachments/` with `sample` true.",
    )

    def __init__(self, *args, user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not user.is_provider_staff:
            # A customer names only their own contracts; anything else "does not exist",
            # so the answer never tells whether another tenant's id is real.
            self.fields["contract"].queryset = self.fields["contract"].queryset.filter(
                organization__memberships__user=user
            )


class IncidentUpdateSerializer(TypedJson, serializers.Serializer):
    severity = serializers.IntegerField(min_value=1, max_value=4, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    reason = WordsOrCodeField(
        vocabulary_name="ReasonEnum",
        vocabulary=CLOSE_REASONS,
        max_length=DESCRIPTION_MAX,
        required=False,
        allow_blank=True,
        help_text="With `status` `closed` (staff): `duplicate` or `filed_in_error`. With "
        "`stage` `not_confirmed` or `declined` (required there): why, in words the "
        "customer reads. Not with both `status` and `stage`, nor with neither (400).",
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=staff_members(), required=False, allow_null=True
    )
    stage = serializers.ChoiceField(
        choices=STAGES,
        required=False,
        help_text="Staff move a request one step along its workflow (a customer sending it "
        "gets 403). A stage not allowed next is a 400 on `stage` naming the stages allowed "
        "from where the request is.",
    )
    release = serializers.PrimaryKeyRelatedField(
        queryset=DatabaseRelease.objects.all(),
        required=False,
        help_text="With `stage` `released` (required there): the database release with "
        "the fix, one of the request's product's.",
    )
    patch = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="With `stage` `delivered` (required there): the id of the patch file, "
        "attached to this incident beforehand.",
    )


class ReplySerializer(TypedJson, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    body = serializers.CharField(max_length=REPLY_MAX)
    internal = serializers.BooleanField(default=False)
    qualified = serializers.BooleanField(required=False, allow_null=True, default=None)
    kind = serializers.CharField(read_only=True)
    author = serializers.IntegerField(source="author_id", read_only=True, allow_null=True)
    by_staff = serializers.BooleanField(read_only=True)
    qualified_response = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class EventSerializer(TypedJson, serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EventKind.choices)
    at = serializers.DateTimeField()
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)
    data = serializers.JSONField()


class AttachmentSerializer(TypedJson, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="original_name", read_only=True)
    size = serializers.IntegerField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    sample = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    download_url = serializers.SerializerMethodField()
    analysis = serializers.SerializerMethodField(
        help_text="A malware sample's analysis by the provider's staff (null until analysed, "
        "and for other files)."
    )

    @extend_schema_field(SampleAnalysisSerializer(allow_null=True))
    def get_analysis(self, attachment) -> dict | None:
        analysis = getattr(attachment, "analysis", None) if attachment.sample else None
        if analysis is None:
            return None
        return SampleAnalysisSerializer(analysis, context=self.context).data

    def get_download_url(self, attachment) -> str:
        request = self.context["request"]
        return request.build_absolute_uri(
            f"/api/v1/incidents/{attachment.incident_id}/attachments/{attachment.pk}/download/"
        )


class UploadSerializer(serializers.Serializer):
    # An empty file is still a fact about the incident (an empty log, say).
    file = serializers.FileField(allow_empty_file=True)
    sample = StrictBooleanField(default=False)
