"""Real concurrency on PostgreSQL: threads with their own connections, started together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def race(
    calls: list[Callable[[], Any]], expected: tuple[type[BaseException], ...] = (Exception,)
) -> tuple[list[Any], list[BaseException]]:
    """Start every call at the same moment; return (results, errors of the expected kinds)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results.append(call())
        except expected as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors
