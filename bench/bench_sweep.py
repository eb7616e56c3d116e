"""Reminder sweep on PostgreSQL with 1,000 / 10,000 / 100,000 open assignments.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fuhan_sweep_bench \
        .venv/bin/python bench/bench_sweep.py [--sizes 1000,10000,100000] [--broker URL]

Creates (and empties) its own database. For each size it bulk-creates open assignments whose due
dates are spread from 30 days overdue to 180 days ahead, then runs three sweeps:
  cold   the first sweep ever: records every reminder due today and queues them all;
  idle   the same sweep 15 minutes later (what beat runs all day): nothing new to queue;
  next   the next working day: the overdue items' daily reminder plus new threshold crossings.
The sweep only plans and queues (the periodic task); it prints its wall time and SQL query count
(plan / queue split), and how many reminders it recorded and queued in how many batches. The
batches go to the broker given (default memory://; e.g. redis://127.0.0.1:6379/12 for Redis,
purged afterwards).

Delivery is then measured apart: the queued batches are run one after the other in this process
by calling the `reminders_deliver_batch` task function (what one worker process does; the
locmem mail backend stands in for SMTP), giving reminders per second, e-mails and queries."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--broker", default="memory://", help="where the sweep queues its batches")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("请设置 DATABASE_URL=postgres://…/fuhan_reminders_bench（只在 PostgreSQL 上运行）")
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command

    from config.celery_app import app

    app.conf.broker_url = args.broker
    app.conf.broker_transport_options = {}
    call_command("migrate", verbosity=0)
    rows = []
    print("Sweep (plan + queue), the periodic task:")
    print(
        f"{'open items':>10} {'sweep':>5} {'seconds':>8} {'plan s':>7} {'queue s':>7} "
        f"{'queries':>7} {'plan q':>6} {'queue q':>7} {'planned':>7} {'queued':>7} {'batches':>7}"
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        rows += run(size)
    print()
    print("Delivery, the queued batches run one after the other in one process:")
    print(
        f"{'open items':>10} {'sweep':>5} {'batches':>7} {'sent':>6} {'skipped':>7} "
        f"{'emails':>6} {'notes':>6} {'seconds':>8} {'per s':>7} {'queries':>7} {'q/batch':>7}"
    )
    for row in rows:
        print(row)
    if not args.broker.startswith("memory"):
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(app.conf.task_default_queue)


def run(size: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.services import reminder_sweep
    from proposals.models import Assignment
    from proposals.models import Bureau
    from proposals.models import Office
    from proposals.models import Proposal
    from proposals.models import Session
    from proposals.models import Staff

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE notifications_notification, notifications_reminder, proposals_assignment,"
            " proposals_proposal, proposals_session, proposals_staff, proposals_office,"
            " proposals_bureau, auth_user, django_fsm_log_statelog CASCADE"
        )
    user_model = get_user_model()
    bureaus = Bureau.objects.bulk_create(
        Bureau(full_name=f"测试局{i}", short_name=f"测{i}局", doc_prefix=f"测{i}")
        for i in range(40)
    )
    offices = Office.objects.bulk_create(
        [
            Office(kind="npc", name="区人大常委会办公室"),
            Office(kind="cppcc", name="区政协办公室"),
            Office(kind="supervision", name="区政府督查室"),
        ]
    )
    people = []
    for b in bureaus:
        people += [("clerk", b, None), ("clerk", b, None), ("supervisor", b, None)]
    people += [("office", None, o) for o in offices]
    users = user_model.objects.bulk_create(
        user_model(username=f"u{i}", email=f"u{i}@example.org", last_name="王", first_name=f"{i}")
        for i in range(len(people))
    )
    Staff.objects.bulk_create(
        Staff(user=u, role=role, bureau=b, office=o)
        for u, (role, b, o) in zip(users, people, strict=True)
    )
    clerk_of = {b.pk: users[3 * i] for i, b in enumerate(bureaus)}
    sessions = [
        Session.objects.create(body="npc", name="区十七届人大五次会议", year=2026),
        Session.objects.create(body="cppcc", name="区政协十届五次会议", year=2026),
    ]
    today = dt.date(2026, 11, 26)  # a Thursday
    states = ["assigned", "accepted", "drafting", "drafting", "in_review", "approved"]
    proposals = Proposal.objects.bulk_create(
        (
            Proposal(
                session=sessions[i % 2],
                number=i + 1,
                title=f"关于测试事项{i}的建议",
                lead_proposer="申卫康",
                assigned_date=today - dt.timedelta(days=60),
            )
            for i in range(size)
        ),
        batch_size=5000,
    )
    span = 210  # due dates from 30 days overdue to 180 days ahead
    Assignment.objects.bulk_create(
        (
            Assignment(
                proposal=p,
                bureau=bureaus[i % len(bureaus)],
                role="co_unit" if i % 7 == 0 else "lead",
                state=states[i % len(states)],
                assigned_date=today - dt.timedelta(days=60),
                due_date=today + dt.timedelta(days=(i * span // size) - 30),
                reassignment_deadline=today - dt.timedelta(days=53) + dt.timedelta(days=i % 70),
                clerk=clerk_of[bureaus[i % len(bureaus)].pk] if i % 3 else None,
            )
            for i, p in enumerate(proposals)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    shanghai = ZoneInfo("Asia/Shanghai")
    moments = [
        ("cold", dt.datetime(2026, 11, 26, 9, 0, tzinfo=shanghai)),
        ("idle", dt.datetime(2026, 11, 26, 9, 15, tzinfo=shanghai)),
        ("next", dt.datetime(2026, 11, 27, 9, 0, tzinfo=shanghai)),
    ]
    import notifications.services as sweep_module
    from notifications import tasks

    enqueue = tasks.reminders_deliver_batch.apply_async
    queue_pending = sweep_module.reminder_queue_pending
    delivery_rows = []
    for label, now in moments:
        queued: list[list[int]] = []

        def recording_enqueue(*args, queued=queued, **kwargs):
            queued.append(kwargs["kwargs"]["reminder_ids"])
            return enqueue(*args, **kwargs)  # still sent to the broker: its cost is measured

        mark = {}
        tasks.reminders_deliver_batch.apply_async = recording_enqueue
        try:
            with CaptureQueriesContext(connection) as queries:

                def marked(mark=mark, queries=queries, **kwargs):
                    mark["plan_queries"] = len(queries.captured_queries)
                    return queue_pending(**kwargs)

                sweep_module.reminder_queue_pending = marked
                started = time.perf_counter()
                result = reminder_sweep(now=now)
                seconds = time.perf_counter() - started
        finally:
            tasks.reminders_deliver_batch.apply_async = enqueue
            sweep_module.reminder_queue_pending = queue_pending
        plan_queries = mark["plan_queries"]
        if os.environ.get("BENCH_SLOW_QUERIES"):
            slow = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:5]
            for q in slow:
                print(f"    {float(q['time']):.3f}s  {q['sql'][:150]}")
        print(
            f"{size:>10,} {label:>5} {seconds:>8.2f} {result.plan_seconds:>7.2f} "
            f"{result.queue_seconds:>7.2f} {len(queries):>7} {plan_queries:>6} "
            f"{len(queries) - plan_queries:>7} {result.planned:>7} {result.queued:>7} "
            f"{result.batches:>7}",
            flush=True,
        )
        delivery_rows.append(deliver(size, label, now, queued))
    return delivery_rows


def deliver(size, label, now, batches):
    """Run the queued batches as one worker process would, in this process."""
    import time_machine
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Notification
    from notifications.tasks import reminders_deliver_batch

    mail.outbox = []
    notes_before = Notification.objects.count()
    totals = {"sent": 0, "skipped": 0, "failed": 0, "emails": 0}
    with time_machine.travel(now, tick=True), CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        for ids in batches:
            for key, value in reminders_deliver_batch(reminder_ids=ids).items():
                totals[key] += value
        seconds = time.perf_counter() - started
    notes = Notification.objects.count() - notes_before
    done = totals["sent"] + totals["skipped"]
    rate = f"{done / seconds:>7.0f}" if done else f"{'-':>7}"
    per_batch = f"{len(queries) / len(batches):>7.1f}" if batches else f"{'-':>7}"
    return (
        f"{size:>10,} {label:>5} {len(batches):>7} {totals['sent']:>6} {totals['skipped']:>7} "
        f"{len(mail.outbox):>6} {notes:>6} {seconds:>8.2f} {rate} {len(queries):>7} {per_batch}"
    )


if __name__ == "__main__":
    main()
