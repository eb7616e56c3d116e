"""Tracking board, statistics and API list latency on PostgreSQL with 20,000 items and 60,000
assignments, in process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fuhan_office_bench \
        .venv/bin/python bench/bench_board.py [--items 20000] [--rounds 30]

Creates (or reuses, when it already holds the data) a dedicated `_bench` database, fills it with
bulk_create and then builds the stored counts and the search index once (bulk_create bypasses
the services that keep them), then requests pages through Django's test Client as an office user
and as a bureau clerk, and prints p50/p95 latency per page, the SQL queries per page for page
sizes 25/50/100 (which must not grow with the page size) and the Python CPU per request. Page
1,000 is asked for with the cursor its "下一页" link would hold. It ends with the targets (board
page 1,000 and statistics, p50 < 40 ms) and EXPLAIN ANALYZE of the list query on page 1 and page
1,000 against the OFFSET query it replaced. Never point it at a database you care about: it
deletes and recreates the data when the counts differ.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/fuhan_office_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_DB)

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

# one log line per request would drown the table
logging.getLogger("fuhan.request").setLevel(logging.WARNING)

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from core.choices import AssignmentState  # noqa: E402
from proposals.models import Assignment  # noqa: E402
from proposals.models import Bureau  # noqa: E402
from proposals.models import Office  # noqa: E402
from proposals.models import Proposal  # noqa: E402
from proposals.models import Session  # noqa: E402
from proposals.models import Staff  # noqa: E402
from replies.models import Reply  # noqa: E402

# Two-character "words" from a pool of common characters (about 600 of them), so that a search
# term is as selective as in real text; one item in a hundred mentions 电商直播基地.
POOL = (
    "五金工具产业数字经济道路交通教育医疗养老农村供水山核桃旅游文化体育环境垃圾分类停车物业公交"
    "就业创业人才科技园区企业融资安全消防食品住房城市乡村振兴生态保护水利电力网络通信物流仓储"
    "市场监管质量标准品牌营销出口外贸招商投资项目建设规划土地资源林业茶叶竹笋畜牧渔业"
)
RARE = "电商直播基地"


def words(rng: random.Random, n: int) -> str:
    chars = [c for c in POOL if not c.isascii()]
    return "".join(rng.choice(chars) + rng.choice(chars) for _ in range(n))


def ensure_database() -> None:
    import psycopg

    url = settings.DATABASES["default"]
    name = url["NAME"]
    if not name.endswith("_bench"):
        sys.exit(f"拒绝运行：数据库名须以 _bench 结尾（现为 {name}）")
    with psycopg.connect(
        host=url["HOST"], port=url["PORT"] or 5432, user=url["USER"], dbname="postgres"
    ) as conn:
        conn.autocommit = True
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def fill(n_items: int, *, rebuild: bool) -> None:
    n_assignments = n_items * 3
    same = Proposal.objects.count() == n_items and Assignment.objects.count() == n_assignments
    if same and not rebuild:
        print(f"复用已有数据：{n_items} 件事项，{n_assignments} 个交办任务")
        if not derived_ready():
            derive()
        return
    rng = random.Random(2026)  # noqa: S311 (test data, not secrets)
    t0 = time.perf_counter()
    with transaction.atomic():
        from proposals.models import DueTally
        from proposals.models import Tally
        from replies.models import SearchDoc

        for model in (SearchDoc, Tally, DueTally, Reply, Assignment, Proposal, Staff, Session,
                      Bureau, Office):  # fmt: skip
            model.objects.all().delete()
        from django.contrib.auth import get_user_model

        get_user_model().objects.filter(username__startswith="bench_").delete()
        bureaus = Bureau.objects.bulk_create(
            Bureau(full_name=f"杭州市临安区第{i}局", short_name=f"区{i}局", doc_prefix=f"临{i}")
            for i in range(40)
        )
        npc_office = Office.objects.create(kind="npc", name="区人大常委会办公室")
        sessions = [
            Session.objects.create(body=body, name=f"{body}第{year}次会议", year=year)
            for body in ("npc", "cppcc")
            for year in (2024, 2025)
        ]
        user_model = get_user_model()
        office_user = user_model.objects.create_user("bench_office", password="bench-pw")
        Staff.objects.create(user=office_user, role="office", office=npc_office)
        clerk = user_model.objects.create_user("bench_clerk", password="bench-pw")
        Staff.objects.create(user=clerk, role="clerk", bureau=bureaus[0])

        base = dt.date(2025, 3, 1)
        proposals = []
        for i in range(n_items):
            session = sessions[i % len(sessions)]
            topic = RARE if rng.random() < 0.01 else words(rng, 3)
            title = "关于" + topic + "的" + ("建议" if session.body == "npc" else "提案")
            proposals.append(
                Proposal(
                    session=session,
                    number=i // len(sessions) + 1,
                    title=title,
                    lead_proposer="代表" + str(i),
                    signer_count=rng.randint(1, 15),
                    is_key=rng.random() < 0.05,
                    assigned_date=base + dt.timedelta(days=i % 200),
                )
            )
        proposals = Proposal.objects.bulk_create(proposals, batch_size=2000)
        states = [s for s in AssignmentState.values if s != AssignmentState.REASSIGNED]
        assignments = []
        for p in proposals:
            picked = rng.sample(bureaus, 3)
            for j, bureau in enumerate(picked):
                assigned = p.assigned_date
                assignments.append(
                    Assignment(
                        proposal=p,
                        bureau=bureau,
                        role="lead" if j == 0 else "co_unit",
                        state=rng.choice(states),
                        assigned_date=assigned,
                        due_date=assigned + dt.timedelta(days=90),
                        reassignment_deadline=assigned + dt.timedelta(days=7),
                    )
                )
        assignments = Assignment.objects.bulk_create(assignments, batch_size=5000)
        replies = [
            Reply(
                assignment=a,
                body="\n".join(
                    (RARE if rng.random() < 0.0015 else words(rng, 8))
                    + "，我局高度重视，认真研究办理。"
                    for _ in range(8)
                ),
                answer_class=rng.choice("ABC"),
            )
            for a in assignments
            if a.role == "lead" and a.state not in ("assigned", "accepted")
        ]
        Reply.objects.bulk_create(replies, batch_size=2000)
    print(
        f"生成数据：{n_items} 件事项，{len(assignments)} 个交办任务，{len(replies)} 份复函草稿，"
        f"用时 {time.perf_counter() - t0:.1f} s"
    )
    derive()


def derive() -> None:
    """bulk_create bypasses the services that keep the stored counts and the search index:
    build both once, as `check_counts --repair` and `search_reindex` do, then ANALYZE."""
    from proposals import tallies
    from replies.search import search_reindex

    t0 = time.perf_counter()
    tallies.rebuild()
    t1 = time.perf_counter()
    search_reindex()
    t2 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"计数全量重建 {t1 - t0:.1f} s，检索索引重建 {t2 - t1:.1f} s")


def derived_ready() -> bool:
    from proposals.models import Tally
    from replies.models import SearchDoc

    return Tally.objects.exists() and SearchDoc.objects.count() == Proposal.objects.count()


def measure(
    client: Client, url: str, rounds: int, *, cold: bool = True
) -> tuple[float, float, int, int]:
    """p50, p95 (ms), SQL count and status of `rounds` requests. `cold`: the cache is emptied
    before each request (outside the timing), so the page is computed as after any write;
    otherwise the pages that offices share come from the cache (proposals/revision.py)."""
    from django.core.cache import cache

    client.get(url)  # warm up
    timings = []
    queries = 0
    status = 0
    cpu = 0.0
    for _ in range(rounds):
        if cold:
            cache.clear()
        cpu0 = time.process_time()
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - t0) * 1000)
        cpu += time.process_time() - cpu0
        queries = len(ctx.captured_queries)
        status = response.status_code
    CPU_MS.append(cpu * 1000 / rounds)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return statistics.median(timings), p95, queries, status


# Python CPU per request of the last measure() (this process: Django, not PostgreSQL), which a
# loaded machine inflates far less than the wall-clock latency.
CPU_MS: list[float] = []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true", help="重新生成数据")
    args = parser.parse_args()
    ensure_database()
    fill(args.items, rebuild=args.rebuild)
    settings.ALLOWED_HOSTS = ["*"]
    bureau = Bureau.objects.order_by("pk").first()
    session = Session.objects.order_by("pk").first()
    pages = [
        ("看板 默认", "/office/board/?size={size}"),
        ("看板 第1000页(或末页)", "/office/board/?size={size}&cursor={deep}"),
        ("看板 按会议+状态", f"/office/board/?session={session.pk}&state=drafting&size={{size}}"),
        ("看板 逾期+重点", "/office/board/?overdue=1&key=1&size={size}"),
        (
            "看板 检索“直播基地”",
            "/office/board/?q=%E7%9B%B4%E6%92%AD%E5%9F%BA%E5%9C%B0&size={size}",
        ),
        ("看板 检索“直播”(2字)", "/office/board/?q=%E7%9B%B4%E6%92%AD&size={size}"),
        ("看板 按单位", f"/office/board/?bureau={bureau.pk}&size={{size}}"),
        ("API 交办任务列表", "/api/assignments/?page_size={size}"),
        ("API 第1000页", "/api/assignments/?page_size={size}&cursor={deep}"),
        (
            "API 交办任务 检索",
            "/api/assignments/?q=%E7%9B%B4%E6%92%AD%E5%9F%BA%E5%9C%B0&page_size={size}",
        ),
        ("API 事项列表", "/api/proposals/?page_size={size}"),
    ]
    db = settings.DATABASES["default"]["NAME"]
    print(f"\n数据库：{connection.vendor} {db}，每页请求 {args.rounds} 次")
    print("每次请求前清空缓存：下表是页面的计算本身（如同每次写入之后）；缓存命中时见最后一节")
    print(f"{'页面':<22}{'用户':<8}{'每页':>5}{'p50 ms':>9}{'p95 ms':>9}{'SQL 数':>8}{'CPU ms':>8}")
    worst = 0.0
    for username in ("bench_office", "bench_clerk"):
        total = board_total(username)
        client = Client()
        client.force_login(get_user(username))
        for label, pattern in pages:
            counts = []
            for size in (25, 50, 100):
                deep = deep_cursor(username, size, min(1000, total // size))
                url = pattern.format(size=size, deep=deep)
                p50, p95, queries, status = measure(client, url, args.rounds)
                assert status == 200, (label, status)
                counts.append(queries)
                worst = max(worst, p95)
                who = "交办机构" if username == "bench_office" else "承办人"
                print(
                    f"{label:<20}{who:<8}{size:>5}{p50:>9.1f}{p95:>9.1f}{queries:>8}{CPU_MS[-1]:>8.1f}"
                )
            flag = "不随每页条数增长" if len(set(counts)) == 1 else "随每页条数变化！"
            print(f"{'':<20}SQL 查询数 25/50/100：{counts} — {flag}")
    print(
        f"\n看板和 API 列表最差 p95：{worst:.1f} ms（目标 < 150 ms）；负载 {os.getloadavg()[0]:.2f}"
    )
    client = Client()
    client.force_login(get_user("bench_office"))
    print("\n目标（单进程 p50 < 40 ms）：")
    for label, url in (
        (
            "看板第1000页（交办机构）",
            f"/office/board/?cursor={deep_cursor('bench_office', 25, 1000)}",
        ),
        ("统计页（全部会议）", "/office/statistics/"),
        ("统计页（一次会议）", f"/office/statistics/?session={session.pk}"),
        ("审计记录（供参考）", "/office/audit/"),
    ):
        for cold in (True, False):
            p50, p95, queries, status = measure(client, url, args.rounds, cold=cold)
            assert status == 200, (label, status)
            how = "计算" if cold else "缓存命中"
            print(
                f"{label:<16}{how:<6}p50 {p50:.1f} ms  p95 {p95:.1f} ms  SQL {queries}  "
                f"CPU {CPU_MS[-1]:.1f} ms"
            )
    explain_pages()


def board_total(username: str) -> int:
    from offices.board import BoardFilters
    from offices.board import board_assignments

    return board_assignments(user=get_user(username), filters=BoardFilters()).count()


def get_user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def deep_cursor(username: str, size: int, page: int) -> str:
    """The cursor the "下一页" links lead to on page `page` (what a user clicking through
    would hold), computed directly instead of clicking 999 times."""
    from django.contrib.auth import get_user_model

    from core.keyset import Cursor
    from core.keyset import encode
    from offices.board import BoardFilters
    from offices.board import board_assignments

    user = get_user_model().objects.get(username=username)
    qs = board_assignments(user=user, filters=BoardFilters()).values_list("due_date", "id")
    row = qs[size * (page - 1) - 1]
    return encode(Cursor(tuple(row), number=page))


def explain_pages() -> None:
    """EXPLAIN ANALYZE of the board's list query on page 1 and page 1000 (the cost must not
    depend on the depth), and of the OFFSET query it replaces."""
    from django.contrib.auth import get_user_model

    from offices.board import ROW_FIELDS
    from offices.board import BoardFilters
    from offices.board import board_assignments
    from offices.board import board_cursor

    if connection.vendor != "postgresql":
        return
    office = get_user_model().objects.get(username="bench_office")
    qs = board_assignments(user=office, filters=BoardFilters()).values(*ROW_FIELDS)
    cursor = board_cursor(deep_cursor("bench_office", 25, 1000))
    from django.db.models import F
    from django.db.models.fields.tuple_lookups import Tuple
    from django.db.models.fields.tuple_lookups import TupleGreaterThan

    deep = qs.filter(TupleGreaterThan(Tuple(F("due_date"), F("id")), cursor.values))
    print("\nEXPLAIN ANALYZE 看板清单查询（每页 25 条）：")
    for label, query in (
        ("第1页（游标）", qs[:26]),
        ("第1000页（游标）", deep[:26]),
        ("第1000页（原 OFFSET 方式）", qs[24975:25001]),
    ):
        plan = query.explain(analyze=True, buffers=True)
        lines = plan.splitlines()
        timing = [ln.strip() for ln in lines if "Execution Time" in ln]
        print(f"  {label:<22}{timing[0] if timing else ''}   首行：{lines[0].strip()[:90]}")


if __name__ == "__main__":
    main()
