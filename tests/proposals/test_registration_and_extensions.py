import datetime as dt

import pytest
import time_machine

from core.choices import AssignmentState
from core.exceptions import ApplicationError
from proposals import calendar
from proposals import services as ps
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import Proposal
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory

S = AssignmentState


def register(world, **overrides):
    args = {
        "session": world.npc_session,
        "number": 7,
        "title": "关于加强五金产业的建议",
        "lead_proposer": "申卫康",
        "assigned_date": dt.date(2026, 3, 2),
        "lead_bureaus": [world.bureau],
        "actor": world.npc,
    }
    args.update(overrides)
    return ps.proposal_register(**args)


@time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
def test_register_computes_due_dates_from_the_session_policy(world):
    p = register(world, co_bureaus=[world.other_bureau], is_complex=False)
    lead = p.assignments.get(role="lead")
    co = p.assignments.get(role="co_unit")
    assert lead.due_date == dt.date(2026, 6, 2)
    assert co.due_date == dt.date(2026, 4, 2)
    assert lead.reassignment_deadline == calendar.add_workdays(dt.date(2026, 3, 2), 5)
    world.npc_session.complex_period_months = 6
    world.npc_session.save()
    q = register(world, number=8, is_complex=True)
    assert q.assignments.get().due_date == dt.date(2026, 9, 2)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "标题不能为空"),
        ({"title": "<b>标题</b>"}, "HTML"),
        ({"lead_bureaus": []}, "至少需要一个主办单位"),
        ({"number": 0}, "正整数"),
    ],
)
def test_bad_registration_changes_nothing(world, overrides, message):
    with pytest.raises(ApplicationError, match=message):
        register(world, **overrides)
    assert Proposal.objects.count() == 0
    assert Assignment.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_duplicate_number_is_refused(world):
    register(world)
    with pytest.raises(ApplicationError, match="第7号已存在"):
        register(world, title="另一件")
    assert Proposal.objects.count() == 1
    register(world, session=world.cppcc_session, actor=world.cppcc)  # same number, other session


def test_lead_and_co_unit_must_differ(world):
    with pytest.raises(ApplicationError, match="既是主办单位又是协办单位"):
        register(world, co_bureaus=[world.bureau])


def test_extension_is_capped_and_approval_moves_the_due_date(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        state=S.DRAFTING,
        assigned_date=dt.date(2026, 3, 2),
        due_date=dt.date(2026, 6, 2),
    )
    with pytest.raises(ApplicationError, match="延期不能超过 2026年09月02日"):
        ps.extension_request(
            assignment_id=a.pk,
            actor=world.clerk,
            requested_due_date=dt.date(2026, 9, 3),
            reason="需协调",
        )
    with pytest.raises(ApplicationError, match="须晚于原办结期限"):
        ps.extension_request(
            assignment_id=a.pk,
            actor=world.clerk,
            requested_due_date=dt.date(2026, 6, 1),
            reason="需协调",
        )
    ext = ps.extension_request(
        assignment_id=a.pk,
        actor=world.clerk,
        requested_due_date=dt.date(2026, 8, 1),
        reason="需协调",
    )
    with pytest.raises(ApplicationError, match="已有一份延期申请"):
        ps.extension_request(
            assignment_id=a.pk,
            actor=world.clerk,
            requested_due_date=dt.date(2026, 8, 2),
            reason="再次",
        )
    with pytest.raises(ApplicationError, match="须填写不同意的理由"):
        ps.extension_reject(extension_id=ext.pk, actor=world.npc, comment="")
    ps.extension_approve(extension_id=ext.pk, actor=world.npc, comment="同意")
    a.refresh_from_db()
    assert a.due_date == dt.date(2026, 8, 1)
    ext.refresh_from_db()
    assert (ext.state, ext.decided_by) == ("approved", world.npc)


@time_machine.travel(dt.datetime(2026, 9, 30, 9, 0, tzinfo=dt.UTC), tick=False)
def test_reassignment_moves_the_item_and_restarts_its_periods(world):
    p = register(world, assigned_date=dt.date(2026, 9, 29))
    a = p.assignments.get()
    ps.assignment_transition(
        name="request_reassignment",
        assignment_id=a.pk,
        actor=world.clerk,
        comment="不属于本单位职责",
    )
    new = ps.assignment_reassign(assignment_id=a.pk, actor=world.npc, to_bureau=world.other_bureau)
    a.refresh_from_db()
    assert a.state == S.REASSIGNED
    assert a.reassigned_to == new
    assert new.bureau == world.other_bureau
    assert new.state == S.ASSIGNED
    # National Day holiday: 10-01..10-08 are off, 10-10 (Saturday) is a make-up working day.
    assert new.reassignment_deadline == calendar.add_workdays(dt.date(2026, 9, 30), 5)
    assert new.due_date == dt.date(2026, 12, 30)


def test_calendar_counts_make_up_weekends_and_falls_back_for_unknown_years(db, caplog):
    assert calendar.is_workday(dt.date(2026, 10, 1)) is False  # 国庆
    assert calendar.add_workdays(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)  # 春节调休周六
    assert calendar.add_workdays(dt.date(2027, 12, 31), 1) == dt.date(2028, 1, 3)
    assert calendar.provisional(dt.date(2026, 12, 1), dt.date(2028, 1, 3)) == (2027, 2028)
    assert "按周一至周五计算" in caplog.text
    assert calendar.add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
