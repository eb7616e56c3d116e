"""Working days (工作日) on the official Chinese calendar, read from the holiday calendar the
offices maintain as data (HolidayYear / CalendarDay, page /office/calendar/), seeded from the
`chinese_calendar` package for the years it knows (proposals/holidays.py).

A day is a working day when the calendar says so (a holiday, or a make-up working weekend: 调休);
any other day follows Monday to Friday. A year the office has not marked complete (2027 before
the State Council's notice is entered) is counted the same way, but the counts that reach it are
provisional: `provisional()` names those years and the pages say so.

The calendar is read once per process into an immutable snapshot (two queries), so the reminder
sweep can ask about 100,000 due dates without touching the database. Changes made through
proposals.services.holidays invalidate it at once in the process that made them; other processes
(workers, other web processes) notice within FUHAN_CALENDAR_RECHECK_SECONDS, when they compare
the calendar's stamp (row count and last change) with the one their snapshot was built from.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from functools import cache

from django.conf import settings
from django.db.models import Count
from django.db.models import Max

logger = logging.getLogger(__name__)

Stamp = tuple[int, object, int, object]


@dataclass
class _Snapshot:
    """The whole calendar as loaded from the database: the exceptions to Monday-Friday and the
    years marked complete. Year tables are built lazily (they are pure functions of this)."""

    overrides: dict[dt.date, bool]
    complete_years: frozenset[int]
    stamp: Stamp
    checked_at: float
    recheck: float  # FUHAN_CALENDAR_RECHECK_SECONDS when loaded; 0: never by time
    tables: dict[int, tuple[int, tuple[int, ...]]] = field(default_factory=dict)

    def is_workday(self, day: dt.date) -> bool:
        found = self.overrides.get(day)
        return found if found is not None else day.weekday() < 5

    def year_table(self, year: int) -> tuple[int, tuple[int, ...]]:
        """The ordinal of 1 January, and for each day of the year the working days from
        1 January up to and including that day."""
        table = self.tables.get(year)
        if table is None:
            first = dt.date(year, 1, 1)
            days = 366 if calendar.isleap(year) else 365
            totals, count = [], 0
            for n in range(days):
                count += self.is_workday(first + dt.timedelta(days=n))
                totals.append(count)
            table = (first.toordinal(), tuple(totals))
            self.tables[year] = table
        return table


_lock = threading.Lock()
_current: _Snapshot | None = None


def _stamp() -> Stamp:
    from proposals.models import CalendarDay
    from proposals.models import HolidayYear

    years = HolidayYear.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    days = CalendarDay.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    return (years["n"], years["at"], days["n"], days["at"])


def _load() -> _Snapshot:
    from proposals.models import CalendarDay
    from proposals.models import HolidayYear

    stamp = _stamp()
    overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
    complete = frozenset(HolidayYear.objects.filter(complete=True).values_list("year", flat=True))
    recheck = float(settings.FUHAN_CALENDAR_RECHECK_SECONDS or 0)
    return _Snapshot(overrides, complete, stamp, time.monotonic(), recheck)


def _snapshot() -> _Snapshot:
    global _current
    snap = _current
    if snap is not None:
        if not snap.recheck or time.monotonic() - snap.checked_at <= snap.recheck:
            return snap  # the hot path: the sweep asks 100,000 times
        if _stamp() == snap.stamp:
            snap.checked_at = time.monotonic()
            return snap
    with _lock:
        snap = _current = _load()
    return snap


def invalidate() -> None:
    """Forget the loaded calendar (after a change): the next question reads it again."""
    global _current
    _current = None


@cache
def _warn_unknown_year(year: int) -> None:
    logger.warning("节假日安排未录入 %s 年，暂按周一至周五计算工作日", year)


def year_known(year: int) -> bool:
    """Whether the whole holiday calendar of the year is entered (so counts in it are exact)."""
    return year in _snapshot().complete_years


def provisional(start: dt.date, end: dt.date | None = None) -> tuple[int, ...]:
    """The years between start and end (either order) whose calendar is not complete: working
    day counts across them are provisional. Empty when the counts are exact."""
    end = end or start
    low, high = sorted((start.year, end.year))
    known = _snapshot().complete_years
    missing = tuple(y for y in range(low, high + 1) if y not in known)
    for year in missing:
        _warn_unknown_year(year)
    return missing


def is_workday(day: dt.date) -> bool:
    return _snapshot().is_workday(day)


def next_workday(day: dt.date) -> dt.date:
    """The day itself when it is a working day, otherwise the first working day after it."""
    snap = _snapshot()
    while not snap.is_workday(day):
        day += dt.timedelta(days=1)
    return day


def add_workdays(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted)."""
    snap = _snapshot()
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    day = start
    while remaining:
        day += dt.timedelta(days=step)
        if snap.is_workday(day):
            remaining -= 1
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`; negative when end is before start.

    Two look-ups in per-year running totals, so the reminder sweep can ask it for every open
    item (100,000 due dates) without walking the calendar day by day."""
    if end < start:
        return -workdays_between(end, start)
    snap = _snapshot()
    tables = snap.tables
    first, totals = tables.get(start.year) or snap.year_table(start.year)
    before = totals[start.toordinal() - first]
    if start.year == end.year:
        return totals[end.toordinal() - first] - before
    count = totals[-1] - before
    for year in range(start.year + 1, end.year):
        count += snap.year_table(year)[1][-1]
    first, totals = tables.get(end.year) or snap.year_table(end.year)
    return count + totals[end.toordinal() - first]


def add_months(start: dt.date, months: int) -> dt.date:
    """Same day `months` later; clamps to the month's last day (3 months from 11-30 is 02-28)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def due_after_months(start: dt.date, months: int, *, move_to_workday: bool) -> dt.date:
    """A period in months from `start` (交办, 调整, 延期上限, 重新办理); when the session's policy
    says so, a due date on a weekend or holiday moves to the next working day."""
    due = add_months(start, months)
    return next_workday(due) if move_to_workday else due
