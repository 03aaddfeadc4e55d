"""The OpenAPI schema's one place for what every operation shares (API.md conventions).

Views declare what is theirs (their bodies, a 409 a contract rule can give); this schema
class adds the answers any route gives by the conventions, each with the body it has:

- 400 `{"field": ["message", ...]}` (or `{"detail": ...}` for a body that is not JSON)
  wherever a request body or a query parameter is read;
- 401 and 403 `{"detail"}` wherever a caller must sign in;
- 404 `{"detail"}` wherever a path names an object, or the route is hidden from a role;
- 413 and 415 wherever a body is read; 429 with `Retry-After` everywhere (throttling).

Fields whose wire format is not one of OpenAPI's formats say what they send: a time of
day is `HH:MM` (a pattern, never `format: time`), a time zone is one of the IANA names.
"""

import zoneinfo

from django.conf import settings
from django.contrib.auth.password_validation import MinimumLengthValidator, get_password_validators
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, is_serializer
from rest_framework.fields import CharField, SlugField
from rest_framework.validators import UniqueTogetherValidator, UniqueValidator

from portal.api import HOUR_MINUTE, HourMinuteField, RefusalSerializer, WordsOrCodeField
from portal.models import validate_timezone
from portal.validators import validate_single_line

TIME_ZONES = sorted(zoneinfo.available_timezones())
NO_NUL = r"^[^\u0000]*$"
# What Python's str.strip() removes (DRF trims text with it), and NUL.
_SPACE = r"\t\n\v\f\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = rf"^[^\u0000]*[^{_SPACE}\u0000][^\u0000]*$"
SLUG = r"^[-a-zA-Z0-9_]+$"
# One line (portal.validators.LINE_BREAKS, none of them), not blank, no NUL.
_BREAKS = r"\n\r\v\f\u001c-\u001e\u0085\u2028\u2029"
ONE_LINE = rf"^[^{_BREAKS}\u0000]*[^{_SPACE}\u0000][^{_BREAKS}\u0000]*$"

BODY_METHODS = {"POST", "PUT", "PATCH"}

_DETAIL = {"type": "string", "description": "A sentence for a person, in the caller's language."}

ERROR_COMPONENTS = {
    "ValidationError": {
        "type": "object",
        "description": "What was wrong with the request: each field named with its problems "
        "(`non_field_errors` for the request as a whole), or a `detail` sentence when "
        "the body could not be read at all.",
        "properties": {"detail": _DETAIL},
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
                {"type": "object"},
                {"type": "string"},
            ]
        },
    },
    "Error": {
        "type": "object",
        "description": "Why the request was not served.",
        "properties": {
            "detail": _DETAIL,
            "code": {"type": "string", "description": "A machine-readable reason, if any."},
        },
        "required": ["detail"],
    },
}

_ERRORS = {
    "400": ("ValidationError", _("The request is malformed or a value breaks a rule.")),
    "401": ("Error", _("No valid credentials were given.")),
    "403": ("Error", _("The caller may not do this.")),
    "404": ("Error", _("No such object, or not one the caller may see.")),
    "413": ("ValidationError", _("The request body, or a file in it, is larger than the limit.")),
    "415": ("Error", _("The body's content type is not one this route reads.")),
    "429": ("Error", _("Too many requests; retry after the given number of seconds.")),
}

_RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before the next request.",
    }
}


def denies_with_404(permission_class) -> bool:
    """Permissions that hide a whole route from a role answer 404, not 403 (tam/api.py)."""
    return getattr(permission_class, "denies_with_404", False)


class PortalAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for code in self._error_codes(path, operation):
            given = operation["responses"].get(code)
            if given is not None and "content" not in given:
                # A view's own words for a convention's answer (or none: `400: None`): the
                # body is the convention's.
                name, description = _ERRORS[code]
                if given.get("description") == "No response body":
                    given["description"] = str(description)
                given["content"] = {"application/json": {"schema": self._error_component(name)}}
            if given is not None:
                continue
            name, description = _ERRORS[code]
            response = {
                "description": str(description),
                "content": {"application/json": {"schema": self._error_component(name)}},
            }
            if code == "429":
                response["headers"] = _RETRY_AFTER
            operation["responses"][code] = response
        unique = self.method in BODY_METHODS and _names_must_be_unique(
            self.get_request_serializer()
        )
        if unique and "409" not in operation["responses"]:
            operation["responses"]["409"] = {
                "description": str(_("One with this name already exists.")),
                "content": {"application/json": {"schema": self._refusal()}},
            }
        operation["responses"] = dict(sorted(operation["responses"].items()))
        return operation

    def _refusal(self) -> dict:
        return self.resolve_serializer(RefusalSerializer, "response").ref

    def _error_codes(self, path: str, operation: dict) -> list[str]:
        reads_body = self.method in BODY_METHODS and "requestBody" in operation
        reads_query = any(p["in"] == "query" for p in operation.get("parameters", []))
        signed_in = {} not in operation.get("security", [{}])
        hidden = any(denies_with_404(p) for p in self.view.permission_classes)
        codes = []
        if reads_body or reads_query:
            codes.append("400")
        if signed_in:
            codes += ["401", "403"]
        if "{" in path or hidden:
            codes.append("404")
        if reads_body:
            codes += ["413", "415"]
        codes.append("429")
        return codes

    def _error_component(self, name: str) -> dict:
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.SCHEMA,
            object=f"portal.schema.{name}",
            schema=ERROR_COMPONENTS[name],
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, HourMinuteField):
            schema.pop("format", None)
            schema["pattern"] = HOUR_MINUTE
            schema.setdefault("example", "09:00")
        if validate_timezone in getattr(field, "validators", []):
            schema.pop("maxLength", None)
            schema["enum"] = TIME_ZONES
        if getattr(field, "style", {}).get("input_type") == "password":
            schema.update(_password_rules())
        elif isinstance(field, SlugField) and not field.allow_unicode:
            schema["pattern"] = SLUG
        elif validate_single_line in field.validators and direction == "request":
            schema["pattern"] = ONE_LINE
        elif (
            isinstance(field, CharField)
            and direction == "request"
            and not any(isinstance(v, RegexValidator) for v in field.validators)
        ):
            # DRF refuses NUL in any text, and text that is blank once trimmed where blank
            # is not allowed. (A field with a regex of its own gets that as its pattern.)
            blank_ok = field.allow_blank or not field.trim_whitespace
            schema.setdefault("pattern", NO_NUL if blank_ok else NOT_BLANK)
        if isinstance(field, WordsOrCodeField):
            codes = ResolvedComponent(
                name=field.vocabulary_name,
                type=ResolvedComponent.SCHEMA,
                object=field.vocabulary_name,
                schema={"type": "string", "enum": list(field.vocabulary)},
            )
            self.registry.register_on_missing(codes)
            text = {k: v for k, v in schema.items() if k != "description"}
            if field.max_length:  # DRF's validators are read from `type`, absent here
                text["maxLength"] = field.max_length
            either = {"anyOf": [codes.ref, text]}
            if "description" in schema:
                either["description"] = schema["description"]
            schema = either
        return schema


def _names_must_be_unique(serializer) -> bool:
    """Whether the request can collide with an existing object (409 `already_exists`)."""
    if not is_serializer(serializer):
        return False
    serializer = serializer() if isinstance(serializer, type) else serializer
    validators = [v for f in serializer.fields.values() for v in f.validators]
    validators += serializer.get_validators()
    return any(isinstance(v, UniqueValidator | UniqueTogetherValidator) for v in validators)


def _password_rules() -> dict:
    """What a password needs (settings.AUTH_PASSWORD_VALIDATORS), as far as a schema says it:
    the minimum length, and not only digits (nor any NUL)."""
    rules = {"pattern": r"^[^\u0000]*[^\u00000-9][^\u0000]*$"}
    for validator in get_password_validators(settings.AUTH_PASSWORD_VALIDATORS):
        if isinstance(validator, MinimumLengthValidator):
            rules["minLength"] = validator.min_length
    return rules
