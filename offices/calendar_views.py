"""节假日安排: the offices keep the holiday calendar (holidays and make-up working days) per year;
every working-day count reads it (proposals/calendar.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from offices.forms import CalendarDaysForm
from offices.forms import CalendarPublishForm
from offices.forms import CalendarRemoveForm
from proposals import calendar
from proposals.access import may_edit_calendar
from proposals.access import may_see_calendar
from proposals.models import CalendarChange
from proposals.models import CalendarDay
from proposals.models import HolidayYear
from proposals.pages import require
from proposals.selectors import calendar_warning
from proposals.services import holiday_day_remove
from proposals.services import holiday_days_set
from proposals.services import holiday_year_publish
from proposals.services.holidays import FIRST_YEAR
from proposals.services.holidays import LAST_YEAR
from proposals.services.holidays import weekday_label


def _year(request: HttpRequest, today: dt.date) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or today.year)
    except ValueError:
        return today.year
    return year if FIRST_YEAR <= year <= LAST_YEAR else today.year


def _moved(count: int) -> str:
    return f"；{count} 件在办事项的期限已按新安排顺延" if count else ""


def _post(request: HttpRequest, year: int) -> tuple[Any, str]:
    """Run the posted change; returns (the form to show again on error, or None; message)."""
    action = request.POST.get("action", "")
    user = request.user
    if action == "add":
        day_form = CalendarDaysForm(request.POST, prefix="day")
        if day_form.is_valid():
            data = day_form.cleaned_data
            try:
                result = holiday_days_set(
                    actor=user,
                    start=data["start"],
                    end=data["end"],
                    is_workday=data["kind"] == CalendarDaysForm.WORK,
                    name=data["name"],
                )
            except AccessDenied:
                raise
            except ApplicationError as exc:  # a rule: shown on the form, the input kept
                day_form.add_error(None, exc.message)
                return day_form, ""
            return None, f"已录入 {len(result.days)} 天{_moved(result.moved)}"
        return day_form, ""
    if action == "remove":
        remove = CalendarRemoveForm(request.POST)
        if remove.is_valid():
            day = remove.cleaned_data["date"]
            moved = holiday_day_remove(actor=user, date=day)
            return None, f"已删除 {day:%Y年%m月%d日}{_moved(moved)}"
        raise ApplicationError("请选择要删除的日期")
    if action == "publish":
        publish = CalendarPublishForm(request.POST)
        if publish.is_valid():
            complete, which = publish.cleaned_data["complete"], publish.cleaned_data["year"]
            holiday_year_publish(actor=user, year=which, complete=complete)
            return None, (
                f"{which} 年节假日安排已标记为完整录入"
                if complete
                else f"已撤销 {which} 年的完整录入标记"
            )
        raise ApplicationError("请求不完整，请刷新页面后重试")
    raise ApplicationError("未知操作")


@login_required
@require_http_methods(["GET", "POST"])
def calendar_view(request: HttpRequest) -> HttpResponse:
    require(may_see_calendar(user=request.user))
    today = timezone.localdate()
    year = _year(request, today)
    can_edit = may_edit_calendar(user=request.user)
    day_form = CalendarDaysForm(prefix="day") if can_edit else None
    status = 200
    if request.method == "POST":
        require(can_edit)
        try:
            failed, message = _post(request, year)
        except AccessDenied as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            failed, message = None, ""
            messages.error(request, exc.message)
            status = 400
        if failed is not None:
            day_form, status = failed, 400
        elif status == 200:
            messages.success(request, message)
            return redirect(f"{reverse('office:calendar')}?year={year}")
    row = HolidayYear.objects.filter(year=year).first()
    days = list(CalendarDay.objects.filter(date__year=year))
    last = dt.date(year, 12, 31)
    warning = calendar_warning(user=request.user, today=today)
    years = sorted(
        set(HolidayYear.objects.values_list("year", flat=True))
        | {today.year - 1, today.year, today.year + 1, year}
        | set(warning.years if warning else ())
    )
    context = {
        "year": year,
        "row": row,
        "days": [(d, weekday_label(d.date)) for d in days],
        "off_count": sum(not d.is_workday for d in days),
        "off_weekdays": sum(not d.is_workday and d.date.weekday() < 5 for d in days),
        "work_count": sum(d.is_workday for d in days),
        "workdays": calendar.workdays_between(dt.date(year - 1, 12, 31), last),
        "complete": calendar.year_known(year),
        "years": [(y, calendar.year_known(y)) for y in years if y >= today.year - 3],
        "older_years": [y for y in years if y < today.year - 3],
        "can_edit": bool(can_edit),
        "day_form": day_form,
        "changes": CalendarChange.objects.filter(year=year).select_related("actor")[:50],
        "today": today,
    }
    return render(request, "office/calendar.html", context, status=status)
