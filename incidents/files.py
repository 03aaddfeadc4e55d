"""Storing uploads under server-generated names; malware samples only ever inside a zip.

A sample is wrapped at upload into an AES-encrypted zip with the password
`infected` (the industry convention), so the live file never touches the disk
as itself and is never served as itself.
"""

import hashlib
import io
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyzipper
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

SAMPLE_PASSWORD = b"infected"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    original_name: str
    stored_name: str
    size: int
    sha256: str
    content_type: str


def storage_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "attachments"


def max_upload_bytes() -> int:
    return settings.PORTAL_MAX_UPLOAD_BYTES


def describe_bytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} bytes"


def safe_name(name: str) -> str:
    """A display name with no path, control characters or leading dots."""
    name = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name)
    name = re.sub(r"[\x00-\x1f\x7f/]", "", name).strip().lstrip(".")
    return name[:200] or "file"


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
    root = storage_root()
    root.mkdir(parents=True, exist_ok=True)
    stored_name = uuid.uuid4().hex + (".zip" if sample else "")
    path = root / stored_name
    size = 0
    if sample:
        # The zip is built in memory (uploads are bounded) so no clear copy is ever written.
        buffer = io.BytesIO()
        data = bytearray()
        for chunk in upload.chunks(CHUNK):
            digest.update(chunk)
            data.extend(chunk)
        size = len(data)
        with pyzipper.AESZipFile(
            buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as archive:
            archive.setpassword(SAMPLE_PASSWORD)
            archive.writestr(original, bytes(data))
        path.write_bytes(buffer.getvalue())
    else:
        with path.open("wb") as out:
            for chunk in upload.chunks(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    return StoredFile(
        original_name=original,
        stored_name=stored_name,
        size=size,
        sha256=digest.hexdigest(),
        content_type="application/zip"
        if sample
        else (upload.content_type or "application/octet-stream")[:100],
    )


def stored_path(stored_name: str) -> Path:
    if "/" in stored_name or stored_name.startswith("."):
        raise ValueError("bad stored name")
    return storage_root() / stored_name


def discard(stored_name: str) -> None:
    """Remove a stored file whose database row was never written (a rolled-back upload)."""
    stored_path(stored_name).unlink(missing_ok=True)
