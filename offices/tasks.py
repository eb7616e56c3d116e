"""Beat tasks of the offices' tools (CELERY_BEAT_SCHEDULE in config/settings/base.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_staging_purge() -> int:
    """Every 15 minutes: staged import files older than IMPORT_STAGING_MAX_AGE are deleted."""
    from offices.staging import staging_purge

    return staging_purge()
