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
    """Working days after `start` up to and including `end`; negative when end is before start."""
    if end == start:
        return 0
    sign = 1 if end > start else -1
    lo, hi = (start, end) if sign == 1 else (end, start)
    count = 0
    day = lo
    while day < hi:
        day += dt.timedelta(days=1)
        if is_workday(day):
            count += 1
    return sign * count


def add_months(start: dt.date, months: int) -> dt.date:
    """Same day `months` later; clamps to the month's last day (3 months from 11-30 is 02-28)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)
