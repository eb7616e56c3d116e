"""The stored counts (proposals/tallies.py) equal a full recount after any sequence of writes
through the services: registrations, transitions, reassignments, withdrawals, merges,
extensions, contacts, feedback and reopenings (property-based, hypothesis)."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck
from hypothesis import event
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from core.choices import AssignmentState
from core.choices import Satisfaction
from core.choices import TallyKey
from core.exceptions import ApplicationError
from offices.contacts import assignment_record_contact
from proposals import services as ps
from proposals import tallies
from proposals.models import Assignment
from proposals.models import DueTally
from proposals.models import ExtensionRequest
from proposals.models import Proposal
from replies import services as rs
from tests.factories import BureauFactory
from tests.factories import make_staff

S = AssignmentState
TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def cheap_pdf(monkeypatch):
    """Issuance renders the letter; its layout is tested elsewhere, here only counts matter."""
    from replies import pdf

    monkeypatch.setattr(pdf, "render_letter_pdf", lambda context, draft: b"%PDF-1.7 test")


@pytest.fixture
def third(world):
    bureau = BureauFactory(short_name="区科技局", full_name="杭州市临安区科学技术局")
    return (
        bureau,
        make_staff(role="clerk", bureau=bureau),
        make_staff(role="supervisor", bureau=bureau),
    )


def staff_for(world, third, bureau_id):
    if bureau_id == world.bureau.pk:
        return world.clerk, world.supervisor
    if bureau_id == world.other_bureau.pk:
        return world.other_clerk, world.other_supervisor
    return third[1], third[2]


def office_for(world, assignment):
    return world.npc if assignment.proposal.session.body == "npc" else world.cppcc


def advance(world, third, a, choice):
    """The next natural step of an assignment, taken by whoever may take it."""
    clerk, supervisor = staff_for(world, third, a.bureau_id)
    office = office_for(world, a)
    if a.state == S.ASSIGNED:
        ps.assignment_transition(assignment_id=a.pk, name="accept", actor=clerk)
    elif a.state == S.ACCEPTED:
        ps.assignment_transition(assignment_id=a.pk, name="start_drafting", actor=clerk)
    elif a.state == S.DRAFTING:
        if a.is_lead:
            rs.reply_save_draft(
                assignment_id=a.pk,
                actor=clerk,
                body="您的建议收悉。\n一、关于测试\n正文。",
                answer_class="AB"[choice % 2],
                leader_name="顾小晶",
                clerk_name="楼伟荣",
                phone="89541421",
            )
        else:
            rs.opinion_save_draft(assignment_id=a.pk, actor=clerk, body="协办意见。")
        rs.draft_submit(assignment_id=a.pk, actor=clerk)
    elif a.state == S.IN_REVIEW:
        name = "return_for_revision" if choice % 3 == 0 else "approve"
        ps.assignment_transition(assignment_id=a.pk, name=name, actor=supervisor, comment="意见")
    elif a.state == S.APPROVED:
        if a.is_lead:
            rs.reply_issue(
                assignment_id=a.pk, actor=clerk, issued_on=TODAY + dt.timedelta(days=choice % 5 - 2)
            )
        else:
            rs.opinion_send(assignment_id=a.pk, actor=clerk)
    elif a.state == S.ISSUED:
        ps.assignment_transition(assignment_id=a.pk, name="send_cc", actor=clerk)
    elif a.state == S.REASSIGNMENT_REQUESTED:
        if choice % 2:
            ps.assignment_transition(
                assignment_id=a.pk, name="keep", actor=office, comment="不同意"
            )
        else:
            taken = set(
                a.proposal.assignments.exclude(state=S.REASSIGNED).values_list(
                    "bureau_id", flat=True
                )
            )
            free = [b for b in (world.bureau, world.other_bureau, third[0]) if b.pk not in taken]
            if free:
                ps.assignment_reassign(assignment_id=a.pk, actor=office, to_bureau=free[0])


def act(world, third, op, pick, choice):
    """One write through the services; refusals (wrong state, window closed …) are part of
    the sequence and must leave the counts as they were."""
    items = list(Proposal.objects.order_by("pk"))
    if op == "register" or not items:
        session = world.npc_session if choice % 3 else world.cppcc_session
        bureaus = [world.bureau, world.other_bureau, third[0]]
        lead = bureaus[pick % 3]
        co = [bureaus[(pick + 1) % 3]] if choice % 2 else []
        ps.proposal_register(
            session=session,
            number=len(items) + 1,
            title=f"关于第{len(items) + 1}件事的建议",
            lead_proposer="申卫康",
            # today (the reassignment window open) or long ago (overdue by now)
            assigned_date=TODAY - dt.timedelta(days=0 if choice % 4 else 120),
            lead_bureaus=[lead],
            co_bureaus=co,
            actor=world.npc if session.body == "npc" else world.cppcc,
        )
        return
    assignments = list(Assignment.objects.select_related("proposal__session").order_by("pk"))
    wanted = {  # aim most writes where they can be taken, the rest anywhere
        "request_reassignment": S.window(),
        "feedback": S.replied(),
        "extension": S.open(),
    }.get(op)
    if wanted and choice % 4:
        assignments = [x for x in assignments if x.state in wanted] or assignments
    a = assignments[pick % len(assignments)]
    item = items[pick % len(items)]
    office = office_for(world, a)
    clerk, _ = staff_for(world, third, a.bureau_id)
    if op == "advance":  # several steps of one assignment, so that items get far
        for n in range(1 + choice % 8):
            a.refresh_from_db()
            advance(world, third, a, choice + n)
    elif op == "request_reassignment":
        ps.assignment_transition(
            assignment_id=a.pk, name="request_reassignment", actor=clerk, comment="非本单位职责"
        )
        a.refresh_from_db()
        advance(world, third, a, choice)  # the office decides: keep or reassign
    elif op == "withdraw":
        ps.proposal_withdraw(
            proposal_id=item.pk,
            actor=world.npc if item.session.body == "npc" else world.cppcc,
            reason="撤回",
        )
    elif op == "merge":
        other = items[(pick + 1) % len(items)]
        ps.proposal_merge(
            proposal_id=item.pk,
            into_number=other.number,
            actor=world.npc if item.session.body == "npc" else world.cppcc,
        )
    elif op == "feedback":
        rs.reply_record_feedback(
            assignment_id=a.pk,
            actor=office,
            satisfaction=Satisfaction.values[choice % 3],
            comment="意见",
        )
    elif op == "extension":
        ext = ps.extension_request(
            assignment_id=a.pk,
            actor=clerk,
            requested_due_date=a.due_date + dt.timedelta(days=10 + choice),
            reason="情况复杂",
        )
        if choice % 2:
            ps.extension_approve(extension_id=ext.pk, actor=office)
        else:
            ps.extension_reject(extension_id=ext.pk, actor=office, comment="不同意")
    elif op == "contact":
        assignment_record_contact(
            assignment_id=a.pk,
            actor=clerk,
            contacted_on=max(a.assigned_date, TODAY - dt.timedelta(days=choice % 40)),
            method="meeting",
        )


OPS = st.sampled_from(
    [
        "register",
        "advance",
        "advance",
        "advance",
        "advance",
        "request_reassignment",
        "withdraw",
        "merge",
        "feedback",
        "feedback",
        "extension",
        "contact",
    ]
)


def overdue_from_counts(today):
    return sum(
        DueTally.objects.filter(key=TallyKey.OPEN, due_date__lt=today).values_list("n", flat=True)
    )


def overdue_over_rows(today):
    return (
        Assignment.objects.filter(due_date__lt=today, proposal__status="active")
        .exclude(state__in=S.closed())
        .count()
    )


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.tuples(OPS, st.integers(0, 7), st.integers(0, 50)), max_size=25))
def test_stored_counts_equal_a_full_recount(world, third, cheap_pdf, time_machine, steps):
    time_machine.move_to(dt.datetime(2026, 11, 27, 10, tzinfo=dt.UTC))
    with transaction.atomic():
        for op, pick, choice in steps:
            try:
                act(world, third, op, pick, choice)
                event(f"done: {op}")
            except (ApplicationError, ExtensionRequest.DoesNotExist):
                event(f"refused: {op}")  # refused: nothing may have changed
            assert not tallies.check(), (op, pick, choice)
        for state in set(Assignment.objects.values_list("state", flat=True)):
            event(f"state reached: {state}")
        if Assignment.objects.filter(state=S.DRAFTING, reply__letters__isnull=False).exists():
            event("reopened")
        for days in (-400, 0, 40, 400):
            day = TODAY + dt.timedelta(days=days)
            assert overdue_from_counts(day) == overdue_over_rows(day)
        transaction.set_rollback(True)


def test_check_finds_and_repairs_a_wrong_count(world, third, cheap_pdf):
    ps.proposal_register(
        session=world.npc_session,
        number=1,
        title="关于测试的建议",
        lead_proposer="申卫康",
        assigned_date=TODAY,
        lead_bureaus=[world.bureau],
        actor=world.npc,
    )
    assert tallies.check() == []
    tallies.apply(tallies.Counts(tally={(world.npc_session.pk, world.bureau.pk, TallyKey.LEAD): 5}))
    wrong = tallies.check()
    assert [(d.stored, d.recounted) for d in wrong] == [(6, 1)]
    assert tallies.check(repair=True) == wrong
    assert tallies.check() == []


def test_a_refused_transition_changes_no_count(world, third):
    ps.proposal_register(
        session=world.npc_session,
        number=1,
        title="关于测试的建议",
        lead_proposer="申卫康",
        assigned_date=TODAY,
        lead_bureaus=[world.bureau],
        actor=world.npc,
    )
    before = tallies.stored()
    a = Assignment.objects.get()
    with pytest.raises(ApplicationError):
        ps.assignment_transition(assignment_id=a.pk, name="accept", actor=world.other_clerk)
    assert tallies.stored() == before
