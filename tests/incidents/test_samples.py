"""Malware samples' analyses: staff record them (API and page), the customer's side sees the
result and is e-mailed once, and the same file sent again reuses the earlier result, also
from another organisation, without showing that organisation's incident."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.models import DatabaseRelease, Product
from incidents.models import EventKind, IncidentEvent, Notification, SampleAnalysis
from incidents.services.thread import attachment_add
from incidents.timeline import summary
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

DROPPER = b"MZ this is a dropper, honest"


def sent(kind):
    return sorted(m.to[0] for m in mail.outbox if m.extra_headers.get("X-Portal-Event") == kind)


def file_sample(tenant, content=DROPPER, name="invoice.exe", title="Odd attachment"):
    return IncidentFactory(
        actor=tenant.member,
        title=title,
        uploads=[(SimpleUploadedFile(name, content), True)],
    )


@pytest.fixture
def release(db):
    product = Product.objects.create(name="Endpoint Shield")
    return DatabaseRelease.objects.create(
        product=product, version="2026.11.29.1", released_at=timezone.now()
    )


@pytest.fixture
def incident(ours):
    return file_sample(ours)


def analysis_url(incident, sample):
    return f"/api/v1/incidents/{incident.pk}/attachments/{sample.pk}/analysis/"


MALICIOUS = {
    "verdict": "malicious",
    "detection_name": "Trojan.Dropper.X",
    "removal": "Quarantine the file and run a full scan.",
}


def test_staff_record_an_analysis_and_the_customer_reads_it(
    api, ours, staff, incident, release, django_capture_on_commit_callbacks
):
    sample = incident.attachments.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(staff["engineer"]).put(
            analysis_url(incident, sample), {**MALICIOUS, "release": release.pk}, format="json"
        )
    assert response.status_code == 200, response.json()
    assert response.json()["verdict"] == "malicious"
    assert response.json()["reused"] is False

    files = api(ours.member).get(f"/api/v1/incidents/{incident.pk}/attachments/").json()
    (row,) = files["results"]
    assert row["sha256"] == sample.sha256
    assert row["analysis"]["detection_name"] == "Trojan.Dropper.X"
    assert row["analysis"]["release"] == release.pk
    assert row["analysis"]["removal"] == MALICIOUS["removal"]
    assert row["analysis"]["reused_from"] is None

    # The customer's side is told, with the verdict and how to remove it.
    assert sent("sample_analysed") == sorted([ours.admin.email, ours.member.email])
    body = mail.outbox[-1].body
    assert "invoice.exe is malicious, detected as Trojan.Dropper.X" in body
    assert "Quarantine the file" in body


def test_the_same_analysis_sent_again_emails_nobody_again(api, staff, incident):
    sample = incident.attachments.get()
    for _ in range(2):
        response = api(staff["engineer"]).put(
            analysis_url(incident, sample), MALICIOUS, format="json"
        )
        assert response.status_code == 200
    rows = Notification.objects.filter(event_kind=EventKind.SAMPLE_ANALYSED)
    assert rows.count() == 2  # the admin and the contact who filed, once each
    assert IncidentEvent.objects.filter(kind=EventKind.SAMPLE_ANALYSED).count() == 1

    # A correction is news: told again.
    api(staff["engineer"]).put(
        analysis_url(incident, sample), {**MALICIOUS, "verdict": "pua"}, format="json"
    )
    assert rows.count() == 4
    assert SampleAnalysis.objects.get(attachment=sample).verdict == "pua"


def test_a_customer_cannot_record_an_analysis(api, ours, incident):
    sample = incident.attachments.get()
    response = api(ours.admin).put(analysis_url(incident, sample), MALICIOUS, format="json")
    assert response.status_code == 403
    assert not SampleAnalysis.objects.exists()


def test_another_tenants_sample_is_not_found(api, theirs, incident):
    sample = incident.attachments.get()
    response = api(theirs.admin).put(analysis_url(incident, sample), MALICIOUS, format="json")
    assert response.status_code == 404


def test_a_plain_file_has_no_analysis(api, ours, staff):
    incident = IncidentFactory(
        actor=ours.member, uploads=[(SimpleUploadedFile("log.txt", b"lines"), False)]
    )
    plain = incident.attachments.get()
    response = api(staff["engineer"]).put(analysis_url(incident, plain), MALICIOUS, format="json")
    assert response.status_code == 404
    files = api(ours.member).get(f"/api/v1/incidents/{incident.pk}/attachments/").json()
    assert files["results"][0]["analysis"] is None


def test_a_malicious_verdict_names_the_detection(api, staff, incident):
    sample = incident.attachments.get()
    response = api(staff["engineer"]).put(
        analysis_url(incident, sample), {"verdict": "malicious"}, format="json"
    )
    assert response.status_code == 400
    assert "detection_name" in response.json()
    clean = api(staff["engineer"]).put(
        analysis_url(incident, sample), {"verdict": "clean"}, format="json"
    )
    assert clean.status_code == 200


def test_the_timeline_says_the_verdict(api, ours, staff, incident):
    sample = incident.attachments.get()
    api(staff["engineer"]).put(analysis_url(incident, sample), MALICIOUS, format="json")
    event = IncidentEvent.objects.get(kind=EventKind.SAMPLE_ANALYSED)
    assert summary(event) == (
        "Sample analysed: invoice.exe is malicious, detected as Trojan.Dropper.X"
    )
    events = api(ours.member).get(f"/api/v1/incidents/{incident.pk}/events/").json()
    assert "sample_analysed" in [e["kind"] for e in events["results"]]


# -- the same file again ----------------------------------------------------------------------


def upload_as(client, user, incident, content, name="again.exe"):
    """Through the page, as the customer signs in: their request runs under row-level
    security (portal/tenancy.py), as in production."""
    client.force_login(user)
    return client.post(
        f"/incidents/{incident.pk}/files/",
        {"file": SimpleUploadedFile(name, content), "sample": "on"},
    )


def test_a_sample_sent_again_by_another_customer_gets_the_result_at_once(
    client, api, ours, theirs, staff, incident, django_capture_on_commit_callbacks
):
    ours_sample = incident.attachments.get()
    api(staff["engineer"]).put(analysis_url(incident, ours_sample), MALICIOUS, format="json")
    their_incident = IncidentFactory(actor=theirs.member, title="Mail attachment")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_as(client, theirs.member, their_incident, DROPPER)
    assert response.status_code == 302
    their_sample = their_incident.attachments.get()
    analysis = their_sample.analysis
    assert analysis.reused_from == ours_sample.analysis
    assert analysis.organization_id == theirs.organization.pk
    assert (analysis.verdict, analysis.detection_name) == ("malicious", "Trojan.Dropper.X")
    # Told at once, as for an analysis of their own.
    told = Notification.objects.filter(
        event_kind=EventKind.SAMPLE_ANALYSED, organization=theirs.organization
    )
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        [theirs.admin.email, theirs.member.email]
    )
    message = next(
        m
        for m in mail.outbox
        if m.to == [theirs.admin.email] and m.extra_headers["X-Portal-Event"] == "sample_analysed"
    )
    assert "detected as Trojan.Dropper.X" in message.body
    assert incident.number not in message.body

    # The customer sees the result, never whose sample it was.
    page = client.get(f"/incidents/{their_incident.pk}/").content.decode()
    assert "Trojan.Dropper.X" in page
    assert "was analysed before" in page
    for secret in (incident.number, incident.title, f"/incidents/{incident.pk}/", "Ours Ltd"):
        assert secret not in page
    files = client.get(f"/api/v1/incidents/{their_incident.pk}/attachments/").json()
    assert files["results"][0]["analysis"]["reused"] is True
    assert files["results"][0]["analysis"]["reused_from"] is None

    # Staff see where it came from.
    client.force_login(staff["engineer"])
    page = client.get(f"/incidents/{their_incident.pk}/").content.decode()
    assert f"/incidents/{incident.pk}/#sample-{ours_sample.pk}" in page
    files = client.get(f"/api/v1/incidents/{their_incident.pk}/attachments/").json()
    assert files["results"][0]["analysis"]["reused_from"] == {
        "incident": incident.pk,
        "attachment": ours_sample.pk,
    }


def test_a_sample_filed_again_with_the_incident_reuses_the_result(api, ours, staff, incident):
    api(staff["engineer"]).put(
        analysis_url(incident, incident.attachments.get()), MALICIOUS, format="json"
    )
    again = file_sample(ours, name="copy.exe")
    assert again.attachments.get().analysis.reused_from is not None
    words = [summary(e) for e in again.events.filter(kind=EventKind.SAMPLE_ANALYSED)]
    assert words == [
        "Sample analysed: copy.exe is malicious, detected as Trojan.Dropper.X "
        "(from an earlier analysis of the same file)"
    ]


def test_another_file_or_an_unanalysed_one_starts_from_nothing(ours, incident):
    other = file_sample(ours, content=b"something else").attachments.get()
    assert not SampleAnalysis.objects.filter(attachment=other).exists()


def test_staff_record_the_analysis_on_the_page(client, ours, staff, incident, release):
    sample = incident.attachments.get()
    client.force_login(staff["engineer"])
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert f'action="/incidents/{incident.pk}/files/{sample.pk}/analysis/"' in page
    response = client.post(
        f"/incidents/{incident.pk}/files/{sample.pk}/analysis/",
        {**MALICIOUS, "release": release.pk},
    )
    assert response.status_code == 302
    assert SampleAnalysis.objects.get(attachment=sample).release == release

    client.force_login(ours.member)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Trojan.Dropper.X" in page
    assert "Quarantine the file and run a full scan." in page
    assert sample.sha256 in page
    assert "Record the analysis" not in page
    refused = client.post(f"/incidents/{incident.pk}/files/{sample.pk}/analysis/", MALICIOUS)
    assert refused.status_code == 403


def test_a_customer_still_cannot_download_a_sample_as_itself(api, ours, incident):
    sample = incident.attachments.get()
    response = api(ours.admin).get(
        f"/api/v1/incidents/{incident.pk}/attachments/{sample.pk}/download/"
    )
    assert response.status_code == 403


def test_an_analysis_is_timestamped(api, staff, incident):
    sample = incident.attachments.get()
    before = timezone.now() - datetime.timedelta(seconds=1)
    api(staff["engineer"]).put(analysis_url(incident, sample), MALICIOUS, format="json")
    assert SampleAnalysis.objects.get(attachment=sample).analysed_at >= before


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["customer", "staff"])
def test_the_files_list_reads_analyses_without_a_query_per_file(
    client, api, ours, staff, incident, who
):
    """Analysed samples, reused ones among them (staff see where those came from)."""
    engineer = api(staff["engineer"])

    def add_analysed(content: bytes):
        sample = attachment_add(
            incident=incident,
            actor=ours.member,
            upload=SimpleUploadedFile("s.exe", content),
            sample=True,
        )
        engineer.put(analysis_url(incident, sample), MALICIOUS, format="json")
        # The same file again: its analysis is reused.
        attachment_add(
            incident=incident,
            actor=ours.member,
            upload=SimpleUploadedFile("again.exe", content),
            sample=True,
        )

    client.force_login(ours.member if who == "customer" else staff["engineer"])
    url = f"/api/v1/incidents/{incident.pk}/attachments/"
    add_analysed(b"first")
    few = count_queries(client, url)
    for n in range(3):
        add_analysed(f"more {n}".encode())
    assert count_queries(client, url) == few
    page = f"/incidents/{incident.pk}/"
    few = count_queries(client, page)
    add_analysed(b"one more")
    assert count_queries(client, page) == few
