"""Thin Celery tasks: ids in, one service call, retries with backoff on mail errors.

acks_late + reject_on_worker_lost: a task whose worker dies is delivered again; the services are
idempotent (a Reminder row is unique per assignment, kind and key and is sent once)."""

from __future__ import annotations

import smtplib
from typing import Any

from celery import shared_task

MAIL_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def reminders_sweep(self: Any) -> dict[str, Any]:
    """Run by beat every 15 minutes (CELERY_BEAT_SCHEDULE in config/settings/base.py)."""
    from notifications.services import reminder_sweep

    result = reminder_sweep()
    if result.delivery.failed:
        # Sent ones stay sent; the failed ones are still pending and go out on the retry.
        raise self.retry(
            exc=result.delivery.errors[0], countdown=min(60 * 2**self.request.retries, 900)
        )
    return result.as_dict()


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=6,
)
def transition_notify(self: Any, assignment_id: int, transition: str, statelog_id: int) -> int:
    from notifications.services import transition_notify as notify

    return notify(assignment_id=assignment_id, transition=transition, statelog_id=statelog_id).sent
