"""Staff read times in a zone of their own (their profile), and every time says its zone."""

import datetime
import zoneinfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.template import Context, Template

from contracts.models import BusinessCalendar
from tam.availability import zone_of
from tam.models import WorkingHours
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T = datetime.datetime(2026, 6, 3, 10, 0, tzinfo=datetime.UTC)


def test_staff_choose_their_time_zone_and_the_audit_trail_records_it(client, staff):
    engineer = staff["engineer"]
    client.force_login(engineer)
    assert client.get("/account/profile/").status_code == 200
    response = client.post("/account/profile/", {"time_zone": "America/Sao_Paulo"})
    assert response.status_code == 302
    engineer.refresh_from_db()
    assert engineer.time_zone == "America/Sao_Paulo"
    entry = LogEntry.objects.get_for_object(engineer).latest("timestamp")
    assert entry.changes_dict["time_zone"] == ["", "America/Sao_Paulo"]


def test_an_unknown_time_zone_is_refused(client, staff):
    client.force_login(staff["engineer"])
    response = client.post("/account/profile/", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    staff["engineer"].refresh_from_db()
    assert staff["engineer"].time_zone == ""


def test_customers_read_their_organisations_zone_and_have_no_zone_setting(client, ours):
    client.force_login(ours.member)
    assert client.get("/account/profile/").status_code == 403


def test_the_chosen_zone_comes_before_the_working_hours_zone(staff):
    engineer = staff["engineer"]
    assert zone_of(engineer).key == "UTC"
    calendar = BusinessCalendar.objects.create(name="Hanoi desk", timezone="Asia/Ho_Chi_Minh")
    WorkingHours.objects.create(staff=engineer, calendar=calendar)
    assert zone_of(engineer).key == "Asia/Ho_Chi_Minh"
    engineer.time_zone = "Europe/Lisbon"
    assert zone_of(engineer).key == "Europe/Lisbon"


def test_the_staff_list_shows_times_in_the_staff_members_zone_naming_it(client, ours, staff):
    engineer = staff["engineer"]
    engineer.time_zone = "America/Sao_Paulo"
    engineer.save(update_fields=["time_zone"])
    with time_machine.travel(T, tick=False):
        IncidentFactory(actor=ours.admin)
    client.force_login(engineer)
    html = client.get("/incidents/").content.decode()
    assert "Received (America/Sao_Paulo)" in html
    assert "3 Jun 2026 07:00 UTC-03</time>" in html


def test_staff_read_the_incident_page_in_their_zone_with_the_customers_time_beside(
    client, ours, staff
):
    engineer = staff["engineer"]
    engineer.time_zone = "Asia/Ho_Chi_Minh"
    engineer.save(update_fields=["time_zone"])
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=ours.admin)
    client.force_login(engineer)
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Wed 3 Jun 2026, 17:00 UTC+07</time>" in html
    their = html[html.index('id="their-time"') :]
    assert "12:00 CEST</time>" in their[: their.index("</span>")]
    client.force_login(ours.admin)
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Wed 3 Jun 2026, 12:00 CEST</time>" in html
    assert "their time" not in html


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("Europe/Madrid", "3 Jun 2026 12:00 CEST"), ("UTC", "3 Jun 2026 10:00 UTC")],
)
def test_the_when_tag_names_the_zone_of_every_time(zone, shown):
    html = Template('{% load zones %}{% when at zone "j M Y H:i" %}').render(
        Context({"at": T, "zone": zoneinfo.ZoneInfo(zone)})
    )
    assert html == f'<time datetime="{T.isoformat()}" title="{zone}">{shown}</time>'
