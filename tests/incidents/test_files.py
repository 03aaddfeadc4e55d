"""Attachments and malware samples: size limit, storage names, who downloads what."""

import hashlib
import io
import os
from pathlib import Path

import pytest
import pyzipper
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents import files
from incidents.models import Attachment, Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture
def incident(ours):
    return IncidentFactory(actor=ours.admin, title="Strange file", severity=2)


def upload(api, user, incident, name, content, sample=False):
    return api(user).post(
        f"/api/v1/incidents/{incident.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content), "sample": "true" if sample else "false"},
        format="multipart",
    )


def test_file_is_stored_under_a_generated_name_and_downloaded_as_attachment(
    api, ours, incident, settings
):
    response = upload(api, ours.member, incident, "../../etc/passwd.html", b"<script>1</script>")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "passwd.html"
    assert body["sha256"] == hashlib.sha256(b"<script>1</script>").hexdigest()
    stored = Attachment.objects.get(pk=body["id"])
    assert "passwd" not in stored.stored_name
    assert os.listdir(os.path.join(settings.MEDIA_ROOT, "attachments")) == [stored.stored_name]

    download = api(ours.admin).get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert 'filename="passwd.html"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == b"<script>1</script>"


def test_file_over_the_limit_is_refused_naming_the_limit(api, ours, incident, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024
    response = upload(api, ours.member, incident, "big.log", b"x" * 2048)
    assert response.status_code == 413
    message = response.json()["file"][0]
    assert "big.log" in message
    assert "limited to 1 KB" in message
    assert not Attachment.objects.exists()
    root = os.path.join(settings.MEDIA_ROOT, "attachments")
    assert not os.path.exists(root) or os.listdir(root) == []


def test_default_limit_is_25_megabytes(settings):
    assert settings.PORTAL_MAX_UPLOAD_BYTES == 25 * 1024 * 1024


def test_malware_sample_round_trip(api, ours, staff, incident, settings):
    response = upload(api, ours.member, incident, "dropper.exe", EICAR, sample=True)
    assert response.status_code == 201
    body = response.json()
    assert body["sample"] is True
    assert body["sha256"] == hashlib.sha256(EICAR).hexdigest()
    assert body["size"] == len(EICAR)
    assert body["download_url"].endswith(f"/attachments/{body['id']}/download/")

    # Never stored as itself: the only file on disk is an encrypted zip.
    stored = Attachment.objects.get(pk=body["id"])
    raw = Path(settings.MEDIA_ROOT, "attachments", stored.stored_name).read_bytes()
    assert EICAR not in raw
    assert raw.startswith(b"PK")

    # The customer sees name, size and hash, but cannot download it.
    listed = api(ours.member).get(f"/api/v1/incidents/{incident.pk}/attachments/").json()
    assert listed["results"][0]["name"] == "dropper.exe"
    assert api(ours.member).get(body["download_url"]).status_code == 403
    assert api(ours.admin).get(body["download_url"]).status_code == 403

    # Staff get the zip, which opens with the password "infected".
    download = api(staff["engineer"]).get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert 'filename="dropper.exe.zip"' in download["Content-Disposition"]
    archive = pyzipper.AESZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert archive.namelist() == ["dropper.exe"]
    with pytest.raises(RuntimeError):
        archive.read("dropper.exe")  # no password: refused
    archive.setpassword(b"infected")
    assert archive.read("dropper.exe") == EICAR


def test_sample_page_shows_hash_but_no_download_link_to_customers(client, ours, staff, incident):
    from incidents.services import attachment_add

    attachment = attachment_add(
        incident=incident,
        actor=ours.member,
        upload=SimpleUploadedFile("worm.bin", b"MZ..."),
        sample=True,
    )
    link = f"/incidents/{incident.pk}/files/{attachment.pk}/"
    client.force_login(ours.member)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "worm.bin" in page
    assert attachment.sha256 in page
    assert link not in page
    assert client.get(link).status_code == 403
    client.force_login(staff["engineer"])
    assert link in client.get(f"/incidents/{incident.pk}/").content.decode()
    assert client.get(link).status_code == 200


def test_files_at_filing_are_kept_with_the_incident(client, ours):
    client.force_login(ours.admin)
    response = client.post(
        "/incidents/new/",
        {
            "title": "Crash dump attached",
            "description": "See file",
            "severity": "3",
            "kind": "problem",
            "file": SimpleUploadedFile("dump.txt", b"stack"),
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get(title="Crash dump attached")
    assert [a.original_name for a in incident.attachments.all()] == ["dump.txt"]


def test_refused_filing_keeps_no_file(client, settings):
    from portal.models import MemberRole
    from tests.factories import MembershipFactory

    admin = MembershipFactory(role=MemberRole.ADMIN).user  # organisation without a contract
    client.force_login(admin)
    response = client.post(
        "/incidents/new/",
        {
            "title": "No contract",
            "description": "d",
            "severity": "3",
            "kind": "problem",
            "file": SimpleUploadedFile("x.txt", b"data"),
        },
    )
    assert response.status_code == 409
    assert "has no support contract" in response.content.decode()
    assert not Attachment.objects.exists()
    root = os.path.join(settings.MEDIA_ROOT, "attachments")
    assert not os.path.exists(root) or os.listdir(root) == []


def test_a_large_sample_never_touches_a_temporary_file(
    api, ours, staff, incident, settings, monkeypatch
):
    # Django spills uploads over 2.5 MB to the temp directory unless told otherwise (and
    # deletes the copy after the request, so look while the upload is being stored).
    spill = Path(settings.MEDIA_ROOT).parent / "upload-tmp"
    spill.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(spill)
    seen = []
    store = files.store_upload

    def watching(upload_, **kwargs):
        seen.append((list(spill.iterdir()), hasattr(upload_, "temporary_file_path")))
        return store(upload_, **kwargs)

    monkeypatch.setattr(files, "store_upload", watching)
    content = EICAR + os.urandom(3 * 1024 * 1024)
    response = upload(api, ours.member, incident, "big-dropper.exe", content, sample=True)
    assert response.status_code == 201, response.json()
    assert response.json()["size"] == len(content)
    assert seen == [([], False)]
    download = api(staff["engineer"]).get(response.json()["download_url"])
    archive = pyzipper.AESZipFile(io.BytesIO(b"".join(download.streaming_content)))
    archive.setpassword(b"infected")
    assert archive.read("big-dropper.exe") == content


def test_an_oversized_upload_is_refused_by_the_bytes_received(api, ours, incident, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 3 * 1024 * 1024
    response = upload(api, ours.member, incident, "huge.bin", b"x" * (4 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["file"] == ["huge.bin is larger than 3 MB; files are limited to 3 MB."]


def test_files_on_internal_notes_stay_with_the_staff(api, client, ours, staff, incident):
    from incidents.services import incident_reply

    note = incident_reply(
        incident=incident,
        author=staff["engineer"],
        body="Debug log from our lab",
        internal=True,
        uploads=[(SimpleUploadedFile("internal-debug.log", b"SECRET"), False)],
    )
    attachment = Attachment.objects.get(entry=note)
    base = f"/api/v1/incidents/{incident.pk}/attachments/"

    for person in (ours.member, ours.admin):
        listed = api(person).get(base).json()["results"]
        assert attachment.pk not in [item["id"] for item in listed]
        assert api(person).get(f"{base}{attachment.pk}/download/").status_code == 404
        client.force_login(person)
        page = f"/incidents/{incident.pk}/files/{attachment.pk}/"
        assert client.get(page).status_code == 404
        assert b"internal-debug.log" not in client.get(f"/incidents/{incident.pk}/").content

    staff_list = api(staff["engineer"]).get(base).json()["results"]
    assert attachment.pk in [item["id"] for item in staff_list]
    download = api(staff["engineer"]).get(f"{base}{attachment.pk}/download/")
    assert b"".join(download.streaming_content) == b"SECRET"


@pytest.mark.parametrize("accept", ["application/octet-stream", "application/zip", "*/*"])
def test_downloads_answer_any_accept_header(api, ours, staff, incident, accept):
    body = upload(api, ours.member, incident, "notes.txt", b"hello").json()
    response = api(ours.member).get(body["download_url"], HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"hello"
    missing = api(ours.member).get(
        body["download_url"].replace(f"/{body['id']}/", "/999999/"), HTTP_ACCEPT=accept
    )
    assert missing.status_code == 404
    assert b"No such file" in missing.content


def test_files_go_through_the_configured_storage(api, ours, staff, incident, settings):
    """Moving files to object storage is configuration: point the `attachments` alias of
    STORAGES elsewhere and uploads, samples and downloads follow, with nothing on disk."""
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    plain = upload(api, ours.member, incident, "trace.log", b"trace lines").json()
    sample = upload(api, ours.member, incident, "dropper.exe", EICAR, sample=True).json()

    assert not os.path.exists(settings.MEDIA_ROOT)
    stored = Attachment.objects.get(pk=sample["id"])
    assert files.storage().exists(files.storage_name(stored.stored_name))
    got = api(ours.admin).get(plain["download_url"])
    assert b"".join(got.streaming_content) == b"trace lines"
    zipped = api(staff["engineer"]).get(sample["download_url"])
    archive = pyzipper.AESZipFile(io.BytesIO(b"".join(zipped.streaming_content)))
    archive.setpassword(b"infected")
    assert archive.read("dropper.exe") == EICAR


def test_a_file_missing_from_storage_is_a_404_naming_it(api, ours, incident):
    body = upload(api, ours.member, incident, "gone.txt", b"soon gone").json()
    files.discard(Attachment.objects.get(pk=body["id"]).stored_name)
    response = api(ours.member).get(body["download_url"])
    assert response.status_code == 404
    assert b"missing from storage" in response.content
