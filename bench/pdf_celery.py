"""Celery app of bench/bench_pdf.py: renders demo letters in a prefork worker, one process per
core, for the session-ZIP measurement. Only the bench starts it (its broker is BENCH_BROKER);
the project's own Celery app is untouched."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
broker = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/11")
app = Celery("bench_pdf", broker=broker, backend=broker)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_prefetch_multiplier=1,
    task_acks_late=True,
)


@app.task
def render_to_file(which: str, serial: int, folder: str) -> str:
    import django

    django.setup()
    from bench.letters import render

    pdf = render(which, serial)
    path = Path(folder) / f"{which}-{serial:04d}.pdf"
    path.write_bytes(pdf)
    return str(path)
