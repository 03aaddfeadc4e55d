"""The API's view of a private patch request (API.md, Security workflows)."""

from rest_framework import serializers

from incidents.services.patches import patch_request_of

__all__ = ["PatchRequestSerializer", "patch_request_of"]


class PatchFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, attachment) -> str:
        path = f"/api/v1/incidents/{attachment.incident_id}/attachments/{attachment.pk}/download/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class PatchRequestSerializer(serializers.Serializer):
    product_version = serializers.IntegerField(source="product_version_id")
    limited_support = serializers.BooleanField(
        help_text="The version was in limited support when asked for: only security fixes are made."
    )
    decline_reason = serializers.CharField(help_text="Why it was declined (empty otherwise).")
    file = PatchFileSerializer(
        source="patch", allow_null=True, help_text="The delivered patch (null until delivered)."
    )
    delivered_at = serializers.DateTimeField(allow_null=True)
