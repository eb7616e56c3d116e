"""Outsiders are refused everywhere: another bureau's staff on every view and service, a clerk
trying to approve, the supervision office trying to act. Refusals change nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from django_fsm_log.models import StateLog

from core.choices import AssignmentState
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from proposals import selectors
from proposals import services as ps
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import ExtensionRequest
from replies import services as rs
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

S = AssignmentState


@pytest.fixture
def item(world):
    proposal = ProposalFactory(session=world.npc_session)
    a = AssignmentFactory(proposal=proposal, bureau=world.bureau, state=S.DRAFTING)
    ReplyFactory(assignment=a)
    return a


def snapshot(a):
    a.refresh_from_db()
    return (
        a.state,
        a.due_date,
        StateLog.objects.count(),
        AuditEvent.objects.count(),
        ExtensionRequest.objects.count(),
        a.reply.body,
    )


def test_selectors_scope_by_bureau(world, item):
    assert list(selectors.assignment_list_visible(user=world.clerk)) == [item]
    assert list(selectors.assignment_list_visible(user=world.other_clerk)) == []
    assert list(selectors.assignment_list_visible(user=world.npc)) == [item]
    assert list(selectors.assignment_list_visible(user=world.duchashi)) == [item]
    with pytest.raises(AccessDenied):
        selectors.assignment_get_visible(user=world.other_supervisor, assignment_id=item.pk)


SERVICE_CALLS = {
    "accept": lambda a, u: ps.assignment_transition(name="accept", assignment_id=a.pk, actor=u),
    "request_reassignment": lambda a, u: ps.assignment_transition(
        name="request_reassignment", assignment_id=a.pk, actor=u, comment="理由"
    ),
    "start_drafting": lambda a, u: ps.assignment_transition(
        name="start_drafting", assignment_id=a.pk, actor=u
    ),
    "submit": lambda a, u: rs.draft_submit(assignment_id=a.pk, actor=u),
    "return": lambda a, u: ps.assignment_transition(
        name="return_for_revision", assignment_id=a.pk, actor=u, comment="退回"
    ),
    "approve": lambda a, u: ps.assignment_transition(name="approve", assignment_id=a.pk, actor=u),
    "send_cc": lambda a, u: ps.assignment_transition(name="send_cc", assignment_id=a.pk, actor=u),
    "contacts": lambda a, u: ps.assignment_update_contacts(
        assignment_id=a.pk, actor=u, leader_name="某", phone="1"
    ),
    "extension": lambda a, u: ps.extension_request(
        assignment_id=a.pk,
        actor=u,
        requested_due_date=a.due_date + dt.timedelta(days=10),
        reason="理由",
    ),
    "save_draft": lambda a, u: rs.reply_save_draft(
        assignment_id=a.pk,
        actor=u,
        body="改写",
        answer_class="A",
        leader_name="x",
        clerk_name="y",
        phone="1",
    ),
    "issue": lambda a, u: rs.reply_issue(assignment_id=a.pk, actor=u),
    "feedback": lambda a, u: rs.reply_record_feedback(
        assignment_id=a.pk, actor=u, satisfaction="unsatisfied"
    ),
}
# The state in which each service would succeed for the right user.
SERVICE_STATE = {
    "accept": S.ASSIGNED,
    "request_reassignment": S.ASSIGNED,
    "start_drafting": S.ACCEPTED,
    "submit": S.DRAFTING,
    "return": S.IN_REVIEW,
    "approve": S.IN_REVIEW,
    "send_cc": S.ISSUED,
    "contacts": S.DRAFTING,
    "extension": S.DRAFTING,
    "save_draft": S.DRAFTING,
    "issue": S.APPROVED,
    "feedback": S.ISSUED,
}


@pytest.mark.parametrize("service", sorted(SERVICE_CALLS))
@pytest.mark.parametrize("outsider", ["other_clerk", "other_supervisor", "duchashi", "cppcc"])
def test_outsider_refused_by_every_service(world, service, outsider):
    proposal = ProposalFactory(session=world.npc_session)
    a = AssignmentFactory(proposal=proposal, bureau=world.bureau, state=SERVICE_STATE[service])
    ReplyFactory(assignment=a)
    before = snapshot(a)
    with pytest.raises(AccessDenied):
        SERVICE_CALLS[service](a, world.role(outsider))
    assert snapshot(a) == before


def test_clerk_cannot_approve_and_supervisor_cannot_submit(world):
    proposal = ProposalFactory(session=world.npc_session)
    a = AssignmentFactory(proposal=proposal, bureau=world.bureau, state=S.IN_REVIEW)
    ReplyFactory(assignment=a)
    with pytest.raises(AccessDenied):
        ps.assignment_transition(name="approve", assignment_id=a.pk, actor=world.clerk)
    b = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.DRAFTING
    )
    ReplyFactory(assignment=b)
    with pytest.raises(AccessDenied):
        rs.draft_submit(assignment_id=b.pk, actor=world.supervisor)
    assert Assignment.objects.get(pk=a.pk).state == S.IN_REVIEW


def test_outsider_cannot_decide_extensions_or_register(world, item):
    ext = ps.extension_request(
        assignment_id=item.pk,
        actor=world.clerk,
        requested_due_date=item.due_date + dt.timedelta(days=10),
        reason="需协调",
    )
    for outsider in (world.clerk, world.supervisor, world.other_clerk, world.duchashi, world.cppcc):
        with pytest.raises(AccessDenied):
            ps.extension_approve(extension_id=ext.pk, actor=outsider)
    ext.refresh_from_db()
    assert ext.state == "pending"
    with pytest.raises(AccessDenied):
        ps.proposal_register(
            session=world.npc_session,
            number=999,
            title="t",
            lead_proposer="p",
            assigned_date=dt.date(2026, 3, 1),
            lead_bureaus=[world.bureau],
            actor=world.clerk,
        )
    with pytest.raises(AccessDenied):
        ps.proposal_register(
            session=world.npc_session,
            number=999,
            title="t",
            lead_proposer="p",
            assigned_date=dt.date(2026, 3, 1),
            lead_bureaus=[world.bureau],
            actor=world.cppcc,
        )


VIEW_POSTS = [
    ("proposals:transition", {"name": "accept"}, {}),
    ("proposals:transition", {"name": "submit"}, {}),
    ("proposals:transition", {"name": "approve"}, {}),
    ("proposals:transition", {"name": "return_for_revision"}, {"comment": "x"}),
    ("proposals:transition", {"name": "send_cc"}, {}),
    ("proposals:reassign", {}, {"bureau": "0"}),
    ("proposals:extension", {}, {"requested_due_date": "2030-01-01", "reason": "x"}),
    ("replies:draft", {}, {"body": "篡改", "answer_class": "A"}),
    ("replies:issue", {}, {}),
    ("replies:feedback", {}, {"satisfaction": "unsatisfied"}),
]


@pytest.mark.parametrize(("name", "kwargs", "data"), VIEW_POSTS)
def test_other_bureau_refused_on_every_view(client, world, item, name, kwargs, data):
    client.force_login(world.other_clerk)
    before = snapshot(item)
    url = reverse(name, kwargs={"assignment_id": item.pk, **kwargs})
    assert client.post(url, data).status_code == 404
    assert snapshot(item) == before


@pytest.mark.parametrize("name", ["proposals:assignment", "replies:draft"])
def test_other_bureau_cannot_read(client, world, item, name):
    client.force_login(world.other_supervisor)
    assert client.get(reverse(name, kwargs={"assignment_id": item.pk})).status_code == 404


def test_anonymous_is_sent_to_login(client, item):
    response = client.get(reverse("proposals:assignment", kwargs={"assignment_id": item.pk}))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_supervision_office_reads_but_cannot_act(client, world, item):
    client.force_login(world.duchashi)
    page = client.get(reverse("proposals:assignment", kwargs={"assignment_id": item.pk}))
    assert page.status_code == 200
    assert "当前没有需要您执行的操作" in page.content.decode()
    before = snapshot(item)
    for url in (
        reverse("replies:submit", kwargs={"assignment_id": item.pk}),
        reverse("proposals:transition", kwargs={"assignment_id": item.pk, "name": "approve"}),
    ):
        response = client.post(url)
        assert response.status_code == 403
        assert "只有本单位" in response.content.decode()  # the reason, on the Chinese 403 page
    assert snapshot(item) == before


def test_extension_decision_view_refuses_other_bureau(client, world, item):
    ext = ps.extension_request(
        assignment_id=item.pk,
        actor=world.clerk,
        requested_due_date=item.due_date + dt.timedelta(days=10),
        reason="需协调",
    )
    client.force_login(world.other_clerk)
    url = reverse("proposals:extension_decide", kwargs={"extension_id": ext.pk})
    assert client.post(url, {"decision": "approve"}).status_code == 404
    client.force_login(world.clerk)
    assert client.post(url, {"decision": "approve"}).status_code == 403
    ext.refresh_from_db()
    assert ext.state == "pending"


def test_draft_with_script_is_refused_and_changes_nothing(client, world, item):
    client.force_login(world.clerk)
    before = snapshot(item)
    response = client.post(
        reverse("replies:draft", kwargs={"assignment_id": item.pk}),
        {
            "body": "正文<script>alert(1)</script>",
            "answer_class": "A",
            "leader_name": "顾",
            "clerk_name": "楼",
            "phone": "1",
        },
    )
    assert response.status_code == 400
    assert "不能包含 HTML 标签或脚本" in response.content.decode()
    assert snapshot(item) == before
    with pytest.raises(ApplicationError):
        rs.reply_save_draft(
            assignment_id=item.pk,
            actor=world.clerk,
            body="<img src=x>",
            answer_class="A",
            leader_name="a",
            clerk_name="b",
            phone="1",
        )


def test_names_read_surname_first_wherever_they_show(client, world, item):
    from core.names import person_name

    world.clerk.first_name, world.clerk.last_name = "伟荣", "楼"
    world.clerk.save()
    assert person_name(world.clerk) == "楼伟荣"
    client.force_login(world.clerk)
    page = client.get(reverse("proposals:assignment", kwargs={"assignment_id": item.pk}))
    assert "楼伟荣" in page.content.decode()
    assert "伟荣 楼" not in page.content.decode()
