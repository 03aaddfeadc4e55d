"""Benchmark contracts.business_time against the businesstimedelta package.

Run from the project root: ``.venv/bin/python bench/business_time.py [--cases N] [--seed S]``.

Both engines compute the same 8-working-hour deadlines on an office calendar (Mon-Fri
09:00-17:00 with public holidays) in Asia/Ho_Chi_Minh, a zone without DST, because
businesstimedelta has no real time-zone support: it is fed local naive wall times and its answers
are converted back. Exits with status 1 if any deadline differs.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import businesstimedelta

# Run as a script, so the project root is not on sys.path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts.business_time import (  # after the sys.path tweak above
    WorkCalendar,
    add_working_time,
    working_time_between,
)

ZONE_NAME = "Asia/Ho_Chi_Minh"
ZONE = ZoneInfo(ZONE_NAME)
AMOUNT = timedelta(hours=8)


def vietnam_holidays(years: range) -> frozenset[date]:
    """Fixed-date public holidays plus a five-day Tết closure."""
    tet = {
        2025: date(2025, 1, 27),
        2026: date(2026, 2, 16),
        2027: date(2027, 2, 4),
        2028: date(2028, 1, 24),
    }
    days: set[date] = set()
    for year in years:
        days |= {date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)}
        days |= {tet[year] + timedelta(days=i) for i in range(5)}
    return frozenset(days)


def random_starts(count: int, seed: int) -> list[datetime]:
    """Aware instants spread over 2026 with microsecond precision."""
    rng = random.Random(seed)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    span_us = 365 * 86_400 * 1_000_000
    return [base + timedelta(microseconds=rng.randrange(span_us)) for _ in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args()

    holidays = vietnam_holidays(range(2025, 2029))
    cal = WorkCalendar(ZONE_NAME, tuple((d, time(9), time(17)) for d in range(5)), holidays)
    rules = businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(
                start_time=time(9), end_time=time(17), working_days=[0, 1, 2, 3, 4]
            ),
            businesstimedelta.HolidayRule(sorted(holidays)),
        ]
    )
    their_delta = businesstimedelta.BusinessTimeDelta(rules, hours=8)

    starts = random_starts(args.cases, args.seed)
    local_naive = [s.astimezone(ZONE).replace(tzinfo=None) for s in starts]

    t0 = clock.perf_counter()
    ours = [add_working_time(cal, s, AMOUNT) for s in starts]
    ours_s = clock.perf_counter() - t0

    t0 = clock.perf_counter()
    theirs_raw = [n + their_delta for n in local_naive]
    theirs_s = clock.perf_counter() - t0

    # businesstimedelta answers in "UTC" that is really our local wall clock.
    theirs = [r.replace(tzinfo=ZONE).astimezone(UTC) for r in theirs_raw]
    mismatches = [(s, a, b) for s, a, b in zip(starts, ours, theirs, strict=True) if a != b]

    n = args.cases
    print(f"cases: {n} deadlines of {AMOUNT} on Mon-Fri 09:00-17:00 {ZONE_NAME}, seed {args.seed}")
    print(f"contracts.business_time : {ours_s:8.3f} s  ({ours_s / n * 1e6:7.2f} us/call)")
    print(f"businesstimedelta       : {theirs_s:8.3f} s  ({theirs_s / n * 1e6:7.2f} us/call)")
    print(f"speed-up                : {theirs_s / ours_s:8.1f}x")

    year_cal = WorkCalendar("Europe/Madrid", cal.windows, holidays)  # fresh, uncached calendar
    year_start = datetime(2026, 1, 1, tzinfo=ZoneInfo("Europe/Madrid"))
    year_end = datetime(2027, 1, 1, tzinfo=ZoneInfo("Europe/Madrid"))
    t0 = clock.perf_counter()
    year_total = working_time_between(year_cal, year_start, year_end)
    cold_s = clock.perf_counter() - t0
    t0 = clock.perf_counter()
    working_time_between(year_cal, year_start, year_end)
    warm_s = clock.perf_counter() - t0
    print(
        f"one year-long working_time_between ({year_total}): "
        f"{cold_s * 1e3:.3f} ms cold, {warm_s * 1e3:.3f} ms cached"
    )

    if mismatches:
        print(f"MISMATCH in {len(mismatches)} of {n} cases; first few:", file=sys.stderr)
        for start, a, b in mismatches[:5]:
            print(
                f"  start={start.isoformat()} ours={a.isoformat()} theirs={b.isoformat()}",
                file=sys.stderr,
            )
        return 1
    print("all cases agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
