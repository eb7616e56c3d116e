"""Writes for reminders and notifications. Tasks (notifications/tasks.py) are thin wrappers."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from notifications.delivery import DeliveryStats
from notifications.delivery import reminder_deliver
from notifications.models import Notification
from notifications.models import Reminder
from notifications.planning import reminder_plan_deadlines
from notifications.planning import reminder_plan_missed_transitions
from notifications.planning import transition_kind
from proposals import calendar
from proposals.exceptions import AccessDenied
from proposals.models import Assignment

logger = logging.getLogger(__name__)

__all__ = [
    "SweepResult",
    "notification_mark_all_read",
    "notification_mark_read",
    "reminder_deliver",
    "reminder_sweep",
    "transition_notify",
]


@dataclass
class SweepResult:
    today: dt.date
    workday: bool
    planned: int
    delivery: DeliveryStats
    plan_seconds: float = 0.0
    deliver_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "workday": self.workday,
            "planned": self.planned,
            "sent": self.delivery.sent,
            "skipped": self.delivery.skipped,
            "failed": self.delivery.failed,
            "emails": self.delivery.emails,
            "plan_seconds": round(self.plan_seconds, 3),
            "deliver_seconds": round(self.deliver_seconds, 3),
        }


def reminder_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """The periodic sweep: record the reminders due now, then send everything pending.

    Deadline reminders are planned on working days only (official calendar, make-up weekends
    included); transition notices whose task never ran and reminders that failed before are
    sent on any day."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    workday = calendar.is_workday(today)
    started = time.perf_counter()
    planned = reminder_plan_deadlines(today=today) if workday else 0
    planned += reminder_plan_missed_transitions(now=now)
    planned_at = time.perf_counter()
    delivery = reminder_deliver(now=now)
    result = SweepResult(
        today=today,
        workday=workday,
        planned=planned,
        delivery=delivery,
        plan_seconds=planned_at - started,
        deliver_seconds=time.perf_counter() - planned_at,
    )
    logger.info("提醒扫描完成：%s", result.as_dict())
    return result


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
