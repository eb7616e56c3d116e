"""End to end with a real Celery worker (in a thread) on the real Redis at TEST_REDIS_URL:
a transition notice queued on commit, and the beat task's sweep, which queues a delivery batch
that the worker then runs (sweep -> reminders_deliver_batch -> mail in the outbox)."""

import datetime as dt
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone

from core.choices import AssignmentState
from notifications.models import Reminder
from notifications.tasks import reminders_sweep
from proposals import calendar
from replies import services as rs
from tests.factories import ReplyFactory
from tests.notifications.conftest import broker
from tests.notifications.conftest import open_item

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
S = AssignmentState
K = Reminder.Kind


def reachable_redis() -> str:
    url = settings.TEST_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"Redis 不可达（TEST_REDIS_URL={url}）：{exc}；CI 中 Redis 会启动")
    return url


def wait_for(condition, timeout: float = 30.0) -> bool:
    """Poll until the worker thread has done its part (an integration test cannot freeze time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_worker_on_redis_sends_transition_notice_and_sweep_reminder(mailed):
    world = mailed
    url = reachable_redis()
    today = timezone.localdate()
    overdue = open_item(world, due=today - dt.timedelta(days=3))
    drafting = open_item(world, due=today + dt.timedelta(days=60))
    ReplyFactory(assignment=drafting)
    with broker(url) as app:
        app.control.purge()
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            # 1. a transition: the notice is queued on commit, the worker sends it
            rs.draft_submit(assignment_id=drafting.pk, actor=world.clerk)
            assert wait_for(
                lambda: Reminder.objects.filter(
                    assignment=drafting, kind=K.SUBMITTED, sent_at__isnull=False
                ).exists()
            ), "工作进程未在 30 秒内发出提交审核通知"
            # 2. the beat task, queued the way beat queues it: it plans and queues a batch on
            # the broker; the worker then runs the batch task, which sends
            reminders_sweep.apply_async()
            if calendar.is_workday(today):
                assert wait_for(
                    lambda: Reminder.objects.filter(
                        assignment=overdue, kind=K.OVERDUE, sent_at__isnull=False
                    ).exists()
                ), "工作进程未在 30 秒内发出逾期提醒"
                reminder = Reminder.objects.get(assignment=overdue, kind=K.OVERDUE)
                assert reminder.queued_at is not None
                assert reminder.queued_at <= reminder.sent_at
    submitted = [m for m in mail.outbox if m.subject.startswith("【待审核】")]
    assert [m.to for m in submitted] == [["supervisor@example.org"]]
    if calendar.is_workday(today):
        late = [m for m in mail.outbox if m.subject.startswith("【逾期提醒】")]
        assert len(late) == 1
        assert "已逾期 3 天" in late[0].subject
