"""Writes for reminders and notifications. Tasks (notifications/tasks.py) are thin wrappers."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.choices import NoticeKind
from core.exceptions import AccessDenied
from notifications.delivery import DeliveryStats
from notifications.delivery import reminder_deliver
from notifications.models import Notification
from notifications.models import Reminder
from notifications.planning import CATCH_UP
from notifications.planning import reminder_plan_deadlines
from notifications.planning import reminder_plan_missed_supervisions
from notifications.planning import reminder_plan_missed_transitions
from notifications.planning import transition_kind
from proposals import calendar
from proposals.models import Assignment

logger = logging.getLogger(__name__)

__all__ = [
    "SweepResult",
    "notice_send",
    "notification_mark_all_read",
    "notification_mark_read",
    "notifications_purge",
    "reminder_deliver",
    "reminder_deliver_batch",
    "reminder_queue_pending",
    "reminder_sweep",
    "transition_notify",
]


# The delivery task, published by name (send_task): the tasks call these services, so importing
# them here would make a cycle, and a process that only sweeps (the management command, beat's
# worker) need not have loaded notifications/tasks.py. tests/notifications/test_delivery.py
# checks that the name is the registered task's.
DELIVER_BATCH_TASK = "notifications.tasks.reminders_deliver_batch"

# A pending reminder queued this long ago whose task has not sent it (broker down, task lost,
# retries exhausted) is queued again by the next sweep; sweeps run every 15 minutes.
REQUEUE_AFTER = dt.timedelta(minutes=10)


@dataclass
class SweepResult:
    today: dt.date
    workday: bool
    planned: int
    queued: int = 0
    batches: int = 0
    not_queued: int = 0
    plan_seconds: float = 0.0
    queue_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "workday": self.workday,
            "planned": self.planned,
            "queued": self.queued,
            "batches": self.batches,
            "not_queued": self.not_queued,
            "plan_seconds": round(self.plan_seconds, 3),
            "queue_seconds": round(self.queue_seconds, 3),
        }


def reminder_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """The periodic sweep: record the reminders due now, then queue every pending one for the
    delivery tasks in batches. It sends nothing itself, so its run time and query count do not
    depend on how many reminders go out.

    Deadline reminders are planned on working days only (official calendar, make-up weekends
    included); transition notices whose task never ran and reminders left pending earlier are
    queued on any day."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    workday = calendar.is_workday(today)
    started = time.perf_counter()
    planned = reminder_plan_deadlines(today=today) if workday else 0
    planned += reminder_plan_missed_transitions(now=now)
    planned += reminder_plan_missed_supervisions(now=now)
    planned_at = time.perf_counter()
    queued, batches, not_queued = reminder_queue_pending(now=now)
    result = SweepResult(
        today=today,
        workday=workday,
        planned=planned,
        queued=queued,
        batches=batches,
        not_queued=not_queued,
        plan_seconds=planned_at - started,
        queue_seconds=time.perf_counter() - planned_at,
    )
    logger.info("提醒扫描完成：%s", result.as_dict())
    return result


def reminder_queue_pending(
    *, now: dt.datetime, batch_size: int | None = None
) -> tuple[int, int, int]:
    """Queue a delivery task per batch of pending reminders that no task holds: the ones just
    planned and the ones queued more than REQUEUE_AFTER ago and still unsent. Two statements
    whatever their number: mark them with this sweep's moment, then read their ids. A concurrent
    sweep waits for the marking rows and then leaves them alone. If the broker refuses a batch,
    that batch and the rest are unmarked for the next sweep. Returns (queued, batches,
    not_queued)."""
    batch_size = batch_size or settings.FUHAN_REMINDER_BATCH_SIZE
    with transaction.atomic():
        Reminder.objects.filter(sent_at__isnull=True).filter(
            Q(queued_at__isnull=True) | Q(queued_at__lt=now - REQUEUE_AFTER)
        ).update(queued_at=now)
        ids = list(
            Reminder.objects.filter(sent_at__isnull=True, queued_at=now)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    queued = batches = 0
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        try:
            current_app.send_task(DELIVER_BATCH_TASK, kwargs={"reminder_ids": batch})
        except Exception:
            logger.exception(
                "提醒发送任务入队失败（%s 条），将由下一次定时扫描重新排队", len(ids) - queued
            )
            Reminder.objects.filter(sent_at__isnull=True, queued_at=now, pk__gte=batch[0]).update(
                queued_at=None
            )
            break
        queued += len(batch)
        batches += 1
    return queued, batches, len(ids) - queued


def reminder_deliver_batch(
    *, reminder_ids: list[int], now: dt.datetime | None = None
) -> DeliveryStats:
    """Send the reminders of one queued batch that are still pending; the ones already sent (a
    redelivered task, a second sweep's batch) or held by another task are left alone."""
    return reminder_deliver(where=Q(pk__in=reminder_ids), now=now)


def transition_notify(
    *, assignment_id: int, transition: str, statelog_id: int, now: dt.datetime | None = None
) -> DeliveryStats:
    """Notify whoever acts next after a transition. Recorded once per StateLog row, so a
    redelivered or retried task returns without sending again. Raises the mail error (after
    recording the attempt) so the task can retry."""
    role = Assignment.objects.filter(pk=assignment_id).values_list("role", flat=True).first()
    kind = transition_kind(transition=transition, role=role or "")
    if role is None or kind is None:
        return DeliveryStats()
    Reminder.objects.bulk_create(
        [
            Reminder(
                assignment_id=assignment_id,
                kind=kind,
                key=str(statelog_id),
                data={"transition": transition, "statelog": statelog_id},
                queued_at=now or timezone.now(),  # this task sends it; the sweep leaves it alone
            )
        ],
        ignore_conflicts=True,
    )
    stats = reminder_deliver(
        where=Q(assignment_id=assignment_id, kind=kind, key=str(statelog_id)), now=now
    )
    if stats.errors:
        raise stats.errors[0]
    return stats


def notice_send(
    *, assignment_id: int, kind: str, key: str, now: dt.datetime | None = None
) -> DeliveryStats:
    """Send a 催办 / 督办单 notice (key: the Supervision id). Recorded once, so a redelivered
    or retried task sends nothing twice. Raises the mail error (after recording the attempt)
    so the task can retry."""
    if kind not in NoticeKind.supervision() or not key.isdigit():
        return DeliveryStats()
    if not Assignment.objects.filter(pk=assignment_id).exists():
        return DeliveryStats()
    Reminder.objects.bulk_create(
        [
            Reminder(
                assignment_id=assignment_id,
                kind=kind,
                key=key,
                data={"supervision": int(key)},
                queued_at=now or timezone.now(),  # this task sends it; the sweep leaves it alone
            )
        ],
        ignore_conflicts=True,
    )
    stats = reminder_deliver(where=Q(assignment_id=assignment_id, kind=kind, key=key), now=now)
    if stats.errors:
        raise stats.errors[0]
    return stats


def notification_mark_read(*, user: Any, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read; someone else's is 'not found'."""
    notification = Notification.objects.filter(pk=notification_id, recipient_id=user.pk).first()
    if notification is None:
        raise AccessDenied("通知不存在或不属于您")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@dataclass(frozen=True)
class PurgeResult:
    reminders: int
    notifications: int

    def as_dict(self) -> dict[str, int]:
        return {"reminders": self.reminders, "notifications": self.notifications}


def notifications_purge(*, now: dt.datetime | None = None) -> PurgeResult:
    """Delete in-app notifications and reminder records older than
    FUHAN_NOTIFICATION_RETENTION_DAYS (beat task, nightly). Kept whatever their age: reminders
    not sent yet (they still have to go out), and the 满意度未登记 reminder of a letter whose
    satisfaction is still missing (the sweep would otherwise plan it again and send it twice).
    The retention is never shorter than the sweep's catch-up window for missed transition
    notices, for the same reason."""
    now = now or timezone.now()
    retention = max(
        dt.timedelta(days=settings.FUHAN_NOTIFICATION_RETENTION_DAYS), CATCH_UP + dt.timedelta(1)
    )
    cutoff = now - retention
    with transaction.atomic():
        notifications, _ = Notification.objects.filter(created_at__lt=cutoff).delete()
        old = (
            Reminder.objects.filter(created_at__lt=cutoff)
            .filter(Q(sent_at__isnull=False) | ~Q(skip_reason=""))
            .exclude(kind=Reminder.Kind.FEEDBACK_MISSING, assignment__reply__satisfaction="")
        )
        # their notifications go with them (CASCADE)
        _, deleted = old.delete()
    result = PurgeResult(
        reminders=deleted.get("notifications.Reminder", 0),
        notifications=notifications + deleted.get("notifications.Notification", 0),
    )
    logger.info("清理过期提醒 %s 条、站内通知 %s 条", result.reminders, result.notifications)
    return result
