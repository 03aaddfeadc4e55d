"""The API's default pagination (API.md: cursor-paginated lists).

Kept apart from portal/api.py: DRF imports the default pagination class while it
defines its generic views, so this module must not import them.

A cursor is the client's to send back, so it is checked like any input: one that does
not decode, or whose position is not a value of the ordering field, is a 400 naming
`cursor` (DRF answers 404 for the first and fails in the database for the second).
An empty cursor is no cursor: the first page.
"""

import base64
import binascii
import re
from urllib import parse

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

# A position longer than this is no value of an id or a timestamp.
MAX_POSITION_LENGTH = 64
# What DRF's cursors are made of: base64 of offset (o), reverse (r) and position (p).
CURSOR = re.compile(r"[A-Za-z0-9+/=]{1,200}")
CURSOR_KEYS = frozenset({"o", "r", "p"})
BIGINT = 2**63 - 1


def _bad_cursor() -> ValidationError:
    return ValidationError({"cursor": [_("This cursor is not one of this list's.")]})


class IdCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        """A page size that is not a whole number from 1 to the maximum is a 400 (DRF
        would answer a silently different page)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            message = _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        ordering = self.get_ordering(request, queryset, view)
        self.position_field = queryset.model._meta.get_field(ordering[0].lstrip("-"))
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        raw = request.query_params.get(self.cursor_query_param)
        if raw and not self.well_formed(raw):
            raise _bad_cursor()
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise _bad_cursor() from None
        if cursor is not None and cursor.position is not None:
            self.check_position(cursor.position)
        return cursor

    @staticmethod
    def well_formed(raw: str) -> bool:
        """Base64 of nothing but DRF's own keys (its decoder skips junk characters and
        reads any text as an empty cursor: the first page)."""
        if not CURSOR.fullmatch(raw):
            return False
        try:
            tokens = parse.parse_qs(base64.b64decode(raw, validate=True).decode("ascii"))
        except (binascii.Error, ValueError):
            return False
        return bool(tokens) and set(tokens) <= CURSOR_KEYS

    def check_position(self, position: str) -> None:
        field = self.position_field
        if len(position) > MAX_POSITION_LENGTH or not position.isascii() or "\x00" in position:
            raise _bad_cursor()
        try:
            value = field.to_python(position)
        except DjangoValidationError:
            raise _bad_cursor() from None
        if isinstance(field, models.IntegerField) and not -BIGINT <= value <= BIGINT:
            raise _bad_cursor()


class IdOrderPagination(IdCursorPagination):
    """Oldest first: a thread, its events and its files."""

    ordering = "id"
    page_size = 100
