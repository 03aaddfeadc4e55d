"""Tests for contracts.business_time: fixed vectors plus properties against a brute force."""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.business_time import (
    WorkCalendar,
    add_working_time,
    is_open,
    next_opening,
    working_time_between,
)

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
WEEKDAYS = range(5)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def office(zone: str, start: int = 9, end: int = 17, holidays: set[date] | None = None):
    return WorkCalendar(
        zone,
        tuple((d, time(start), time(end)) for d in WEEKDAYS),
        frozenset(holidays or ()),
    )


# --------------------------------------------------------------------------------------------
# Brute-force reference
# --------------------------------------------------------------------------------------------


class Brute:
    """Minute-by-minute model of a calendar, built straight from the definition.

    A wall time w resolves to the first UTC instant whose local wall clock reads >= w: that is the
    unique instant normally, the first occurrence when ambiguous and the transition instant in a
    gap. So a UTC minute u is inside window [ws, we) iff ws <= M(u) < we, where M is the running
    maximum of the local wall clock up to u. No fold or gap handling is needed at all.
    """

    def __init__(self, cal: WorkCalendar, lo: datetime, minutes: int) -> None:
        zone = ZoneInfo(cal.timezone)
        self.lo = lo
        # The running max only needs history reaching back past the last repeated hour.
        scan_from = lo - timedelta(days=1)
        first = scan_from.astimezone(zone).date() - timedelta(days=2)
        last = (lo + minutes * MINUTE).astimezone(zone).date() + timedelta(days=2)
        spans = []
        day = first
        while day <= last:
            if day not in cal.holidays:
                for weekday, start, end in cal.windows:
                    if weekday == day.weekday():
                        end_day = day + timedelta(days=1) if end <= start else day
                        spans.append((datetime.combine(day, start), datetime.combine(end_day, end)))
            day += timedelta(days=1)
        spans.sort()
        starts: list[datetime] = []
        ends: list[datetime] = []
        for a, b in spans:
            if ends and a <= ends[-1]:
                ends[-1] = max(ends[-1], b)
            else:
                starts.append(a)
                ends.append(b)
        running = datetime.min
        self.open: list[bool] = []
        lead = int((lo - scan_from) / MINUTE)
        for i in range(lead + minutes):
            wall = (scan_from + i * MINUTE).astimezone(zone).replace(tzinfo=None)
            running = max(running, wall)
            if i >= lead:
                k = bisect_right(starts, running) - 1
                self.open.append(k >= 0 and running < ends[k])
        self.prefix = [0]
        for flag in self.open:
            self.prefix.append(self.prefix[-1] + flag)

    def at(self, i: int) -> datetime:
        return self.lo + i * MINUTE

    def between(self, i: int, j: int) -> timedelta:
        return (self.prefix[j] - self.prefix[i]) * MINUTE

    def next_opening(self, i: int) -> datetime | None:
        for j in range(i, len(self.open)):
            if self.open[j]:
                return self.at(j)
        return None

    def add(self, i: int, minutes: int) -> datetime | None:
        if minutes == 0:
            return self.next_opening(i)
        target = self.prefix[i] + minutes
        for j in range(i, len(self.open)):
            if self.prefix[j + 1] == target:
                return self.at(j + 1)
        return None


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------

# Known offset transitions (checked below) and transition-free anchors for fixed-offset zones.
ANCHORS: dict[str, list[datetime]] = {
    "Europe/Madrid": [utc(2026, 3, 29, 1), utc(2026, 10, 25, 1)],
    "America/Sao_Paulo": [utc(2018, 11, 4, 3), utc(2019, 2, 17, 2)],
    "Australia/Lord_Howe": [utc(2025, 10, 4, 15, 30), utc(2026, 4, 4, 15)],
    "Asia/Kathmandu": [utc(2026, 1, 15, 18, 15), utc(2026, 7, 3, 6, 45)],
    "Asia/Ho_Chi_Minh": [utc(2026, 2, 13, 9), utc(2026, 9, 1, 17)],
}
TRANSITIONS = {z: a for z, a in ANCHORS.items() if z not in ("Asia/Kathmandu", "Asia/Ho_Chi_Minh")}
HORIZON_MINUTES = 9 * 24 * 60
MAX_AMOUNT_MINUTES = 3 * 8 * 60


@st.composite
def wall_times(draw: st.DrawFn, granularity: int) -> time:
    minute = draw(st.integers(0, 1440 // granularity - 1)) * granularity
    return time(minute // 60, minute % 60)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[WorkCalendar, datetime]:
    zone = draw(st.sampled_from(sorted(ANCHORS)))
    anchor = draw(st.sampled_from(ANCHORS[zone]))
    granularity = draw(st.sampled_from([15, 1]))
    windows = []
    for _ in range(draw(st.integers(1, 6))):
        weekday = draw(st.integers(0, 6))
        if draw(st.integers(0, 7)) == 0:
            windows.append((weekday, time(0), time(0)))
        else:
            windows.append((weekday, draw(wall_times(granularity)), draw(wall_times(granularity))))
    anchor_day = anchor.astimezone(ZoneInfo(zone)).date()
    holidays = draw(
        st.frozensets(
            st.dates(anchor_day - timedelta(days=4), anchor_day + timedelta(days=6)), max_size=4
        )
    )
    offset = draw(st.integers(-2 * 24 * 60, 2 * 24 * 60))
    lo = anchor + offset * MINUTE - timedelta(hours=draw(st.integers(0, 6)))
    return WorkCalendar(zone, tuple(windows), holidays), lo


PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------------------
# Properties against the brute force
# --------------------------------------------------------------------------------------------


def test_transition_anchors_are_real_transitions() -> None:
    for zone, instants in TRANSITIONS.items():
        tz = ZoneInfo(zone)
        for instant in instants:
            before = (instant - MINUTE).astimezone(tz).utcoffset()
            assert before != instant.astimezone(tz).utcoffset(), (zone, instant)


@PROPERTY
@given(scenario=scenarios(), data=st.data())
def test_matches_brute_force(scenario: tuple[WorkCalendar, datetime], data: st.DataObject) -> None:
    cal, lo = scenario
    brute = Brute(cal, lo, HORIZON_MINUTES)
    n = len(brute.open)

    for i in range(0, n, 7):
        assert is_open(cal, brute.at(i)) == brute.open[i], brute.at(i)
    for i in range(1, n):
        if brute.open[i] != brute.open[i - 1]:  # every edge, both sides, plus a sub-minute probe
            assert is_open(cal, brute.at(i)) == brute.open[i], brute.at(i)
            assert is_open(cal, brute.at(i) - timedelta(seconds=1)) == brute.open[i - 1]
            assert is_open(cal, brute.at(i) + timedelta(seconds=59)) == brute.open[i]

    starts = data.draw(st.lists(st.integers(0, n // 2), min_size=1, max_size=4), label="starts")
    for i in starts:
        expected_open = brute.next_opening(i)
        if expected_open is not None:
            assert next_opening(cal, brute.at(i)) == expected_open
        else:
            assert next_opening(cal, brute.at(i)) >= brute.at(n)

        available = brute.prefix[n] - brute.prefix[i]
        minutes = data.draw(st.integers(0, min(available, MAX_AMOUNT_MINUTES)), label="amount")
        expected = brute.add(i, minutes)
        if expected is not None:
            got = add_working_time(cal, brute.at(i), minutes * MINUTE)
            assert got == expected, (brute.at(i), minutes)
            assert got.tzinfo is UTC

        j = data.draw(st.integers(i, n), label="end")
        assert working_time_between(cal, brute.at(i), brute.at(j)) == brute.between(i, j)


@PROPERTY
@given(
    scenario=scenarios(),
    jitter=st.integers(0, 59_999_999),
    amount=st.integers(0, MAX_AMOUNT_MINUTES * 60_000_000),
    extra=st.integers(0, 8 * 3600 * 1_000_000),
    later=st.integers(0, 3 * 24 * 3600 * 1_000_000),
)
def test_round_trip_and_monotonicity(
    scenario: tuple[WorkCalendar, datetime], jitter: int, amount: int, extra: int, later: int
) -> None:
    cal, lo = scenario
    start = lo + timedelta(microseconds=jitter)
    x = timedelta(microseconds=amount)
    deadline = add_working_time(cal, start, x)
    assert deadline >= start
    assert working_time_between(cal, start, deadline) == x
    if x:
        # The last stretch before a deadline was counted, so it was open.
        assert is_open(cal, deadline - timedelta(microseconds=1))
    else:
        assert deadline == next_opening(cal, start)
    assert add_working_time(cal, start, x + timedelta(microseconds=extra)) >= deadline
    assert add_working_time(cal, start + timedelta(microseconds=later), x) >= deadline
    # Same instant expressed in another zone gives the same answer.
    assert add_working_time(cal, start.astimezone(ZoneInfo("America/New_York")), x) == deadline


@PROPERTY
@given(scenario=scenarios(), a=st.integers(0, 10**12), b=st.integers(0, 10**12))
def test_between_is_additive(scenario: tuple[WorkCalendar, datetime], a: int, b: int) -> None:
    cal, lo = scenario
    t1 = lo + timedelta(microseconds=min(a, b))
    t2 = lo + timedelta(microseconds=max(a, b))
    t3 = t2 + timedelta(days=2)
    total = working_time_between(cal, t1, t3)
    assert total == working_time_between(cal, t1, t2) + working_time_between(cal, t2, t3)
    assert timedelta(0) <= total <= t3 - t1


# --------------------------------------------------------------------------------------------
# Fixed vectors
# --------------------------------------------------------------------------------------------

NIGHTS = WorkCalendar("Europe/Madrid", tuple((d, time(22), time(6)) for d in range(7)))


def test_madrid_spring_forward_night_is_seven_hours() -> None:
    # Sat 2026-03-28 22:00 CET (21:00Z) to Sun 06:00 CEST (04:00Z).
    assert working_time_between(NIGHTS, utc(2026, 3, 28, 12), utc(2026, 3, 29, 12)) == 7 * HOUR
    assert next_opening(NIGHTS, utc(2026, 3, 28, 12)) == utc(2026, 3, 28, 21)
    assert is_open(NIGHTS, utc(2026, 3, 29, 3, 59))
    assert not is_open(NIGHTS, utc(2026, 3, 29, 4))
    # Fri night 8 h + Sat night 7 h + 2 h into Sun night (22:00 CEST = 20:00Z).
    got = add_working_time(NIGHTS, local("Europe/Madrid", 2026, 3, 27, 22), 17 * HOUR)
    assert got == utc(2026, 3, 29, 22)
    assert got.tzinfo is UTC


def test_madrid_fall_back_night_is_nine_hours() -> None:
    # Sat 2026-10-24 22:00 CEST (20:00Z) to Sun 06:00 CET (05:00Z).
    assert working_time_between(NIGHTS, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12)) == 9 * HOUR
    assert is_open(NIGHTS, utc(2026, 10, 25, 4, 59))
    assert not is_open(NIGHTS, utc(2026, 10, 25, 5))
    # Fri night 8 h + Sat night 9 h + 1 h into Sun night (22:00 CET = 21:00Z).
    got = add_working_time(NIGHTS, utc(2026, 10, 23, 20), 18 * HOUR)
    assert got == utc(2026, 10, 25, 22)


def test_window_inside_gap_and_fold() -> None:
    # 02:00-03:00 does not exist on 2026-03-29; 02:00-03:00 happens twice on 2026-10-25.
    cal = WorkCalendar("Europe/Madrid", ((6, time(2), time(3)), (6, time(2, 30), time(2, 45))))
    assert working_time_between(cal, utc(2026, 3, 28), utc(2026, 3, 30)) == timedelta(0)
    assert next_opening(cal, utc(2026, 3, 28)) == utc(2026, 4, 5, 0)
    # Fall back: 02:00 first occurrence (00:00Z) to 03:00 CET (02:00Z) is two hours.
    assert working_time_between(cal, utc(2026, 10, 24), utc(2026, 10, 26)) == 2 * HOUR
    assert next_opening(cal, utc(2026, 10, 24)) == utc(2026, 10, 25, 0)
    # A window ending in the gap ends at the transition instant (01:00Z).
    early = WorkCalendar("Europe/Madrid", ((6, time(0, 30), time(2, 30)),))
    # 00:30 CET is 23:30Z on the 28th, so the window holds 90 minutes that night.
    assert add_working_time(early, utc(2026, 3, 28), 30 * MINUTE) == utc(2026, 3, 29, 0)
    assert add_working_time(early, utc(2026, 3, 28), 90 * MINUTE) == utc(2026, 3, 29, 1)
    assert add_working_time(early, utc(2026, 3, 28), 91 * MINUTE) == utc(2026, 4, 4, 22, 31)
    assert working_time_between(early, utc(2026, 3, 28), utc(2026, 3, 30)) == 90 * MINUTE


def test_sao_paulo_missing_midnight() -> None:
    # 2018-11-04: clocks jumped 00:00 -> 01:00 (-03 -> -02); Sunday window 00:00-08:00.
    cal = WorkCalendar("America/Sao_Paulo", ((6, time(0), time(8)),))
    assert next_opening(cal, utc(2018, 11, 3, 12)) == utc(2018, 11, 4, 3)
    assert not is_open(cal, utc(2018, 11, 4, 2, 59))
    assert is_open(cal, utc(2018, 11, 4, 3))
    assert working_time_between(cal, utc(2018, 11, 3), utc(2018, 11, 5)) == 7 * HOUR
    assert add_working_time(cal, utc(2018, 11, 3), 7 * HOUR) == utc(2018, 11, 4, 10)
    assert add_working_time(cal, utc(2018, 11, 3), 8 * HOUR) == utc(
        2018, 11, 11, 3
    )  # 00:00 -02 = 02:00Z, plus 1 h
    # The previous Sunday still had a full 8 hours (-03 all day).
    assert working_time_between(cal, utc(2018, 10, 27), utc(2018, 10, 29)) == 8 * HOUR
    # A Saturday overnight shift runs through the missing hour and merges with Sunday's window.
    both = WorkCalendar("America/Sao_Paulo", ((5, time(20), time(2)), (6, time(0), time(8))))
    assert working_time_between(both, utc(2018, 11, 3), utc(2018, 11, 5)) == 11 * HOUR
    assert next_opening(both, utc(2018, 11, 4, 2)) == utc(2018, 11, 4, 2)
    assert add_working_time(both, utc(2018, 11, 3, 23), 11 * HOUR) == utc(2018, 11, 4, 10)


def test_lord_howe_half_hour_fall_back() -> None:
    # 2026-04-05 02:00 +11 -> 01:30 +10:30: a whole-day Sunday window lasts 24.5 hours.
    cal = WorkCalendar("Australia/Lord_Howe", ((6, time(0), time(0)),))
    assert working_time_between(cal, utc(2026, 4, 3), utc(2026, 4, 7)) == timedelta(hours=24.5)
    assert next_opening(cal, utc(2026, 4, 3)) == utc(2026, 4, 4, 13)
    assert add_working_time(cal, utc(2026, 4, 3), timedelta(hours=24.5)) == utc(2026, 4, 5, 13, 30)


def test_kathmandu_quarter_hour_offset() -> None:
    cal = office("Asia/Kathmandu")
    assert next_opening(cal, utc(2026, 1, 12)) == utc(2026, 1, 12, 3, 15)
    assert add_working_time(cal, utc(2026, 1, 12), 8 * HOUR) == utc(2026, 1, 12, 11, 15)


def test_tet_closure_ho_chi_minh() -> None:
    tet = {date(2026, 2, 16) + timedelta(days=i) for i in range(5)}
    cal = office("Asia/Ho_Chi_Minh", 8, 17, tet)
    filed = local("Asia/Ho_Chi_Minh", 2026, 2, 13, 15)  # Friday afternoon before Tết
    # 2 h on Friday, nothing until Mon 2026-02-23 08:00 (01:00Z), then 6 h.
    assert add_working_time(cal, filed, 8 * HOUR) == utc(2026, 2, 23, 7)
    assert next_opening(cal, local("Asia/Ho_Chi_Minh", 2026, 2, 13, 17)) == utc(2026, 2, 23, 1)
    assert not is_open(cal, local("Asia/Ho_Chi_Minh", 2026, 2, 18, 10))
    assert working_time_between(cal, filed, utc(2026, 2, 23, 7)) == 8 * HOUR


def test_christmas_in_madrid() -> None:
    christmas = {date(2025, 12, 24), date(2025, 12, 25), date(2025, 12, 26), date(2026, 1, 1)}
    cal = office("Europe/Madrid", holidays=christmas)
    # Tue 23rd 13:00 CET: 4 h left that day, Wed-Fri closed, Mon 29th 09:00 CET + 4 h.
    start = local("Europe/Madrid", 2025, 12, 23, 13)
    assert add_working_time(cal, start, 8 * HOUR) == utc(2025, 12, 29, 12)
    # 4 h Tue + Mon 29, Tue 30, Wed 31 (8 h each) -> Fri 2 Jan 09:00 CET + 4 h.
    assert add_working_time(cal, start, 32 * HOUR) == utc(2026, 1, 2, 12)
    assert working_time_between(cal, start, utc(2026, 1, 5)) == 36 * HOUR


def test_holiday_removes_only_shifts_starting_that_day() -> None:
    # Fri 2026-05-01 is a holiday: Thursday night runs into it, Friday night is gone.
    cal = WorkCalendar(
        "Europe/Madrid",
        tuple((d, time(22), time(6)) for d in range(7)),
        frozenset({date(2026, 5, 1)}),
    )
    assert is_open(cal, local("Europe/Madrid", 2026, 5, 1, 5))
    assert not is_open(cal, local("Europe/Madrid", 2026, 5, 1, 23))
    assert next_opening(cal, local("Europe/Madrid", 2026, 5, 1, 6)) == utc(2026, 5, 2, 20)
    assert working_time_between(cal, utc(2026, 4, 30), utc(2026, 5, 3)) == 16 * HOUR


def test_windows_merge_across_days() -> None:
    cal = WorkCalendar("Europe/Madrid", ((4, time(22), time(6)), (5, time(0), time(8))))
    start = local("Europe/Madrid", 2026, 6, 5, 22)  # Friday 20:00Z
    assert is_open(cal, local("Europe/Madrid", 2026, 6, 6, 6, 30))
    assert working_time_between(cal, utc(2026, 6, 5), utc(2026, 6, 7)) == 10 * HOUR
    assert add_working_time(cal, start, 10 * HOUR) == utc(2026, 6, 6, 6)
    assert add_working_time(cal, start, 2 * HOUR) == utc(2026, 6, 5, 22)  # local midnight
    assert add_working_time(cal, start, 10 * HOUR + MINUTE) == utc(2026, 6, 12, 20, 1)


def test_deadline_exactly_at_window_end() -> None:
    cal = office("Europe/Madrid")
    monday = local("Europe/Madrid", 2026, 6, 1, 9)
    assert add_working_time(cal, monday, 8 * HOUR) == utc(2026, 6, 1, 15)
    friday = local("Europe/Madrid", 2026, 6, 5, 13)
    assert add_working_time(cal, friday, 4 * HOUR) == utc(2026, 6, 5, 15)
    assert add_working_time(cal, friday, 4 * HOUR + timedelta(microseconds=1)) == utc(
        2026, 6, 8, 7, 0, 0, 1
    )
    # ...while a zero amount at that end waits for the next opening.
    assert add_working_time(cal, utc(2026, 6, 5, 15), timedelta(0)) == utc(2026, 6, 8, 7)


def test_start_outside_hours_starts_at_next_opening() -> None:
    cal = office("Europe/Madrid")
    saturday = local("Europe/Madrid", 2026, 6, 6, 12)
    assert not is_open(cal, saturday)
    assert next_opening(cal, saturday) == utc(2026, 6, 8, 7)
    assert add_working_time(cal, saturday, HOUR) == utc(2026, 6, 8, 8)
    assert add_working_time(cal, saturday, timedelta(0)) == utc(2026, 6, 8, 7)
    early = local("Europe/Madrid", 2026, 6, 8, 6)
    assert add_working_time(cal, early, 30 * MINUTE) == utc(2026, 6, 8, 7, 30)
    assert next_opening(cal, utc(2026, 6, 8, 7)) == utc(2026, 6, 8, 7)
    inside = local("Europe/Madrid", 2026, 6, 8, 10, 0, 5)
    assert next_opening(cal, inside) == inside
    assert next_opening(cal, inside).tzinfo is UTC


def test_year_long_span() -> None:
    cal = office("Europe/Madrid")
    start = local("Europe/Madrid", 2026, 1, 1)
    end = local("Europe/Madrid", 2027, 1, 1)
    # 2026 has 261 weekdays.
    assert working_time_between(cal, start, end) == 261 * 8 * HOUR
    assert add_working_time(cal, start, 261 * 8 * HOUR) == utc(2026, 12, 31, 16)
    assert add_working_time(cal, start, 261 * 8 * HOUR + MINUTE) == utc(2027, 1, 1, 8, 1)
    with_holidays = office("Europe/Madrid", holidays={date(2026, 1, 1), date(2026, 12, 25)})
    assert working_time_between(with_holidays, start, end) == 259 * 8 * HOUR


def test_always_open() -> None:
    cal = WorkCalendar("Europe/Madrid", ((0, time(9), time(10)),), frozenset(), always_open=True)
    start = local("Europe/Madrid", 2026, 3, 28, 23)
    got = add_working_time(cal, start, 5 * HOUR)
    assert got == utc(2026, 3, 29, 3)
    assert got.tzinfo is UTC
    assert working_time_between(cal, start, got) == 5 * HOUR
    assert next_opening(cal, start) == utc(2026, 3, 28, 22)
    assert next_opening(cal, start).tzinfo is UTC
    assert is_open(cal, start)


def test_naive_datetimes_are_refused() -> None:
    cal = office("Europe/Madrid")
    naive = datetime(2026, 6, 1, 9)
    aware = utc(2026, 6, 1, 9)
    with pytest.raises(ValueError, match="naive"):
        add_working_time(cal, naive, HOUR)
    with pytest.raises(ValueError, match="naive"):
        working_time_between(cal, naive, aware)
    with pytest.raises(ValueError, match="naive"):
        working_time_between(cal, aware, naive)
    with pytest.raises(ValueError, match="naive"):
        next_opening(cal, naive)
    with pytest.raises(ValueError, match="naive"):
        is_open(cal, naive)
    with pytest.raises(ValueError, match="naive"):
        is_open(WorkCalendar("UTC", always_open=True), naive)


def test_invalid_arguments() -> None:
    cal = office("Europe/Madrid")
    with pytest.raises(ValueError, match="negative"):
        add_working_time(cal, utc(2026, 6, 1), -MINUTE)
    with pytest.raises(ValueError, match="before"):
        working_time_between(cal, utc(2026, 6, 2), utc(2026, 6, 1))
    with pytest.raises(ValueError, match="Mars/Olympus_Mons"):
        is_open(WorkCalendar("Mars/Olympus_Mons", ((0, time(9), time(17)),)), utc(2026, 6, 1))
    with pytest.raises(ValueError, match="weekday"):
        next_opening(WorkCalendar("Europe/Madrid", ((7, time(9), time(17)),)), utc(2026, 6, 1))
    with pytest.raises(ValueError, match="weekday"):
        next_opening(WorkCalendar("Europe/Madrid", ((-1, time(9), time(17)),)), utc(2026, 6, 1))


def test_calendar_without_working_time() -> None:
    empty = WorkCalendar("Europe/Madrid")
    with pytest.raises(ValueError, match="no working time"):
        add_working_time(empty, utc(2026, 6, 1), HOUR)
    with pytest.raises(ValueError, match="no working time"):
        add_working_time(empty, utc(2026, 6, 1), timedelta(0))
    with pytest.raises(ValueError, match="no working time"):
        next_opening(empty, utc(2026, 6, 1))
    assert not is_open(empty, utc(2026, 6, 1))
    assert working_time_between(empty, utc(2026, 6, 1), utc(2027, 6, 1)) == timedelta(0)
    # Holidays covering every window for more than ten years must not loop forever.
    first = date(2026, 6, 1)
    blocked = WorkCalendar(
        "Europe/Madrid",
        ((0, time(9), time(17)),),
        frozenset(first + timedelta(weeks=w) for w in range(600)),
    )
    with pytest.raises(ValueError, match="no working time"):
        next_opening(blocked, utc(2026, 6, 1))
    with pytest.raises(ValueError, match="no working time"):
        add_working_time(blocked, utc(2026, 6, 1), HOUR)


def test_calendar_is_hashable_and_accepts_lists() -> None:
    cal = WorkCalendar("UTC", [(0, time(9), time(17))], {date(2026, 6, 1)})  # type: ignore[arg-type]
    assert hash(cal) == hash(
        WorkCalendar("UTC", ((0, time(9), time(17)),), frozenset({date(2026, 6, 1)}))
    )
    assert next_opening(cal, utc(2026, 6, 1)) == utc(2026, 6, 8, 9)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**13))
def test_sub_minute_inputs_are_exact(offset_us: int) -> None:
    cal = office("Asia/Kathmandu")
    start = utc(2026, 1, 1) + timedelta(microseconds=offset_us)
    x = timedelta(hours=3, microseconds=offset_us % 1_000_000)
    got = add_working_time(cal, start, x)
    assert working_time_between(cal, start, got) == x
    if is_open(cal, start):
        assert next_opening(cal, start) == start
    else:
        assert next_opening(cal, start) > start
