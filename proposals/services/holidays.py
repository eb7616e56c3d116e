"""The holiday calendar as data: seeding from chinese-calendar, and the offices' changes (a
holiday or a make-up working day, removing one, marking a year complete). Every change writes a
CalendarChange row and makes proposals.calendar read the calendar again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.choices import AssignmentState
from core.choices import AuditVerb
from core.choices import CalendarAction
from core.choices import CalendarSource
from core.choices import ProposalStatus
from core.exceptions import ApplicationError
from core.validation import clean_text
from proposals import calendar
from proposals import tallies
from proposals.access import may_edit_calendar
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import CalendarChange
from proposals.models import CalendarDay
from proposals.models import HolidayYear
from proposals.services.items import reassignment_window_start

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


def _changed(
    *, year: HolidayYear, actor: Any, action: str, date: dt.date | None, message: str
) -> int:
    """The audit row, the year's stamp, a fresh read of the calendar (at once in this process,
    again after commit; other processes notice the stamp), and the open items' dates that the
    change moves. Returns how many assignments it moved."""
    year.save(update_fields=["updated_at"])
    CalendarChange.objects.create(
        year=year.year, date=date, action=action, message=message[:200], actor=actor
    )
    calendar.invalidate()
    transaction.on_commit(calendar.invalidate)
    return assignments_follow_calendar(year=year.year, actor=actor)


def assignments_follow_calendar(*, year: int, actor: Any) -> int:
    """After the calendar of `year` changed: open assignments whose due date now falls on a day
    off move to the next working day (when their session's policy says so), and reassignment
    windows still running are counted again on the new calendar. Dates only ever move later:
    nobody loses time they were told they had. Each move is an audit row on the item."""
    today = timezone.localdate()
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    open_items = Assignment.objects.filter(
        state__in=AssignmentState.open(), proposal__status=ProposalStatus.ACTIVE
    ).select_related("proposal__session")
    candidates = open_items.filter(
        Q(due_date__range=(first, last), proposal__session__due_moves_to_workday=True)
        | Q(
            state__in=AssignmentState.window(),
            reassignment_deadline__gte=max(today, first),
            reassignment_deadline__lte=last + dt.timedelta(days=31),
        )
    )
    moved: list[Assignment] = []
    events: list[AuditEvent] = []
    for a in candidates:
        session = a.proposal.session
        changes = []
        if session.due_moves_to_workday and first <= a.due_date <= last:
            due = calendar.next_workday(a.due_date)
            if due > a.due_date:
                changes.append(f"办结期限由{a.due_date:%Y年%m月%d日}顺延至{due:%Y年%m月%d日}")
                a.due_date = due
        if a.state in AssignmentState.window() and a.reassignment_deadline >= today:
            start = reassignment_window_start(
                assigned_date=a.assigned_date, registered_on=timezone.localdate(a.created_at)
            )
            window = calendar.add_workdays(start, session.reassignment_window_workdays)
            if window > a.reassignment_deadline:
                changes.append(
                    f"申请调整截止日由{a.reassignment_deadline:%Y年%m月%d日}"
                    f"顺延至{window:%Y年%m月%d日}"
                )
                a.reassignment_deadline = window
        if changes:
            a.updated_at = timezone.now()
            moved.append(a)
            events.append(
                AuditEvent(
                    proposal=a.proposal,
                    assignment=a,
                    actor=actor,
                    verb=AuditVerb.DATES_MOVED,
                    message=f"{year} 年节假日安排调整：" + "；".join(changes),
                )
            )
    # Moved due dates move the counts by due date (overdue, 按时办复率): proposals/tallies.py.
    with tallies.track(proposal_ids={a.proposal_id for a in moved}):
        Assignment.objects.bulk_update(
            moved, ["due_date", "reassignment_deadline", "updated_at"], batch_size=500
        )
    AuditEvent.objects.bulk_create(events, batch_size=500)
    return len(moved)


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


MAX_SPAN_DAYS = 31


@dataclass(frozen=True)
class DaysSet:
    days: list[CalendarDay]
    moved: int  # open assignments whose dates the change moved


@transaction.atomic
def holiday_days_set(
    *, actor: Any, start: dt.date, end: dt.date | None = None, is_workday: bool, name: str
) -> DaysSet:
    """Enter (or correct) a day or a span of days: a holiday (放假: every day of the span, its
    weekend days too) or make-up working days (调休上班: Saturdays or Sundays only)."""
    may_edit_calendar(user=actor).require()
    name = clean_text(name, label="名称", required=True, max_length=30)
    end = end or start
    if end < start:
        raise ApplicationError("结束日期不能早于开始日期")
    if start.year != end.year:
        raise ApplicationError("一次录入的日期须在同一年度内，跨年请分两次录入")
    if (end - start).days + 1 > MAX_SPAN_DAYS:
        raise ApplicationError(f"一次最多录入 {MAX_SPAN_DAYS} 天")
    dates = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    if is_workday:
        weekdays = [d for d in dates if d.weekday() < 5]
        if weekdays:
            d = weekdays[0]
            raise ApplicationError(
                f"{d:%Y年%m月%d日}是{weekday_label(d)}，本来就是工作日；调休上班日应为周六或周日"
            )
    year = _year_for_edit(start.year)
    days = []
    for date in dates:
        day, _ = CalendarDay.objects.update_or_create(
            date=date, defaults={"holiday_year": year, "is_workday": is_workday, "name": name}
        )
        days.append(day)
    span = (
        f"{start:%m月%d日}（{weekday_label(start)}）"
        if start == end
        else f"{start:%m月%d日}至{end:%m月%d日}（{len(dates)} 天）"
    )
    moved = _changed(
        year=year,
        actor=actor,
        action=CalendarAction.DAY_SET,
        date=start,
        message=f"{span}{name}，{'调休上班' if is_workday else '放假'}",
    )
    return DaysSet(days, moved)


@transaction.atomic
def holiday_day_remove(*, actor: Any, date: dt.date) -> int:
    """Remove an entered day: it follows Monday to Friday again. Returns how many open
    assignments' dates moved."""
    may_edit_calendar(user=actor).require()
    day = CalendarDay.objects.select_related("holiday_year").filter(date=date).first()
    if day is None:
        raise ApplicationError(f"{date:%Y年%m月%d日}不在节假日安排中")
    year = day.holiday_year
    day.delete()
    return _changed(
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
