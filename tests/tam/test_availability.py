"""Available at an instant means inside working hours and not absent; the next change is
when that flips."""

import datetime

from contracts.business_time import WorkCalendar, next_closing
from tam.availability import State, availability, is_available
from tests.tam.conftest import madrid
from tests.tam.people import MADRID, absent

WEDNESDAY_11 = madrid(2026, 6, 3, 11, 0)


def test_inside_hours_and_present_is_available_until_the_day_ends(desk):
    now = availability([desk.tam.pk], WEDNESDAY_11)[desk.tam.pk]
    assert now.available
    assert now.next_change == madrid(2026, 6, 3, 18, 0)
    assert now.zone == MADRID


def test_after_hours_on_friday_is_back_on_monday_morning(desk):
    later = availability([desk.tam.pk], madrid(2026, 6, 5, 18, 0))[desk.tam.pk]
    assert later.state == State.OFF_HOURS
    assert later.next_change == madrid(2026, 6, 8, 9, 0)


def test_an_absence_makes_them_away_and_back_at_the_first_working_hour_after_it(desk):
    # Leave until Monday 00:00 Madrid: back when Monday's hours open.
    absent(desk.tam, madrid(2026, 6, 3, 10, 0), madrid(2026, 6, 8, 0, 0))
    now = availability([desk.tam.pk], WEDNESDAY_11)[desk.tam.pk]
    assert now.state == State.ABSENT
    assert now.reason == "leave"
    assert now.next_change == madrid(2026, 6, 8, 9, 0)
    assert not is_available(desk.tam.pk, WEDNESDAY_11)


def test_an_absence_starting_later_today_is_the_next_change(desk):
    absent(desk.tam, madrid(2026, 6, 3, 15, 0), madrid(2026, 6, 3, 16, 0))
    assert availability([desk.tam.pk], WEDNESDAY_11)[desk.tam.pk].next_change == madrid(
        2026, 6, 3, 15, 0
    )
    back = availability([desk.tam.pk], madrid(2026, 6, 3, 15, 30))[desk.tam.pk]
    assert (back.state, back.next_change) == (State.ABSENT, madrid(2026, 6, 3, 16, 0))


def test_staff_without_working_hours_work_any_hour(staff):
    engineer = staff["engineer"]
    sunday_night = madrid(2026, 6, 7, 3, 0)
    assert is_available(engineer.pk, sunday_night)
    absent(engineer, sunday_night, sunday_night + datetime.timedelta(hours=2))
    assert not is_available(engineer.pk, sunday_night)


def test_next_closing_runs_across_windows_that_meet_at_midnight():
    late = WorkCalendar(
        timezone="UTC",
        windows=(
            (0, datetime.time(20), datetime.time(0)),
            (1, datetime.time(0), datetime.time(6)),
        ),
    )
    monday_22 = datetime.datetime(2026, 6, 1, 22, 0, tzinfo=datetime.UTC)
    assert next_closing(late, monday_22) == datetime.datetime(2026, 6, 2, 6, 0, tzinfo=datetime.UTC)
    closed = datetime.datetime(2026, 6, 2, 7, 0, tzinfo=datetime.UTC)
    assert next_closing(late, closed) == closed
    assert next_closing(WorkCalendar(timezone="UTC", windows=(), always_open=True), closed) is None
