"""Request bodies: files are read only by the attachment views, and only up to the limit;
JSON and form bodies are bounded in size and in nesting."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.test.client import ClientHandler, encode_multipart

from incidents.models import Attachment
from portal.tokens import token_create
from portal.uploads import safe_name
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024
BOUNDARY = "BoUnDaRy"


class CountingStream(io.BytesIO):
    """The request body, remembering how much of it the portal took."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.taken += len(line)
        return line


def send(path: str, body: bytes, content_type: str, user=None, **extra):
    """POST `body` through the whole stack (middleware, CSRF checks on) from a counted stream."""
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(len(body)),
        **extra,
    )
    stream = CountingStream(body)
    environ["wsgi.input"] = stream
    if user is not None:
        client = Client()
        client.force_login(user)
        environ["HTTP_COOKIE"] = client.cookies.output(header="", sep="; ")
    response = ClientHandler(enforce_csrf_checks=True)(environ)
    return response, stream.taken


def files_body(fields: dict, count: int = 2, size: int = 8 * MiB) -> bytes:
    data = {**fields, "file": [SimpleUploadedFile(f"f{i}.bin", b"x" * size) for i in range(count)]}
    return encode_multipart(BOUNDARY, data)


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@pytest.mark.parametrize(
    ("path", "fields", "status"),
    [
        ("/accounts/login/", {"login": "a@example.com", "password": "x"}, 403),
        ("/api/v1/auth/token/", {"email": "a@example.com", "password": "x"}, 401),
    ],
)
def test_files_sent_to_a_login_are_not_read(path, fields, status):
    body = files_body(fields)
    response, taken = send(path, body, MULTIPART)
    assert response.status_code == status
    # The fields before the first file are read; the 16 MiB of files behind them are not.
    assert taken < MiB < len(body)


def test_files_sent_to_a_json_route_are_not_read(ours):
    incident = IncidentFactory(actor=ours.admin)
    body = files_body({"body": "hello"})
    response, taken = send(
        f"/api/v1/incidents/{incident.pk}/replies/", body, MULTIPART, ours.member
    )
    assert response.status_code in (400, 403)
    assert taken < MiB


def test_an_oversized_file_on_the_upload_page_is_a_413_and_the_rest_unread(ours, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = MiB
    incident = IncidentFactory(actor=ours.admin)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ours.member)
    token = client.get(f"/incidents/{incident.pk}/").context["csrf_token"]
    body = files_body({"csrfmiddlewaretoken": str(token)}, count=1, size=6 * MiB)
    response, taken = send(
        f"/incidents/{incident.pk}/files/",
        body,
        MULTIPART,
        ours.member,
        HTTP_X_CSRFTOKEN=str(token),
    )
    assert response.status_code == 413
    assert "files are limited to 1 MB" in response.content.decode()
    assert taken < 2 * MiB
    assert not Attachment.objects.exists()


def test_the_upload_page_still_checks_the_csrf_token(ours):
    incident = IncidentFactory(actor=ours.admin)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ours.member)
    page = f"/incidents/{incident.pk}/files/"
    upload = SimpleUploadedFile("notes.txt", b"hello")
    assert client.post(page, {"file": upload}).status_code == 403
    token = client.get(f"/incidents/{incident.pk}/").context["csrf_token"]
    upload.seek(0)
    answer = client.post(page, {"file": upload, "csrfmiddlewaretoken": str(token)})
    assert answer.status_code == 302
    assert Attachment.objects.get().original_name == "notes.txt"


def test_an_upload_page_takes_a_file_with_the_filing_form(client, ours):
    client.force_login(ours.member)
    response = client.post(
        "/incidents/new/",
        {
            "title": "Logs attached",
            "description": "See the file.",
            "severity": 3,
            "kind": "problem",
            "premium": "0",
            "file": SimpleUploadedFile("trace.log", b"trace"),
        },
    )
    assert response.status_code == 302
    assert Attachment.objects.get().original_name == "trace.log"


def test_more_files_than_allowed_is_a_400_naming_the_count(api, ours, settings):
    incident = IncidentFactory(actor=ours.admin)
    files = [SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(6)]
    response = api(ours.member).post(
        f"/api/v1/incidents/{incident.pk}/attachments/", {"file": files}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {"file": ["Send at most 5 files in one request."]}
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 5


def test_an_oversized_api_upload_stops_being_read(ours, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = MiB
    incident = IncidentFactory(actor=ours.admin)
    _token, key = token_create(user=ours.member, name="uploads")
    body = files_body({}, count=1, size=6 * MiB)
    response, taken = send(
        f"/api/v1/incidents/{incident.pk}/attachments/",
        body,
        MULTIPART,
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 413
    assert json.loads(response.content) == {
        "file": ["f0.bin is larger than 1 MB; files are limited to 1 MB."]
    }
    assert taken < 2 * MiB


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/incidents/"])
def test_deeply_nested_json_is_a_400(api, ours, path):
    body = "[" * 100_000 + "]" * 100_000
    response = api(ours.member).post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than 32 levels" in response.json()["detail"]
    too_deep = '{"title": ' + "[" * 32 + "1" + "]" * 32 + "}"  # 33 levels with the object
    response = api(ours.member).post(path, too_deep, content_type="application/json")
    assert response.status_code == 400


def test_a_json_body_past_the_limit_is_a_413_without_reading_it_all(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    body = json.dumps({"email": "a@example.com", "password": "x" * MiB}).encode()
    response, taken = send("/api/v1/auth/token/", body, "application/json")
    assert response.status_code == 413
    assert json.loads(response.content) == {"non_field_errors": ["The request body is too large."]}
    assert taken <= 64 * 1024 + 1


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("…<b>x<\\b> ü中文.log", "…<b>x<_b> ü中文.log"),
        ("a\\..\\..\\etc", "a_.._.._etc"),
        ("evil\r\nX-Header: 1.txt", "evilX-Header: 1.txt"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),
        ("nul\x00byte.txt", "nulbyte.txt"),
        ("...hidden", "hidden"),
        ("", "file"),
        ("a" * 500 + ".txt", "a" * 200),
    ],
)
def test_file_names_are_reduced_to_a_safe_base_name(given, kept):
    assert safe_name(given) == kept


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<script>alert(1)</script>"),
        ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("code.js", b"alert(1)"),
        ("data.xml", b"<?xml version='1.0'?><x/>"),
    ],
)
def test_active_types_are_served_only_as_downloads(client, ours, name, content):
    incident = IncidentFactory(actor=ours.admin)
    client.force_login(ours.member)
    upload = SimpleUploadedFile(name, content, content_type="text/html")
    client.post(f"/incidents/{incident.pk}/files/", {"file": upload})
    attachment = Attachment.objects.get()
    response = client.get(f"/incidents/{incident.pk}/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
