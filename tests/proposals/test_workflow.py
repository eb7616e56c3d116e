"""Every transition from every state for every role, through the public services: allowed ones
succeed and log the actor, forbidden ones are refused and change nothing."""

import datetime as dt

import pytest
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.choices import AssignmentState
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.exceptions import TransitionError
from proposals import services as ps
from proposals.access import transition_check
from proposals.models import Assignment
from proposals.workflow import PLAIN
from proposals.workflow import Comment
from proposals.workflow import steps
from replies import services as rs
from replies.models import IssuedLetter
from tests.factories import AssignmentFactory
from tests.factories import BureauFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

S = AssignmentState
ROLES = ["clerk", "supervisor", "other_clerk", "other_supervisor", "npc", "cppcc", "duchashi"]
BUREAU = {"clerk", "supervisor"}

# transition -> (source states, roles allowed, target)
ALLOWED = {
    "accept": ({S.ASSIGNED}, BUREAU, S.ACCEPTED),
    "request_reassignment": ({S.ASSIGNED, S.ACCEPTED}, BUREAU, S.REASSIGNMENT_REQUESTED),
    "keep": ({S.REASSIGNMENT_REQUESTED}, {"npc"}, S.ASSIGNED),
    "reassign": ({S.REASSIGNMENT_REQUESTED}, {"npc"}, S.REASSIGNED),
    "start_drafting": ({S.ACCEPTED}, {"clerk"}, S.DRAFTING),
    "submit": ({S.DRAFTING}, {"clerk"}, S.IN_REVIEW),
    "return_for_revision": ({S.IN_REVIEW}, {"supervisor"}, S.DRAFTING),
    "approve": ({S.IN_REVIEW}, {"supervisor"}, S.APPROVED),
    "issue": ({S.APPROVED}, BUREAU, S.ISSUED),
    "send_cc": ({S.ISSUED}, BUREAU, S.CC_SENT),
    "reopen": ({S.ISSUED, S.CC_SENT}, {"npc"}, S.DRAFTING),
}

# The public service that takes each transition, by the service its Step declares.
PUBLIC = {
    PLAIN: lambda a, name, actor: ps.assignment_transition(
        assignment_id=a.pk, name=name, actor=actor, comment="意见"
    ),
    "assignment_reassign": lambda a, name, actor: ps.assignment_reassign(
        assignment_id=a.pk, actor=actor, to_bureau=BureauFactory(), comment="意见"
    ),
    "draft_submit": lambda a, name, actor: rs.draft_submit(
        assignment_id=a.pk, actor=actor, comment="意见"
    ),
    "reply_issue": lambda a, name, actor: rs.reply_issue(assignment_id=a.pk, actor=actor),
    "reply_record_feedback": lambda a, name, actor: rs.reply_record_feedback(
        assignment_id=a.pk, actor=actor, satisfaction="unsatisfied", comment="意见"
    ),
}

CASES = [(state, name, role) for state in S.values for name in steps() for role in ROLES]


def take(assignment, name, actor):
    return PUBLIC[steps()[name].service](assignment, name, actor)


def test_table_covers_every_declared_transition():
    assert set(ALLOWED) == set(steps())
    declared = {t.name for t in Assignment().get_all_state_transitions()}
    assert declared == set(steps())
    assert {s.service for s in steps().values()} <= set(PUBLIC)


@pytest.mark.parametrize(("state", "name", "role"), CASES)
def test_transition_matrix(world, state, name, role):
    # An NPC item, with everything that the conditions ask for in place.
    proposal = ProposalFactory(session=world.npc_session)
    assignment = AssignmentFactory(proposal=proposal, bureau=world.bureau, state=state)
    ReplyFactory(assignment=assignment, satisfaction="")
    actor = world.role(role)
    sources, roles, target = ALLOWED[name]
    logs_before = StateLog.objects.count()
    due_before = assignment.due_date

    if state in sources and role in roles:
        take(assignment, name, actor)
        assignment.refresh_from_db()
        assert assignment.state == target
        log = StateLog.objects.filter(transition=name).latest("pk")
        assert (log.source_state, log.state) == (state, target)
        assert log.by == actor
        expected = "" if steps()[name].comment == Comment.NONE else "意见"
        assert (log.description or "") == expected
    else:
        with pytest.raises((AccessDenied, TransitionError)):
            take(assignment, name, actor)
        assignment.refresh_from_db()
        assert assignment.state == state
        assert assignment.due_date == due_before
        assert StateLog.objects.count() == logs_before
        assert not IssuedLetter.objects.exists()


@pytest.mark.parametrize("name", [n for n, s in steps().items() if s.service != PLAIN])
def test_the_generic_service_refuses_transitions_with_their_own_service(world, name):
    """issue without a number, reopen without a new period, reassign without a bureau, submit
    without a kept version: none of these can be reached by name."""
    proposal = ProposalFactory(session=world.npc_session)
    state = next(iter(ALLOWED[name][0]))
    a = AssignmentFactory(proposal=proposal, bureau=world.bureau, state=state)
    ReplyFactory(assignment=a, satisfaction="unsatisfied")
    actor = world.role(next(iter(ALLOWED[name][1])))
    with pytest.raises(TransitionError, match="须通过专门的办理页面"):
        ps.assignment_transition(assignment_id=a.pk, name=name, actor=actor, comment="意见")
    a.refresh_from_db()
    assert a.state == state
    assert not IssuedLetter.objects.exists()
    assert not StateLog.objects.exists()


def test_the_runner_is_not_a_public_service():
    assert not hasattr(ps, "assignment_run_transition")
    assert "run_transition" not in ps.__all__


def test_wrong_state_and_wrong_user_get_distinct_messages(world):
    a = AssignmentFactory(proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau)
    with pytest.raises(TransitionError, match="当前状态为“已交办”，不能签批"):
        ps.assignment_transition(assignment_id=a.pk, name="approve", actor=world.supervisor)
    with pytest.raises(AccessDenied, match="只有本单位承办人员可以签收"):
        ps.assignment_transition(assignment_id=a.pk, name="accept", actor=world.other_clerk)


def test_cppcc_decisions_belong_to_the_cppcc_office(world):
    proposal = ProposalFactory(session=world.cppcc_session)
    a = AssignmentFactory(proposal=proposal, bureau=world.bureau, state=S.REASSIGNMENT_REQUESTED)
    with pytest.raises(AccessDenied):
        ps.assignment_transition(assignment_id=a.pk, name="keep", actor=world.npc, comment="不同意")
    ps.assignment_transition(assignment_id=a.pk, name="keep", actor=world.cppcc, comment="不同意")
    a.refresh_from_db()
    assert a.state == S.ASSIGNED


def test_submit_needs_a_complete_draft(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.DRAFTING
    )
    ReplyFactory(assignment=a, phone="")
    with pytest.raises(TransitionError, match="尚未填写完整"):
        rs.draft_submit(assignment_id=a.pk, actor=world.clerk)
    a.refresh_from_db()
    assert a.state == S.DRAFTING


def test_reassignment_window_closes(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        reassignment_deadline=timezone.localdate() - dt.timedelta(days=1),
    )
    with pytest.raises(TransitionError, match="已超过申请调整期限"):
        ps.assignment_transition(
            assignment_id=a.pk,
            name="request_reassignment",
            actor=world.clerk,
            comment="非我单位职责",
        )


def test_comment_is_required_to_return(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.IN_REVIEW
    )
    with pytest.raises(ApplicationError, match="须填写退回意见"):
        ps.assignment_transition(
            assignment_id=a.pk,
            name="return_for_revision",
            actor=world.supervisor,
            comment="  ",
        )


def test_lead_waits_for_co_unit_opinions(world):
    proposal = ProposalFactory(session=world.npc_session)
    lead = AssignmentFactory(proposal=proposal, bureau=world.bureau, state=S.APPROVED)
    ReplyFactory(assignment=lead)
    co = AssignmentFactory(
        proposal=proposal, bureau=world.other_bureau, role="co_unit", state=S.DRAFTING
    )
    with pytest.raises(TransitionError, match="协办单位未送出协办意见"):
        rs.reply_issue(assignment_id=lead.pk, actor=world.clerk)
    assert not IssuedLetter.objects.exists()
    assert Assignment.objects.get(pk=co.pk).state == S.DRAFTING


def test_reopen_only_after_unsatisfied_feedback(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.CC_SENT
    )
    ReplyFactory(assignment=a, satisfaction="basically")
    can = transition_check(assignment=a, name="reopen", user=world.npc)
    assert not can.ok
    assert not can.denied
    assert "不满意" in can.reason


def test_co_unit_cannot_send_cc(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        role="co_unit",
        state=S.ISSUED,
    )
    with pytest.raises(TransitionError, match="只有主办单位"):
        ps.assignment_transition(assignment_id=a.pk, name="send_cc", actor=world.clerk)


def test_state_field_is_protected(world):
    a = AssignmentFactory(proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau)
    with pytest.raises(AttributeError):
        a.state = S.ISSUED
