import datetime as dt
from unittest import mock

from django.core import mail
from django.core.management import call_command

from config.celery_app import app as celery_app
from core.choices import AssignmentState
from notifications import tasks
from notifications.delivery import reminder_deliver
from notifications.models import Notification
from notifications.models import Reminder
from notifications.planning import reminder_plan_deadlines
from tests.notifications.conftest import at
from tests.notifications.conftest import open_item

D = dt.date
S = AssignmentState


def test_a_reminder_for_an_item_closed_meanwhile_is_not_sent(mailed):
    a = open_item(mailed, due=D(2026, 10, 9))
    with at(D(2026, 10, 12)):
        assert reminder_plan_deadlines(today=D(2026, 10, 12)) == 1
        type(a).objects.filter(pk=a.pk).update(state=S.ISSUED)
        stats = reminder_deliver()
    assert (stats.sent, stats.skipped) == (0, 1)
    reminder = Reminder.objects.get()
    assert reminder.sent_at is not None
    assert reminder.skip_reason == "事项已办结"
    assert mail.outbox == []
    assert Notification.objects.count() == 0


def test_users_without_an_email_address_still_get_the_in_app_notification(world):
    open_item(world, due=D(2026, 10, 9))
    with at(D(2026, 10, 12)):
        call_command("reminders_sweep", "--send", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert mail.outbox == []
    note = Notification.objects.get()
    assert note.recipient == world.clerk
    assert note.title.startswith("【逾期提醒】")
    assert "办结期限：2026年10月9日（已逾期 3 天）" in note.body


def test_the_command_plans_and_queues_and_sends_only_when_asked(mailed, capsys):
    open_item(mailed, due=D(2026, 10, 9))
    with (
        at(D(2026, 10, 12)),
        mock.patch.object(celery_app, "send_task") as apply_async,
    ):
        call_command("reminders_sweep")
    out = capsys.readouterr().out
    assert "提醒扫描：2026-10-12（工作日），新增提醒 1 条，排队发送 1 条（1 批）" in out
    assert apply_async.call_count == 1
    assert mail.outbox == []  # the worker sends, not the command
    with at(D(2026, 10, 12), 9, 1):
        call_command("reminders_sweep", "--send")
    out = capsys.readouterr().out
    assert "新增提醒 0 条，排队发送 0 条" in out
    assert "本进程发送：发送 1 条" in out
    assert len(mail.outbox) == 1


def test_beat_runs_the_registered_sweep_every_15_minutes():
    celery_app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    entry = celery_app.conf.beat_schedule["reminders-sweep"]
    assert entry["task"] in celery_app.tasks
    schedule = entry["schedule"]
    assert schedule.minute == {0, 15, 30, 45}
    assert schedule.hour == set(range(8, 19))
    for name in (entry["task"], tasks.reminders_deliver_batch.name, tasks.transition_notify.name):
        task = celery_app.tasks[name]
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
    # a running batch is never queued again by the sweep: killed before it counts as stale
    from notifications.services import REQUEUE_AFTER

    assert tasks.reminders_deliver_batch.time_limit < REQUEUE_AFTER.total_seconds()


def test_the_sweep_publishes_the_registered_delivery_task_by_name():
    from notifications.services import DELIVER_BATCH_TASK

    assert tasks.reminders_deliver_batch.name == DELIVER_BATCH_TASK


def test_after_repeated_mail_failures_the_notice_goes_in_app_only(mailed):
    import smtplib
    from unittest import mock

    from notifications.delivery import MAX_MAIL_ATTEMPTS

    open_item(mailed, due=D(2026, 10, 9))
    refused = smtplib.SMTPRecipientsRefused({"clerk@example.org": (550, b"no such user")})
    with at(D(2026, 10, 12)), mock.patch("django.core.mail.EmailMessage.send", side_effect=refused):
        reminder_plan_deadlines(today=D(2026, 10, 12))
        for attempt in range(1, MAX_MAIL_ATTEMPTS):
            stats = reminder_deliver()
            assert (stats.sent, stats.failed) == (0, 1)
            assert Reminder.objects.get().attempts == attempt
        stats = reminder_deliver()
    assert (stats.sent, stats.failed, stats.emails) == (1, 0, 0)
    reminder = Reminder.objects.get()
    assert reminder.sent_at is not None
    assert reminder.last_error.startswith("邮件多次发送失败，仅发站内通知")
    assert Notification.objects.get().recipient == mailed.clerk
