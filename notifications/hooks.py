"""The one call proposals.services makes after a transition is saved."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django_fsm_log.models import StateLog

from notifications.planning import NOTIFY_TRANSITIONS
from proposals.models import Assignment

logger = logging.getLogger(__name__)


def transition_notify_on_commit(*, assignment: Assignment, transition: str) -> None:
    """Queue the notification task once the transition's transaction commits. If the broker is
    unreachable the failure is logged, never raised: the transition has already committed and the
    next sweep records the notice from the StateLog row and queues it."""
    if transition not in NOTIFY_TRANSITIONS:
        return
    statelog_id = (
        StateLog.objects.for_(assignment)
        .filter(transition=transition)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if statelog_id is None:
        return
    transaction.on_commit(partial(_enqueue, assignment.pk, transition, statelog_id))


def _enqueue(assignment_id: int, transition: str, statelog_id: int) -> None:
    from notifications.tasks import transition_notify as transition_notify_task

    try:
        transition_notify_task.apply_async(
            kwargs={
                "assignment_id": assignment_id,
                "transition": transition,
                "statelog_id": statelog_id,
            }
        )
    except Exception:
        logger.exception(
            "通知任务入队失败（事项 %s，%s，流转记录 %s），将由下一次定时扫描补发",
            assignment_id,
            transition,
            statelog_id,
        )
