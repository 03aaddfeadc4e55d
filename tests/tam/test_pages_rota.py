"""The rota's week view, its shifts and gaps, and what the SLA health page says of routing."""

import datetime

import pytest
import time_machine

from contracts.models import Contract
from incidents.models import EventKind, IncidentEvent, RouteReason
from incidents.services import incident_assign
from portal.models import StaffRole
from tam.models import DutyShift
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, StaffFactory
from tests.tam.people import (
    DAY,
    FRIDAY_MORNING,
    MADRID,
    TO,
    UTC,
    H,
    absent,
    local_input,
    office_calendar,
    plain,
    shift,
    works,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 6, 1)  # FRIDAY_MORNING's week


@pytest.fixture
def viewer(staff):
    """A provider admin who reads the rota in Madrid time."""
    admin = staff[StaffRole.ADMIN]
    works(admin, office_calendar())
    return admin


@pytest.fixture
def duty(db):
    return StaffFactory(staff_role=StaffRole.DUTY_MANAGER, full_name="Dora Duty")


def day_row(page: str, label: str) -> str:
    start = page.index(f"<strong>{label}</strong>")
    return page[start : page.index("</tr>", start)]


def test_the_week_shows_each_days_shifts_in_the_readers_zone(client, viewer, duty):
    shift(duty, FRIDAY_MORNING - 2 * H, FRIDAY_MORNING + 10 * H)  # Fri 08:00-20:00 Madrid
    overnight = datetime.datetime(2026, 6, 6, 20, 0, tzinfo=MADRID)
    shift(duty, overnight, overnight + 12 * H)  # Saturday night into Sunday
    shift(duty, FRIDAY_MORNING + 7 * DAY, FRIDAY_MORNING + 7 * DAY + H)  # next week
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        client.force_login(viewer)
        page = client.get("/desk/rota/").content.decode()
    assert "Week of 1 Jun 2026 (Europe/Madrid)" in page
    friday = plain(day_row(page, "Friday 5 Jun"))
    assert f"Dora Duty: Fri 5 Jun 08:00 CEST{TO}Fri 5 Jun 20:00 CEST" in friday
    assert "today" in friday
    overnight_line = f"Dora Duty: Sat 6 Jun 20:00 CEST{TO}Sun 7 Jun 08:00 CEST"
    assert overnight_line in plain(day_row(page, "Saturday 6 Jun"))
    assert overnight_line in plain(day_row(page, "Sunday 7 Jun"))
    assert "nobody" in day_row(page, "Monday 1 Jun")
    assert "Fri 12 Jun" not in page.split('id="gaps"')[0]
    on_duty = page[page.index('id="on-duty"') : page.index('id="week"')]
    assert "Dora Duty" in on_duty


def test_another_week_is_asked_by_any_of_its_days(client, viewer, duty):
    shift(duty, FRIDAY_MORNING + 7 * DAY, FRIDAY_MORNING + 7 * DAY + H)
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        client.force_login(viewer)
        page = client.get("/desk/rota/?week=2026-06-10").content.decode()
    assert "Week of 8 Jun 2026" in page
    assert f"Dora Duty: Fri 12 Jun 10:00 CEST{TO}Fri 12 Jun 11:00 CEST" in plain(
        day_row(page, "Friday 12 Jun")
    )
    assert "?week=2026-06-01" in page
    assert "?week=2026-06-15" in page
    assert "Nobody is on duty now." in page


def test_a_week_that_is_not_a_date_is_a_400_naming_it_and_this_week_shown(client, viewer):
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        client.force_login(viewer)
        response = client.get("/desk/rota/?week=next-ish")
        far = client.get("/desk/rota/?week=0001-01-01")
    assert response.status_code == 400
    page = response.content.decode()
    assert "<code>week</code>: “next-ish” is not a date (YYYY-MM-DD); this week is shown." in page
    assert "Week of 1 Jun 2026" in page
    assert far.status_code == 400
    assert "<code>week</code>: Give a day from 1900-01-01 to 9998-12-31" in far.content.decode()


def test_gaps_of_the_next_fourteen_days_are_on_the_rota_and_health_pages(client, viewer, duty):
    shift(duty, FRIDAY_MORNING - 2 * H, FRIDAY_MORNING + 10 * H)
    monday = datetime.datetime(2026, 6, 8, 8, 0, tzinfo=MADRID)
    shift(duty, monday, monday + 10 * H)
    absent(duty, monday + 2 * H, monday + 4 * H)  # an absent duty manager covers nothing
    gaps = [
        f"Fri 5 Jun 20:00 CEST{TO}Mon 8 Jun 08:00 CEST",
        f"Mon 8 Jun 10:00 CEST{TO}Mon 8 Jun 12:00 CEST",
        f"Mon 8 Jun 18:00 CEST{TO}Fri 19 Jun 10:00 CEST",
    ]
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        client.force_login(viewer)
        rota = client.get("/desk/rota/").content.decode()
        health = client.get("/operations/sla/").content.decode()
    for page in (rota, health):
        listed = plain(page[page.index('id="rota-gaps"') :])
        for gap in gaps:
            assert gap in listed
        assert "(2 d 12 h)" in listed
        assert "(2 h)" in listed
    assert "Rota gaps in the next 14 days (Europe/Madrid)" in health


def test_a_full_rota_says_there_is_no_gap(client, viewer, duty):
    shift(duty, FRIDAY_MORNING - H, FRIDAY_MORNING + 15 * DAY)
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        client.force_login(viewer)
        page = client.get("/desk/rota/").content.decode()
    assert "Someone is on duty at every moment of the next 14 days." in page


def test_the_health_page_counts_incidents_nobody_qualified_for(client, staff):
    tenant = make_tenant("Routed SA")
    tam = staff[StaffRole.TAM]
    Contract.objects.filter(pk=tenant.contract.pk).update(tam=tam)
    absent(tam, FRIDAY_MORNING - DAY, FRIDAY_MORNING + DAY)
    shelf = make_tenant("Shelf SL")  # no TAM: the shared queue, not a routing failure
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        stuck = [IncidentFactory(actor=tenant.admin) for _ in range(3)]
        IncidentFactory(actor=shelf.admin)
        incident_assign(incident=stuck[0], actor=staff["admin"], assignee=staff["engineer"])
        client.force_login(staff[StaffRole.ADMIN])
        page = client.get("/operations/sla/").content.decode()
    reasons = IncidentEvent.objects.filter(kind=EventKind.ROUTED).values_list(
        "data__reason", flat=True
    )
    assert sorted(reasons) == sorted([RouteReason.NOBODY_ON_DUTY] * 3 + [RouteReason.NO_TAM])
    unrouted = page[page.index('id="unrouted"') :]
    assert unrouted.startswith('id="unrouted"><span class="badge bad">2</span>')


# -- editing the rota ---------------------------------------------------------------------


def shift_post(person, starts_at, ends_at):
    return {
        "staff": person.pk,
        "starts_at": local_input(starts_at),
        "ends_at": local_input(ends_at),
    }


def test_a_provider_admin_adds_a_shift_in_their_zone(client, viewer, duty):
    client.force_login(viewer)
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        page = client.get("/desk/rota/").content.decode()
        assert f'<option value="{duty.pk}">Dora Duty</option>' in page
        start = datetime.datetime(2026, 6, 9, 8, 0, tzinfo=MADRID)
        response = client.post("/desk/rota/shifts/", shift_post(duty, start, start + 10 * H))
    assert response.status_code == 302
    assert response["Location"] == "/desk/rota/?week=2026-06-08"
    added = DutyShift.objects.get()
    assert (added.staff, added.starts_at) == (duty, datetime.datetime(2026, 6, 9, 6, tzinfo=UTC))


def test_only_duty_managers_and_admins_go_on_the_rota(client, viewer, staff):
    engineer = staff[StaffRole.ENGINEER]
    client.force_login(viewer)
    page = client.get("/desk/rota/").content.decode()
    assert f'<option value="{engineer.pk}"' not in page
    response = client.post(
        "/desk/rota/shifts/", shift_post(engineer, FRIDAY_MORNING, FRIDAY_MORNING + H)
    )
    assert response.status_code == 400
    form = response.content.decode()
    form = form[form.index('id="shift-form"') :]
    assert "Only a duty manager or a provider admin can be on the rota." in form
    assert not DutyShift.objects.exists()


def test_a_shift_that_ends_before_it_starts_is_refused_on_the_end(client, viewer, duty):
    client.force_login(viewer)
    response = client.post(
        "/desk/rota/shifts/", shift_post(duty, FRIDAY_MORNING, FRIDAY_MORNING - H)
    )
    assert response.status_code == 400
    page = response.content.decode()
    until = page[page.index('name="ends_at"') :]
    assert until.index("The end must be after the start.") < until.index("</div>")
    assert not DutyShift.objects.exists()


def test_a_provider_admin_removes_a_shift(client, viewer, duty):
    added = shift(duty, FRIDAY_MORNING, FRIDAY_MORNING + H)
    client.force_login(viewer)
    response = client.post(f"/desk/rota/shifts/{added.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/desk/rota/?week=2026-06-01"
    assert not DutyShift.objects.exists()
    assert client.post(f"/desk/rota/shifts/{added.pk}/delete/").status_code == 404


@pytest.mark.parametrize("role", [StaffRole.ENGINEER, StaffRole.TAM, StaffRole.DUTY_MANAGER])
def test_other_staff_read_the_rota_but_cannot_change_it(client, staff, duty, role):
    added = shift(duty, FRIDAY_MORNING, FRIDAY_MORNING + H)
    client.force_login(staff[role])
    page = client.get("/desk/rota/?week=2026-06-01").content.decode()
    assert "Dora Duty" in page
    assert 'id="shift-form"' not in page
    assert "/delete/" not in page
    post = shift_post(duty, FRIDAY_MORNING + DAY, FRIDAY_MORNING + DAY + H)
    assert client.post("/desk/rota/shifts/", post).status_code == 403
    assert client.post(f"/desk/rota/shifts/{added.pk}/delete/").status_code == 403
    assert list(DutyShift.objects.all()) == [added]


def test_customers_find_no_rota(client, ours, duty):
    added = shift(duty, FRIDAY_MORNING, FRIDAY_MORNING + H)
    for user in (ours.admin, ours.member):
        client.force_login(user)
        for url in ["/desk/rota/", "/desk/rota/shifts/", f"/desk/rota/shifts/{added.pk}/delete/"]:
            assert client.get(url).status_code == 404, url
            assert (
                client.post(url, shift_post(duty, FRIDAY_MORNING, FRIDAY_MORNING + H)).status_code
                == 404
            ), url
    assert DutyShift.objects.count() == 1
