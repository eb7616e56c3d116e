"""Reminder sweep on PostgreSQL with 1,000 / 10,000 / 100,000 open assignments.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fuhan_reminders_bench \
        .venv/bin/python bench/bench_sweep.py [--sizes 1000,10000,100000]

Creates (and empties) its own database. For each size it bulk-creates open assignments whose due
dates are spread from 30 days overdue to 180 days ahead, then times three sweeps with the
locmem mail backend:
  cold   the first sweep ever: records and sends every reminder due today;
  idle   the same sweep 15 minutes later (what beat runs all day): nothing new to send;
  next   the next working day: the overdue items' daily reminder plus new threshold crossings.
Prints wall time, SQL query count, and reminders planned / sent / e-mails per sweep."""

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
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("请设置 DATABASE_URL=postgres://…/fuhan_reminders_bench（只在 PostgreSQL 上运行）")
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(
        f"{'open items':>10} {'sweep':>5} {'seconds':>8} {'plan s':>7} {'send s':>7} "
        f"{'queries':>7} {'plan q':>6} {'planned':>7} {'sent':>6} {'emails':>6} {'notes':>7}"
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        run(size)


def run(size: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Notification
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

    deliver = sweep_module.reminder_deliver
    for label, now in moments:
        mail.outbox = []
        notes_before = Notification.objects.count()
        mark = {}
        with CaptureQueriesContext(connection) as queries:

            def timed_deliver(mark=mark, queries=queries, **kwargs):
                mark["plan_queries"] = len(queries.captured_queries)
                return deliver(**kwargs)

            sweep_module.reminder_deliver = timed_deliver
            started = time.perf_counter()
            try:
                result = reminder_sweep(now=now)
            finally:
                sweep_module.reminder_deliver = deliver
            seconds = time.perf_counter() - started
        notes = Notification.objects.count() - notes_before
        if os.environ.get("BENCH_SLOW_QUERIES"):
            slow = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:5]
            for q in slow:
                print(f"    {float(q['time']):.3f}s  {q['sql'][:150]}")
        d = result.delivery
        print(
            f"{size:>10,} {label:>5} {seconds:>8.2f} {result.plan_seconds:>7.2f} "
            f"{result.deliver_seconds:>7.2f} {len(queries):>7} {mark['plan_queries']:>6} "
            f"{result.planned:>7} {d.sent:>6} {len(mail.outbox):>6} {notes:>7}"
        )


if __name__ == "__main__":
    main()
