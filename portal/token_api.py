"""REST API of API tokens: the caller's list, and revocation (portal.tokens.tokens_revocable_by)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from portal.models import ApiToken
from portal.tokens import token_revoke, tokens_of, tokens_revocable_by


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="The caller's live API tokens (never their keys)."),
    destroy=extend_schema(
        summary="Revoke a token: the caller's own; a customer admin's, their contacts' too; "
        "a provider admin's, anyone's.",
        responses={204: None},
    ),
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # the model, for the schema; get_queryset scopes it

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()  # the schema generator has no user
        if self.action == "list":
            return tokens_of(self.request.user)
        return tokens_revocable_by(self.request.user)

    def destroy(self, request, *args, **kwargs):
        token_revoke(token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
