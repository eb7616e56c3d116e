"""Production smoke test, run by CI (.ci/run): the production profile served for real.

    .venv/bin/python scripts/smoke_production.py [--database-prefix fuhan_smoke]

It creates a PostgreSQL database of its own on the machine's server (127.0.0.1:5432, user
postgres; DATABASE_SERVER overrides), starts a PRIVATE redis-server on a free port (never the
machine's shared one: this test stops it), then gunicorn (deploy/gunicorn.conf.py), a Celery
worker and Celery beat with DJANGO_SETTINGS_MODULE=config.settings.production, all on free
ports, and over real HTTP:

1. logs in as the NPC office and imports an assignment list (.xlsx upload, preview, confirm);
2. the clerk accepts, starts, drafts the reply and submits it; the supervisor sees the
   "待审核" notice on her notifications page (the worker delivered it) and approves;
3. stops Redis (the broker and the cache): login still works, /healthz answers 503 naming
   the broker; the clerk issues the letter (its notice cannot be queued now);
4. downloads the PDF and checks its SHA-256 against the one the API reports;
5. starts Redis again: a reminder sweep (what beat runs every 15 minutes) queues the notice
   that could not be queued, the worker sends it, and after a second sweep the office still has
   exactly one such notice;
6. stops every process it started, by its PID, and drops its database.

Plain HTTP on the loopback (no TLS here): HTTPS redirect and secure cookies are turned off
through their environment variables, everything else is the production profile."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.cookiejar
import io
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
PASSWORD = "fuhan2026"  # seed_demo's demo password


def log(message: str) -> None:
    print(f"[smoke] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, condition, timeout: float = 60.0, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            result = condition()
            if result:
                return result
        time.sleep(every)
    raise AssertionError(f"超时：{what}")


class Processes:
    """Every process this test starts, stopped by its PID (TERM, then KILL)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        out = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.started[name] = process
        log(f"started {name} (pid {process.pid})")
        return process

    def stop(self, name: str) -> None:
        process = self.started.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log(f"stopped {name} (pid {process.pid})")

    def stop_all(self) -> None:
        for name in list(self.started)[::-1]:
            self.stop(name)

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            if path.exists()
            else ""
        )


class Inputs(HTMLParser):
    """The named inputs of the forms on a page, with their values."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name"):
            self.values.setdefault(a["name"], a.get("value", ""))
        if tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.values.setdefault(self._textarea, "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def inputs(html: str) -> dict[str, str]:
    parser = Inputs()
    parser.feed(html)
    return parser.values


class Browser:
    """One user's session over HTTP: cookies, CSRF token, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(self, method: str, path: str, data: bytes | None = None, headers=None):
        request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
            self.base + path, data=data, method=method, headers=headers or {}
        )
        if method == "POST":
            request.add_header("X-CSRFToken", self.csrf())
            request.add_header("Referer", self.base + "/")
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str]):
        fields = {"csrfmiddlewaretoken": self.csrf(), **fields}
        body = urllib.parse.urlencode(fields).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def upload(self, path: str, fields: dict[str, str], name: str, filename: str, data: bytes):
        boundary = uuid.uuid4().hex
        parts = []
        for key, value in {"csrfmiddlewaretoken": self.csrf(), **fields}.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            path,
            b"".join(parts),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

    def login(self, username: str) -> int:
        self.get("/login/")
        status, _, _ = self.post("/login/", {"username": username, "password": PASSWORD})
        return status

    def json(self, path: str):
        status, _, body = self.request("GET", path, headers={"Accept": "application/json"})
        assert status == 200, (path, status, body[:300])
        return json.loads(body)


def assignment_list(session: str, number: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(
        [
            "会议",
            "编号",
            "标题",
            "领衔人",
            "提出人数",
            "附议人",
            "主办单位",
            "协办单位",
            "重点",
            "交办日期",
        ]
    )
    ws.append(
        [
            session,
            number,
            "关于生产环境冒烟测试的建议",
            "申卫康",
            1,
            "",
            "区经信局",
            "",
            "否",
            time.strftime("%Y-%m-%d"),
        ]
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(args: argparse.Namespace, procs: Processes, work: Path) -> None:
    import psycopg

    server = os.environ.get("DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
    database = f"{args.database_prefix}_{os.getpid()}"
    redis_port, web_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "FUHAN_", "TEST_REDIS"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"{server}/{database}",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{redis_port}/0",
        CELERY_RESULT_BACKEND=f"redis://127.0.0.1:{redis_port}/1",
        # the cache on the same Redis: stopping it takes the cache down too
        DJANGO_CACHE_URL=f"redis://127.0.0.1:{redis_port}/2",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SESSION_COOKIE_SECURE="0",
        DJANGO_CSRF_COOKIE_SECURE="0",
        DJANGO_MEDIA_ROOT=str(work / "media"),
        DJANGO_STATIC_ROOT=str(work / "static"),
        FUHAN_IMPORT_STAGING_DIR=str(work / "imports"),
        # the notices are checked in the app (the notifications page); no mail server here
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        GUNICORN_BIND=f"127.0.0.1:{web_port}",
        GUNICORN_WORKERS="2",
        PYTHONUNBUFFERED="1",
    )
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    log(f"database {database}, Redis port {redis_port}, web port {web_port}")
    try:
        smoke(procs, env, work, redis_port, web_port)
    finally:
        procs.stop_all()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        log(f"dropped {database}")


def manage(env: dict[str, str], *command: str) -> str:
    done = subprocess.run(
        [str(VENV / "python"), "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def start_redis(procs: Processes, env: dict[str, str], port: int) -> None:
    procs.start(
        "redis",
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
        env,
    )
    wait_for("Redis", lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() or 1)


def smoke(procs: Processes, env: dict[str, str], work: Path, redis_port: int, web_port: int):
    base = f"http://127.0.0.1:{web_port}"
    start_redis(procs, env, redis_port)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "check", "--deploy", "--fail-level", "ERROR")
    procs.start(
        "worker",
        [
            str(VENV / "celery"),
            "-A",
            "config.celery_app",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "1",
            "--hostname",
            f"smoke-{os.getpid()}@%h",
        ],
        env,
    )
    procs.start(
        "beat",
        [
            str(VENV / "celery"),
            "-A",
            "config.celery_app",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(work / "celerybeat-schedule"),
        ],
        env,
    )
    manage(env, "seed_demo")  # users (password fuhan2026), sessions, bureaus
    procs.start(
        "web", [str(VENV / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi"], env
    )
    anonymous = Browser(base)
    wait_for("gunicorn /healthz", lambda: anonymous.get("/healthz")[0] == 200)
    log("healthz 200 (database, cache, broker, storage)")

    # 1. the office imports a list
    office = Browser(base)
    assert office.login("npc") == 302, "npc login"
    number = 900 + os.getpid() % 99
    session = "区十七届人大二次会议"
    data = assignment_list(session, number)
    status, _, page = office.upload(
        "/office/import/", {"step": "preview"}, "file", "交办清单.xlsx", data
    )
    assert status == 200, (status, page[:500])
    form = inputs(page.decode())
    assert "sha256" in form, "preview without a confirm form: " + page.decode()[:1000]
    status, _, _ = office.post(
        "/office/import/",
        {"step": "commit", "sha256": form["sha256"], "filename": form["filename"]},
    )
    assert status == 302, status
    proposals = office.json(f"/api/proposals/?number={number}")["results"]
    item = next(p for p in proposals if p["session"]["name"] == session)
    assignment = item["assignments"][0]["id"]
    log(f"imported {session}第{number}号 → assignment {assignment}")

    # 2. the clerk drafts and submits, the supervisor is told and approves
    clerk, leader = Browser(base), Browser(base)
    assert clerk.login("louwr") == 302
    assert leader.login("guxj") == 302
    for name in ("accept", "start_drafting"):
        status, _, _ = clerk.post(f"/assignments/{assignment}/do/{name}/", {})
        assert status == 302, (name, status)
    _, _, page = clerk.get(f"/replies/{assignment}/draft/")
    fields = {k: v for k, v in inputs(page.decode()).items() if k != "csrfmiddlewaretoken"}
    fields.update(
        body="您的建议收悉。\n一、关于冒烟测试\n生产环境运行正常。",
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
    )
    status, _, page = clerk.post(f"/replies/{assignment}/draft/", fields)
    assert status == 302, (status, page[:800])
    status, _, page = clerk.post(
        f"/replies/{assignment}/submit/", {"submit-comment": "", "submit-confirm": "on"}
    )
    reason = re.findall(
        r'class="(?:errorlist|error|error-reason)[^"]*">\s*(?:<li>)?([^<]+)<', page.decode()
    )
    assert status == 302, (status, reason)

    def notice_seen(browser: Browser, text: str) -> int:
        _, _, page = browser.get("/notifications/")
        return page.decode().count(text)

    title = f"第{number}号"
    wait_for("待审核 notice delivered by the worker", lambda: notice_seen(leader, title), 90)
    log("the worker delivered the 待审核 notice to the supervisor")
    status, _, _ = leader.post(
        f"/assignments/{assignment}/do/approve/", {"approve-comment": "同意"}
    )
    assert status == 302, status

    # 3. Redis down: login still works, /healthz names the broker; the letter is issued
    before = notice_seen(office, title)  # the office is told nothing about this item yet
    procs.stop("redis")
    fresh = Browser(base)
    assert fresh.login("duchashi") == 302, "login with Redis (cache and broker) down"
    status, _, body = anonymous.request("GET", "/healthz", headers={"Accept": "application/json"})
    checks = json.loads(body)
    assert status == 503, (status, checks)
    assert any("Broker" in k and v != "OK" for k, v in checks.items()), checks
    assert all(v == "OK" for k, v in checks.items() if "Database" in k or "Storage" in k), checks
    log(f"Redis stopped: login 302, /healthz 503 {checks}")
    status, _, page = clerk.post(f"/replies/{assignment}/issue/", {"issue-confirm": "on"})
    assert status == 302, (status, page[:500])

    # 4. the PDF and its SHA-256
    letters = clerk.json(f"/api/assignments/{assignment}/reply/")["letters"]
    letter = letters[0]
    status, _headers, pdf = clerk.get(f"/replies/letters/{letter['id']}.pdf")
    assert status == 200, status
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == letter["pdf_sha256"]
    log(f"{letter['doc_number']}: {len(pdf)} bytes, SHA-256 {letter['pdf_sha256'][:16]}… matches")

    # 5. Redis back: the notice that could not be queued is sent, once
    start_redis(procs, env, redis_port)
    wait_for("/healthz 200 again", lambda: anonymous.get("/healthz")[0] == 200, 60)
    manage(env, "reminders_sweep")
    wait_for(
        "印发 notice delivered after Redis came back",
        lambda: notice_seen(office, title) > before,
        120,
    )
    delivered = notice_seen(office, title)
    manage(env, "reminders_sweep")
    time.sleep(3)  # give a duplicate, if there were one, the time to arrive
    assert notice_seen(office, title) == delivered
    count = manage(
        env,
        "shell",
        "-c",
        "from notifications.models import Notification as N; "
        f"print(N.objects.filter(assignment_id={assignment}, recipient__username='npc').count())",
    )
    assert count.strip().splitlines()[-1] == "1", count
    log("the 印发 notice queued while Redis was down was sent once")
    for name in ("web", "worker", "beat"):
        assert procs.started[name].poll() is None, f"{name} died:\n{procs.tail(name)}"
    beat_log = procs.tail("beat", 200)
    assert "beat: Starting" in beat_log, beat_log
    request_lines = [
        line for line in procs.tail("web", 400).splitlines() if '"logger": "fuhan.request"' in line
    ]
    assert request_lines
    assert all('"request_id": "' in line for line in request_lines)
    log(f"{len(request_lines)} JSON request lines with request ids in the web log")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-prefix", default="fuhan_smoke")
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z0-9_]{1,40}", args.database_prefix):
        parser.error("--database-prefix: lowercase letters, digits and _")
    with tempfile.TemporaryDirectory(prefix="fuhan-smoke-") as folder:
        work = Path(folder)
        procs = Processes(work)
        try:
            run(args, procs, work)
        except BaseException:
            for name in ("web", "worker", "beat", "redis"):
                print(f"--- {name} log ---\n{procs.tail(name)}", file=sys.stderr)
            raise
        finally:
            procs.stop_all()
    print("smoke: 1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
