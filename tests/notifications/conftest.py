import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine

from config.celery_app import app as celery_app
from notifications import tasks
from notifications.services import SweepResult
from notifications.services import reminder_sweep
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def mailed(world):
    """Every world user gets an e-mail address (reminders are also e-mailed)."""
    for name in (
        "clerk",
        "supervisor",
        "other_clerk",
        "other_supervisor",
        "npc",
        "cppcc",
        "duchashi",
    ):
        user = world.role(name)
        user.email = f"{name}@example.org"
        user.save(update_fields=["email"])
    return world


def at(day: dt.date, hour: int = 9, minute: int = 0):
    """Freeze the clock at a time of day in Asia/Shanghai (tick=False: never moves)."""
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI), tick=False
    )


def open_item(world, *, due, state="drafting", role="lead", session=None, clerk=None, **kw):
    return AssignmentFactory(
        proposal=ProposalFactory(session=session or world.npc_session),
        bureau=kw.pop("bureau", world.bureau),
        role=role,
        state=state,
        assigned_date=kw.pop("assigned_date", due - dt.timedelta(days=90)),
        due_date=due,
        reassignment_deadline=kw.pop("reassignment_deadline", due - dt.timedelta(days=80)),
        clerk=clerk if clerk is not None else world.clerk,
        **kw,
    )


@contextmanager
def broker(url: str):
    """Point the Celery app at another broker for the duration (and back)."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.broker_transport_options, conf.result_backend)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    conf.broker_url = url
    conf.broker_transport_options = {}
    try:
        yield celery_app
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        conf.broker_url, conf.broker_transport_options, conf.result_backend = saved


@dataclass
class Swept:
    """A sweep and the delivery batches it queued, run in this process as a worker runs them."""

    result: SweepResult
    batches: list[list[int]]
    sent: int = 0
    skipped: int = 0
    emails: int = 0

    @property
    def planned(self) -> int:
        return self.result.planned

    @property
    def workday(self) -> bool:
        return self.result.workday


def queued_batches(apply_async: mock.MagicMock) -> list[list[int]]:
    return [c.kwargs["kwargs"]["reminder_ids"] for c in apply_async.call_args_list]


def sweep(now: dt.datetime | None = None) -> Swept:
    """Run the periodic sweep (plan + queue; the broker call is captured), then each queued
    `reminders_deliver_batch` task function, as the worker would."""
    with mock.patch.object(celery_app, "send_task") as apply_async:
        result = reminder_sweep(now=now)
    swept = Swept(result=result, batches=queued_batches(apply_async))
    assert sum(len(b) for b in swept.batches) == result.queued
    for ids in swept.batches:
        stats = tasks.reminders_deliver_batch(reminder_ids=ids)
        swept.sent += stats["sent"]
        swept.skipped += stats["skipped"]
        swept.emails += stats["emails"]
    return swept
