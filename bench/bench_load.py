"""Load benchmark: the office and clerk mixes against gunicorn on the production profile.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fuhan_office_bench \
        .venv/bin/python bench/bench_load.py [--items 20000] [--requests 600] \
        [--levels 1,5,20] [--workers 3] [--mixes office,clerk]

Uses (or builds, with bench_board.py's generator) a `_bench` database of `--items` items (three
assignments each), collects the static files, starts gunicorn (sync workers, production
settings, a listening socket this script opens on a free port and hands over) and sends, for
each mix and each concurrency level, `--requests` GET requests from that many client threads,
each request on a new connection as a browser behind no proxy would (sync workers do not keep
connections alive). It prints requests/s, errors and p50/p95/p99 per page and for the whole
mix, the load average before and after each level, and where the CPU went (gunicorn workers,
the PostgreSQL backends serving them, this client, the rest of the machine), and at the start
and the end the time of a fixed pure-Python loop, the machine's speed at that moment. It stops every
process it started, also on Ctrl-C.

Writes: the pages that offices share (board, statistics, API lists) are cached under the data
revision (proposals/revision.py), which every committed write raises. So that the numbers are
not those of a database nobody writes to, a writer thread commits `--writes` writes a second
(default 1: an UPDATE of one random assignment, which invalidates every cached page as any
transition would) during each level; `--writes 0` measures reads only. The printed revision
delta shows how many writes landed.

Before and after, side by side: BENCH_ROOT=<another checkout> runs this same benchmark against
that checkout's code (its gunicorn, its settings, its bench_board.py generator, on the database
DATABASE_URL names, which must differ from this one's since the schemas differ), e.g. the code
before issue 14:

    git worktree add /tmp/before 6d8730b
    mkdir -p /tmp/before/var && ln -s "$PWD/var/fonts" /tmp/before/var/fonts
    BENCH_ROOT=/tmp/before DATABASE_URL=postgres://postgres@127.0.0.1:5432/fuhan_before_bench \
        .venv/bin/python bench/bench_load.py --mixes office --levels 5

Such a checkout knows no cursors (the deep board page is then asked as ?page=1000, which is how
its links led there) and no data revision (its writes are still made, its delta printed as 0).

What it leaves out: TLS, a reverse proxy and static files (whitenoise serves none here: pages
only), logins (sessions are created beforehand), the work of the writes themselves (one small
UPDATE each; a real transition costs more but invalidates the same), a remote cache (the
workers share the Redis of this machine, as .env.example configures, database 13 unless
DJANGO_CACHE_URL says otherwise; without a Redis there, each worker has its own in-memory
cache and far fewer hits), network latency (client and server share the machine and its two
cores: the client's own CPU is printed so it can be subtracted), many users (one user per
mix: what is cached per user, the user with their Staff row, the header and the unread badge,
is computed once per revision for each user; in process, another office user's first page after
a write took 1 to 2.6 ms more than their second).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

# BENCH_ROOT: another checkout to measure (its code, its generator), see above.
ROOT = Path(os.environ.get("BENCH_ROOT") or Path(__file__).resolve().parents[1]).resolve()
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
# One secret for this process (which creates the sessions) and gunicorn (which checks them).
os.environ["DJANGO_SECRET_KEY"] = os.environ.get("BENCH_SECRET_KEY", secrets.token_urlsafe(40))

import bench_board  # noqa: E402  (sets up Django on the _bench database)
from django.conf import settings  # noqa: E402

settings.SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]  # the test profile has its own
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from proposals.models import Assignment  # noqa: E402
from proposals.models import Bureau  # noqa: E402
from proposals.models import Session  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
STARTED: list[subprocess.Popen[bytes]] = []


# --- processes --------------------------------------------------------------------------------


def production_env(db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=db_url,
        CELERY_BROKER_URL="memory://",  # the mixes only read: nothing is queued
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",  # plain HTTP here: TLS is left out of the benchmark
        DJANGO_LOG_LEVEL="WARNING",
    )
    env.setdefault("DJANGO_CACHE_URL", shared_cache())
    return env


def shared_cache() -> str:
    """This machine's Redis (database 13) when it answers, else the per-process cache."""
    import redis

    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return "locmemcache://bench"
    return url


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_gunicorn(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn on a socket we bound to port 0 (a free port, no race), in its own process
    group so that stopping it stops its workers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    port = sock.getsockname()[1]
    fd = sock.fileno()
    os.set_inheritable(fd, True)
    cmd = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi:application",
        "--bind",
        f"fd://{fd}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, pass_fds=[fd], start_new_session=True)  # noqa: S603
    STARTED.append(proc)
    sock.close()  # gunicorn holds its own copy
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn 未能启动（退出码 {proc.returncode}）")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login/")
            if conn.getresponse().status in (200, 302):
                return proc, port
        except OSError:
            time.sleep(0.3)
    stop_all()
    sys.exit("gunicorn 60 秒内没有响应")


def stop_all() -> None:
    """SIGTERM to each started process group, SIGKILL after 15 s."""
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is not None:
            continue
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass


def _on_signal(signum: int, frame: object) -> None:
    stop_all()
    sys.exit(128 + signum)


# --- CPU accounting ---------------------------------------------------------------------------


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) so far of each process still running."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return seconds


def speed_reference() -> float:
    """Milliseconds of a fixed pure-Python loop (best of three): this machine's speed changes from
    day to day and within the hour, so runs are compared by this number, not by the date."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        sum(i * i for i in range(2_000_000))
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used in between by the processes running at the end (a process that ended in
    between is not counted: persistent connections make that rare)."""
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def machine_cpu_seconds() -> float:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for i, v in enumerate(fields) if i not in (3, 4))  # minus idle, iowait
    return busy / TICKS


def gunicorn_pids(master: subprocess.Popen[bytes]) -> list[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children")
    try:
        return [master.pid, *(int(p) for p in children.read_text().split())]
    except OSError:
        return [master.pid]


def backend_pids(dbname: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        )
        return [row[0] for row in cursor.fetchall()]


# --- the mixes ----------------------------------------------------------------------------------


def session_cookie(username: str) -> str:
    client = Client()
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def mixes(rng: random.Random) -> dict[str, list[tuple[str, int, str, list[str]]]]:
    """Per mix: (page, weight, user, URLs to draw from)."""
    session = Session.objects.order_by("pk").first()
    bureau = Bureau.objects.order_by("pk").first()
    any_items = list(Assignment.objects.order_by("?").values_list("pk", flat=True)[:200])
    own_items = list(
        Assignment.objects.filter(bureau=bureau).order_by("?").values_list("pk", flat=True)[:200]
    )
    board = "/office/board/"
    if hasattr(bench_board, "deep_cursor"):
        deep = f"{board}?cursor={bench_board.deep_cursor('bench_office', 25, 1000)}"
    else:  # a checkout from before the keyset pages (BENCH_ROOT)
        deep = f"{board}?page=1000"
    item = reverse("proposals:assignment", args=[0]).replace("/0/", "/{}/")
    return {
        "office": [
            ("看板", 3, "bench_office", ["/office/board/"]),
            ("看板第1000页", 1, "bench_office", [deep]),
            ("看板 检索3字", 1, "bench_office", [f"{board}?q=直播基地", f"{board}?q=产业园"]),
            ("看板 检索2字", 1, "bench_office", [f"{board}?q=直播", f"{board}?q=交通"]),
            ("看板 筛选", 1, "bench_office",
             [f"{board}?session={session.pk}&state=drafting", f"{board}?overdue=1&key=1"]),
            ("事项页", 2, "bench_office", [item.format(pk) for pk in any_items]),
            ("API 列表", 2, "bench_office", ["/api/assignments/", "/api/proposals/"]),
            ("统计（全部会议）", 1, "bench_office", ["/office/statistics/"]),
        ],
        "clerk": [
            ("待办", 3, "bench_clerk", ["/"]),
            ("看板", 2, "bench_clerk", ["/office/board/"]),
            ("事项页", 3, "bench_clerk", [item.format(pk) for pk in own_items]),
            ("API 列表", 2, "bench_clerk", ["/api/assignments/"]),
            ("看板 检索", 1, "bench_clerk", ["/office/board/?q=直播", "/office/board/?q=产业"]),
        ],
    }  # fmt: skip


def plan(
    mix: list[tuple[str, int, str, list[str]]], n: int, rng: random.Random
) -> list[tuple[str, str, str]]:
    labels = [m[0] for m in mix]
    weights = [m[1] for m in mix]
    by_label = {m[0]: m for m in mix}
    jobs = []
    for label in rng.choices(labels, weights=weights, k=n):
        _, _, user, urls = by_label[label]
        jobs.append((label, user, rng.choice(urls)))
    return jobs


def percentile(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return float("nan")
    return sorted_ms[min(len(sorted_ms) - 1, round(p / 100 * (len(sorted_ms) - 1)))]


def run_level(
    port: int, jobs: list[tuple[str, str, str]], cookies: dict[str, str], concurrency: int
) -> tuple[float, dict[str, list[float]], dict[str, int]]:
    """Send the jobs from `concurrency` threads; returns wall seconds, latencies per page and
    the number of errors (status other than 200, or no answer)."""
    from urllib.parse import quote

    lock = threading.Lock()
    queue = list(reversed(jobs))
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                label, user, url = queue.pop()
            path = quote(url, safe="/?&=%")
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", path, headers={"Cookie": cookies[user], "Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                conn.close()
            except OSError:
                ok = False
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                latencies[label].append(ms)
                if not ok:
                    errors[label] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, errors


class Writer(threading.Thread):
    """Commits `rate` small writes a second on its own connection until stopped."""

    def __init__(self, url: str, rate: float, ids: list[int]) -> None:
        super().__init__(daemon=True)
        self.url, self.rate, self.ids = url, rate, ids
        self.halt = threading.Event()
        self.done = 0

    def run(self) -> None:
        if self.rate <= 0:
            return
        import psycopg

        rng = random.Random(7)  # noqa: S311
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.halt.wait(1 / self.rate):
                conn.execute(
                    "UPDATE proposals_assignment SET updated_at = now() WHERE id = %s",
                    [rng.choice(self.ids)],
                )
                self.done += 1


def revision(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        exists = conn.execute("SELECT to_regclass('proposals_revision')").fetchone()
        if not exists or exists[0] is None:  # a checkout from before the revision (BENCH_ROOT)
            return 0
        row = conn.execute("SELECT n FROM proposals_revision WHERE id = 1").fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=600, help="每个并发级别的请求数")
    parser.add_argument("--levels", default="1,5,20")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn 工作进程数")
    parser.add_argument("--mixes", default="office,clerk")
    parser.add_argument("--writes", type=float, default=1.0, help="每秒写入次数（0：只读）")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    bench_board.ensure_database()
    bench_board.fill(args.items, rebuild=False)
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = production_env(url)
    collectstatic(env)
    rng = random.Random(2026)  # noqa: S311 (which pages to ask for, not secrets)
    all_mixes = mixes(rng)
    cookies = {u: session_cookie(u) for u in ("bench_office", "bench_clerk")}
    write_ids = list(Assignment.objects.order_by("?").values_list("pk", flat=True)[:1000])
    connection.close()
    try:
        master, port = start_gunicorn(env, args.workers)
        print(f"\ngunicorn：{args.workers} 个 sync 工作进程，端口 {port}，生产配置")
        print(f"缓存：{env['DJANGO_CACHE_URL']}")
        print(
            f"机器：{os.cpu_count()} 核；每级 {args.requests} 个请求；"
            f"速度参考（固定的纯 Python 循环）{speed_reference():.0f} ms\n"
        )
        for name in args.mixes.split(","):
            mix = all_mixes[name]
            run_level(port, plan(mix, 3 * len(mix), rng), cookies, 2)  # warm up every page
            for level in (int(x) for x in args.levels.split(",")):
                jobs = plan(mix, args.requests, rng)
                load_before = os.getloadavg()
                pids = gunicorn_pids(master)
                backends = backend_pids(db["NAME"])
                connection.close()
                server0, db0 = cpu_by_pid(pids), cpu_by_pid(backends)
                revision0 = revision(url)
                writer = Writer(url, args.writes, write_ids)
                client0, machine0 = time.process_time(), machine_cpu_seconds()
                writer.start()
                wall, latencies, errors = run_level(port, jobs, cookies, level)
                writer.halt.set()
                writer.join()
                client1, machine1 = time.process_time(), machine_cpu_seconds()
                revisions = revision(url) - revision0
                server1 = cpu_by_pid(gunicorn_pids(master))
                db1 = cpu_by_pid(backend_pids(db["NAME"]))
                connection.close()
                load_after = os.getloadavg()
                every = sorted(ms for values in latencies.values() for ms in values)
                p50, p95, p99 = (percentile(every, p) for p in (50, 95, 99))
                print(
                    f"== {name} 混合，并发 {level}：{len(every) / wall:.1f} 请求/秒，"
                    f"错误 {sum(errors.values())}，"
                    f"p50 {p50:.0f} / p95 {p95:.0f} / p99 {p99:.0f} ms；"
                    f"负载 {load_before[0]:.2f} → {load_after[0]:.2f}"
                )
                print(f"   写入 {writer.done} 次（{args.writes:g} 次/秒），数据修订号 +{revisions}")
                used = [
                    cpu_used(server0, server1),
                    cpu_used(db0, db1),
                    client1 - client0,
                    machine1 - machine0,
                ]
                print(
                    f"   CPU 秒：gunicorn {used[0]:.1f}，PostgreSQL（本库连接）{used[1]:.1f}，"
                    f"压测客户端 {used[2]:.1f}，整机 {used[3]:.1f}（{wall:.1f} 秒内，"
                    f"其余 {used[3] - used[0] - used[1] - used[2]:.1f} 为机器上的其他进程）"
                )
                print(f"   {'页面':<16}{'次数':>6}{'错误':>6}{'p50':>8}{'p95':>8}{'p99':>8}  ms")
                for label, _, _, _ in mix:
                    values = sorted(latencies.get(label, []))
                    print(
                        f"   {label:<16}{len(values):>6}{errors.get(label, 0):>6}"
                        f"{percentile(values, 50):>8.0f}"
                        f"{percentile(values, 95):>8.0f}{percentile(values, 99):>8.0f}"
                    )
        print(f"\n速度参考（结束时）：{speed_reference():.0f} ms")
    finally:
        stop_all()


if __name__ == "__main__":
    main()
