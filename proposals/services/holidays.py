"""The holiday calendar as data: seeding from chinese-calendar, and the offices' changes (a
holiday or a make-up working day, removing one, marking a year complete). Every change writes a
CalendarChange row and makes proposals.calendar read the calendar again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.choices import CalendarAction
from core.choices import CalendarSource
from core.exceptions import ApplicationError
from core.validation import clean_text
from proposals import calendar
from proposals.access import may_edit_calendar
from proposals.models import CalendarChange
from proposals.models import CalendarDay
from proposals.models import HolidayYear

FIRST_YEAR, LAST_YEAR = 2000, 2100
WEEKDAYS = "一二三四五六日"


def weekday_label(day: dt.date) -> str:
    return f"周{WEEKDAYS[day.weekday()]}"


def package_calendar() -> dict[int, list[tuple[dt.date, bool, str]]]:
    """What the installed chinese-calendar knows, by year: (date, is_workday, name) for every
    holiday day and every make-up working day."""
    from chinese_calendar.constants import Holiday
    from chinese_calendar.constants import holidays
    from chinese_calendar.constants import workdays

    names = {h.value: h.chinese for h in Holiday}
    years: dict[int, list[tuple[dt.date, bool, str]]] = {}
    for day, holiday in holidays.items():
        years.setdefault(day.year, []).append((day, False, names.get(holiday, "节假日")))
    for day, holiday in workdays.items():
        years.setdefault(day.year, []).append((day, True, f"{names.get(holiday, '')}调休上班"))
    return {year: sorted(days) for year, days in sorted(years.items())}


def _changed(*, year: HolidayYear, actor: Any, action: str, date: dt.date | None, message: str) -> None:
    """The audit row, the year's stamp, and a fresh read of the calendar (at once in this
    process, again after commit; other processes notice the stamp)."""
    year.save(update_fields=["updated_at"])
    CalendarChange.objects.create(
        year=year.year, date=date, action=action, message=message[:200], actor=actor
    )
    calendar.invalidate()
    transaction.on_commit(calendar.invalidate)


@transaction.atomic
def holiday_calendar_seed(*, actor: Any = None) -> list[int]:
    """Fill in the years chinese-calendar knows and the calendar has no row for. Years already
    there (seeded before, or entered by an office) are never touched: returns the years added."""
    present = set(HolidayYear.objects.values_list("year", flat=True))
    added = []
    for year, days in package_calendar().items():
        if year in present:
            continue
        row = HolidayYear.objects.create(
            year=year, complete=True, source=CalendarSource.PACKAGE, published_at=timezone.now()
        )
        CalendarDay.objects.bulk_create(
            CalendarDay(holiday_year=row, date=day, is_workday=work, name=name)
            for day, work, name in days
        )
        CalendarChange.objects.create(
            year=year,
            action=CalendarAction.SEEDED,
            message=f"由 chinese-calendar 导入 {len(days)} 天",
            actor=actor,
        )
        added.append(year)
    if added:
        calendar.invalidate()
        transaction.on_commit(calendar.invalidate)
    return added


def _year_for_edit(year: int) -> HolidayYear:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ApplicationError(f"年度须在 {FIRST_YEAR} 至 {LAST_YEAR} 之间")
    row, _ = HolidayYear.objects.select_for_update().get_or_create(
        year=year, defaults={"source": CalendarSource.OFFICE}
    )
    return row


@transaction.atomic
def holiday_day_set(*, actor: Any, date: dt.date, is_workday: bool, name: str) -> CalendarDay:
    """Enter (or correct) one day: a holiday (放假, also the weekend days inside a holiday
    span) or a make-up working day (调休上班, a Saturday or Sunday)."""
    may_edit_calendar(user=actor).require()
    name = clean_text(name, label="名称", required=True, max_length=30)
    if is_workday and date.weekday() < 5:
        raise ApplicationError(
            f"{date:%Y年%m月%d日}是{weekday_label(date)}，本来就是工作日；调休上班日应为周六或周日"
        )
    year = _year_for_edit(date.year)
    day, created = CalendarDay.objects.update_or_create(
        date=date, defaults={"holiday_year": year, "is_workday": is_workday, "name": name}
    )
    what = "调休上班" if is_workday else "放假"
    _changed(
        year=year,
        actor=actor,
        action=CalendarAction.DAY_SET,
        date=date,
        message=f"{'新增' if created else '修改为'}{date:%m月%d日}（{weekday_label(date)}）{name}，{what}",
    )
    return day


@transaction.atomic
def holiday_day_remove(*, actor: Any, date: dt.date) -> None:
    """Remove an entered day: it follows Monday to Friday again."""
    may_edit_calendar(user=actor).require()
    day = CalendarDay.objects.select_related("holiday_year").filter(date=date).first()
    if day is None:
        raise ApplicationError(f"{date:%Y年%m月%d日}不在节假日安排中")
    year = day.holiday_year
    day.delete()
    _changed(
        year=year,
        actor=actor,
        action=CalendarAction.DAY_REMOVED,
        date=date,
        message=f"删除{date:%m月%d日}（{weekday_label(date)}）{day.name}",
    )


@transaction.atomic
def holiday_year_publish(*, actor: Any, year: int, complete: bool) -> HolidayYear:
    """Mark the year's calendar as complete (the whole notice is entered: counts are exact and
    the warnings go away), or take the mark back."""
    may_edit_calendar(user=actor).require()
    row = _year_for_edit(year)
    if complete and not row.days.exists():
        raise ApplicationError(f"{year} 年尚未录入任何节假日，不能标记为已完整录入")
    if row.complete == complete:
        raise ApplicationError(
            f"{year} 年已{'标记为已完整录入' if complete else '是未完整录入状态'}"
        )
    row.complete = complete
    row.published_by = actor if complete else None
    row.published_at = timezone.now() if complete else None
    row.save(update_fields=["complete", "published_by", "published_at", "updated_at"])
    _changed(
        year=row,
        actor=actor,
        action=CalendarAction.PUBLISHED if complete else CalendarAction.UNPUBLISHED,
        date=None,
        message=f"{year} 年节假日安排{'已完整录入' if complete else '撤销完整录入标记'}",
    )
    return row
