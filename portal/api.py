"""Shared REST API plumbing: error shapes (API.md conventions), the configuration viewset
and the refusal schema that every feature app's API uses (pagination: portal/pagination.py)."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import ContractRuleError, RuleCode
from portal.uploads import UploadTooLarge, too_many_files_message


def exception_handler(exc, context):
    if isinstance(exc, ContractRuleError):
        return Response({"code": exc.code, "detail": exc.detail}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, UploadTooLarge):
        return Response({"file": [str(exc)]}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"non_field_errors": [_("The request body is too large.")]},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, TooManyFilesSent):
        exc = ValidationError({"file": [too_many_files_message()]})
    elif isinstance(exc, TooManyFieldsSent):
        exc = ValidationError({"non_field_errors": [_("The request has too many fields.")]})
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    return drf_exception_handler(exc, context)


class RefusalSerializer(serializers.Serializer):
    """The body of a 409: which contract rule refused the request, in a code and a sentence."""

    code = serializers.ChoiceField(choices=RuleCode.choices)
    detail = serializers.CharField()


class ProviderAdminWrites(permissions.BasePermission):
    """Everyone reads what their selectors show; only provider admins change it.

    Changes of an existing object are checked per object, after the scoped
    lookup, so a foreign object is a 404 and a visible one a 403.
    """

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS or view.action != "create":
            return True
        return request.user.is_provider_admin

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or request.user.is_provider_admin


class ConfigViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Provider configuration: read as the selectors allow, written by provider admins."""

    permission_classes = [permissions.IsAuthenticated, ProviderAdminWrites]

    def perform_destroy(self, instance):
        try:
            instance.delete()
        except ProtectedError:
            raise ContractRuleError(
                RuleCode.IN_USE,
                _("%(object)s is used by existing contracts and cannot be deleted.")
                % {"object": instance},
            ) from None
