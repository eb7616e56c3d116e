"""The sweep across 2026 National Day (10-01..10-07 off, Saturday 10-10 a make-up working day)."""

import datetime as dt
from unittest import mock

import chinese_calendar
import pytest
from django.core import mail
from django.test import override_settings

from config.celery_app import app as celery_app
from core.choices import AssignmentState
from notifications import tasks
from notifications.models import Notification
from notifications.models import Reminder
from notifications.services import reminder_sweep
from notifications.tasks import reminders_sweep
from proposals.models import ExtensionRequest
from replies.models import IssuedLetter
from tests.factories import ReplyFactory
from tests.notifications.conftest import at
from tests.notifications.conftest import open_item
from tests.notifications.conftest import queued_batches
from tests.notifications.conftest import sweep

S = AssignmentState
K = Reminder.Kind
D = dt.date


def test_the_calendar_the_tests_rely_on():
    assert not chinese_calendar.is_workday(D(2026, 10, 1))
    assert not chinese_calendar.is_workday(D(2026, 10, 7))
    assert chinese_calendar.is_workday(D(2026, 10, 8))
    assert D(2026, 10, 10).weekday() == 5
    assert chinese_calendar.is_workday(D(2026, 10, 10))
    assert not chinese_calendar.is_workday(D(2026, 10, 11))


def told(reminder):
    return set(reminder.notifications.values_list("recipient_id", flat=True))


def reply_due_keys(a):
    return list(
        Reminder.objects.filter(assignment=a, kind=K.REPLY_DUE)
        .order_by("pk")
        .values_list("key", "data__workdays")
    )


def test_reply_due_thresholds_follow_holidays_and_the_make_up_saturday(mailed):
    world = mailed
    a = open_item(world, due=D(2026, 10, 12))
    sent = []
    for day in [D(2026, 9, 30) + dt.timedelta(days=i) for i in range(13)]:  # 09-30 .. 10-12
        with at(day):
            result = sweep()
        sent.append((day, result.sent))
    # 09-30: 10-08, 10-09, 10-10 (Sat, make-up), 10-12 are left: 4 working days -> threshold 7.
    # (Counting Monday-Friday would give 8 and threshold 14.)
    # 10-08: 3 left -> 3.  10-10 (make-up Saturday): 1 left -> 1.  Nothing on days off.
    assert reply_due_keys(a) == [("7", 4), ("3", 3), ("1", 1)]
    days_sent = [day for day, n in sent if n]
    assert days_sent == [D(2026, 9, 30), D(2026, 10, 8), D(2026, 10, 10)]
    assert [m.subject for m in mail.outbox] == [
        f"【到期提醒】{a.proposal.session.name}第{a.proposal.number}号建议还有 {n} 个工作日到期"
        for n in (4, 3, 1)
    ]
    first = mail.outbox[0]
    # threshold 7 <= leader_reminder_workdays (default 7): the supervisor is told as well
    assert first.to == ["clerk@example.org", "supervisor@example.org"]
    assert "办结期限：2026年10月12日（4 个工作日后到期）" in first.body


def test_leaders_are_reminded_only_from_their_threshold_on(mailed):
    world = mailed
    world.npc_session.leader_reminder_workdays = 3
    world.npc_session.save()
    a = open_item(world, due=D(2026, 10, 12))
    with at(D(2026, 9, 30)):
        sweep()
    with at(D(2026, 10, 8)):
        sweep()
    assert [m.to for m in mail.outbox] == [
        ["clerk@example.org"],
        ["clerk@example.org", "supervisor@example.org"],
    ]
    assert Notification.objects.filter(assignment=a, recipient=world.supervisor).count() == 1


def test_no_reminders_on_days_off_and_catch_up_after_the_holiday(mailed):
    world = mailed
    a = open_item(world, due=D(2026, 10, 9))  # 10-08 and 10-09 are the only working days left
    with at(D(2026, 10, 3)):
        result = sweep()
    assert result.workday is False
    assert Reminder.objects.count() == 0
    assert mail.outbox == []
    with at(D(2026, 10, 8)):
        sweep()
    assert reply_due_keys(a) == [("1", 1)]  # 30/14/7/3 were missed; only the current one is sent


def test_overdue_daily_on_working_days_then_escalated(mailed):
    world = mailed
    a = open_item(world, due=D(2026, 10, 9))
    world.npc_session.overdue_escalation_days = 5
    world.npc_session.save()
    for day in [D(2026, 10, 10) + dt.timedelta(days=i) for i in range(6)]:  # 10-10 .. 10-15
        with at(day):
            sweep()
    overdue = list(
        Reminder.objects.filter(assignment=a, kind=K.OVERDUE)
        .order_by("key")
        .values_list("key", "data__days", "data__escalate")
    )
    # 10-11 is a Sunday: no reminder. 10-14 is day 5: escalated from then on.
    assert overdue == [
        ("2026-10-10", 1, False),
        ("2026-10-12", 3, False),
        ("2026-10-13", 4, False),
        ("2026-10-14", 5, True),
        ("2026-10-15", 6, True),
    ]
    escalated = [m for m in mail.outbox if "已逾期 5 天" in m.subject]
    assert len(escalated) == 1
    assert escalated[0].to == sorted(
        ["clerk@example.org", "supervisor@example.org", "npc@example.org", "duchashi@example.org"]
    )
    assert "cppcc@example.org" not in escalated[0].to  # a 建议: the NPC office, not the CPPCC's


def test_overdue_stops_once_resolved(mailed):
    world = mailed
    a = open_item(world, due=D(2026, 10, 9))
    with at(D(2026, 10, 12)):
        sweep()
    type(a).objects.filter(pk=a.pk).update(state=S.ISSUED)
    with at(D(2026, 10, 13)):
        sweep()
    assert Reminder.objects.filter(assignment=a, kind=K.OVERDUE).count() == 1


def test_reassignment_window_and_co_unit_opinion(mailed):
    world = mailed
    lead = open_item(
        world,
        due=D(2026, 12, 31),
        state=S.ASSIGNED,
        clerk=None,
        reassignment_deadline=D(2026, 10, 9),
    )
    lead.clerk = None
    lead.save()
    co = open_item(world, due=D(2026, 10, 12), role="co_unit", bureau=world.other_bureau)
    co.clerk = world.other_clerk
    co.save()
    with at(D(2026, 10, 8)):  # window ends 10-09: 1 working day left
        sweep()
    window = Reminder.objects.get(assignment=lead, kind=K.REASSIGNMENT_WINDOW)
    assert window.key == "2026-10-09"
    assert window.data["workdays"] == 1
    # no clerk yet: every clerk and the supervisors of the bureau
    assert told(window) == {world.clerk.pk, world.supervisor.pk}
    opinion = Reminder.objects.get(assignment=co, kind=K.CO_UNIT_DUE)
    assert (opinion.key, opinion.data["workdays"]) == ("5", 3)  # 10-09, 10-10, 10-12
    assert told(opinion) == {world.other_clerk.pk, world.other_supervisor.pk}
    assert not Reminder.objects.filter(assignment=co, kind=K.REPLY_DUE).exists()


def test_pending_extension_reminds_the_office_every_n_working_days(mailed):
    world = mailed
    a = open_item(world, due=D(2026, 12, 31))
    with at(D(2026, 9, 29)):
        ExtensionRequest.objects.create(
            assignment=a,
            reason="需要调研",
            requested_due_date=D(2027, 1, 31),
            previous_due_date=a.due_date,
            requested_by=world.clerk,
        )
    keys = []
    for day in (D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10), D(2026, 10, 14)):
        with at(day):
            sweep()
        keys.append(
            sorted(Reminder.objects.filter(kind=K.EXTENSION_PENDING).values_list("key", flat=True))
        )
    ext = ExtensionRequest.objects.get()
    # 3 working days (09-30, 10-08, 10-09) pass by 10-09; 6 by 10-14 (10-10, 10-12, 10-13, 10-14)
    assert keys[0] == []
    assert keys[1] == [f"{ext.pk}:1"]
    assert keys[3] == [f"{ext.pk}:1", f"{ext.pk}:2"]
    reminder = Reminder.objects.get(key=f"{ext.pk}:1")
    assert told(reminder) == {world.npc.pk}


def test_feedback_not_recorded_reminds_the_office_once(mailed):
    world = mailed
    world.cppcc_session.feedback_reminder_days = 15
    world.cppcc_session.save()
    a = open_item(world, due=D(2026, 12, 31), state=S.ISSUED, session=world.cppcc_session)
    reply = ReplyFactory(assignment=a)
    IssuedLetter.objects.create(
        reply=reply,
        doc_year=2026,
        doc_serial=1,
        doc_number="临经信提复〔2026〕1号",
        issued_date=D(2026, 9, 25),
        body="正文",
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="1",
        cc_list=[],
    )
    with at(D(2026, 10, 9)):  # 14 days
        sweep()
    assert not Reminder.objects.filter(kind=K.FEEDBACK_MISSING).exists()
    with at(D(2026, 10, 12)):
        sweep()
    with at(D(2026, 10, 13)):
        sweep()
    reminder = Reminder.objects.get(kind=K.FEEDBACK_MISSING)
    assert told(reminder) == {world.cppcc.pk}
    assert "尚未登记满意度" in mail.outbox[-1].subject


def test_withdrawn_items_are_not_reminded(mailed):
    world = mailed
    a = open_item(world, due=D(2026, 10, 9))
    a.proposal.status = "withdrawn"
    a.proposal.save()
    with at(D(2026, 10, 12)):
        sweep()
    assert Reminder.objects.count() == 0


def test_the_sweep_task_plans_and_queues_and_the_batch_task_sends(mailed):
    items = [open_item(mailed, due=D(2026, 10, 9) - dt.timedelta(days=i)) for i in range(5)]
    with (
        at(D(2026, 10, 12)),
        mock.patch.object(celery_app, "send_task") as apply_async,
        override_settings(FUHAN_REMINDER_BATCH_SIZE=2),
    ):
        result = reminders_sweep()
    assert result["workday"] is True
    assert (result["planned"], result["queued"], result["batches"]) == (5, 5, 3)
    # the sweep itself sends nothing: every reminder is pending, queued, in ordered batches of 2
    assert mail.outbox == []
    assert Notification.objects.count() == 0
    assert Reminder.objects.filter(sent_at__isnull=True, queued_at__isnull=False).count() == 5
    batches = queued_batches(apply_async)
    ids = sorted(Reminder.objects.values_list("pk", flat=True))
    assert batches == [ids[0:2], ids[2:4], ids[4:5]]
    assert tasks.reminders_deliver_batch(reminder_ids=batches[0]) == {
        "sent": 2,
        "skipped": 0,
        "failed": 0,
        "emails": 2,
    }
    for batch in batches[1:]:
        tasks.reminders_deliver_batch(reminder_ids=batch)
    assert len(mail.outbox) == 5
    assert {n.assignment_id for n in Notification.objects.all()} == {a.pk for a in items}
    # a redelivered batch (acks_late after a worker died) sends nothing again
    assert tasks.reminders_deliver_batch(reminder_ids=batches[0])["sent"] == 0
    assert len(mail.outbox) == 5


def test_queued_reminders_whose_task_never_ran_are_queued_again_by_a_later_sweep(mailed):
    open_item(mailed, due=D(2026, 10, 9))
    with at(D(2026, 10, 12), 9, 0), mock.patch.object(celery_app, "send_task"):
        reminder_sweep()  # queued, but the task is lost (worker gone, queue purged)
    with at(D(2026, 10, 12), 9, 5):
        early = sweep()  # 5 minutes on: the first task may still be on its way
    assert (early.planned, early.result.queued, early.sent) == (0, 0, 0)
    with at(D(2026, 10, 12), 9, 15):
        late = sweep()
    assert (late.planned, late.result.queued, late.sent) == (0, 1, 1)
    with at(D(2026, 10, 12), 9, 30):
        assert sweep().result.queued == 0  # sent: never queued again
    assert len(mail.outbox) == 1


def test_a_broker_refusing_the_batches_leaves_them_for_the_next_sweep(mailed, caplog):
    for i in range(3):
        open_item(mailed, due=D(2026, 10, 9) - dt.timedelta(days=i))
    with (
        at(D(2026, 10, 12), 9, 0),
        override_settings(FUHAN_REMINDER_BATCH_SIZE=2),
        mock.patch.object(
            celery_app,
            "send_task",
            side_effect=[None, ConnectionRefusedError("拒绝连接")],
        ),
    ):
        result = reminder_sweep()
    assert (result.planned, result.queued, result.batches, result.not_queued) == (3, 2, 1, 1)
    assert "提醒发送任务入队失败" in caplog.text
    # the batch the broker refused is unmarked: the very next sweep queues it
    assert Reminder.objects.filter(queued_at__isnull=True).count() == 1
    with at(D(2026, 10, 12), 9, 1):
        again = sweep()
    assert (again.result.queued, again.sent) == (1, 1)


@pytest.mark.parametrize("bad", [[0], ["7"], [True], "30,14", [300]])
def test_thresholds_are_validated(world, bad):
    from django.core.exceptions import ValidationError

    world.npc_session.reminder_workdays = bad
    with pytest.raises(ValidationError, match="提醒天数"):
        world.npc_session.full_clean()
