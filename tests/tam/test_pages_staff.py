"""The staff page: availability now and its next change in words, absences and hours."""

import datetime

import pytest
import time_machine

from portal.models import StaffRole
from tam.models import Absence, WorkingHours
from tests.factories import CalendarFactory, StaffFactory
from tests.tam.people import (
    DAY,
    FRIDAY_EVENING,
    FRIDAY_MORNING,
    MADRID,
    TO,
    UTC,
    H,
    absent,
    local_input,
    office_calendar,
    plain,
    works,
)

pytestmark = pytest.mark.django_db


def row_of(page: str, person) -> str:
    start = page.index(f'<tr id="staff-{person.pk}">')
    return page[start : page.index("</tr>", start)]


@pytest.fixture
def madrid_tam(db):
    tam = StaffFactory(staff_role=StaffRole.TAM, full_name="Marta Madrid")
    works(tam, office_calendar())
    return tam


def test_after_hours_on_friday_a_tam_is_back_monday_at_nine_madrid(client, staff, madrid_tam):
    with time_machine.travel(FRIDAY_EVENING, tick=False):
        client.force_login(staff[StaffRole.ENGINEER])
        page = client.get("/desk/staff/").content.decode()
    row = row_of(page, madrid_tam)
    assert "Outside working hours" in row
    assert "back Monday 09:00 Madrid" in row
    # The calendar's name already says where: its zone is not named twice.
    assert "<td>Madrid office</td>" in row
    assert "(Europe/Madrid)" not in row


def test_in_hours_a_tam_is_away_from_six_madrid(client, staff, madrid_tam):
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        client.force_login(staff[StaffRole.ENGINEER])
        row = row_of(client.get("/desk/staff/").content.decode(), madrid_tam)
    assert ">Available<" in row
    assert "away from 18:00 Madrid" in row


def test_an_absence_says_why_and_when_they_are_back(client, staff, madrid_tam):
    wednesday = datetime.datetime(2026, 6, 10, 9, 0, tzinfo=MADRID)
    absent(madrid_tam, FRIDAY_MORNING - DAY, wednesday, reason="sick", note="flu")
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        client.force_login(staff[StaffRole.ENGINEER])
        row = row_of(client.get("/desk/staff/").content.decode(), madrid_tam)
    assert "Absent (sick)" in row
    assert "back Wednesday 09:00 Madrid" in row
    # Listed in the reader's zone (no working hours: UTC), until it is over.
    assert f"Sick: Thu 4 Jun 08:00 UTC{TO}Wed 10 Jun 07:00 UTC" in plain(row)
    assert "flu" in row


def test_times_are_worded_in_the_persons_own_zone_and_name_it(client, staff):
    new_york = StaffFactory(full_name="Nia York")
    works(new_york, office_calendar(name="NY office", zone="America/New_York"))
    anyone = StaffFactory(full_name="Ann Anytime")
    with time_machine.travel(FRIDAY_EVENING, tick=False):  # 12:30 in New York
        client.force_login(staff[StaffRole.ENGINEER])
        page = client.get("/desk/staff/").content.decode()
    assert "away from 18:00 New York" in row_of(page, new_york)
    anytime = row_of(page, anyone)
    assert ">Available<" in anytime
    assert "any hour" in anytime
    assert "next-change" not in anytime


def test_tomorrow_and_later_dates_are_worded_plainly(client, staff, madrid_tam):
    absent(madrid_tam, FRIDAY_MORNING - H, FRIDAY_MORNING + 20 * DAY)
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        client.force_login(staff[StaffRole.ENGINEER])
        row = row_of(client.get("/desk/staff/").content.decode(), madrid_tam)
    assert "back Thu 25 Jun 10:00 Madrid" in row
    night = StaffFactory(full_name="Nate Night")
    works(night, office_calendar(name="Nights", start=0, end=1))
    with time_machine.travel(FRIDAY_MORNING - DAY, tick=False):  # Thursday 10:00
        row = row_of(client.get("/desk/staff/").content.decode(), night)
    assert "back tomorrow 00:00 Madrid" in row


# -- recording absences -------------------------------------------------------------------


def absence_post(person, starts_at, ends_at, reason="leave", note=""):
    return {
        "staff": person.pk,
        "starts_at": local_input(starts_at),
        "ends_at": local_input(ends_at),
        "reason": reason,
        "note": note,
    }


def test_staff_record_their_own_absence_in_their_own_zone(client, madrid_tam):
    client.force_login(madrid_tam)
    page = client.get("/desk/staff/").content.decode()
    assert f'<input type="hidden" name="staff" value="{madrid_tam.pk}"' in page
    start = datetime.datetime(2026, 8, 3, 9, 0, tzinfo=MADRID)
    response = client.post(
        "/desk/staff/absences/", absence_post(madrid_tam, start, start + 5 * DAY, "training")
    )
    assert response.status_code == 302
    absence = Absence.objects.get()
    assert absence.staff == madrid_tam
    assert absence.created_by == madrid_tam
    assert absence.starts_at == datetime.datetime(2026, 8, 3, 7, 0, tzinfo=UTC)
    assert absence.reason == "training"


def test_staff_cannot_record_someone_elses_absence(client, staff, madrid_tam):
    client.force_login(staff[StaffRole.ENGINEER])
    response = client.post(
        "/desk/staff/absences/", absence_post(madrid_tam, FRIDAY_MORNING, FRIDAY_EVENING)
    )
    assert response.status_code == 403
    assert not Absence.objects.exists()


def test_provider_admins_record_anyones_absence(client, staff, madrid_tam):
    client.force_login(staff[StaffRole.ADMIN])
    page = client.get("/desk/staff/").content.decode()
    assert f'<option value="{madrid_tam.pk}">Marta Madrid</option>' in page
    response = client.post(
        "/desk/staff/absences/", absence_post(madrid_tam, FRIDAY_MORNING, FRIDAY_EVENING, "sick")
    )
    assert response.status_code == 302
    assert Absence.objects.get().created_by == staff[StaffRole.ADMIN]


@pytest.mark.parametrize("hours", [0, -2], ids=["ends at the start", "ends before"])
def test_an_absence_that_ends_before_it_starts_is_refused_on_the_end(client, madrid_tam, hours):
    client.force_login(madrid_tam)
    post = absence_post(madrid_tam, FRIDAY_MORNING, FRIDAY_MORNING + H * hours)
    response = client.post("/desk/staff/absences/", post)
    assert response.status_code == 400
    page = response.content.decode()
    form = page[page.index('id="absence-form"') :]
    until = form[form.index('name="ends_at"') :]
    assert until.index("The end must be after the start.") < until.index("</div>")
    assert not Absence.objects.exists()


def test_an_absence_without_times_names_the_missing_field(client, madrid_tam):
    client.force_login(madrid_tam)
    response = client.post("/desk/staff/absences/", {"staff": madrid_tam.pk, "reason": "leave"})
    assert response.status_code == 400
    assert response.content.decode().count("This field is required.") == 2


def test_staff_withdraw_their_own_absences_admins_anyones(client, staff, madrid_tam):
    mine = absent(madrid_tam, FRIDAY_MORNING, FRIDAY_EVENING)
    theirs = absent(staff[StaffRole.ENGINEER], FRIDAY_MORNING, FRIDAY_EVENING)
    client.force_login(madrid_tam)
    assert client.post(f"/desk/staff/absences/{theirs.pk}/delete/").status_code == 403
    assert client.post(f"/desk/staff/absences/{mine.pk}/delete/").status_code == 302
    assert list(Absence.objects.all()) == [theirs]
    client.force_login(staff[StaffRole.ADMIN])
    assert client.post(f"/desk/staff/absences/{theirs.pk}/delete/").status_code == 302
    assert not Absence.objects.exists()
    assert client.post(f"/desk/staff/absences/{theirs.pk}/delete/").status_code == 404


# -- working hours ------------------------------------------------------------------------


def test_provider_admins_set_and_clear_working_hours(client, staff, madrid_tam):
    engineer = staff[StaffRole.ENGINEER]
    calendar = CalendarFactory(name="Lisbon office", timezone="Europe/Lisbon")
    client.force_login(staff[StaffRole.ADMIN])
    assert 'id="hours-form"' in client.get("/desk/staff/").content.decode()
    post = {"staff": engineer.pk, "calendar": calendar.pk}
    assert client.post("/desk/staff/hours/", post).status_code == 302
    assert WorkingHours.objects.get(staff=engineer).calendar == calendar
    assert client.post("/desk/staff/hours/", {"staff": engineer.pk}).status_code == 302
    assert not WorkingHours.objects.filter(staff=engineer).exists()
    response = client.post("/desk/staff/hours/", {"staff": engineer.pk, "calendar": 999999})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_other_staff_see_hours_but_cannot_set_them(client, staff, madrid_tam):
    client.force_login(staff[StaffRole.DUTY_MANAGER])
    assert 'id="hours-form"' not in client.get("/desk/staff/").content.decode()
    calendar = CalendarFactory()
    post = {"staff": madrid_tam.pk, "calendar": calendar.pk}
    assert client.post("/desk/staff/hours/", post).status_code == 403
    assert WorkingHours.objects.get(staff=madrid_tam).calendar.name == "Madrid office"


# -- customers ----------------------------------------------------------------------------


def test_customers_find_none_of_the_staff_pages(client, ours, madrid_tam):
    absence = absent(madrid_tam, FRIDAY_MORNING, FRIDAY_EVENING)
    urls = [
        "/desk/staff/",
        "/desk/staff/absences/",
        f"/desk/staff/absences/{absence.pk}/delete/",
        "/desk/staff/hours/",
    ]
    for user in (ours.admin, ours.member):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"staff": user.pk}).status_code == 404, url
    assert Absence.objects.count() == 1
