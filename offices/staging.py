"""Uploaded assignment lists waiting between preview and import (IMPORT_STAGING_DIR, named by
their SHA-256). A staged file lives IMPORT_STAGING_MAX_AGE (a day) at most: the import refuses
an older one and deletes it, and the beat task `import_staging_purge` deletes the others within
15 minutes of their expiry; an import that went through deletes its file at once."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)
SHA256 = re.compile(r"[0-9a-f]{64}")


def _dir(*, create: bool = False) -> Path:
    path = Path(settings.IMPORT_STAGING_DIR)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def _path(sha256: str) -> Path:
    if not SHA256.fullmatch(sha256):
        raise ValueError("not a SHA-256")
    return _dir() / f"{sha256}.xlsx"


def _expired(path: Path, *, now: float) -> bool:
    return now - path.stat().st_mtime > settings.IMPORT_STAGING_MAX_AGE.total_seconds()


def staging_store(*, sha256: str, data: bytes) -> None:
    _dir(create=True)
    _path(sha256).write_bytes(data)


def staging_read(*, sha256: str, now: float | None = None) -> bytes | None:
    """The staged file, or None when there is none or it expired (then it is deleted)."""
    path = _path(sha256)
    try:
        if _expired(path, now=time.time() if now is None else now):
            path.unlink(missing_ok=True)
            return None
        return path.read_bytes()
    except FileNotFoundError:
        return None


def staging_discard(*, sha256: str) -> None:
    _path(sha256).unlink(missing_ok=True)


def staging_purge(*, now: dt.datetime | None = None) -> int:
    """Delete every staged file older than IMPORT_STAGING_MAX_AGE; returns how many."""
    folder = _dir()
    if not folder.is_dir():
        return 0
    moment = now.timestamp() if now else time.time()
    deleted = 0
    for path in folder.glob("*.xlsx"):
        try:
            if _expired(path, now=moment):
                path.unlink()
                deleted += 1
        except FileNotFoundError:  # an import or another purge took it meanwhile
            continue
    if deleted:
        logger.info("删除过期的待导入文件 %s 个", deleted)
    return deleted
