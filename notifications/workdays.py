"""Counting working days for many due dates at once (the sweep looks at every open item)."""

from __future__ import annotations

import datetime as dt

from proposals import calendar

ONE_DAY = dt.timedelta(days=1)


class WorkdayCounter:
    """Working days after `today` up to and including a later day, with each calendar day
    looked up once per sweep (proposals.calendar: chinese-calendar with make-up weekends)."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self._counts: dict[dt.date, int] = {today: 0}
        self._last = today
        self._n = 0

    def until(self, day: dt.date) -> int:
        if day <= self.today:
            return 0
        while self._last < day:
            self._last += ONE_DAY
            if calendar.is_workday(self._last):
                self._n += 1
            self._counts[self._last] = self._n
        return self._counts[day]

    def horizon(self, workdays: int) -> dt.date:
        """The first day with more than `workdays` working days after today: every day before
        it has at most `workdays` left."""
        return calendar.add_workdays(self.today, workdays + 1)
