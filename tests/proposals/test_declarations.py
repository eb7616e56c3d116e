"""One declaration per transition: the pages, the API, the inbox, notifications and the README
graph read proposals/workflow.py; the item page shows capability flags and reasons; forms keep
the user's input; the former bypasses are refused."""

import datetime as dt
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_fsm_log.models import StateLog
from rest_framework.test import APIClient

from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.choices import ExtensionState
from core.choices import NoticeKind
from core.choices import StaffRole
from core.exceptions import AccessDenied
from core.exceptions import TransitionError
from notifications.planning import notifying_transitions
from notifications.planning import transition_kind
from proposals import selectors
from proposals import services as ps
from proposals.access import assignment_capabilities
from proposals.models import ExtensionRequest
from proposals.workflow import Comment
from proposals.workflow import edges
from proposals.workflow import steps
from proposals.workflow import todo_states
from replies import services as rs
from replies.models import IssuedLetter
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

S = AssignmentState
README = Path(__file__).resolve().parents[2] / "README.md"


def item(world, state, **kwargs):
    proposal = ProposalFactory(session=world.npc_session)
    a = AssignmentFactory(proposal=proposal, bureau=world.bureau, state=state, **kwargs)
    ReplyFactory(assignment=a)
    return a


# --- the declarations drive everything ------------------------------------------------------


def test_every_step_is_complete():
    for name, declared in steps().items():
        assert declared.label, name
        assert declared.done, name
        if declared.comment != Comment.NONE:
            assert declared.comment_label, name
        assert declared.url, name


def test_notices_come_from_the_declarations():
    assert set(notifying_transitions()) == {
        "request_reassignment",
        "submit",
        "return_for_revision",
        "issue",
    }
    assert transition_kind(transition="issue", role=AssignmentRole.LEAD) == NoticeKind.ISSUED
    assert (
        transition_kind(transition="issue", role=AssignmentRole.CO_UNIT) == NoticeKind.OPINION_SENT
    )
    assert transition_kind(transition="accept", role=AssignmentRole.LEAD) is None


def test_inbox_states_come_from_the_declared_to_dos():
    assert todo_states(StaffRole.SUPERVISOR) == {S.ASSIGNED, S.IN_REVIEW, S.APPROVED}
    assert todo_states(StaffRole.CLERK, AssignmentRole.CO_UNIT) == {
        S.ASSIGNED,
        S.ACCEPTED,
        S.DRAFTING,
        S.APPROVED,
    }
    assert S.ISSUED in todo_states(StaffRole.CLERK, AssignmentRole.LEAD)  # 抄送
    assert todo_states(StaffRole.OFFICE) == {S.REASSIGNMENT_REQUESTED}


def test_inbox_line_for_each_role(world):
    a = item(world, S.ASSIGNED)
    clerk = world.clerk.staff
    assert selectors.inbox_task(assignment=a, staff=clerk) == "签收或申请调整"
    co = AssignmentFactory(
        proposal=a.proposal,
        bureau=world.other_bureau,
        role=AssignmentRole.CO_UNIT,
        state=S.DRAFTING,
    )
    assert selectors.inbox_task(assignment=co, staff=world.other_clerk.staff) == "起草协办意见"
    assert "待签收" in selectors.inbox_intro(staff=clerk)


def test_readme_graph_is_the_declared_graph():
    out = StringIO()
    call_command("workflow_graph", stdout=out)
    graph = out.getvalue()
    for source, name, target in edges():
        assert f"{source} --> {target}: {steps()[name].label}" in graph
    assert graph.strip() in README.read_text(encoding="utf-8")


def test_api_schema_lists_the_declared_transitions(client, world):
    client.force_login(world.npc)
    schema = client.get(reverse("api:schema")).content.decode()
    for name, declared in steps().items():
        assert (f"{name}（{declared.label}）" in schema) == declared.direct


# --- former bypasses --------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["withdraw", "merge"])
def test_no_extension_on_a_withdrawn_or_merged_item(world, status):
    a = item(world, S.DRAFTING)
    ext = ps.extension_request(
        assignment_id=a.pk,
        actor=world.clerk,
        requested_due_date=a.due_date + dt.timedelta(days=10),
        reason="需协调",
    )
    if status == "withdraw":
        ps.proposal_withdraw(proposal_id=a.proposal_id, actor=world.npc, reason="代表撤回")
    else:
        ProposalFactory(session=world.npc_session, number=999)
        ps.proposal_merge(proposal_id=a.proposal_id, into_number=999, actor=world.npc)
    with pytest.raises(TransitionError, match="已撤回或并案"):
        ps.extension_approve(extension_id=ext.pk, actor=world.npc)
    with pytest.raises(TransitionError, match="已撤回或并案"):
        ps.extension_reject(extension_id=ext.pk, actor=world.npc, comment="不同意")
    with pytest.raises(TransitionError, match="已撤回或并案"):
        ps.extension_request(
            assignment_id=a.pk,
            actor=world.clerk,
            requested_due_date=a.due_date + dt.timedelta(days=20),
            reason="再申请",
        )
    ext.refresh_from_db()
    a.refresh_from_db()
    assert ext.state == ExtensionState.PENDING
    assert ExtensionRequest.objects.count() == 1
    assert not StateLog.objects.filter(transition__in=["approve", "reject"]).exists()


def test_no_extension_once_issued(world):
    a = item(world, S.ISSUED)
    with pytest.raises(TransitionError, match="已办结"):
        ps.extension_request(
            assignment_id=a.pk,
            actor=world.clerk,
            requested_due_date=a.due_date + dt.timedelta(days=20),
            reason="想延期",
        )


def test_reopen_sets_the_new_period_and_only_through_feedback(world):
    a = item(world, S.CC_SENT, due_date=dt.date(2023, 6, 15))
    with pytest.raises(TransitionError):
        ps.assignment_transition(assignment_id=a.pk, name="reopen", actor=world.npc, comment="x")
    rs.reply_record_feedback(
        assignment_id=a.pk, actor=world.npc, satisfaction="unsatisfied", comment="没有落实"
    )
    a.refresh_from_db()
    assert a.state == S.DRAFTING
    assert a.due_date > dt.date(2023, 6, 15)


def test_api_refuses_transitions_that_live_inside_another_form(world):
    a = item(world, S.CC_SENT)
    client = APIClient()
    client.force_authenticate(world.npc)
    response = client.post(reverse("api:transition", args=[a.pk, "reopen"]), {})
    assert response.status_code == 404
    a.refresh_from_db()
    assert a.state == S.CC_SENT


def test_api_submit_keeps_the_version(world):
    a = item(world, S.DRAFTING)
    client = APIClient()
    client.force_authenticate(world.clerk)
    response = client.post(reverse("api:transition", args=[a.pk, "submit"]), {"comment": "请审"})
    assert response.status_code == 200
    assert a.reply.versions.count() == 1


# --- capability flags and reasons on the page ---------------------------------------------------


def test_issue_blocked_shows_the_reason_and_no_number_is_taken(client, world):
    lead = item(world, S.APPROVED)
    AssignmentFactory(
        proposal=lead.proposal,
        bureau=world.other_bureau,
        role=AssignmentRole.CO_UNIT,
        state=S.DRAFTING,
    )
    caps = assignment_capabilities(assignment=lead, user=world.clerk)
    issue = caps.action("issue")
    assert issue is not None
    assert not issue.can.ok
    assert issue.can.reason == "尚有协办单位未送出协办意见，暂不能印发"
    client.force_login(world.clerk)
    html = client.get(reverse("proposals:assignment", args=[lead.pk])).content.decode()
    assert "尚有协办单位未送出协办意见，暂不能印发" in html
    assert re.search(r"<button type=\"button\" disabled[^>]*>印发复函（分配文号）</button>", html)
    assert "当前没有需要您执行的操作" not in html
    response = client.post(reverse("replies:issue", args=[lead.pk]), {"issue-confirm": "on"})
    assert response.status_code == 400
    assert "尚有协办单位未送出协办意见" in response.content.decode()
    assert not IssuedLetter.objects.exists()


def test_outsider_sees_no_actions(client, world):
    a = item(world, S.IN_REVIEW)
    client.force_login(world.duchashi)
    html = client.get(reverse("proposals:assignment", args=[a.pk])).content.decode()
    assert 'name="do"' not in html
    caps = assignment_capabilities(assignment=a, user=world.duchashi)
    assert caps.actions == ()
    assert caps.review.denied
    with pytest.raises(AccessDenied):
        caps.review.require()


def test_form_errors_stand_next_to_the_field_and_keep_the_input(client, world):
    a = item(world, S.DRAFTING)
    client.force_login(world.clerk)
    response = client.post(
        reverse("proposals:extension", args=[a.pk]),
        {"requested_due_date": "明年", "reason": "需要协调三个部门"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "申请延至" in html  # the label
    assert "输入一个有效的日期" in html  # Django's Chinese field error
    assert "需要协调三个部门" in html  # what was typed is kept
    assert not ExtensionRequest.objects.exists()


def test_every_form_control_has_a_label(client, world):
    a = item(world, S.REASSIGNMENT_REQUESTED)
    client.force_login(world.npc)
    html = client.get(reverse("proposals:assignment", args=[a.pk])).content.decode()
    ids = re.findall(r"<(?:input|select|textarea)[^>]*\bid=\"([^\"]+)\"", html)
    assert ids
    for control_id in ids:
        assert f'for="{control_id}"' in html, control_id


def test_panels_of_other_apps_appear_on_the_item_page(client, world):
    a = item(world, S.DRAFTING)
    client.force_login(world.clerk)
    html = client.get(reverse("proposals:assignment", args=[a.pk])).content.decode()
    assert "<h2>复函</h2>" in html  # replies' panel
    assert "<h2>面商沟通</h2>" in html  # offices' panel
    assert 'name="contact-contacted_on"' in html
