"""The data revision: what a page computed from the workflow's tables may be cached under it.

The database raises the number itself, by triggers on every table of the watched apps (the
workflow's two, notifications and Django's auth), in the
same transaction as the write, so that a cached board, statistics page or API page is never
served after a change, whatever wrote it: the 55 queryset update()/bulk_create()/delete()
calls of the services (which send no signals), the admin, a migration or a psql session.

PostgreSQL: the trigger is a deferred constraint trigger, so that it runs when the writing
transaction commits; the revision row is locked only for the commit itself (two writers never
wait on it while holding other locks, so no deadlock), and a transaction-local setting makes it
raise the number once per transaction however many rows it wrote. SQLite (the embedded default)
has one writer at a time and row triggers only: one upsert per written row.

A reader takes the revision before it reads the data (each statement of an autocommit request
sees what was committed when it started), so what it caches under revision r is at least as new
as r. Reads inside a transaction bypass the cache: that transaction's own uncommitted writes
must not end up in it (tests that run in a transaction therefore never read a cached page).
The epoch, drawn when the row is created, keeps a flushed test database from meeting the
numbers of its previous life; the code stamp keeps a new release from serving fragments the
old templates rendered (Redis outlives a deploy).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import sys
from collections.abc import Callable
from collections.abc import Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from typing import TypeVar

import django
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db import connections
from django.http import HttpRequest
from django.http import HttpResponse

T = TypeVar("T")
log = logging.getLogger(__name__)

# auth: the request's user is cached under the revision too (proposals/backends.py);
# notifications: each page's unread count (notifications.selectors)
WATCHED_APPS = ("proposals", "replies", "notifications", "auth")
TABLE = "proposals_revision"
TRIGGER = "fuhan_revision"
FUNCTION = "fuhan_revision_raise"
CACHE_SECONDS = 600

# Names below are this module's constants, never input.
_EPOCH = {
    "postgresql": "md5(random()::text || clock_timestamp())",
    "sqlite": "lower(hex(randomblob(16)))",
}


def _row_sql(vendor: str, *, raise_it: bool) -> str:
    """The revision row's upsert: raise the number (the triggers) or only create the row with
    a fresh epoch (after a migrate); either creates it when missing."""
    then = f"DO UPDATE SET n = {TABLE}.n + 1" if raise_it else "DO NOTHING"
    return (
        f"INSERT INTO {TABLE} (id, epoch, n) VALUES (1, {_EPOCH[vendor]}, {int(raise_it)}) "  # noqa: S608
        f"ON CONFLICT (id) {then}"
    )


_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('fuhan.revision_raised', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('fuhan.revision_raised', 'on', true);
    {_row_sql("postgresql", raise_it=True)};
    RETURN NULL;
END $$
"""


def watched_tables() -> list[str]:
    """Every table of the watched apps (many-to-many tables included) but the revision's own."""
    tables = []
    for label in WATCHED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            table = model._meta.db_table
            if table != TABLE and model._meta.managed and not model._meta.proxy:
                tables.append(table)
    return sorted(set(tables))


def revision_triggers_install(using: str = "default") -> list[str]:
    """Creates the triggers missing on the watched tables and the revision row if missing;
    idempotent, run after every migrate (proposals.apps), so a new table gets its trigger
    without a migration of its own. Returns the tables."""
    conn = connections[using]
    existing = set(conn.introspection.table_names())
    if TABLE not in existing:
        return []  # migrated backwards past the revision's table
    tables = [t for t in watched_tables() if t in existing]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            # only the missing ones: CREATE TRIGGER locks its table, even for a moment
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = %s AND c.relnamespace = 'public'::regnamespace",
                [TRIGGER],
            )
            have = {row[0] for row in cursor.fetchall()}
            for table in tables:
                if table in have:
                    continue
                quoted = conn.ops.quote_name(table)
                cursor.execute(
                    f"CREATE CONSTRAINT TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE "
                    f"ON {quoted} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                    f"EXECUTE FUNCTION {FUNCTION}()"
                )
        elif conn.vendor == "sqlite":
            for table in tables:
                quoted = conn.ops.quote_name(table)
                for op in ("INSERT", "UPDATE", "DELETE"):
                    name = conn.ops.quote_name(f"{TRIGGER}_{op.lower()}_{table}")
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {op} ON {quoted} "
                        f"BEGIN {_row_sql('sqlite', raise_it=True)}; END"
                    )
        else:
            return []
        cursor.execute(_row_sql(conn.vendor, raise_it=False))
    return tables


def revision_current() -> str | None:
    """ "epoch:n", or None where nothing may be cached: inside a transaction, on a database
    without the revision row (flushed and not written since) or another engine. Read once per
    request (RevisionPerRequest) until the request writes."""
    if connection.in_atomic_block or connection.vendor not in ("postgresql", "sqlite"):
        return None
    if _in_request.get() and (known := _known.get()) is not None:
        return known
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT epoch, n FROM {TABLE} WHERE id = 1")  # noqa: S608 (constant)
        row = cursor.fetchone()
    revision = f"{row[0]}:{row[1]}" if row else None
    if _in_request.get():
        _known.set(revision)
    return revision


_in_request: ContextVar[bool] = ContextVar("fuhan_revision_in_request", default=False)
_known: ContextVar[str | None] = ContextVar("fuhan_revision_known", default=None)


def _forget_on_write(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    """Any statement but a SELECT may write (and so raise the revision at its commit): the
    request reads the revision again next time."""
    if not sql.lstrip()[:6].upper().startswith("SELECT"):
        _known.set(None)
    return execute(sql, params, many, context)


class RevisionPerRequest:
    """Middleware: a page asks for the revision several times (the user, the header, the badge,
    the page itself); one query per request answers them all, and any write the request makes
    drops the answer, so that what it reads after its own write is never served from before."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        active, known = _in_request.set(True), _known.set(None)
        try:
            with connection.execute_wrapper(_forget_on_write):
                return self.get_response(request)
        finally:
            _known.reset(known)
            _in_request.reset(active)


@functools.cache
def code_stamp() -> str:
    """A digest of the project's own templates and Python sources (not the installed packages
    of a virtualenv inside the project folder: those are named by Django's version), once per
    process."""
    digest = hashlib.blake2b(django.get_version().encode(), digest_size=8)
    root, installed = Path(settings.BASE_DIR), Path(sys.prefix)
    folders = [
        Path(a.path)
        for a in apps.get_app_configs()
        if Path(a.path).is_relative_to(root) and not Path(a.path).is_relative_to(installed)
    ]
    templates: list[dict[str, Any]] = settings.TEMPLATES
    folders += [Path(d) for t in templates for d in t.get("DIRS", [])]
    for folder in sorted(set(folders)):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".html", ".txt") and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def revision_cached(
    parts: Sequence[Any], compute: Callable[[], T], *, seconds: int = CACHE_SECONDS
) -> T:
    """compute(), cached under the current revision and `parts` (everything else the result
    depends on: who may see what, the query, today's date). Without a revision, or with the
    cache down, it simply computes: the cache only ever saves work."""
    revision = revision_current()
    if revision is None:
        return compute()
    return _cached(("rev", revision, *parts), compute, seconds)


def content_cached(
    parts: Sequence[Any], compute: Callable[[], T], *, seconds: int = CACHE_SECONDS
) -> T:
    """compute(), cached under `parts` alone, for a rendering identified by its own content
    (a digest of the figures a fragment shows), which no write can make stale: after a write
    that leaves the figures as they were, the fragment is not rendered again."""
    return _cached(("content", *parts), compute, seconds)


def _cached(parts: Sequence[Any], compute: Callable[[], T], seconds: int) -> T:
    key = (
        "fuhan:"
        + hashlib.blake2b(repr((code_stamp(), *parts)).encode(), digest_size=16).hexdigest()
    )
    try:
        hit = cache.get(key)
    except Exception:  # Redis down: serve the page without the cache
        log.warning("缓存不可用，页面直接计算", exc_info=True)
        return compute()
    if hit is not None:
        return hit
    value = compute()
    try:
        cache.set(key, value, seconds)
    except Exception:
        log.warning("缓存不可用，结果未缓存", exc_info=True)
    return value
