"""撤回 and 并案: only the handling office; handling stops; bad input changes nothing."""

import pytest
from django.urls import reverse

from core.choices import AssignmentState
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.exceptions import TransitionError
from proposals import selectors
from proposals import services as ps
from proposals.models import AuditEvent
from proposals.models import Proposal
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory

S = AssignmentState


@pytest.fixture
def item(world):
    proposal = ProposalFactory(session=world.npc_session, number=12)
    return AssignmentFactory(proposal=proposal, bureau=world.bureau, state=S.ASSIGNED)


def test_withdrawn_item_stops_being_handled(world, item):
    ps.proposal_withdraw(proposal_id=item.proposal_id, actor=world.npc, reason="代表撤回")
    item.refresh_from_db()
    assert item.proposal.status == Proposal.Status.WITHDRAWN
    assert AuditEvent.objects.filter(verb="withdrawn", proposal=item.proposal).count() == 1
    with pytest.raises(TransitionError, match="已撤回或并案"):
        ps.assignment_transition(name="accept", assignment_id=item.pk, actor=world.clerk)
    assert item.pk not in {a.pk for a in selectors.assignment_inbox(user=world.clerk)}
    with pytest.raises(ApplicationError, match="已撤回"):
        ps.proposal_withdraw(proposal_id=item.proposal_id, actor=world.npc, reason="再次")


def test_merge_into_another_item_of_the_session(world, item):
    target = ProposalFactory(session=world.npc_session, number=30)
    ps.proposal_merge(proposal_id=item.proposal_id, into_number=30, actor=world.npc, reason="同题")
    merged = Proposal.objects.get(pk=item.proposal_id)
    assert (merged.status, merged.merged_into) == (Proposal.Status.MERGED, target)


@pytest.mark.parametrize(("into", "message"), [(99, "没有第99号"), (12, "不能并入事项自身")])
def test_bad_merge_changes_nothing(world, item, into, message):
    with pytest.raises(ApplicationError, match=message):
        ps.proposal_merge(proposal_id=item.proposal_id, into_number=into, actor=world.npc)
    assert Proposal.objects.get(pk=item.proposal_id).status == Proposal.Status.ACTIVE
    assert not AuditEvent.objects.filter(verb="merged").exists()


@pytest.mark.parametrize("outsider", ["clerk", "supervisor", "other_clerk", "cppcc", "duchashi"])
def test_only_the_handling_office_withdraws_or_merges(world, item, outsider):
    ProposalFactory(session=world.npc_session, number=30)
    actor = world.role(outsider)
    with pytest.raises(AccessDenied):
        ps.proposal_withdraw(proposal_id=item.proposal_id, actor=actor, reason="x")
    with pytest.raises(AccessDenied):
        ps.proposal_merge(proposal_id=item.proposal_id, into_number=30, actor=actor)
    assert Proposal.objects.get(pk=item.proposal_id).status == Proposal.Status.ACTIVE


def test_withdraw_needs_a_reason_and_views_refuse_other_bureau(client, world, item):
    with pytest.raises(ApplicationError, match="撤回理由不能为空"):
        ps.proposal_withdraw(proposal_id=item.proposal_id, actor=world.npc, reason=" ")
    client.force_login(world.other_clerk)
    url = reverse("proposals:withdraw", kwargs={"assignment_id": item.pk})
    assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(world.clerk)
    assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(world.npc)
    response = client.post(url, {"reason": "代表撤回"}, follow=True)
    assert "事项已撤回，不再办理" in response.content.decode()
    assert Proposal.objects.get(pk=item.proposal_id).status == Proposal.Status.WITHDRAWN
