"""Storing uploads under server-generated names; malware samples only ever inside a zip;
serving them back to the people who may have them.

A sample is wrapped at upload into an AES-encrypted zip with the password
`infected` (the industry convention), so the live file never touches the disk
as itself and is never served as itself.

Files go through Django's storage API (the `attachments` alias of `STORAGES`), so
moving them to object storage is configuration.
"""

import hashlib
import io
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

import pyzipper
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from incidents.models import Attachment
from portal.models import User
from portal.uploads import describe_bytes, safe_name

SAMPLE_PASSWORD = b"infected"
CHUNK = 1024 * 1024
STORAGE = "attachments"  # the STORAGES alias
FOLDER = "attachments"  # inside that storage


@dataclass(frozen=True)
class StoredFile:
    original_name: str
    stored_name: str
    size: int
    sha256: str
    content_type: str


def storage() -> Storage:
    return storages[STORAGE]


def max_upload_bytes() -> int:
    return settings.PORTAL_MAX_UPLOAD_BYTES


def check_size(upload: UploadedFile) -> None:
    limit = max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {
                "file": [
                    f"{safe_name(upload.name or 'file')} is {describe_bytes(upload.size)}; "
                    f"files are limited to {describe_bytes(limit)}."
                ]
            }
        )


def store_upload(upload: UploadedFile, *, sample: bool) -> StoredFile:
    """Write an upload to storage; a sample goes into an encrypted zip. Returns what to record."""
    check_size(upload)
    original = safe_name(upload.name or "file")
    digest = hashlib.sha256()
    size = 0
    if sample:
        # The zip is built in memory (uploads are bounded) so no clear copy is ever written.
        data = bytearray()
        for chunk in upload.chunks(CHUNK):
            digest.update(chunk)
            data.extend(chunk)
        size = len(data)
        buffer = io.BytesIO()
        with pyzipper.AESZipFile(
            buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as archive:
            archive.setpassword(SAMPLE_PASSWORD)
            archive.writestr(original, bytes(data))
        content = ContentFile(buffer.getvalue())
    else:
        for chunk in upload.chunks(CHUNK):
            digest.update(chunk)
            size += len(chunk)
        upload.seek(0)  # the storage reads it again, from the start
        content = upload
    wanted = f"{FOLDER}/{uuid.uuid4().hex}{'.zip' if sample else ''}"
    saved = storage().save(wanted, content)
    return StoredFile(
        original_name=original,
        stored_name=PurePosixPath(saved).name,
        size=size,
        sha256=digest.hexdigest(),
        content_type="application/zip"
        if sample
        else (upload.content_type or "application/octet-stream")[:100],
    )


def storage_name(stored_name: str) -> str:
    """Where a stored file lives in the storage (never a path the client chose)."""
    if "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
        raise ValueError("bad stored name")
    return f"{FOLDER}/{stored_name}"


def discard(stored_name: str) -> None:
    """Remove a stored file whose database row was never written (a rolled-back upload)."""
    storage().delete(storage_name(stored_name))


# -- downloads ------------------------------------------------------------------------------


def check_download(user: User, attachment: Attachment) -> None:
    """Malware samples go to the provider's staff only (as their encrypted zip)."""
    if attachment.sample and not user.is_provider_staff:
        raise PermissionDenied(_("Malware samples are downloaded by the provider's staff only."))


def download_response(attachment: Attachment) -> FileResponse:
    """The stored file as a download that no browser renders or sniffs."""
    name = storage_name(attachment.stored_name)
    try:
        handle = storage().open(name, "rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name + (".zip" if attachment.sample else ""),
        content_type="application/zip" if attachment.sample else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
