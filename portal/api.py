"""Shared REST API plumbing: error shapes (API.md conventions), the configuration viewset
and the refusal schema that every feature app's API uses (pagination: portal/pagination.py)."""

import re

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import page_not_found
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import ContractRuleError, RuleCode
from portal.uploads import UploadTooLarge, too_many_files_message

# A time of day on the wire (calendars' hours): 00:00 to 23:59, two digits each.
HOUR_MINUTE = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


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
    if isinstance(exc, ValidationError) and _leaves(exc.get_codes()) == {"unique"}:
        # Nothing wrong with the request itself: it collides with what exists (a name taken).
        (detail, *_others) = _leaves(exc.detail, ordered=True)
        return Response(
            {"code": RuleCode.ALREADY_EXISTS, "detail": str(detail)},
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)


def _leaves(tree, ordered: bool = False):
    """The strings of a nested error structure (DRF's codes or messages)."""
    if isinstance(tree, dict):
        tree = list(tree.values())
    if isinstance(tree, list):
        found = [leaf for branch in tree for leaf in _leaves(branch, ordered=True)]
    else:
        found = [tree]
    return found if ordered else set(found)


def not_found(request, exception):
    """The site's 404: JSON under the API (as every API error is), the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
    return page_not_found(request, exception)


class WordsOrCodeField(serializers.CharField):
    """Text that is a code of a named vocabulary in one use and free words in another (an
    incident's `reason`: a close reason, or why a request was declined). The schema says
    both (`anyOf`), keeping the vocabulary's component name for generated clients; which
    one applies is the service's rule (a 400 naming the field)."""

    def __init__(self, *, vocabulary_name: str, vocabulary: list[str], **kwargs):
        self.vocabulary_name = vocabulary_name
        self.vocabulary = vocabulary
        super().__init__(**kwargs)


class HourMinuteField(serializers.TimeField):
    """A time of day as `HH:MM`, exactly (the schema's pattern is the rule, not strptime's
    leniency about one-digit hours or trailing text)."""

    default_error_messages = {
        "invalid": gettext_lazy("Use a time of day as HH:MM, from 00:00 to 23:59.")
    }

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(HOUR_MINUTE, value):
            self.fail("invalid")
        return super().to_internal_value(value)


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
