"""JSON request bodies are typed as the schema says: DRF's fields would take `0` for false,
`"5"` for 5 and `5` for "5" (leniency meant for HTML forms), so a body the schema calls
invalid was accepted. API serializers take this mixin; form and multipart bodies (uploads,
the token endpoint) keep DRF's leniency."""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import relations, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty

_RULES = [
    (serializers.BooleanField, (bool,), _("Must be true or false.")),
    (relations.PrimaryKeyRelatedField, (int,), _("Must be an id (a whole number).")),
    (relations.ManyRelatedField, (list,), _("Must be a list.")),
    (serializers.IntegerField, (int,), _("Must be a whole number.")),
    (serializers.ListField, (list,), _("Must be a list.")),
    (serializers.ListSerializer, (list,), _("Must be a list.")),
    (serializers.Serializer, (Mapping,), _("Must be an object.")),
    (serializers.JSONField, (object,), ""),
    (serializers.CharField, (str,), _("Must be a string.")),
    (serializers.DateField, (str,), _("Must be a string.")),
    (serializers.DateTimeField, (str,), _("Must be a string.")),
    (serializers.TimeField, (str,), _("Must be a string.")),
]


def wrong_type(field, value) -> str | None:
    """Why `value` is not of the JSON type `field` reads, or None when it is."""
    if isinstance(field, serializers.ChoiceField):
        keys = list(field.choices)
        types = (str,) if all(isinstance(k, str) for k in keys) else (str, int)
        return None if isinstance(value, types) else str(_("Must be one of the listed values."))
    for kind, types, message in _RULES:
        if isinstance(field, kind):
            if isinstance(value, bool) and bool not in types and object not in types:
                return str(message)
            return None if isinstance(value, types) else str(message)
    return None


def too_long(field, value) -> str | None:
    """A string longer than its field allows, as sent (DRF measures after trimming the
    spaces, so a value the schema calls too long was accepted)."""
    limit = getattr(field, "max_length", None)
    if isinstance(field, serializers.CharField) and isinstance(value, str) and limit:
        return _too_long_message(limit) if len(value) > limit else None
    return None


def _too_long_message(limit: int) -> str:
    return str(_("Ensure this field has no more than %(max)d characters.") % {"max": limit})


class TypedJson:
    """A serializer mixin: each given value must be of its field's JSON type (400 naming it)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for field in self._writable_fields:
                value = data.get(field.field_name, empty)
                if value is empty or (value is None and field.allow_null):
                    continue
                problem = None if value is None else wrong_type(field, value)
                if problem is None:
                    problem = too_long(field, value)
                if problem:
                    errors[field.field_name] = [problem]
            if errors:
                raise ValidationError(errors)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A flag in a form or multipart body (an upload's): `true` or `false`, as the schema
    says, not DRF's HTML-form readings (`0`, `on`, `yes`...)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data.lower() in ("true", "false"):
            return data.lower() == "true"
        raise ValidationError(str(_("Must be true or false.")))
