"""The embedded default on a fresh checkout: nothing under var/ yet, and the settings create
nothing (tests/platform/test_settings.py). The first transition still queues its notice on
the filesystem broker, and a worker that starts before anything is queued still sends it: the
Celery hooks in config/celery_app.py make the broker's folders when they are first needed."""

import base64
import datetime as dt
import json
import logging
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from core.choices import AssignmentState
from notifications.models import Reminder
from replies import services as rs
from tests.factories import ReplyFactory
from tests.notifications.conftest import broker
from tests.notifications.conftest import open_item
from tests.notifications.test_worker import wait_for

S = AssignmentState


@contextmanager
def filesystem_broker(var: Path):
    """The Celery app on the filesystem broker with the folders local.py would use under `var`
    (which does not exist); the previous broker is restored afterwards."""
    with broker("filesystem://") as app:
        app.conf.broker_transport_options = {
            "data_folder_in": str(var / "broker"),
            "data_folder_out": str(var / "broker"),
            "processed_folder": str(var / "broker-processed"),
            "store_processed": False,
            "control_folder": str(var / "broker-control"),
        }
        yield app


@contextmanager
def worker_started(app, timeout: float = 30.0):
    """start_worker, failing instead of waiting for ever when the worker cannot start (it
    waits on an event without a timeout, and a worker whose queue folder is missing never
    signals it)."""
    worker = start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10)
    outcome: list[BaseException | None] = []

    def enter() -> None:
        try:
            worker.__enter__()
        except BaseException as exc:  # handed to the test thread below
            outcome.append(exc)
        else:
            outcome.append(None)

    threading.Thread(target=enter, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not outcome and time.monotonic() < deadline:
        time.sleep(0.05)
    if not outcome:
        pytest.fail(f"Celery 工作进程 {timeout:.0f} 秒内未能启动（消息队列目录不存在？）")
    if outcome[0] is not None:
        raise outcome[0]
    try:
        yield
    finally:
        worker.__exit__(None, None, None)


def queued_tasks(folder: Path) -> list[tuple[str, dict]]:
    tasks = []
    for message in sorted(folder.glob("*.msg")):
        payload = json.loads(message.read_text())
        _args, kwargs, _embed = json.loads(base64.b64decode(payload["body"]))
        tasks.append((payload["headers"]["task"], kwargs))
    return tasks


def test_first_transition_on_a_fresh_checkout_queues_its_notice(
    mailed, tmp_path, django_capture_on_commit_callbacks, caplog
):
    world = mailed
    a = open_item(world, due=timezone.localdate() + dt.timedelta(days=60))
    ReplyFactory(assignment=a)
    var = tmp_path / "var"
    with (
        filesystem_broker(var),
        caplog.at_level(logging.ERROR, logger="notifications.hooks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        rs.draft_submit(assignment_id=a.pk, actor=world.clerk)
    assert not [r for r in caplog.records if "通知任务入队失败" in r.getMessage()]
    ((task, kwargs),) = queued_tasks(var / "broker")
    assert task == "notifications.tasks.transition_notify"
    assert (kwargs["assignment_id"], kwargs["transition"]) == (a.pk, "submit")


@pytest.mark.django_db(transaction=True)
def test_a_worker_started_on_a_fresh_checkout_sends_the_first_notice(mailed, tmp_path):
    world = mailed
    a = open_item(world, due=timezone.localdate() + dt.timedelta(days=60))
    ReplyFactory(assignment=a)
    var = tmp_path / "var"
    with (
        filesystem_broker(var) as app,
        worker_started(app),
    ):
        assert (var / "broker").is_dir()  # made by the worker at start, before any publish
        rs.draft_submit(assignment_id=a.pk, actor=world.clerk)
        assert wait_for(
            lambda: Reminder.objects.filter(
                assignment=a, kind=Reminder.Kind.SUBMITTED, sent_at__isnull=False
            ).exists()
        ), "工作进程未在 30 秒内发出提交审核通知"
    assert [m.to for m in mail.outbox if m.subject.startswith("【待审核】")] == [
        ["supervisor@example.org"]
    ]
