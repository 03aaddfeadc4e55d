"""The API's body parsers, bounded: a body past DATA_UPLOAD_MAX_MEMORY_SIZE is refused
before it is read whole (413), and JSON nested deeper than MAX_JSON_DEPTH is a 400
(Python's parser would otherwise fail with a RecursionError: a 500).

Multipart bodies keep DRF's parser: Django bounds their fields by the same setting and
their files by the upload handlers (portal/uploads.py).
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils import json

from portal.uploads import NameKeepingMultiPartParser

# No request of the portal nests deeper than a few levels.
MAX_JSON_DEPTH = 32


def read_bounded(stream) -> bytes:
    """The body, or RequestDataTooBig once it is past the limit (nothing more is read)."""
    if stream is None:
        return b""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = stream.read(limit + 1) if limit is not None else stream.read()
    if limit is not None and len(body) > limit:
        raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
    return body


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_parsed(data, limit: int = MAX_JSON_DEPTH) -> None:
    """ParseError for JSON nested past `limit` arrays and objects, or holding a lone
    surrogate ("\\ud800" is valid JSON but no text: echoed in an error, it could not be
    encoded). Walked level by level, without recursion."""
    level = [data]
    for _depth in range(limit + 1):
        strings = [item for item in level if isinstance(item, str)]
        strings += [key for item in level if isinstance(item, dict) for key in item]
        if any(_has_surrogate(text) for text in strings):
            raise ParseError(_("JSON strings must be valid Unicode text (no lone surrogates)."))
        level = [
            child
            for item in level
            if isinstance(item, list | dict)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return
    raise too_deep()


def too_deep() -> ParseError:
    return ParseError(
        _("JSON nested deeper than %(depth)s levels is refused.") % {"depth": MAX_JSON_DEPTH}
    )


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        body = read_bounded(stream)
        try:
            text = body.decode(encoding)
            constant = json.strict_constant if api_settings.STRICT_JSON else None
            data = json.loads(text, parse_constant=constant)
        except RecursionError:
            raise too_deep() from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
        check_parsed(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser with the portal's name-keeping Django parser underneath (a
    backslash in a file's name does not cut it)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context["request"]
        encoding = parsers.get_encoding(parser_context)
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        try:
            parser = NameKeepingMultiPartParser(meta, stream, request.upload_handlers, encoding)
            data, files = parser.parse()
            return parsers.DataAndFiles(data, files)
        except MultiPartParserError as exc:
            raise ParseError(_("Multipart form parse error - %(error)s") % {"error": exc}) from exc


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        return QueryDict(read_bounded(stream), encoding=encoding)
