"""Statistics on a constructed data set whose answers are worked out by hand below."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from offices.statistics import statistics_by_bureau
from proposals import services as ps
from proposals import tallies
from proposals.models import ContactEvent
from proposals.models import Supervision
from replies.models import IssuedLetter
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.factories import SessionFactory

DUE = dt.date(2023, 6, 15)
TODAY = dt.date(2023, 7, 1)  # DUE has passed; 2099 has not
_serial = iter(range(1, 1000))


def lead(world, bureau, *, state="drafting", status="active", session=None, role="lead", due=DUE):
    proposal = ProposalFactory(session=session or world.npc_session, status=status)
    return AssignmentFactory(
        proposal=proposal,
        bureau=bureau,
        role=role,
        state=state,
        assigned_date=dt.date(2023, 3, 15),
        due_date=due,
    )


def letter(assignment, issued, answer_class, satisfaction=""):
    reply = getattr(assignment, "reply", None) or ReplyFactory(
        assignment=assignment, satisfaction=satisfaction
    )
    n = next(_serial)
    IssuedLetter.objects.create(
        reply=reply,
        doc_year=issued.year,
        doc_serial=n,
        doc_number=f"测{n}号",
        issued_date=issued,
        body="正文",
        answer_class=answer_class,
        leader_name="甲",
        clerk_name="乙",
        phone="1",
        cc_list=[],
    )
    assignment.refresh_from_db()
    return reply


def contact(assignment, day):
    ContactEvent.objects.create(assignment=assignment, contacted_on=day, method="meeting")


@pytest.fixture
def data(world):
    a, b = world.bureau, world.other_bureau
    # Bureau a: 区经信局
    a1 = lead(world, a, state="cc_sent")  # replied on time, contacted before, 满意, A
    letter(a1, dt.date(2023, 6, 1), "A", "satisfied")
    contact(a1, dt.date(2023, 5, 20))
    a2 = lead(world, a, state="issued")  # replied late, contacted only after, 基本满意, B
    letter(a2, dt.date(2023, 6, 20), "B", "basically")
    contact(a2, dt.date(2023, 6, 25))
    lead(world, a, state="drafting")  # a3: not replied
    a4 = lead(world, a, state="drafting")  # replied on the due date, contact same day, reopened
    letter(a4, DUE, "A", "unsatisfied")
    contact(a4, DUE)
    letter(a4, dt.date(2023, 8, 1), "B")  # second letter after 重新办理: latest class is B
    a5 = lead(world, a, state="issued", status="withdrawn")  # withdrawn: left out
    letter(a5, dt.date(2023, 5, 1), "A", "satisfied")
    lead(world, a, state="reassigned")  # moved to another bureau: left out
    lead(world, a, state="issued", status="merged")  # merged: left out
    lead(world, a, role="co_unit", state="issued")  # a co-unit task
    other_session = SessionFactory(body="npc", name="区十七届人大三次会议", year=2024)
    lead(world, a, session=other_session)  # another session
    # Bureau b: 区商务局
    b1 = lead(world, b, state="issued")  # on time, no contact, no feedback, C
    letter(b1, dt.date(2023, 5, 1), "C")
    lead(world, b, state="accepted")  # b2: not replied, due date passed: late
    lead(world, b, state="accepted", due=dt.date(2099, 1, 1))  # b3: not replied, not due yet
    # The factories bypass the services that keep the stored counts: count once, as
    # `check_counts --repair` does.
    tallies.rebuild()
    return other_session


def by_label(report):
    return {r.label: r for r in report.rows}


def test_statistics_match_hand_computed_values(world, data):
    report = statistics_by_bureau(user=world.npc, session_id=world.npc_session.pk, today=TODAY)
    rows = by_label(report)
    assert list(rows) == ["区商务局", "区经信局"]
    jx = rows["区经信局"]
    # assigned a1..a4 = 4; replied a1, a2, a4 = 3; on time a1 (6/1) and a4 (on the due date) = 2
    assert (jx.assigned, jx.replied, jx.on_time) == (4, 3, 2)
    assert jx.reply_rate == Decimal("75.0")  # 3/4
    # due = replied 3 + a3 (not replied, due date passed) = 4
    assert jx.due == 4
    assert jx.on_time_rate == Decimal("50.0")  # 2/4
    # contacted before (or on the day of) the first letter: a1, a4 -> 2 of 3 replied
    assert jx.contacted == 2
    assert jx.contact_rate == Decimal("66.7")
    # feedback: 满意 a1, 基本满意 a2, 不满意 a4
    assert (jx.feedback, jx.satisfied, jx.basically, jx.unsatisfied) == (3, 1, 1, 1)
    assert jx.satisfied_rate == Decimal("33.3")  # 1/3
    assert jx.satisfied_or_basically_rate == Decimal("66.7")  # 2/3
    # latest classes: a1 A, a2 B, a4 B
    assert jx.class_share("A") == Decimal("33.3")
    assert jx.class_share("B") == Decimal("66.7")
    assert jx.class_share("C") == Decimal("0.0")
    assert (jx.lead_count, jx.co_unit_count) == (4, 1)

    sw = rows["区商务局"]
    assert (sw.assigned, sw.replied, sw.on_time, sw.contacted) == (3, 1, 1, 0)
    assert sw.reply_rate == Decimal("33.3")  # 1/3
    # 按时办复率 counts b1 (answered) and b2 (late), not b3 (due in 2099): 1/2
    assert sw.due == 2
    assert sw.on_time_rate == Decimal("50.0")
    assert sw.contact_rate == Decimal("0.0")
    assert sw.satisfied_rate is None  # no feedback yet: no rate, not 0%
    assert sw.class_share("C") == Decimal("100.0")

    total = report.total
    assert (total.assigned, total.replied, total.on_time, total.contacted) == (7, 4, 3, 2)
    assert total.reply_rate == Decimal("57.1")  # 4/7
    assert total.due == 6  # 4 replied + a3 + b2
    assert total.on_time_rate == Decimal("50.0")  # 3/6
    assert total.contact_rate == Decimal("50.0")  # 2/4
    assert [total.class_share(c) for c in "ABC"] == [
        Decimal("25.0"),
        Decimal("50.0"),
        Decimal("25.0"),
    ]
    assert (total.lead_count, total.co_unit_count) == (7, 1)
    assert report.class_codes == ["A", "B", "C"]


def test_all_sessions_include_the_other_session(world, data):
    report = statistics_by_bureau(user=world.npc)
    assert by_label(report)["区经信局"].assigned == 5
    assert report.session is None


def test_bureau_staff_see_only_their_bureau(world, data):
    report = statistics_by_bureau(user=world.other_clerk, session_id=world.npc_session.pk)
    assert [r.label for r in report.rows] == ["区商务局"]
    assert report.total.assigned == 3


def test_statistics_page_chart_and_export(world, data, client):
    client.force_login(world.duchashi)
    url = reverse("office:statistics")
    response = client.get(url, {"session": world.npc_session.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html
    assert "区经信局" in html
    assert "满意率（仅满意）" in html
    assert "满意率（含基本满意）" in html
    response = client.get(url, {"session": world.npc_session.pk, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("承办单位", "主办件数", "协办件数", "已办复", "办复率")
    jx = next(r for r in rows if r[0] == "区经信局")
    # numbers as numbers, percentages as fractions formatted as percentages
    assert jx[1:5] == (4, 1, 3, 0.75)
    assert next(sheet.iter_rows(min_row=2, max_row=2, min_col=5, max_col=5))[0].number_format == (
        "0.0%"
    )
    assert rows[-1][0] == "合计"
    assert rows[-1][4] == pytest.approx(4 / 7, abs=0.0005)
    assert "75.0%" in html


def test_urges_and_supervisions_counted_per_bureau(world, data, client):
    def press(assignment, kind, n=1):
        for _ in range(n):
            Supervision.objects.create(
                assignment=assignment,
                kind=kind,
                office=world.supervision,
                comment="请加快",
                state="open" if kind == "order" else "",
                reply_by=DUE if kind == "order" else None,
            )

    a, b = world.bureau, world.other_bureau
    jx_late = lead(world, a, state="drafting")
    press(jx_late, "urge", 2)
    press(jx_late, "order")
    press(lead(world, a, role="co_unit", state="drafting"), "urge")  # co-unit tasks count too
    press(lead(world, a, status="withdrawn"), "urge")  # withdrawn: left out like everything
    press(lead(world, b, state="accepted"), "urge")
    target = lead(world, b, state="accepted")
    tallies.check(repair=True)  # the rows above were written past the services: count them once
    # through the service, the count follows in the same transaction
    ps.supervision_urge(assignment_id=target.pk, actor=world.npc, comment="请加快")
    assert tallies.check() == []
    report = statistics_by_bureau(user=world.npc, session_id=world.npc_session.pk)
    rows = by_label(report)
    assert (rows["区经信局"].urged, rows["区经信局"].ordered) == (3, 1)
    assert (rows["区商务局"].urged, rows["区商务局"].ordered) == (2, 0)
    assert (report.total.urged, report.total.ordered) == (5, 1)
    client.force_login(world.npc)
    url = reverse("office:statistics")
    response = client.get(url, {"session": world.npc_session.pk, "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][-2:] == ("催办次数", "督办单数")
    assert next(r for r in rows if r[0] == "区经信局")[-2:] == (3, 1)
    assert rows[-1][-2:] == (5, 1)
