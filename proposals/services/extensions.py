"""Extensions (延期): asked by the bureau, decided by the office; approval moves the due date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.exceptions import TransitionError
from core.validation import clean_text
from proposals import calendar
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import ExtensionRequest
from proposals.services.common import audit
from proposals.services.common import transition_guard
from proposals.workflow import is_bureau_member

# --- extensions -------------------------------------------------------------------------------


def extension_latest_allowed(*, assignment: Assignment) -> dt.date:
    """An extension adds at most `extension_cap_months` and never passes `max_total_months`."""
    session = assignment.proposal.session
    return min(
        calendar.add_months(assignment.due_date, session.extension_cap_months),
        calendar.add_months(assignment.assigned_date, session.max_total_months),
    )


@transaction.atomic
def extension_request(
    *, assignment_id: int, actor: Any, requested_due_date: dt.date, reason: str
) -> ExtensionRequest:
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("proposal__session")
        .get(pk=assignment_id)
    )
    if not is_bureau_member(assignment, actor):
        raise AccessDenied("只有本单位人员可以申请延期")
    if not assignment.is_open:
        raise TransitionError("该事项已办结，不能申请延期")
    reason = clean_text(reason, label="延期理由", required=True, max_length=2000)
    if requested_due_date <= assignment.due_date:
        raise ApplicationError(f"申请延至的日期须晚于原办结期限 {assignment.due_date:%Y年%m月%d日}")
    latest = extension_latest_allowed(assignment=assignment)
    if requested_due_date > latest:
        raise ApplicationError(f"延期不能超过 {latest:%Y年%m月%d日}（延期上限和自交办起最长期限）")
    if assignment.extensions.filter(state="pending").exists():
        raise ApplicationError("已有一份延期申请在审批中")
    extension = ExtensionRequest.objects.create(
        assignment=assignment,
        reason=reason,
        requested_due_date=requested_due_date,
        previous_due_date=assignment.due_date,
        requested_by=actor,
    )
    audit(
        proposal=assignment.proposal,
        assignment=assignment,
        actor=actor,
        verb=AuditEvent.Verb.EXTENSION_REQUESTED,
        message=f"申请延至{requested_due_date:%Y年%m月%d日}：{reason}",
    )
    return extension


def _extension_decide(
    *, extension_id: int, actor: Any, approve: bool, comment: str
) -> ExtensionRequest:
    name = "approve" if approve else "reject"
    comment = clean_text(comment, label="审批意见", max_length=2000)
    try:
        with transaction.atomic():
            extension = ExtensionRequest.objects.select_related(
                "assignment__proposal__session"
            ).get(pk=extension_id)
            method = getattr(extension, name)
            transition_guard(
                method,
                actor,
                state_error=f"该延期申请已{extension.get_state_display()}",
                denied="只有交办机构可以审批延期",
                fallback="暂不能审批该延期申请",
            )
            method(by=actor, description=comment or None)
            extension.decided_by = actor
            extension.decided_at = timezone.now()
            extension.decision_comment = comment
            extension.save()
            assignment = extension.assignment
            if approve:
                assignment.due_date = extension.requested_due_date
                assignment.save(update_fields=["due_date", "updated_at"])
            audit(
                proposal=assignment.proposal,
                assignment=assignment,
                actor=actor,
                verb=(
                    AuditEvent.Verb.EXTENSION_APPROVED
                    if approve
                    else AuditEvent.Verb.EXTENSION_REJECTED
                ),
                message=comment,
                data={"from": str(extension.previous_due_date), "to": str(assignment.due_date)},
            )
    except ConcurrentTransition as exc:
        raise TransitionError("该延期申请刚被他人处理，请刷新页面") from exc
    return extension


def extension_approve(*, extension_id: int, actor: Any, comment: str = "") -> ExtensionRequest:
    return _extension_decide(extension_id=extension_id, actor=actor, approve=True, comment=comment)


def extension_reject(*, extension_id: int, actor: Any, comment: str) -> ExtensionRequest:
    if not (comment or "").strip():
        raise ApplicationError("不同意延期须填写理由")
    return _extension_decide(extension_id=extension_id, actor=actor, approve=False, comment=comment)
