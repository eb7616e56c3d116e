"""The Celery app of workers and beat, and of every process that queues a task (config/__init__.py
imports it). DJANGO_SETTINGS_MODULE must be set (config/entrypoint.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import Celery
from celery import signals

from config.entrypoint import settings_module_required

settings_module_required()

app = Celery("fuhan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

BROKER_FOLDER_OPTIONS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


def broker_folders_create(conf: Any) -> list[Path]:
    """The filesystem broker (the embedded default, no server) lists and writes its folders under
    var/ on every publish and poll, and fails if they are missing. They are made here, when a
    process is about to use them, so that a fresh checkout works whichever command runs first
    (runserver, seed_demo, a worker) and importing the settings writes nothing. Other brokers:
    nothing to do."""
    if not str(conf.broker_url or "").startswith("filesystem"):
        return []
    options = conf.broker_transport_options or {}
    folders = [Path(options[key]) for key in BROKER_FOLDER_OPTIONS if options.get(key)]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


@signals.worker_init.connect
def _broker_folders_for_worker(sender: Any = None, **kwargs: Any) -> None:
    """A worker polls the queue folder from its start, before anything is published."""
    broker_folders_create(getattr(sender, "app", app).conf)


@signals.before_task_publish.connect
def _broker_folders_for_publisher(**kwargs: Any) -> None:
    """Web requests, commands and beat publish (three mkdir calls that find the folders)."""
    broker_folders_create(app.conf)
