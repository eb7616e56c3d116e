"""Each role's inbox holds what waits for that role, with the next thing to do."""

import datetime as dt

import pytest
from django.urls import reverse

from core.choices import AssignmentState
from proposals import selectors
from proposals import services as ps
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

S = AssignmentState


def tasks(user):
    staff = selectors.staff_of(user)
    return {
        a.proposal.number: selectors.inbox_task(assignment=a, staff=staff)
        for a in selectors.assignment_inbox(user=user)
    }


@pytest.fixture
def items(world):
    def make(number, state, **kw):
        a = AssignmentFactory(
            proposal=ProposalFactory(session=world.npc_session, number=number),
            bureau=world.bureau,
            state=state,
            **kw,
        )
        ReplyFactory(assignment=a)
        return a

    make(1, S.ASSIGNED)
    make(2, S.DRAFTING)
    make(3, S.IN_REVIEW)
    make(4, S.APPROVED)
    make(5, S.REASSIGNMENT_REQUESTED)
    extended = make(6, S.DRAFTING)
    ps.extension_request(
        assignment_id=extended.pk,
        actor=world.clerk,
        requested_due_date=extended.due_date + dt.timedelta(days=10),
        reason="需协调",
    )
    make(7, S.CC_SENT)


def test_inbox_per_role_with_the_next_step(world, items):
    assert tasks(world.clerk) == {1: "签收或申请调整", 2: "起草复函", 4: "印发复函", 6: "起草复函"}
    assert tasks(world.supervisor) == {1: "签收", 3: "审核签批", 4: "印发复函"}
    assert tasks(world.npc) == {5: "审批调整申请", 6: "审批延期申请", 7: "登记满意度"}
    assert tasks(world.cppcc) == {}  # NPC items are not the CPPCC office's work
    assert tasks(world.other_clerk) == {}  # another bureau sees none of them


def test_inbox_page_shows_the_task_column(client, world, items):
    client.force_login(world.npc)
    page = client.get(reverse("proposals:inbox")).content.decode()
    assert "待办事项" in page
    assert "审批延期申请" in page


@pytest.mark.parametrize("who", ["clerk", "npc"])
def test_inbox_queries_do_not_grow_with_its_rows(client, world, who):
    """The rows leave out the long fields (full text, policy lists, the clerk's account): none
    of them may be read back row by row, and the item link is built once for the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(first, n):
        for i in range(n):
            a = AssignmentFactory(
                proposal=ProposalFactory(
                    session=world.npc_session, number=first + i, content="建议全文" * 200
                ),
                bureau=world.bureau,
                state=states[i % 2],
            )
            ReplyFactory(assignment=a)

    states = (S.ASSIGNED, S.DRAFTING) if who == "clerk" else (S.CC_SENT, S.REASSIGNMENT_REQUESTED)
    client.force_login(getattr(world, who))
    counts = []
    for first, n in ((100, 2), (200, 30)):
        make(first, n)
        client.get(reverse("proposals:inbox"))  # the process reads the holiday calendar once
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("proposals:inbox"))
        assert response.status_code == 200
        assert len(response.context["rows"]) >= n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    row = response.context["rows"][0]
    assert row[5] == reverse("proposals:assignment", args=[row[0].pk])
    assert f'href="{row[5]}"' in response.content.decode()
