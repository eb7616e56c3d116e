"""Transition notices: queued on commit with the StateLog id, sent once, caught up by the sweep
when the broker was down."""

import datetime as dt
import hashlib
import logging
import smtplib
import time
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.choices import AssignmentState
from notifications import tasks
from notifications.models import Notification
from notifications.models import Reminder
from proposals import services as ps
from proposals.models import Assignment
from replies import services as rs
from replies.models import IssuedLetter
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.net import closed_port
from tests.notifications.conftest import broker
from tests.notifications.conftest import sweep

S = AssignmentState
K = Reminder.Kind


def item(world, state, **kw):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=kw.pop("session", world.npc_session)),
        bureau=world.bureau,
        state=state,
        clerk=world.clerk,
        **kw,
    )
    ReplyFactory(assignment=a)
    return a


def run_and_capture(django_capture_on_commit_callbacks, call):
    """Run a service; return the kwargs of the notification task it queued on commit."""
    with (
        mock.patch.object(tasks.transition_notify, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        call()
    assert apply_async.call_count == 1
    return apply_async.call_args.kwargs["kwargs"]


def test_submit_queues_the_task_on_commit_and_notifies_the_supervisors(
    mailed, django_capture_on_commit_callbacks
):
    world = mailed
    a = item(world, S.DRAFTING)
    queued = run_and_capture(
        django_capture_on_commit_callbacks,
        lambda: rs.draft_submit(assignment_id=a.pk, actor=world.clerk, comment="请审核"),
    )
    log = StateLog.objects.for_(a).get(transition="submit")
    assert queued == {"assignment_id": a.pk, "transition": "submit", "statelog_id": log.pk}
    assert tasks.transition_notify(**queued) == 1
    (message,) = mail.outbox
    assert message.to == ["supervisor@example.org"]
    assert message.subject.startswith("【待审核】")
    assert "说明：请审核" in message.body
    assert Notification.objects.get().recipient == world.supervisor


def test_nothing_is_queued_when_the_transition_fails(mailed, django_capture_on_commit_callbacks):
    world = mailed
    a = item(world, S.DRAFTING)
    with (
        mock.patch.object(tasks.transition_notify, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Exception, match="只有本单位承办人"),
    ):
        rs.draft_submit(assignment_id=a.pk, actor=world.other_clerk)
    assert apply_async.call_count == 0


def test_transitions_without_a_notice_queue_nothing(mailed, django_capture_on_commit_callbacks):
    world = mailed
    a = item(world, S.ASSIGNED)
    with (
        mock.patch.object(tasks.transition_notify, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        ps.assignment_transition(name="accept", assignment_id=a.pk, actor=world.clerk)
    assert apply_async.call_count == 0


def test_returned_notifies_the_clerk_with_the_comment(mailed, django_capture_on_commit_callbacks):
    world = mailed
    a = item(world, S.IN_REVIEW)
    queued = run_and_capture(
        django_capture_on_commit_callbacks,
        lambda: ps.assignment_transition(
            name="return_for_revision",
            assignment_id=a.pk,
            actor=world.supervisor,
            comment="第二部分数据需核实",
        ),
    )
    tasks.transition_notify(**queued)
    (message,) = mail.outbox
    assert message.to == ["clerk@example.org"]
    assert "退回意见：第二部分数据需核实" in message.body
    sup = world.supervisor
    assert f"{sup.last_name}{sup.first_name}" in message.subject  # 王测1, not 测1 王


def test_reassignment_request_notifies_the_handling_office(
    mailed, django_capture_on_commit_callbacks
):
    world = mailed
    a = item(
        world,
        S.ASSIGNED,
        session=world.cppcc_session,
        reassignment_deadline=timezone.localdate() + dt.timedelta(days=5),
    )
    queued = run_and_capture(
        django_capture_on_commit_callbacks,
        lambda: ps.assignment_transition(
            name="request_reassignment",
            assignment_id=a.pk,
            actor=world.clerk,
            comment="属于商务局职责",
        ),
    )
    tasks.transition_notify(**queued)
    (message,) = mail.outbox
    assert message.to == ["cppcc@example.org"]  # a 提案: the CPPCC office
    assert "理由：属于商务局职责" in message.body


def test_issued_goes_to_the_cc_offices_with_the_pdf(
    mailed, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    world = mailed
    a = item(world, S.APPROVED)
    holder = {}
    queued = run_and_capture(
        django_capture_on_commit_callbacks,
        lambda: holder.setdefault("letter", rs.reply_issue(assignment_id=a.pk, actor=world.clerk)),
    )
    letter = holder["letter"]
    tasks.transition_notify(**queued)
    (message,) = mail.outbox
    # ReplyFactory's CC list: 区人大常委会办公室、区政府督查室
    assert message.to == ["duchashi@example.org", "npc@example.org"]
    assert letter.doc_number in message.subject
    # The PDF rendered once at issuance is attached as stored, byte for byte.
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == (f"{letter.doc_number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == letter.pdf_sha256


def test_issued_without_a_pdf_is_sent_without_attachment(
    mailed, django_capture_on_commit_callbacks
):
    world = mailed
    a = item(world, S.APPROVED)
    queued = run_and_capture(
        django_capture_on_commit_callbacks,
        lambda: rs.reply_issue(assignment_id=a.pk, actor=world.clerk),
    )
    # A letter issued before PDFs were stored (imported history) has no file.
    IssuedLetter.objects.update(pdf="", pdf_sha256="")
    tasks.transition_notify(**queued)
    (message,) = mail.outbox
    assert message.attachments == []
    assert "PDF 尚未生成" in message.body


def test_a_redelivered_task_sends_nothing_twice(mailed, django_capture_on_commit_callbacks):
    world = mailed
    a = item(world, S.DRAFTING)
    queued = run_and_capture(
        django_capture_on_commit_callbacks,
        lambda: rs.draft_submit(assignment_id=a.pk, actor=world.clerk),
    )
    assert tasks.transition_notify(**queued) == 1
    assert tasks.transition_notify(**queued) == 0
    sweep()  # the sweep's catch-up finds the notice already sent
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_a_mail_error_is_raised_for_retry_and_the_retry_sends_once(
    mailed, django_capture_on_commit_callbacks
):
    world = mailed
    a = item(world, S.DRAFTING)
    queued = run_and_capture(
        django_capture_on_commit_callbacks,
        lambda: rs.draft_submit(assignment_id=a.pk, actor=world.clerk),
    )
    with (
        mock.patch(
            "django.core.mail.EmailMessage.send",
            side_effect=smtplib.SMTPServerDisconnected("连接断开"),
        ),
        pytest.raises(smtplib.SMTPServerDisconnected),
    ):
        tasks.transition_notify(**queued)  # called directly, retry() re-raises
    reminder = Reminder.objects.get()
    assert (reminder.sent_at, reminder.attempts) == (None, 1)
    assert "连接断开" in reminder.last_error
    assert Notification.objects.count() == 0
    assert tasks.transition_notify(**queued) == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_batch_task_retries_when_mail_fails_and_sends_the_rest(mailed):
    from tests.notifications.conftest import at
    from tests.notifications.conftest import open_item

    for i in range(3):
        open_item(mailed, due=dt.date(2026, 10, 9) - dt.timedelta(days=i))
    real_send = mail.EmailMessage.send
    calls = []

    def second_one_fails(message, *args, **kwargs):
        calls.append(message.subject)
        if len(calls) == 2:
            raise OSError("拒绝连接")
        return real_send(message, *args, **kwargs)

    with at(dt.date(2026, 10, 12)):
        with mock.patch.object(tasks.reminders_deliver_batch, "apply_async") as apply_async:
            tasks.reminders_sweep()
        (call,) = apply_async.call_args_list
        ids = call.kwargs["kwargs"]["reminder_ids"]
        with (
            mock.patch("django.core.mail.EmailMessage.send", second_one_fails),
            pytest.raises(OSError, match="拒绝连接"),  # called directly, retry() re-raises
        ):
            tasks.reminders_deliver_batch(reminder_ids=ids)
        failed = Reminder.objects.get(sent_at__isnull=True)
        assert (failed.attempts, failed.last_error) == (1, "OSError: 拒绝连接")
        assert len(mail.outbox) == 2  # the others went out and stay sent
        result = tasks.reminders_deliver_batch(reminder_ids=ids)  # the retry: same ids
    assert (result["sent"], result["failed"]) == (1, 0)
    assert len(mail.outbox) == 3
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0


def test_batch_task_schedules_a_retry_with_backoff_on_mail_errors(mailed):
    from celery.exceptions import Retry

    from tests.notifications.conftest import at
    from tests.notifications.conftest import open_item

    open_item(mailed, due=dt.date(2026, 10, 9))
    with at(dt.date(2026, 10, 12)):
        with mock.patch.object(tasks.reminders_deliver_batch, "apply_async"):
            tasks.reminders_sweep()
        ids = list(Reminder.objects.values_list("pk", flat=True))
        task = tasks.reminders_deliver_batch
        with (
            mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("拒绝连接")),
            mock.patch.object(task, "retry", side_effect=Retry("retry")) as retry,
        ):
            task.push_request(retries=2, called_directly=False)
            try:
                with pytest.raises(Retry):
                    task.run(reminder_ids=ids)
            finally:
                task.pop_request()
    assert retry.call_args.kwargs["countdown"] == 120  # 30 s doubled per retry, at most 900
    assert isinstance(retry.call_args.kwargs["exc"], OSError)


def test_broker_down_the_page_still_works_and_the_sweep_sends_it_later(
    mailed, client, django_capture_on_commit_callbacks, caplog
):
    world = mailed
    a = item(world, S.DRAFTING)
    client.force_login(world.clerk)
    url = reverse("replies:submit", args=[a.pk])
    with closed_port() as port, broker(f"redis://127.0.0.1:{port}/0"):  # nothing listens there
        started = time.monotonic()
        with (
            caplog.at_level(logging.ERROR, logger="notifications.hooks"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(url, {"submit-comment": ""})
        elapsed = time.monotonic() - started
        assert response.status_code == 302
        page = client.get(reverse("proposals:assignment", args=[a.pk]))
        assert page.status_code == 200
        assert "已提交领导审核" in page.content.decode()
    assert elapsed < 10
    assert Assignment.objects.get(pk=a.pk).state == S.IN_REVIEW
    assert any("通知任务入队失败" in r.getMessage() for r in caplog.records)
    assert Reminder.objects.count() == 0
    assert mail.outbox == []
    result = sweep()  # the next sweep finds the transition in the StateLog and queues it
    assert (result.planned, result.sent) == (1, 1)
    (message,) = mail.outbox
    assert message.to == ["supervisor@example.org"]
    assert Reminder.objects.get().data["late"] is True


def test_opinion_sent_notifies_the_lead_units_clerk(mailed, django_capture_on_commit_callbacks):
    from replies.models import Opinion

    world = mailed
    proposal = ProposalFactory(session=world.npc_session)
    AssignmentFactory(proposal=proposal, bureau=world.bureau, state=S.DRAFTING, clerk=world.clerk)
    co = AssignmentFactory(
        proposal=proposal,
        bureau=world.other_bureau,
        role="co_unit",
        state=S.APPROVED,
        clerk=world.other_clerk,
    )
    Opinion.objects.create(assignment=co, body="同意主办单位意见。")
    queued = run_and_capture(
        django_capture_on_commit_callbacks,
        lambda: rs.opinion_send(assignment_id=co.pk, actor=world.other_clerk),
    )
    tasks.transition_notify(**queued)
    (message,) = mail.outbox
    assert message.to == ["clerk@example.org"]
    assert message.subject.startswith("【协办意见】区商务局已送出")
