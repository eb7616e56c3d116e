"""Working days (工作日) on the official Chinese calendar, with make-up working weekends (调休).

`chinese_calendar` knows the State Council's holiday notices up to its last release; for a year
it does not know we fall back to Monday-Friday and log a warning once per year.
"""

import calendar
import datetime as dt
import logging
from functools import cache

import chinese_calendar

logger = logging.getLogger(__name__)


@cache
def _warn_unknown_year(year: int) -> None:
    logger.warning("工作日历未收录 %s 年的节假日安排，按周一至周五计算工作日", year)


@cache  # a pure function of the date; the reminder sweep asks about the same days many times
def is_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _warn_unknown_year(day.year)
        return day.weekday() < 5


def add_workdays(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted)."""
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    day = start
    while remaining:
        day += dt.timedelta(days=step)
        if is_workday(day):
            remaining -= 1
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`; negative when end is before start.

    Two look-ups in per-year running totals, so the reminder sweep can ask it for every open
    item (100,000 due dates) without walking the calendar day by day."""
    if end < start:
        return -workdays_between(end, start)
    if start.year == end.year:
        return _running_total(end) - _running_total(start)
    count = _year_total(start.year) - _running_total(start) + _running_total(end)
    for year in range(start.year + 1, end.year):
        count += _year_total(year)
    return count


@cache
def _year_table(year: int) -> tuple[int, tuple[int, ...]]:
    """The ordinal of 1 January, and for each day of the year the working days from 1 January
    up to and including that day."""
    first = dt.date(year, 1, 1)
    days = 366 if calendar.isleap(year) else 365
    totals, count = [], 0
    for n in range(days):
        count += is_workday(first + dt.timedelta(days=n))
        totals.append(count)
    return first.toordinal(), tuple(totals)


def _running_total(day: dt.date) -> int:
    first, totals = _year_table(day.year)
    return totals[day.toordinal() - first]


def _year_total(year: int) -> int:
    return _year_table(year)[1][-1]


def add_months(start: dt.date, months: int) -> dt.date:
    """Same day `months` later; clamps to the month's last day (3 months from 11-30 is 02-28)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)
