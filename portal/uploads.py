"""Who may send files, and how much of one the portal reads.

Every request gets `RefuseFilesHandler` (FILE_UPLOAD_HANDLERS): the first file part stops
the body being read, so a login form or a JSON route never holds file bodies in memory.
Only the views that take attachments install `BoundedMemoryUploadHandler` for their own
request (`accepts_uploads` for pages, `install_upload_handler` for the API). It keeps a
file in memory, never in a temporary file (a malware sample must never touch the disk as
itself), and stops reading at the portal's size limit with `UploadTooLarge` (a 413).
"""

import functools
import io
import re
import unicodedata
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers, StopUpload
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect


def describe_bytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} bytes"


# Longest file name kept (the attachment's name column holds 255).
MAX_NAME_LENGTH = 200


# A Windows path as old browsers sent it ("C:\\Users\\me\\report.pdf"): only its last part
# is the file's name. Anywhere else a backslash is a character of the name.
WINDOWS_PATH = re.compile(r"^[A-Za-z]:\\")
BACKSLASH_STANDIN = "_"


def keep_backslashes(name: str) -> str:
    """The name with its backslashes made harmless, kept whole (a Windows path keeps its
    last part): no file system or download dialog reads one as a folder."""
    if WINDOWS_PATH.match(name):
        return name.rsplit("\\", 1)[-1]
    return name.replace("\\", BACKSLASH_STANDIN)


def safe_name(name: str) -> str:
    """A display name: the base name only, without control or format characters (line
    breaks, NUL, right-to-left overrides), leading dots or surrounding spaces, bounded;
    backslashes inside the name are kept as a stand-in, not read as folders."""
    name = unicodedata.normalize("NFC", PurePosixPath(keep_backslashes(name)).name)
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ")
    name = name.strip().lstrip(".").strip()
    return name[:MAX_NAME_LENGTH].strip() or "file"


class UploadTooLarge(Exception):
    """A file went past the size limit; the rest of the body was never read."""

    def __init__(self, name: str, limit: int):
        self.name, self.limit = name, limit
        super().__init__(
            _("%(name)s is larger than %(limit)s; files are limited to %(limit)s.")
            % {"name": safe_name(name or ""), "limit": describe_bytes(limit)}
        )


def too_many_files_message() -> str:
    return _("Send at most %(count)s files in one request.") % {
        "count": settings.DATA_UPLOAD_MAX_NUMBER_FILES
    }


class RefuseFilesHandler(FileUploadHandler):
    """The default: a file part ends the parsing; the fields before it are all a view sees."""

    def new_file(self, *args, **kwargs):
        raise StopUpload(connection_reset=True)

    def receive_data_chunk(self, raw_data, start):  # never reached: new_file stops first
        return None

    def file_complete(self, file_size):
        return None


class BoundedMemoryUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.received = 0
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        limit = settings.PORTAL_MAX_UPLOAD_BYTES
        if self.received > limit:
            # Stop reading here: the rest of the body is never taken off the connection.
            raise UploadTooLarge(self.file_name, limit)
        self.buffer.write(raw_data)
        # Returning None keeps any later handler from seeing (and storing) the chunk.

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.received,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


class NameKeepingMultiPartParser(MultiPartParser):
    """Django's parser, except that a backslash in a file's name does not cut the name
    there (Django drops everything before it: `a<\\b> x.log` would arrive as `b> x.log`)."""

    def sanitize_file_name(self, file_name):
        return super().sanitize_file_name(keep_backslashes(file_name))


def install_upload_handler(request: HttpRequest) -> None:
    """Let this request's body carry files (before anything reads the body), parsed by the
    parser that keeps file names whole."""
    request.upload_handlers = [BoundedMemoryUploadHandler(request)]

    def parse_file_upload(meta, post_data):
        parser = NameKeepingMultiPartParser(
            meta, post_data, request.upload_handlers, request.encoding
        )
        return parser.parse()

    request.parse_file_upload = parse_file_upload


def accepts_uploads(view):
    """A page view that takes files: the bounded handler for its request, then the CSRF
    check (which reads the form), as Django's docs order it for per-view upload handlers.
    An oversized file answers 413 and too many files 400, each with a sentence."""
    protected = csrf_protect(view)

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            install_upload_handler(request)
            try:
                request.POST  # noqa: B018 (parse now, with the handler above)
            except UploadTooLarge as exc:
                return _refusal(request, str(exc), 413)
            except TooManyFilesSent:
                return _refusal(request, too_many_files_message(), 400)
        return protected(request, *args, **kwargs)

    return wrapper


def _refusal(request, message: str, status: int):
    return render(request, "portal/upload_refused.html", {"message": message}, status=status)
