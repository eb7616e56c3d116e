"""Real concurrency on PostgreSQL: threads with their own connections race for the same rows."""

import datetime as dt

import pytest
from django.db import connection
from django_fsm_log.models import StateLog

from core.choices import AssignmentState
from core.exceptions import ApplicationError
from proposals import services as ps
from proposals.models import Assignment
from replies import services as rs
from replies.models import IssuedLetter
from tests.concurrency import race as race_all
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.factories import make_staff

S = AssignmentState

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="需要 PostgreSQL 行锁"),
]


def race(calls):
    """Start every call at the same moment; return (results, refusals)."""
    return race_all(calls, expected=(ApplicationError,))


def test_two_concurrent_approvals_exactly_one_succeeds(world):
    second_supervisor = make_staff(role="supervisor", bureau=world.bureau)
    for _ in range(5):  # several rounds: the race must never let both through
        a = AssignmentFactory(
            proposal=ProposalFactory(session=world.npc_session),
            bureau=world.bureau,
            state=S.IN_REVIEW,
        )
        ReplyFactory(assignment=a)
        results, errors = race(
            [
                lambda a=a: ps.assignment_transition(
                    name="approve", assignment_id=a.pk, actor=world.supervisor
                ),
                lambda a=a: ps.assignment_transition(
                    name="approve", assignment_id=a.pk, actor=second_supervisor
                ),
            ]
        )
        assert len(results) == 1
        assert len(errors) == 1
        assert Assignment.objects.get(pk=a.pk).state == S.APPROVED

        assert StateLog.objects.for_(a).filter(transition="approve").count() == 1


def test_concurrent_issuance_gives_gapless_unique_numbers(world):
    count = 12
    assignments = []
    for i in range(count):
        session = world.npc_session if i % 2 else world.cppcc_session
        a = AssignmentFactory(
            proposal=ProposalFactory(session=session), bureau=world.bureau, state=S.APPROVED
        )
        ReplyFactory(assignment=a)
        assignments.append(a)
    issued_on = dt.date(2026, 11, 2)
    _, errors = race(
        [
            (lambda a=a: rs.reply_issue(assignment_id=a.pk, actor=world.clerk, issued_on=issued_on))
            for a in assignments
        ]
    )
    assert errors == []
    serials = sorted(IssuedLetter.objects.values_list("doc_serial", flat=True))
    assert serials == list(range(1, count + 1))  # no duplicates, no gaps
    numbers = set(IssuedLetter.objects.values_list("doc_number", flat=True))
    assert len(numbers) == count
    assert all(n.startswith(("临经信建复〔2026〕", "临经信提复〔2026〕")) for n in numbers)
