"""Thin Celery tasks: ids in, one service call, retries with backoff on mail errors.

The periodic sweep only plans and queues; `reminders_deliver_batch` tasks (a list of reminder
ids each) send, in parallel on as many workers as run. acks_late + reject_on_worker_lost: a task
whose worker dies is delivered again; the services are idempotent (a Reminder row is unique per
assignment, kind and key, is claimed with SKIP LOCKED and is sent once)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from notifications.delivery import MAIL_ERRORS


@shared_task(acks_late=True, reject_on_worker_lost=True)
def reminders_sweep() -> dict[str, Any]:
    """Run by beat every 15 minutes (CELERY_BEAT_SCHEDULE in config/settings/base.py)."""
    from notifications.services import reminder_sweep

    return reminder_sweep().as_dict()


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=6,
    # a batch of 1,000 e-mails over a slow SMTP server needs more than the default 60 s; the
    # hard limit stays below the sweep's REQUEUE_AFTER (10 minutes), so the sweep never queues
    # again what a running task still holds
    soft_time_limit=240,
    time_limit=300,
)
def reminders_deliver_batch(self: Any, reminder_ids: list[int]) -> dict[str, int]:
    """Send one batch queued by the sweep. Sent ones stay sent; on a mail error the task is
    retried with backoff and the retry sends only what is still pending."""
    from notifications.services import reminder_deliver_batch

    stats = reminder_deliver_batch(reminder_ids=reminder_ids)
    if stats.failed:
        # at most 5 minutes: a retry waits in the worker's hands (unacknowledged), and must be
        # done before the broker's visibility timeout (10 minutes) hands it to another worker
        raise self.retry(exc=stats.errors[0], countdown=min(30 * 2**self.request.retries, 300))
    return stats.as_dict()


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def transition_notify(self: Any, assignment_id: int, transition: str, statelog_id: int) -> int:
    from notifications.services import transition_notify as notify

    return notify(assignment_id=assignment_id, transition=transition, statelog_id=statelog_id).sent


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=300,  # below the visibility timeout, as the others
    retry_jitter=True,
    max_retries=6,
)
def notice_send(self: Any, assignment_id: int, kind: str, key: str) -> int:
    """A 催办 / 督办单 notice (recorded once per assignment, kind and key)."""
    from notifications.services import notice_send as send

    return send(assignment_id=assignment_id, kind=kind, key=key).sent


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notifications_purge() -> dict[str, int]:
    """Run by beat nightly (CELERY_BEAT_SCHEDULE): FUHAN_NOTIFICATION_RETENTION_DAYS."""
    from notifications.services import notifications_purge as purge

    return purge().as_dict()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=10)
def proposer_message_send(self: Any, message_id: int) -> str:
    """One SMS or e-mail to a proposer; retried with backoff while it stays queued (a gateway
    error that a retry may cure). The service sends it once whatever happens to the task."""
    from notifications.proposers import proposer_message_deliver

    message = proposer_message_deliver(message_id=message_id)
    if message is None:
        return "nothing to send"
    if message.status == "queued":
        raise self.retry(countdown=min(30 * 2**self.request.retries, 300))
    return str(message.status)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=6)
def proposers_notify_issued(self: Any, letter_id: int) -> int:
    """A letter was issued: each proposer gets their link (recorded once per letter)."""
    from notifications.proposers import proposer_notify_issued

    return len(proposer_notify_issued(letter_id=letter_id))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def proposer_messages_requeue() -> int:
    from notifications.proposers import proposer_messages_requeue as requeue

    return requeue()
