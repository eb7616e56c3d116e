"""催办 and 督办单: who may send them (the office of the item's body and the supervision office),
who sees them (the bureau, the offices; never another bureau), what they leave behind (a record,
the history, notices) and what they never touch (the assignment's state)."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.choices import AssignmentState
from core.choices import AuditVerb
from core.choices import NoticeKind
from core.choices import SupervisionKind
from core.choices import SupervisionState
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.exceptions import TransitionError
from notifications import tasks
from notifications.models import Notification
from notifications.models import Reminder
from notifications.services import notice_send
from proposals import calendar
from proposals import selectors
from proposals import services as ps
from proposals.access import assignment_capabilities
from proposals.models import AuditEvent
from proposals.models import Supervision
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.notifications.conftest import sweep

S = AssignmentState


def make(world, *, overdue=False, state=S.DRAFTING, session=None, bureau=None, **kw):
    today = timezone.localdate()
    due = today - dt.timedelta(days=3) if overdue else today + dt.timedelta(days=40)
    a = AssignmentFactory(
        proposal=ProposalFactory(session=session or world.npc_session),
        bureau=bureau or world.bureau,
        state=state,
        clerk=world.clerk,
        due_date=due,
        **kw,
    )
    ReplyFactory(assignment=a)
    return a


def counts():
    return (Supervision.objects.count(), AuditEvent.objects.count(), StateLog.objects.count())


def open_order(world, a, actor=None):
    return ps.supervision_open(
        assignment_id=a.pk,
        actor=actor or world.duchashi,
        comment="请说明逾期原因",
        reply_by=timezone.localdate() + dt.timedelta(days=5),
    )


# --- who may send them ------------------------------------------------------------------------


@pytest.mark.parametrize("office", ["npc", "duchashi"])
def test_office_of_the_body_and_supervision_office_urge_without_changing_the_state(world, office):
    a = make(world)
    logs = StateLog.objects.count()
    s = ps.supervision_urge(assignment_id=a.pk, actor=world.role(office), comment="请加快办理")
    a.refresh_from_db()
    assert a.state == S.DRAFTING  # not a transition
    assert StateLog.objects.count() == logs
    assert (s.kind, s.state, s.comment) == (SupervisionKind.URGE, "", "请加快办理")
    assert s.office == world.role(office).staff.office
    event = AuditEvent.objects.get(verb=AuditVerb.URGED)
    assert event.assignment == a
    history = selectors.assignment_history(assignment=a)
    assert any(h.action == "催办" and "请加快办理" in h.comment for h in history)


@pytest.mark.parametrize("outsider", ["cppcc", "clerk", "supervisor", "other_clerk"])
def test_others_may_not_urge_and_nothing_changes(world, outsider):
    a = make(world)  # an NPC item: the CPPCC office does not press it
    before = counts()
    with pytest.raises(AccessDenied):
        ps.supervision_urge(assignment_id=a.pk, actor=world.role(outsider), comment="催一下")
    assert counts() == before


@pytest.mark.parametrize("outsider", ["cppcc", "clerk", "supervisor", "other_supervisor"])
def test_clerks_supervisors_and_the_other_office_cannot_open_a_supervision(world, outsider):
    a = make(world, overdue=True)
    before = counts()
    with pytest.raises(AccessDenied):
        open_order(world, a, actor=world.role(outsider))
    assert counts() == before


def test_urge_needs_a_comment_and_plain_text(world):
    a = make(world)
    with pytest.raises(ApplicationError, match="催办意见不能为空"):
        ps.supervision_urge(assignment_id=a.pk, actor=world.npc, comment="  ")
    with pytest.raises(ApplicationError, match="HTML"):
        ps.supervision_urge(assignment_id=a.pk, actor=world.npc, comment="<b>快</b>")
    assert not Supervision.objects.exists()


def test_closed_withdrawn_or_not_overdue_items_are_refused_with_the_reason(world):
    done = make(world, state=S.ISSUED)
    with pytest.raises(TransitionError, match="已答复，无需催办"):
        ps.supervision_urge(assignment_id=done.pk, actor=world.npc, comment="催")
    withdrawn = make(world)
    ps.proposal_withdraw(proposal_id=withdrawn.proposal_id, actor=world.npc, reason="撤回")
    with pytest.raises(TransitionError, match="撤回或并案"):
        ps.supervision_urge(assignment_id=withdrawn.pk, actor=world.npc, comment="催")
    early = make(world)
    with pytest.raises(TransitionError, match="尚未逾期"):
        open_order(world, early)
    assert not Supervision.objects.exists()


def test_reply_by_date_checked_and_one_open_order_at_a_time(world):
    a = make(world, overdue=True)
    with pytest.raises(ApplicationError, match="不能早于今天"):
        ps.supervision_open(
            assignment_id=a.pk,
            actor=world.npc,
            comment="请答复",
            reply_by=timezone.localdate() - dt.timedelta(days=1),
        )
    open_order(world, a, actor=world.npc)
    with pytest.raises(TransitionError, match="已有一份督办单待答复"):
        open_order(world, a)
    assert Supervision.objects.filter(kind=SupervisionKind.ORDER).count() == 1


# --- answering and closing ---------------------------------------------------------------------


def test_the_bureau_answers_and_the_opening_office_closes(world):
    a = make(world, overdue=True)
    order = open_order(world, a)
    with pytest.raises(AccessDenied):
        ps.supervision_answer(supervision_id=order.pk, actor=world.other_clerk, answer="不是我们")
    with pytest.raises(AccessDenied):
        ps.supervision_answer(supervision_id=order.pk, actor=world.duchashi, answer="代答")
    answered = ps.supervision_answer(
        supervision_id=order.pk, actor=world.supervisor, answer="已完成初稿，本周内印发。"
    )
    assert answered.state == SupervisionState.ANSWERED
    assert answered.answered_by == world.supervisor
    with pytest.raises(TransitionError, match="已答复"):
        ps.supervision_answer(supervision_id=order.pk, actor=world.clerk, answer="再答一次")
    with pytest.raises(AccessDenied, match="发出督办单的机构"):
        ps.supervision_close(supervision_id=order.pk, actor=world.npc)
    closed = ps.supervision_close(supervision_id=order.pk, actor=world.duchashi)
    assert closed.state == SupervisionState.CLOSED
    a.refresh_from_db()
    assert a.state == S.DRAFTING
    verbs = list(AuditEvent.objects.filter(assignment=a).values_list("verb", flat=True))
    assert verbs == [
        AuditVerb.SUPERVISION_OPENED,
        AuditVerb.SUPERVISION_ANSWERED,
        AuditVerb.SUPERVISION_CLOSED,
    ]


def test_closing_an_unanswered_order_needs_a_reason(world):
    order = open_order(world, make(world, overdue=True))
    with pytest.raises(ApplicationError, match="办结须填写说明"):
        ps.supervision_close(supervision_id=order.pk, actor=world.duchashi)
    ps.supervision_close(supervision_id=order.pk, actor=world.duchashi, comment="已当面督促")
    order.refresh_from_db()
    assert order.state == SupervisionState.CLOSED


# --- pages --------------------------------------------------------------------------------------


def test_item_page_shows_them_to_the_bureau_and_another_bureau_gets_404(world, client):
    a = make(world, overdue=True)
    ps.supervision_urge(assignment_id=a.pk, actor=world.npc, comment="请加快办理进度")
    order = open_order(world, a)
    page = reverse("proposals:assignment", args=[a.pk])
    client.force_login(world.clerk)
    html = client.get(page).content.decode()
    assert "请加快办理进度" in html
    assert "督办单待答复" in html  # at the top of the page (attention)
    assert reverse("proposals:supervision_answer", args=[order.pk]) in html
    assert reverse("proposals:urge", args=[a.pk]) not in html  # bureau staff do not urge
    client.force_login(world.other_clerk)
    assert client.get(page).status_code == 404
    answer = reverse("proposals:supervision_answer", args=[order.pk])
    assert client.post(answer, {f"sv{order.pk}-answer": "越权答复"}).status_code == 404
    assert (
        client.post(reverse("proposals:urge", args=[a.pk]), {"urge-comment": "x"}).status_code
        == 404
    )
    order.refresh_from_db()
    assert order.state == SupervisionState.OPEN


def test_pages_refuse_bureau_staff_with_403_and_keep_input_on_errors(world, client):
    a = make(world, overdue=True)
    client.force_login(world.clerk)
    before = counts()
    assert (
        client.post(reverse("proposals:urge", args=[a.pk]), {"urge-comment": "催"}).status_code
        == 403
    )
    supervise = reverse("proposals:supervise", args=[a.pk])
    data = {"order-comment": "督", "order-reply_by": "2030-01-01"}
    assert client.post(supervise, data).status_code == 403
    assert counts() == before
    client.force_login(world.duchashi)
    response = client.post(supervise, {"order-comment": "请书面说明", "order-reply_by": "明天"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请书面说明" in html  # the input is kept
    assert "有效的日期" in html or "日期" in html
    assert counts() == before


def test_office_sends_both_from_the_item_page(world, client):
    a = make(world, overdue=True)
    client.force_login(world.duchashi)
    html = client.get(reverse("proposals:assignment", args=[a.pk])).content.decode()
    assert 'name="urge-comment"' in html
    assert 'name="order-reply_by"' in html
    response = client.post(reverse("proposals:urge", args=[a.pk]), {"urge-comment": "请加快"})
    assert response.status_code == 302
    reply_by = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = client.post(
        reverse("proposals:supervise", args=[a.pk]),
        {"order-comment": "请书面说明", "order-reply_by": reply_by},
    )
    assert response.status_code == 302
    assert list(Supervision.objects.values_list("kind", flat=True)) == [
        SupervisionKind.URGE,
        SupervisionKind.ORDER,
    ]
    caps = assignment_capabilities(assignment=a, user=world.duchashi)
    assert caps.urge.ok
    assert not caps.open_supervision.ok
    assert caps.open_supervision.reason == "已有一份督办单待答复"


# --- inboxes ------------------------------------------------------------------------------------


def test_inboxes_list_open_and_answered_orders(world):
    a = make(world, overdue=True)
    order = open_order(world, a)
    staff = selectors.staff_of(world.clerk)
    mine = {
        x.pk: selectors.inbox_task(assignment=x, staff=staff)
        for x in selectors.assignment_inbox(user=world.clerk)
    }
    assert mine[a.pk].startswith("答复督办单")
    duchashi = selectors.staff_of(world.duchashi)
    theirs = {
        x.pk: selectors.inbox_task(assignment=x, staff=duchashi)
        for x in selectors.assignment_inbox(user=world.duchashi)
    }
    assert theirs[a.pk] == "督办逾期事项；督办单待答复"
    ps.supervision_answer(supervision_id=order.pk, actor=world.clerk, answer="本周答复")
    theirs = {
        x.pk: selectors.inbox_task(assignment=x, staff=duchashi)
        for x in selectors.assignment_inbox(user=world.duchashi)
    }
    assert theirs[a.pk] == "督办逾期事项；办结督办单"
    # the NPC office did not open it: nothing to close in its inbox
    assert a.pk not in {x.pk for x in selectors.assignment_inbox(user=world.npc)}


# --- notices ------------------------------------------------------------------------------------


def test_notices_go_to_clerk_and_supervisors_then_the_answer_to_the_office(
    world, django_capture_on_commit_callbacks
):
    a = make(world, overdue=True)
    with (
        mock.patch.object(tasks.notice_send, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        urge = ps.supervision_urge(assignment_id=a.pk, actor=world.npc, comment="请加快")
        order = open_order(world, a)
    queued = [c.kwargs["kwargs"] for c in apply_async.call_args_list]
    assert queued == [
        {"assignment_id": a.pk, "kind": NoticeKind.URGED, "key": str(urge.pk)},
        {"assignment_id": a.pk, "kind": NoticeKind.SUPERVISION_OPENED, "key": str(order.pk)},
    ]
    for kwargs in queued:
        assert notice_send(**kwargs).sent == 1
        assert notice_send(**kwargs).sent == 0  # a redelivered task sends nothing twice
    told = Notification.objects.filter(kind=NoticeKind.URGED)
    assert {n.recipient for n in told} == {world.clerk, world.supervisor}
    assert "【催办】" in told.first().title
    opened = Notification.objects.filter(kind=NoticeKind.SUPERVISION_OPENED)
    assert {n.recipient for n in opened} == {world.clerk, world.supervisor}
    assert "请于" in opened.first().title
    ps.supervision_answer(supervision_id=order.pk, actor=world.clerk, answer="本周答复")
    notice_send(assignment_id=a.pk, kind=NoticeKind.SUPERVISION_ANSWERED, key=str(order.pk))
    answered = Notification.objects.filter(kind=NoticeKind.SUPERVISION_ANSWERED)
    assert {n.recipient for n in answered} == {world.duchashi}


def test_broker_down_the_sweep_sends_the_notice_later(world, django_capture_on_commit_callbacks):
    a = make(world)
    # the task's broker call fails: logged, the 催办 stands
    with (
        mock.patch.object(tasks.notice_send, "apply_async", side_effect=OSError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ps.supervision_urge(assignment_id=a.pk, actor=world.npc, comment="请加快")
    assert Supervision.objects.count() == 1
    assert not Reminder.objects.exists()
    swept = sweep()
    assert swept.sent == 1
    assert Notification.objects.filter(kind=NoticeKind.URGED).count() == 2
    assert sweep().sent == 0


# --- batch 催办 from the board -------------------------------------------------------------------


def test_batch_urge_is_all_or_nothing_with_reasons(world):
    a, b = make(world), make(world, bureau=world.other_bureau)
    done = make(world, state=S.CC_SENT)
    before = counts()
    with pytest.raises(ApplicationError) as refused:
        ps.supervision_urge_batch(
            assignment_ids=[a.pk, done.pk, b.pk, 999999], actor=world.npc, comment="请加快"
        )
    assert refused.value.extra["refused"] == {
        done.pk: "该事项已抄送办结，无需催办",
        999999: "事项不存在或您无权查看",
    }
    assert counts() == before
    made = ps.supervision_urge_batch(assignment_ids=[a.pk, b.pk], actor=world.npc, comment="请加快")
    assert [s.assignment_id for s in made] == [a.pk, b.pk]
    assert Supervision.objects.count() == 2


def test_batch_urge_page(world, client):
    a, b = make(world), make(world, overdue=True)
    done = make(world, state=S.CC_SENT)
    url = reverse("office:urge_batch")
    client.force_login(world.clerk)
    assert client.post(url, {"batch-ids": [a.pk], "batch-comment": "催"}).status_code == 403
    client.force_login(world.npc)
    board = reverse("office:board")
    html = client.get(board).content.decode()
    assert 'form="batch-urge"' in html
    response = client.post(
        url, {"batch-ids": [a.pk, done.pk], "batch-comment": "请本周内答复", "batch-next": board}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "本次未催办任何事项" in html
    assert "无需催办" in html
    assert "请本周内答复" in html  # the comment is kept
    assert not Supervision.objects.exists()
    response = client.post(
        url,
        {
            "batch-ids": [a.pk, b.pk],
            "batch-comment": "请本周内答复",
            "batch-next": board + "?overdue=1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == board + "?overdue=1"
    assert Supervision.objects.count() == 2
    # a return address elsewhere is not followed
    response = client.post(
        url, {"batch-ids": [a.pk], "batch-comment": "再催", "batch-next": "https://evil.example/"}
    )
    assert response["Location"] == board


def test_board_marks_rows_and_shows_the_supervision(world, client):
    today = timezone.localdate()

    def due_on(day):
        return AssignmentFactory(
            proposal=ProposalFactory(session=world.npc_session),
            bureau=world.bureau,
            state=S.DRAFTING,
            due_date=day,
        )

    near = due_on(calendar.add_workdays(today, 5))  # 5 working days left: yellow
    far = due_on(calendar.add_workdays(today, 6))
    late = make(world, overdue=True)
    ps.supervision_urge(assignment_id=late.pk, actor=world.npc, comment="请加快")
    open_order(world, late)
    due = {x.pk: selectors.due_label(assignment=x, today=today).css for x in (near, late, far)}
    assert due == {near.pk: "due-soon", late.pk: "due-overdue", far.pk: ""}
    assert selectors.due_label(assignment=near, today=near.due_date).text == "今日到期"
    assert selectors.due_label(assignment=near, today=near.due_date).css == "due-soon"
    client.force_login(world.npc)
    html = client.get(reverse("office:board")).content.decode()
    assert html.count('<tr class="due-overdue">') == 1
    assert html.count('<tr class="due-soon">') == 1
    assert "催办 1 次，督办单待答复" in html
