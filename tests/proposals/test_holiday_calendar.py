"""The holiday calendar as data: seeded from chinese-calendar, kept by the offices on their page,
read by every working-day count; due dates on days off move when the session's policy says so;
2027 (not in chinese-calendar) is provisional until entered."""

import datetime as dt

import chinese_calendar
import pytest
import time_machine
from django.urls import reverse

from core.choices import AssignmentState
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from notifications.models import Reminder
from proposals import calendar
from proposals import selectors
from proposals import services as ps
from proposals import tallies
from proposals.models import AuditEvent
from proposals.models import CalendarChange
from proposals.models import CalendarDay
from proposals.models import HolidayYear
from replies import services as rs
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.notifications.conftest import at
from tests.notifications.conftest import open_item
from tests.notifications.conftest import sweep

S = AssignmentState
D = dt.date
# A made-up 2027 Spring Festival for the tests (the State Council's notice is not out yet):
# 02-06 (Saturday) .. 02-13 off, Sunday 02-14 and Saturday 02-20 make-up working days.
SPRING_2027 = (D(2027, 2, 6), D(2027, 2, 13))


def calendar_state():
    return (
        sorted(CalendarDay.objects.values_list("date", "is_workday", "name")),
        sorted(HolidayYear.objects.values_list("year", "complete")),
        CalendarChange.objects.count(),
    )


def post_calendar(client, **data):
    return client.post(reverse("office:calendar"), data)


def enter_spring_2027(client):
    response = post_calendar(
        client,
        action="add",
        year=2027,
        **{
            "day-start": "2027-02-06",
            "day-end": "2027-02-13",
            "day-kind": "off",
            "day-name": "春节",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    for day in ("2027-02-14", "2027-02-20"):
        response = post_calendar(
            client,
            action="add",
            year=2027,
            **{"day-start": day, "day-kind": "work", "day-name": "春节调休上班"},
        )
        assert response.status_code == 302


def test_the_seed_agrees_with_chinese_calendar_day_by_day(db):
    """Seeded after migrate: every day of every year the package knows, as the package says."""
    years = sorted(HolidayYear.objects.values_list("year", flat=True))
    assert years[0] == 2004
    assert years[-1] == 2026
    assert all(calendar.year_known(y) for y in years)
    day = D(2004, 1, 1)
    while day <= D(2026, 12, 31):
        assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=D(2026, 10, 10)).is_workday is True
    # seeding again (every migrate) adds nothing and changes nothing
    before = calendar_state()
    assert ps.holiday_calendar_seed() == []
    assert calendar_state() == before


def test_unknown_year_counts_monday_to_friday_and_is_provisional(db):
    assert not calendar.year_known(2027)
    assert calendar.is_workday(D(2027, 2, 8)) is True  # a Monday, unknown: counted as working
    assert calendar.provisional(D(2026, 11, 28), D(2027, 2, 28)) == (2027,)
    assert calendar.provisional(D(2026, 3, 1), D(2026, 6, 1)) == ()


@time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC), tick=False)
def test_2027_entered_on_the_page_changes_due_dates_and_remaining_days(world, client):
    # 3 months from 2026-11-13 is 2027-02-13: a Saturday, inside the (entered) Spring Festival.
    p = ps.proposal_register(
        session=world.npc_session,
        number=1,
        title="关于春节期间的建议",
        lead_proposer="申卫康",
        assigned_date=D(2026, 11, 13),
        lead_bureaus=[world.bureau],
        actor=world.npc,
    )
    a = p.assignments.get()
    # Unknown 2027: Saturday moves to Monday 02-15, counted Monday to Friday, provisional.
    assert a.due_date == D(2027, 2, 15)
    due = selectors.due_label(assignment=a, today=D(2026, 11, 30))
    assert due.provisional
    assert due.text == "约 55 个工作日后到期（2027 年节假日尚未录入）"
    client.force_login(world.npc)
    page = client.get(reverse("proposals:assignment", args=[a.pk])).content.decode()
    assert "约 55 个工作日后到期（2027 年节假日尚未录入）" in page
    inbox = client.get(reverse("proposals:inbox")).content.decode()
    assert "2027 年节假日安排尚未录入" in inbox
    board = client.get(reverse("office:board")).content.decode()
    assert "2027 年节假日安排尚未录入" in board

    enter_spring_2027(client)
    a.refresh_from_db()
    # 02-15 is now a holiday too? No: the entered span ends 02-13, and Sunday 02-14 is a make-up
    # working day, so the due date stays Monday 02-15 and the count loses the 6 weekdays off
    # (02-08..02-12 and nothing else) and gains the make-up Sunday.
    assert a.due_date == D(2027, 2, 15)
    assert calendar.workdays_between(D(2026, 11, 30), D(2027, 2, 15)) == 55 - 5 + 1
    due = selectors.due_label(assignment=a, today=D(2026, 11, 30))
    assert due.text == "约 51 个工作日后到期（2027 年节假日尚未录入）"

    # an item due on a day the office now enters as a holiday moves to the next working day
    q = ps.proposal_register(
        session=world.npc_session,
        number=2,
        title="关于元宵节的建议",
        lead_proposer="王五",
        assigned_date=D(2026, 11, 22),  # 3 months: Monday 2027-02-22
        lead_bureaus=[world.bureau],
        actor=world.npc,
    )
    b = q.assignments.get()
    assert b.due_date == D(2027, 2, 22)
    response = post_calendar(
        client,
        action="add",
        year=2027,
        **{"day-start": "2027-02-22", "day-kind": "off", "day-name": "元宵（测试）"},
    )
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.due_date == D(2027, 2, 23)
    moved = AuditEvent.objects.get(assignment=b, verb="dates_moved")
    assert "办结期限由2027年02月22日顺延至2027年02月23日" in moved.message
    assert tallies.check() == []  # the counts by due date followed the move

    # marked complete: exact counts, no warning
    response = post_calendar(client, action="publish", year=2027, complete="1")
    assert response.status_code == 302
    assert calendar.year_known(2027)
    due = selectors.due_label(assignment=a, today=D(2026, 11, 30))
    assert (due.text, due.provisional) == ("51 个工作日后到期", False)
    assert "节假日安排尚未录入" not in client.get(reverse("proposals:inbox")).content.decode()
    changes = list(CalendarChange.objects.filter(year=2027).values_list("action", flat=True))
    assert sorted(changes) == ["day_set", "day_set", "day_set", "day_set", "published"]


@time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC), tick=False)
def test_the_sweep_reads_the_entered_calendar(world, client):
    """A weekday entered as a holiday: the sweep plans no deadline reminder on it."""
    open_item(world, due=D(2027, 2, 15))
    with at(D(2027, 2, 8)):  # a Monday, Spring Festival once entered
        assert sweep().workday is True
    Reminder.objects.all().delete()
    client.force_login(world.cppcc)  # either office keeps the calendar
    enter_spring_2027(client)
    with at(D(2027, 2, 8)):
        swept = sweep()
    assert swept.workday is False
    assert not Reminder.objects.filter(kind__in=["reply_due", "overdue"]).exists()


SUNDAY = D(2026, 6, 14)
NEXT_MONDAY = D(2026, 6, 15)


@pytest.mark.parametrize(("moves", "expected"), [(True, NEXT_MONDAY), (False, SUNDAY)])
@time_machine.travel(dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC), tick=False)
def test_due_date_on_sunday_moves_only_when_the_policy_says_so(world, moves, expected):
    assert SUNDAY.weekday() == 6
    assert calendar.is_workday(NEXT_MONDAY)
    world.npc_session.due_moves_to_workday = moves
    world.npc_session.save()
    p = ps.proposal_register(
        session=world.npc_session,
        number=40,
        title="关于期限的建议",
        lead_proposer="申卫康",
        assigned_date=D(2026, 3, 14),  # + 3 months = Sunday 2026-06-14
        lead_bureaus=[world.bureau],
        actor=world.npc,
    )
    assert p.assignments.get().due_date == expected
    # reassignment opens the new bureau's period today (2026-03-16): + 3 months is a Tuesday
    a = p.assignments.get()
    ps.assignment_transition(
        name="request_reassignment", assignment_id=a.pk, actor=world.clerk, comment="非本单位职责"
    )
    new = ps.assignment_reassign(assignment_id=a.pk, actor=world.npc, to_bureau=world.other_bureau)
    assert new.due_date == D(2026, 6, 16)


@pytest.mark.parametrize(("moves", "expected"), [(True, NEXT_MONDAY), (False, SUNDAY)])
def test_reopening_and_the_extension_cap_obey_the_policy(world, moves, expected):
    world.npc_session.due_moves_to_workday = moves
    world.npc_session.reopen_period_months = 1
    world.npc_session.save()
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        state=S.CC_SENT,
        assigned_date=D(2026, 1, 5),
        due_date=D(2026, 4, 5),
    )
    ReplyFactory(assignment=a)
    with time_machine.travel(dt.datetime(2026, 5, 14, 9, 0, tzinfo=dt.UTC), tick=False):
        rs.reply_record_feedback(
            assignment_id=a.pk, actor=world.npc, satisfaction="unsatisfied", comment="不满意"
        )
    a.refresh_from_db()
    assert a.state == S.DRAFTING
    assert a.due_date == expected  # reopened for 1 month from 05-14: Sunday 06-14
    # the cap: at most 6 months from 交办 (2025-12-14 + 6 = Sunday 2026-06-14), which is
    # earlier than due + 3 months (2026-06-16)
    b = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        state=S.DRAFTING,
        assigned_date=D(2025, 12, 14),
        due_date=D(2026, 3, 16),
    )
    assert ps.extension_latest_allowed(assignment=b) == expected


def test_outsiders_are_refused_on_the_calendar_page(world, client):
    before = calendar_state()
    data = {
        "action": "add",
        "year": 2027,
        "day-start": "2027-02-08",
        "day-kind": "off",
        "day-name": "春节",
    }
    for user in (world.clerk, world.supervisor):
        client.force_login(user)
        assert client.get(reverse("office:calendar")).status_code == 403
        assert post_calendar(client, **data).status_code == 403
    client.force_login(world.duchashi)  # the supervision office reads it, changes nothing
    page = client.get(reverse("office:calendar"), {"year": 2026})
    assert page.status_code == 200
    assert "录入日期" not in page.content.decode()
    assert post_calendar(client, **data).status_code == 403
    client.logout()
    assert client.get(reverse("office:calendar")).status_code == 302  # to the login
    assert calendar_state() == before
    with pytest.raises(AccessDenied):
        ps.holiday_days_set(actor=world.clerk, start=D(2027, 2, 8), is_workday=False, name="春节")
    assert calendar_state() == before


def test_bad_entries_are_refused_with_the_reason_and_change_nothing(world, client):
    client.force_login(world.npc)
    before = calendar_state()
    response = post_calendar(
        client,
        action="add",
        year=2027,
        **{"day-start": "2027-02-08", "day-kind": "work", "day-name": "调休"},
    )
    assert response.status_code == 400
    assert "本来就是工作日" in response.content.decode()
    response = post_calendar(
        client,
        action="add",
        year=2027,
        **{"day-start": "2027-02-08", "day-end": "2027-02-01", "day-kind": "off", "day-name": "春"},
    )
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.content.decode()
    response = post_calendar(
        client,
        action="add",
        year=2027,
        **{"day-start": "2027-02-08", "day-kind": "off", "day-name": "<b>春节</b>"},
    )
    assert response.status_code == 400
    assert "HTML" in response.content.decode()
    response = post_calendar(client, action="publish", year=2027, complete="1")
    assert response.status_code == 400
    assert "尚未录入任何节假日" in response.content.decode()
    assert post_calendar(client, action="nonsense").status_code == 400
    assert calendar_state() == before
    with pytest.raises(ApplicationError, match="同一年度"):
        ps.holiday_days_set(
            actor=world.npc, start=D(2027, 12, 31), end=D(2028, 1, 2), is_workday=False, name="元旦"
        )
    assert calendar_state() == before


def test_removing_a_day_counts_it_by_the_weekday_again(world, client):
    client.force_login(world.npc)
    assert calendar.is_workday(D(2026, 10, 1)) is False
    response = post_calendar(client, action="remove", year=2026, date="2026-10-01")
    assert response.status_code == 302
    assert calendar.is_workday(D(2026, 10, 1)) is True
    change = CalendarChange.objects.get(action="day_removed")
    assert (change.actor, change.date) == (world.npc, D(2026, 10, 1))
    page = client.get(reverse("office:calendar"), {"year": 2026}).content.decode()
    assert "删除10月01日" in page
