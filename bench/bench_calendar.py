"""Working-day counts from the holiday calendar as data (proposals/calendar.py) against the
chinese-calendar package the project used before (what a user would otherwise call).

    .venv/bin/python bench/bench_calendar.py [--calls 100000]

Builds a throw-away SQLite database in a temporary folder (migrate seeds the calendar from
chinese-calendar), then times:
  load        reading the calendar into a process's snapshot (what a process pays once, and again
              after an office changes the calendar);
  counts      `workdays_between(today, due)` for N due dates spread over 2026 (what the reminder
              sweep and the pages ask), snapshot vs chinese-calendar with the same per-year
              running totals, both warm (tables built);
  add         `add_workdays(day, 5)` for N days (the reassignment window), both warm.
It checks that both give the same answers. Left out: the database round trip of the stamp
re-check (once per FUHAN_CALENDAR_RECHECK_SECONDS per process, one aggregate query), and years
chinese-calendar does not know (it raises there; the snapshot counts Monday to Friday)."""

from __future__ import annotations

import argparse
import calendar as pycal
import datetime as dt
import os
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


# --- the former implementation (chinese-calendar, cached per day and per year) ------------------
@cache
def old_is_workday(day: dt.date) -> bool:
    import chinese_calendar

    return bool(chinese_calendar.is_workday(day))


@cache
def old_year_table(year: int) -> tuple[int, tuple[int, ...]]:
    first = dt.date(year, 1, 1)
    totals, count = [], 0
    for n in range(366 if pycal.isleap(year) else 365):
        count += old_is_workday(first + dt.timedelta(days=n))
        totals.append(count)
    return first.toordinal(), tuple(totals)


def old_workdays_between(start: dt.date, end: dt.date) -> int:
    def running(day: dt.date) -> int:
        first, totals = old_year_table(day.year)
        return totals[day.toordinal() - first]

    if start.year == end.year:
        return running(end) - running(start)
    count = old_year_table(start.year)[1][-1] - running(start) + running(end)
    for year in range(start.year + 1, end.year):
        count += old_year_table(year)[1][-1]
    return count


def old_add_workdays(start: dt.date, days: int) -> dt.date:
    day, remaining = start, days
    while remaining:
        day += dt.timedelta(days=1)
        if old_is_workday(day):
            remaining -= 1
    return day


def timed(fn, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="fuhan-calendar-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # seeds 2004-2026 from chinese-calendar
    from proposals import calendar

    today = dt.date(2026, 1, 5)
    dues = [today + dt.timedelta(days=n % 360) for n in range(args.calls)]
    days = [today + dt.timedelta(days=n % 300) for n in range(args.calls)]

    calendar.invalidate()
    load, _ = timed(calendar.is_workday, today)
    new_counts = [calendar.workdays_between(today, d) for d in dues[:400]]  # warm the tables
    old_counts = [old_workdays_between(today, d) for d in dues[:400]]
    assert new_counts == old_counts
    [old_add_workdays(d, 5) for d in days[:400]]

    t_new, new = timed(lambda: [calendar.workdays_between(today, d) for d in dues])
    t_old, old = timed(lambda: [old_workdays_between(today, d) for d in dues])
    assert new == old
    a_new, new_add = timed(lambda: [calendar.add_workdays(d, 5) for d in days])
    a_old, old_add = timed(lambda: [old_add_workdays(d, 5) for d in days])
    assert new_add == old_add

    n = args.calls
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    entered = len(calendar._snapshot().overrides)
    print(f"snapshot load (2004-2026, {entered} days entered): {load * 1000:.1f} ms")
    print(
        f"workdays_between x{n}: snapshot {t_new * 1000:.0f} ms ({t_new / n * 1e6:.2f} us/call), "
        f"chinese-calendar {t_old * 1000:.0f} ms ({t_old / n * 1e6:.2f} us/call), "
        f"ratio {t_new / t_old:.2f}"
    )
    print(
        f"add_workdays(day, 5) x{n}: snapshot {a_new * 1000:.0f} ms, "
        f"chinese-calendar {a_old * 1000:.0f} ms, ratio {a_new / a_old:.2f}"
    )


if __name__ == "__main__":
    main()
