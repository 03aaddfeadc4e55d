"""The incident page as staff and customers use it: the Files panel, file names, the
timeline's words, the status and reply forms."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents.models import Attachment, Channel, ThreadEntry
from incidents.services import incident_reply, incident_update
from tests.conftest import make_tenant
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

ODD_NAME = "…<b>x<\\b> ü中文.log"


@pytest.fixture
def incident(ours):
    return IncidentFactory(actor=ours.admin, title="Strange file", severity=2)


def section(html: str, marker: str) -> str:
    """The part of the page from `marker` to the end of its section."""
    start = html.index(marker)
    return html[start : html.index("</section>", start)]


def page(client, user, incident) -> str:
    client.force_login(user)
    response = client.get(f"/incidents/{incident.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_files_sent_with_a_reply_are_listed_in_the_files_panel(client, ours, incident):
    client.force_login(ours.member)
    response = client.post(
        f"/incidents/{incident.pk}/reply/",
        {"body": "Here is the log", "file": SimpleUploadedFile("proxy.log", b"lines")},
    )
    assert response.status_code == 302
    files_panel = section(page(client, ours.member, incident), 'id="files"')
    assert "proxy.log" in files_panel
    assert "with a reply" in files_panel


def test_files_on_internal_notes_are_in_the_staff_files_panel_only(client, ours, staff, incident):
    client.force_login(staff["engineer"])
    client.post(
        f"/incidents/{incident.pk}/reply/",
        {"body": "Lab trace", "internal": "on", "file": SimpleUploadedFile("lab.log", b"x")},
    )
    staff_panel = section(page(client, staff["engineer"], incident), 'id="files"')
    assert "lab.log" in staff_panel
    assert "with an internal note" in staff_panel
    assert "lab.log" not in page(client, ours.member, incident)


def test_a_backslash_in_a_file_name_does_not_cut_the_name_on_the_page(client, ours, incident):
    client.force_login(ours.member)
    client.post(
        f"/incidents/{incident.pk}/reply/",
        {"body": "Odd name", "file": SimpleUploadedFile(ODD_NAME, b"lines")},
    )
    attachment = Attachment.objects.get(incident=incident)
    assert attachment.original_name == "…<b>x<_b> ü中文.log"
    assert attachment.entry == ThreadEntry.objects.get(body="Odd name")
    html = page(client, ours.member, incident)
    assert "…&lt;b&gt;x&lt;_b&gt; ü中文.log" in section(html, 'id="files"')


def test_a_backslash_in_a_file_name_does_not_cut_the_name_in_the_api(api, ours, incident):
    response = api(ours.member).post(
        f"/api/v1/incidents/{incident.pk}/attachments/",
        {"file": SimpleUploadedFile(ODD_NAME, b"lines"), "sample": "false"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "…<b>x<_b> ü中文.log"


def test_a_windows_path_still_keeps_only_the_file_name(api, ours, incident):
    response = api(ours.member).post(
        f"/api/v1/incidents/{incident.pk}/attachments/",
        {"file": SimpleUploadedFile("C:\\Users\\me\\report.pdf", b"%PDF"), "sample": "false"},
        format="multipart",
    )
    assert response.json()["name"] == "report.pdf"


def timeline(html: str) -> str:
    return section(html, 'id="timeline"')


def test_the_clock_started_line_names_the_time_received_of_a_call_logged_late(client, ours, staff):
    received = timezone.now() - datetime.timedelta(hours=3)
    incident = IncidentFactory(
        actor=staff["engineer"],
        organization=ours.organization,
        channel=Channel.PHONE,
        received_at=received,
    )
    zone = ZoneInfo(ours.organization.timezone)
    when = received.astimezone(zone).strftime("%-d %b %H:%M")
    line = timeline(page(client, ours.admin, incident))
    assert f"Clock started: first response, from {when}" in line
    assert "(time received)" in line


def test_a_clock_started_at_filing_says_no_more(client, ours, incident):
    assert "time received" not in timeline(page(client, ours.admin, incident))


def test_the_staff_timeline_calls_an_internal_note_so_and_sets_it_apart(client, staff, incident):
    incident_reply(incident=incident, author=staff["engineer"], body="Lab", internal=True)
    line = timeline(page(client, staff["engineer"], incident))
    assert re.search(
        r'<li class="internal"><span class="muted"><time[^>]*>[^<]*</time></span> Internal note',
        line,
    )
    assert "Reply" not in line


def test_the_timeline_says_to_whom_an_incident_was_assigned(client, staff, incident):
    engineer = staff["engineer"]
    engineer.full_name = "Ana Engineer"
    engineer.save(update_fields=["full_name"])
    incident_update(incident=incident, actor=staff["tam"], assignee=engineer)
    assert "Assigned to Ana Engineer" in timeline(page(client, staff["tam"], incident))
    incident_update(incident=incident, actor=staff["tam"], assignee=None)
    assert "Unassigned" in timeline(page(client, staff["tam"], incident))


def test_the_close_reason_is_asked_for_only_inside_close(client, staff, incident):
    html = section(page(client, staff["engineer"], incident), 'id="status-card"')
    close = html[html.index('<details class="close-choice"') : html.index("</details>")]
    assert 'name="reason"' in close
    assert 'value="closed"' in close
    assert html.count('name="reason"') == 1  # beside no other status button


def test_the_close_reason_says_a_premium_unit_comes_back(client, staff):
    tenant = make_tenant("Quota Corp", "msa-start")  # a yearly quota of premium incidents
    incident = IncidentFactory(actor=tenant.admin, premium=True)
    html = section(page(client, staff["engineer"], incident), 'id="status-card"')
    assert "gives its premium unit back" in html


def test_customers_close_with_a_plain_button_and_no_reason(client, ours, incident):
    html = section(page(client, ours.admin, incident), 'id="status-card"')
    assert 'name="reason"' not in html
    assert 'value="closed"' in html


def test_internal_note_box_disables_the_qualified_box(client, staff, incident):
    html = page(client, staff["engineer"], incident)
    internal = re.search(r'<input[^>]*name="internal"[^>]*>', html).group()
    assert 'data-disables="qualified"' in internal


def test_a_refused_reply_redirects_keeping_the_text_and_the_error(client, ours, incident):
    client.force_login(ours.member)
    url = f"/incidents/{incident.pk}/reply/"
    refused = client.post(url, {"body": "   "})
    assert refused.status_code == 302
    assert refused["Location"].endswith(f"/incidents/{incident.pk}/#reply")
    shown = client.get(refused["Location"]).content.decode()
    assert "This field is required." in section(shown, 'id="reply"').replace("</form>", "")
    # Shown once: the next visit starts a fresh reply.
    assert "This field is required." not in page(client, ours.member, incident)


def test_a_reply_refused_by_the_service_keeps_the_typed_text(client, ours, staff, incident):
    client.force_login(ours.member)
    url = f"/incidents/{incident.pk}/reply/"
    incident_update(incident=incident, actor=staff["engineer"], status="closed")
    before = incident.entries.count()
    # The page still had its reply form open when the incident was closed elsewhere.
    response = client.post(url, {"body": "My long careful answer"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[0][1] == 302
    assert "This incident is closed" in html
    assert incident.entries.count() == before
