"""Each reminder is sent exactly once: a repeated sweep, two sweeps at the same moment, and two
delivery tasks holding the same reminders."""

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.db import connection

from config.celery_app import app as celery_app
from notifications import tasks
from notifications.models import Notification
from notifications.models import Reminder
from notifications.planning import reminder_plan_deadlines
from notifications.services import reminder_sweep
from tests.concurrency import race
from tests.notifications.conftest import at
from tests.notifications.conftest import open_item
from tests.notifications.conftest import queued_batches
from tests.notifications.conftest import sweep

D = dt.date


def test_sweeping_twice_sends_once(mailed):
    for i in range(5):
        open_item(mailed, due=D(2026, 10, 9) + dt.timedelta(days=i))
    with at(D(2026, 10, 12), 9):
        first = sweep()
    with at(D(2026, 10, 12), 9, 15):
        second = sweep()
    assert (first.planned, first.sent) == (5, 5)
    assert (second.planned, second.sent) == (0, 0)
    assert len(mail.outbox) == 5
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0


def exactly_once(count, items):
    """Every reminder sent once: one e-mail each, one notification per reminder and recipient."""
    assert len(mail.outbox) == count
    assert sorted(m.subject for m in mail.outbox) == sorted({m.subject for m in mail.outbox})
    assert Reminder.objects.count() == count
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0
    # escalated ones go to several people, each once
    pairs = list(Notification.objects.values_list("reminder_id", "recipient_id"))
    assert len(pairs) == len(set(pairs))
    assert {r for r, _ in pairs} == set(Reminder.objects.values_list("pk", flat=True))
    assert {n.assignment_id for n in Notification.objects.all()} == {a.pk for a in items}


def overdue_items(world, count):
    return [open_item(world, due=D(2026, 10, 9) - dt.timedelta(days=i)) for i in range(count)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="需要 PostgreSQL 行锁（SKIP LOCKED）")
def test_two_concurrent_sweeps_then_their_batches_send_each_reminder_exactly_once(mailed, settings):
    settings.FUHAN_REMINDER_BATCH_SIZE = 3  # many small batches: the workers interleave
    count = 40
    items = overdue_items(mailed, count)
    with (
        at(D(2026, 10, 12)),
        mock.patch.object(celery_app, "send_task") as apply_async,
    ):
        results, errors = race([reminder_sweep, reminder_sweep])
        assert errors == []
        # the two sweeps recorded each reminder once (both may have tried: the unique key
        # drops the second insert) and queued every one of them
        assert Reminder.objects.count() == count
        batches = queued_batches(apply_async)
        queued = [pk for batch in batches for pk in batch]
        assert set(queued) == set(Reminder.objects.values_list("pk", flat=True))
        assert sum(r.queued for r in results) == len(queued)
        # two workers run every queued batch at once (a batch queued by both sweeps included)
        half = len(batches) // 2

        def worker(mine):
            return sum(tasks.reminders_deliver_batch(reminder_ids=b)["sent"] for b in mine)

        sent, errors = race([lambda: worker(batches[:half]), lambda: worker(batches[half:])])
    assert errors == []
    assert sum(sent) == count
    exactly_once(count, items)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="需要 PostgreSQL 行锁（SKIP LOCKED）")
def test_two_delivery_batches_racing_for_the_same_reminders_send_each_once(mailed, settings):
    settings.FUHAN_REMINDER_BATCH_SIZE = 3  # each task claims 3 rows per transaction
    count = 30
    items = overdue_items(mailed, count)
    with at(D(2026, 10, 12)):
        reminder_plan_deadlines(today=D(2026, 10, 12))
        ids = list(Reminder.objects.order_by("pk").values_list("pk", flat=True))
        assert len(ids) == count
        # the same ids twice: a task redelivered while its first copy still runs, or the
        # batch of one sweep and the re-queued batch of the next
        results, errors = race(
            [
                lambda: tasks.reminders_deliver_batch(reminder_ids=ids),
                lambda: tasks.reminders_deliver_batch(reminder_ids=list(reversed(ids))),
            ]
        )
    assert errors == []
    assert sum(r["sent"] for r in results) == count
    exactly_once(count, items)
