"""The API's bodies for malware samples' analyses (API.md, Security workflows)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.models import DatabaseRelease
from incidents.models import SampleAnalysis, SampleVerdict
from incidents.rules import REPLY_MAX
from portal.json_types import TypedJson

DETECTION_MAX = 200


class EarlierAnalysisSerializer(serializers.Serializer):
    """Where a reused analysis came from (staff only)."""

    incident = serializers.IntegerField()
    attachment = serializers.IntegerField()


class SampleAnalysisSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=SampleVerdict.choices)
    detection_name = serializers.CharField()
    release = serializers.IntegerField(source="release_id", allow_null=True)
    removal = serializers.CharField()
    analysed_at = serializers.DateTimeField()
    reused = serializers.SerializerMethodField(
        help_text="true: the result of an earlier analysis of a file with the same SHA-256, "
        "given at once when this sample was added."
    )
    reused_from = serializers.SerializerMethodField(
        help_text="The sample whose analysis this one reuses (provider staff only; null "
        "for customers and for an analysis of its own)."
    )

    def get_reused(self, analysis: SampleAnalysis) -> bool:
        return analysis.reused_from_id is not None

    @extend_schema_field(EarlierAnalysisSerializer(allow_null=True))
    def get_reused_from(self, analysis: SampleAnalysis) -> dict | None:
        request = self.context.get("request")
        staff = request is not None and request.user.is_provider_staff
        if not staff or analysis.reused_from is None:
            return None
        earlier = analysis.reused_from.attachment
        return {"incident": earlier.incident_id, "attachment": earlier.pk}


class SampleAnalysisInputSerializer(TypedJson, serializers.Serializer):
    verdict = serializers.ChoiceField(choices=SampleVerdict.choices)
    detection_name = serializers.CharField(
        max_length=DETECTION_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="What the product detects it as (kept on one line); required unless the "
        "verdict is `clean`.",
    )
    release = serializers.PrimaryKeyRelatedField(
        queryset=DatabaseRelease.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The database release that detects it.",
    )
    removal = serializers.CharField(
        max_length=REPLY_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="How to remove the malware.",
    )
