"""Every transition from every state for every role: allowed ones succeed and log the actor,
forbidden ones are refused and change nothing."""

import datetime as dt

import pytest
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.choices import AssignmentState
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.exceptions import TransitionError
from proposals.models import Assignment
from proposals.services import assignment_run_transition
from proposals.workflow import TRANSITION_LABELS
from tests.factories import AssignmentFactory
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

CASES = [(state, name, role) for state in S.values for name in TRANSITION_LABELS for role in ROLES]


def test_table_covers_every_declared_transition():
    assert set(ALLOWED) == set(TRANSITION_LABELS)
    declared = {t.name for t in Assignment().get_all_state_transitions()}
    assert declared == set(TRANSITION_LABELS)


@pytest.mark.parametrize(("state", "name", "role"), CASES)
def test_transition_matrix(world, state, name, role):
    # An NPC item, with everything that the conditions ask for in place.
    proposal = ProposalFactory(session=world.npc_session)
    assignment = AssignmentFactory(proposal=proposal, bureau=world.bureau, state=state)
    ReplyFactory(assignment=assignment, satisfaction="unsatisfied")
    actor = world.role(role)
    sources, roles, target = ALLOWED[name]
    logs_before = StateLog.objects.count()

    if state in sources and role in roles:
        result = assignment_run_transition(
            assignment_id=assignment.pk, transition=name, actor=actor, comment="意见"
        )
        assert result.state == target
        assignment.refresh_from_db()
        assert assignment.state == target
        log = StateLog.objects.latest("pk")
        assert (log.transition, log.source_state, log.state) == (name, state, target)
        assert log.by == actor
        assert log.description == "意见"
    else:
        with pytest.raises((AccessDenied, TransitionError)):
            assignment_run_transition(
                assignment_id=assignment.pk, transition=name, actor=actor, comment="意见"
            )
        assignment.refresh_from_db()
        assert assignment.state == state
        assert StateLog.objects.count() == logs_before


def test_wrong_state_and_wrong_user_get_distinct_messages(world):
    a = AssignmentFactory(proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau)
    with pytest.raises(TransitionError, match="当前状态为“已交办”，不能签批"):
        assignment_run_transition(assignment_id=a.pk, transition="approve", actor=world.supervisor)
    with pytest.raises(AccessDenied, match="无权"):
        assignment_run_transition(assignment_id=a.pk, transition="accept", actor=world.other_clerk)


def test_cppcc_decisions_belong_to_the_cppcc_office(world):
    proposal = ProposalFactory(session=world.cppcc_session)
    a = AssignmentFactory(proposal=proposal, bureau=world.bureau, state=S.REASSIGNMENT_REQUESTED)
    with pytest.raises(AccessDenied):
        assignment_run_transition(
            assignment_id=a.pk, transition="keep", actor=world.npc, comment="不同意"
        )
    assignment_run_transition(
        assignment_id=a.pk, transition="keep", actor=world.cppcc, comment="不同意"
    )
    a.refresh_from_db()
    assert a.state == S.ASSIGNED


def test_submit_needs_a_complete_draft(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.DRAFTING
    )
    ReplyFactory(assignment=a, phone="")
    with pytest.raises(TransitionError, match="尚未填写完整"):
        assignment_run_transition(assignment_id=a.pk, transition="submit", actor=world.clerk)
    a.refresh_from_db()
    assert a.state == S.DRAFTING


def test_reassignment_window_closes(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        reassignment_deadline=timezone.localdate() - dt.timedelta(days=1),
    )
    with pytest.raises(TransitionError, match="已超过申请调整期限"):
        assignment_run_transition(
            assignment_id=a.pk,
            transition="request_reassignment",
            actor=world.clerk,
            comment="非我单位职责",
        )


def test_comment_is_required_to_return(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.IN_REVIEW
    )
    with pytest.raises(ApplicationError, match="须填写意见"):
        assignment_run_transition(
            assignment_id=a.pk,
            transition="return_for_revision",
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
        assignment_run_transition(assignment_id=lead.pk, transition="issue", actor=world.clerk)
    assert Assignment.objects.get(pk=co.pk).state == S.DRAFTING


def test_reopen_only_after_unsatisfied_feedback(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.CC_SENT
    )
    ReplyFactory(assignment=a, satisfaction="basically")
    with pytest.raises(TransitionError, match="不满意"):
        assignment_run_transition(assignment_id=a.pk, transition="reopen", actor=world.npc)


def test_co_unit_cannot_send_cc(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        role="co_unit",
        state=S.ISSUED,
    )
    with pytest.raises(TransitionError, match="只有主办单位"):
        assignment_run_transition(assignment_id=a.pk, transition="send_cc", actor=world.clerk)


def test_state_field_is_protected(world):
    a = AssignmentFactory(proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau)
    with pytest.raises(AttributeError):
        a.state = S.ISSUED
