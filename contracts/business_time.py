"""Working-time arithmetic for SLA clocks.

A :class:`WorkCalendar` describes when the clock runs: weekly windows of local wall-clock time in
an IANA zone, minus whole-day holidays. The four public functions answer "when is the deadline",
"how much working time passed", "when does the clock next run" and "is it running now".

All interval maths happens on integer UTC microseconds so that DST transitions, odd offsets and
microsecond inputs stay exact; local wall times are only used to place each day's windows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "WorkCalendar",
    "add_working_time",
    "is_open",
    "next_closing",
    "next_opening",
    "working_time_between",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US_PER_DAY = 86_400_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MIDNIGHT = time(0)
# Roughly ten years: a calendar that stays closed this long is treated as never opening.
_MAX_CLOSED_DAYS = 3660
_WEEK = 7


class NoWorkingTime(ValueError):
    """The calendar has no working time to count on (no windows, or none for a long time)."""


@dataclass(frozen=True)
class WorkCalendar:
    """Weekly local working windows in an IANA time zone, minus whole-day holidays."""

    timezone: str
    windows: tuple[tuple[int, time, time], ...] = ()
    holidays: frozenset[date] = frozenset()
    always_open: bool = False

    def __post_init__(self) -> None:
        # Accept lists/sets from callers but keep the instance hashable for the caches.
        if not isinstance(self.windows, tuple) or not all(
            isinstance(w, tuple) for w in self.windows
        ):
            object.__setattr__(self, "windows", tuple(tuple(w) for w in self.windows))
        if not isinstance(self.holidays, frozenset):
            object.__setattr__(self, "holidays", frozenset(self.holidays))


def _td_us(td: timedelta) -> int:
    return (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value


# A day's merged open intervals: starts, ends, worked-before-each-start, worked-through-each-end.
_Day = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...], int]


class _Engine:
    """Per-calendar precomputation plus bounded per-date caches.

    Day ``d`` (a proleptic ordinal) owns the UTC span [B(d), B(d+1)) where B(d) is the resolved
    local midnight. Windows never reach further than the day after they start, so a day's open set
    only depends on windows starting on ``d - 1`` and ``d``; that keeps per-day totals additive.
    """

    def __init__(self, cal: WorkCalendar) -> None:
        try:
            self.zone = ZoneInfo(cal.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown time zone: {cal.timezone!r}") from exc
        by_weekday: list[list[tuple[time, time, bool]]] = [[] for _ in range(7)]
        for window in cal.windows:
            if len(window) != 3:
                raise ValueError(f"window must be (weekday, start, end), got {window!r}")
            weekday, start, end = window
            if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"window weekday must be an int in 0..6, got {weekday!r}")
            for t in (start, end):
                if not isinstance(t, time):
                    raise ValueError(f"window times must be datetime.time, got {t!r}")
                if t.tzinfo is not None:
                    raise ValueError(f"window times are local wall times, got aware {t!r}")
            # A window time carrying fold=1 would make combine() pick the second occurrence.
            start, end = start.replace(fold=0), end.replace(fold=0)
            by_weekday[weekday].append((start, end, end <= start))
        self.by_weekday = tuple(tuple(sorted(ws)) for ws in by_weekday)
        self.has_windows = bool(cal.windows)
        self.always_open = cal.always_open
        self.holidays = frozenset(d.toordinal() for d in cal.holidays)
        # Closures over lru_cache keep the caches per calendar and bounded.
        self.boundary: Callable[[int], int] = lru_cache(maxsize=8192)(self._boundary)
        self.starting: Callable[[int], tuple[tuple[int, int], ...]] = lru_cache(maxsize=8192)(
            self._starting
        )
        self.day: Callable[[int], _Day] = lru_cache(maxsize=8192)(self._day)
        self.week_total: Callable[[int], int] = lru_cache(maxsize=2048)(self._week_total)

    # -- building blocks ---------------------------------------------------------------------

    def resolve(self, ordinal: int, wall: time) -> int:
        """UTC microseconds of a local wall time: gap -> transition instant, fold -> first."""
        local = datetime.combine(date.fromordinal(ordinal), wall, tzinfo=self.zone)
        off0 = _td_us(local.utcoffset())  # type: ignore[arg-type]
        off1 = _td_us(local.replace(fold=1).utcoffset())  # type: ignore[arg-type]
        wall_us = (
            (ordinal - _EPOCH_ORDINAL) * _US_PER_DAY
            + ((wall.hour * 60 + wall.minute) * 60 + wall.second) * 1_000_000
            + wall.microsecond
        )
        if off0 >= off1:
            # Unique, or ambiguous where fold=0 already is the first occurrence.
            return wall_us - off0
        # In a gap: fold=1 maps before the transition, fold=0 after it; bisect for the instant.
        lo, hi = wall_us - off1, wall_us - off0
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _td_us(_from_us(mid).astimezone(self.zone).utcoffset()) == off0:  # type: ignore[arg-type]
                lo = mid
            else:
                hi = mid
        return hi

    def _boundary(self, ordinal: int) -> int:
        return self.resolve(ordinal, _MIDNIGHT)

    def _starting(self, ordinal: int) -> tuple[tuple[int, int], ...]:
        if ordinal in self.holidays:
            return ()
        out = []
        for start, end, overnight in self.by_weekday[(ordinal + 6) % 7]:
            a = self.resolve(ordinal, start)
            b = self.resolve(ordinal + 1 if overnight else ordinal, end)
            if b > a:
                out.append((a, b))
        return tuple(out)

    def _day(self, ordinal: int) -> _Day:
        lo, hi = self.boundary(ordinal), self.boundary(ordinal + 1)
        pieces = sorted(
            (max(a, lo), min(b, hi))
            for a, b in self.starting(ordinal - 1) + self.starting(ordinal)
            if a < hi and b > lo
        )
        starts: list[int] = []
        ends: list[int] = []
        for a, b in pieces:
            if ends and a <= ends[-1]:
                if b > ends[-1]:
                    ends[-1] = b
            else:
                starts.append(a)
                ends.append(b)
        before: list[int] = []
        through: list[int] = []
        total = 0
        for a, b in zip(starts, ends, strict=True):
            before.append(total)
            total += b - a
            through.append(total)
        return tuple(starts), tuple(ends), tuple(before), tuple(through), total

    def _week_total(self, week: int) -> int:
        day = self.day
        return sum(day(o)[4] for o in range(week * _WEEK, week * _WEEK + _WEEK))

    # -- queries on microseconds -------------------------------------------------------------

    def locate(self, moment: datetime) -> tuple[int, int]:
        """(UTC microseconds, owning day ordinal) of an aware datetime."""
        us = _td_us(moment - _EPOCH)
        ordinal = moment.astimezone(self.zone).toordinal()
        # Local dates can run backwards around a fall-back across midnight; B() is authoritative.
        while us < self.boundary(ordinal):
            ordinal -= 1
        while us >= self.boundary(ordinal + 1):
            ordinal += 1
        return us, ordinal

    @staticmethod
    def worked_before(day: _Day, us: int) -> int:
        starts, ends, before, _, total = day
        k = bisect_right(ends, us)
        if k == len(starts):
            return total
        return before[k] + max(0, us - starts[k])

    @staticmethod
    def instant_at(day: _Day, target: int) -> int:
        """Instant at which ``target`` (0 < target <= total) of the day's time has elapsed."""
        starts, _, before, through, _ = day
        # bisect_left so a target that exactly fills a window yields that window's end.
        j = bisect_left(through, target)
        return starts[j] + target - before[j]

    def next_open(self, us: int, ordinal: int) -> int:
        if not self.has_windows:
            raise NoWorkingTime("calendar has no working time")
        for o in range(ordinal, ordinal + _MAX_CLOSED_DAYS + 1):
            starts, ends, *_ = self.day(o)
            k = bisect_right(ends, us)
            if k < len(starts):
                return max(us, starts[k])
        raise NoWorkingTime(f"calendar has no working time within {_MAX_CLOSED_DAYS} days")

    def add(self, us: int, ordinal: int, amount: int) -> int:
        if not self.has_windows:
            raise NoWorkingTime("calendar has no working time")
        if amount == 0:
            return self.next_open(us, ordinal)
        day = self.day(ordinal)
        remaining = self.worked_before(day, us) + amount
        if remaining <= day[4]:
            return self.instant_at(day, remaining)
        remaining -= day[4]
        ordinal += 1
        closed = 0
        while True:
            if ordinal % _WEEK == 0:
                week = self.week_total(ordinal // _WEEK)
                if week < remaining:
                    remaining -= week
                    ordinal += _WEEK
                    closed = closed + _WEEK if week == 0 else 0
                    if closed > _MAX_CLOSED_DAYS:
                        break
                    continue
            day = self.day(ordinal)
            if remaining <= day[4]:
                return self.instant_at(day, remaining)
            remaining -= day[4]
            ordinal += 1
            closed = closed + 1 if day[4] == 0 else 0
            if closed > _MAX_CLOSED_DAYS:
                break
        raise NoWorkingTime(f"calendar has no working time within {_MAX_CLOSED_DAYS} days")

    def total_between_days(self, first: int, stop: int) -> int:
        """Working time of whole days ``first`` .. ``stop - 1``."""
        total = 0
        o = first
        while o < stop:
            if o % _WEEK == 0 and o + _WEEK <= stop:
                total += self.week_total(o // _WEEK)
                o += _WEEK
            else:
                total += self.day(o)[4]
                o += 1
        return total

    def between(self, a: int, da: int, b: int, db: int) -> int:
        day_a = self.day(da)
        if da == db:
            return self.worked_before(day_a, b) - self.worked_before(day_a, a)
        return (
            day_a[4]
            - self.worked_before(day_a, a)
            + self.total_between_days(da + 1, db)
            + self.worked_before(self.day(db), b)
        )

    def close_after(self, us: int, ordinal: int) -> int | None:
        """The end of the open stretch holding ``us`` (``us`` itself when closed then), across
        windows that meet at midnight; None when it stays open past the horizon."""
        for o in range(ordinal, ordinal + _MAX_CLOSED_DAYS + 1):
            starts, ends, *_ = self.day(o)
            k = bisect_right(starts, us) - 1
            if k < 0 or us >= ends[k]:
                return us
            us = ends[k]
            if us < self.boundary(o + 1):
                return us
        return None

    def open_at(self, us: int, ordinal: int) -> bool:
        starts, ends, *_ = self.day(ordinal)
        k = bisect_right(starts, us) - 1
        return k >= 0 and us < ends[k]


@lru_cache(maxsize=256)
def _engine(cal: WorkCalendar) -> _Engine:
    return _Engine(cal)


def add_working_time(cal: WorkCalendar, start: datetime, amount: timedelta) -> datetime:
    """Deadline after ``amount`` of working time counted from ``start`` (UTC result)."""
    _aware(start, "start")
    if amount < timedelta(0):
        raise ValueError(f"amount must not be negative, got {amount!r}")
    engine = _engine(cal)
    if engine.always_open:
        return start.astimezone(UTC) + amount
    us, ordinal = engine.locate(start)
    return _from_us(engine.add(us, ordinal, _td_us(amount)))


def working_time_between(cal: WorkCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time elapsed in [start, end)."""
    _aware(start, "start")
    _aware(end, "end")
    if end < start:
        raise ValueError(f"end {end!r} is before start {start!r}")
    engine = _engine(cal)
    if engine.always_open:
        return end - start
    a, da = engine.locate(start)
    b, db = engine.locate(end)
    return timedelta(microseconds=engine.between(a, da, b, db))


def next_opening(cal: WorkCalendar, at: datetime) -> datetime:
    """``at`` (in UTC) if the calendar is open then, else the start of the next window."""
    _aware(at, "at")
    engine = _engine(cal)
    if engine.always_open:
        return at.astimezone(UTC)
    us, ordinal = engine.locate(at)
    return _from_us(engine.next_open(us, ordinal))


def next_closing(cal: WorkCalendar, at: datetime) -> datetime | None:
    """``at`` (in UTC) if the calendar is closed then, else the end of the working stretch it
    lies in; None for a calendar that is always open."""
    _aware(at, "at")
    engine = _engine(cal)
    if engine.always_open:
        return None
    us, ordinal = engine.locate(at)
    end = engine.close_after(us, ordinal)
    return None if end is None else _from_us(end)


def is_open(cal: WorkCalendar, at: datetime) -> bool:
    """Whether ``at`` lies inside a (merged) working window, start inclusive, end exclusive."""
    _aware(at, "at")
    engine = _engine(cal)
    if engine.always_open:
        return True
    us, ordinal = engine.locate(at)
    return engine.open_at(us, ordinal)
