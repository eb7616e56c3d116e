"""Notifications' subscription to committed transitions (proposals.events): the notice a
transition declares (`Step.notice`) is queued once the transition has committed."""

from __future__ import annotations

import logging

from core.choices import AssignmentRole
from proposals.events import NoticeDue
from proposals.events import TransitionDone

logger = logging.getLogger(__name__)


def transition_committed(event: TransitionDone) -> None:
    """Queue the notification task. If the broker is unreachable the failure is logged, never
    raised: the transition has already committed and the next sweep records the notice from
    the StateLog row and queues it."""
    if event.step.notice is None or not event.statelog_id:
        return
    from notifications.tasks import transition_notify as transition_notify_task

    try:
        transition_notify_task.apply_async(
            kwargs={
                "assignment_id": event.assignment_id,
                "transition": event.name,
                "statelog_id": event.statelog_id,
            }
        )
    except Exception:
        logger.exception(
            "通知任务入队失败（事项 %s，%s，流转记录 %s），将由下一次定时扫描补发",
            event.assignment_id,
            event.name,
            event.statelog_id,
        )


def notice_committed(event: NoticeDue) -> None:
    """Queue a 催办 / 督办单 notice once its record has committed; a broker failure is logged
    and the next sweep records and sends it (reminder_plan_missed_supervisions)."""
    from notifications.tasks import notice_send as notice_send_task

    try:
        notice_send_task.apply_async(
            kwargs={"assignment_id": event.assignment_id, "kind": event.kind, "key": event.key}
        )
    except Exception:
        logger.exception(
            "通知任务入队失败（事项 %s，%s %s），将由下一次定时扫描补发",
            event.assignment_id,
            event.kind,
            event.key,
        )


def proposers_on_issue(event: TransitionDone) -> None:
    """A lead unit's letter was issued: tell its proposers (their link by SMS and e-mail)."""
    if event.name != "issue" or event.role != AssignmentRole.LEAD:
        return
    from notifications.tasks import proposers_notify_issued as notify_task
    from replies.models import IssuedLetter

    letter_id = (
        IssuedLetter.objects.filter(reply__assignment_id=event.assignment_id)
        .order_by("-issued_date", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if letter_id is None:
        return
    try:
        notify_task.apply_async(kwargs={"letter_id": letter_id})
    except Exception:
        logger.exception("通知提出人的任务入队失败（复函 %s）", letter_id)
