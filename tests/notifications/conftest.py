import datetime as dt
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
import time_machine

from config.celery_app import app as celery_app
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
