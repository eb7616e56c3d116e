"""Each reminder is sent exactly once: a repeated sweep, and two sweeps at the same moment."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection
from django.db import connections

from notifications.models import Notification
from notifications.models import Reminder
from notifications.services import reminder_sweep
from tests.notifications.conftest import at
from tests.notifications.conftest import open_item

D = dt.date


def test_sweeping_twice_sends_once(mailed):
    for i in range(5):
        open_item(mailed, due=D(2026, 10, 9) + dt.timedelta(days=i))
    with at(D(2026, 10, 12), 9):
        first = reminder_sweep()
    with at(D(2026, 10, 12), 9, 15):
        second = reminder_sweep()
    assert (first.planned, first.delivery.sent) == (5, 5)
    assert (second.planned, second.delivery.sent) == (0, 0)
    assert len(mail.outbox) == 5
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="需要 PostgreSQL 行锁（SKIP LOCKED）")
def test_two_concurrent_sweeps_send_each_reminder_exactly_once(mailed, settings):
    settings.FUHAN_REMINDER_BATCH_SIZE = 3  # many small batches: the sweeps interleave
    count = 40
    items = [open_item(mailed, due=D(2026, 10, 9) - dt.timedelta(days=i)) for i in range(count)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait()
            results.append(reminder_sweep())
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    with at(D(2026, 10, 12)):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert sum(r.delivery.sent for r in results) == count
    assert len(mail.outbox) == count
    assert sorted(m.subject for m in mail.outbox) == sorted({m.subject for m in mail.outbox})
    assert Reminder.objects.count() == count
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0
    # one notification per reminder and recipient (escalated ones go to several people)
    pairs = list(Notification.objects.values_list("reminder_id", "recipient_id"))
    assert len(pairs) == len(set(pairs))
    assert {r for r, _ in pairs} == set(Reminder.objects.values_list("pk", flat=True))
    assert {n.assignment_id for n in Notification.objects.all()} == {a.pk for a in items}
