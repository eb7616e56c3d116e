"""Extensions (延期): asked by the bureau, decided by the office; approval moves the due date.
Refused on withdrawn or merged items and on closed assignments (proposals.access)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.choices import AuditVerb
from core.exceptions import ApplicationError
from core.validation import clean_text
from proposals import calendar
from proposals.access import may_request_extension
from proposals.models import Assignment
from proposals.models import ExtensionRequest
from proposals.services.common import audit
from proposals.services.runner import run_extension_decision


def extension_latest_allowed(*, assignment: Assignment) -> dt.date:
    """An extension adds at most `extension_cap_months` and never passes `max_total_months`
    (each moved off a weekend or holiday when the session's policy says so)."""
    session = assignment.proposal.session
    move = session.due_moves_to_workday
    return min(
        calendar.due_after_months(
            assignment.due_date, session.extension_cap_months, move_to_workday=move
        ),
        calendar.due_after_months(
            assignment.assigned_date, session.max_total_months, move_to_workday=move
        ),
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
    may_request_extension(assignment=assignment, user=actor).require()
    reason = clean_text(reason, label="延期理由", required=True, max_length=2000)
    if requested_due_date <= assignment.due_date:
        raise ApplicationError(f"申请延至的日期须晚于原办结期限 {assignment.due_date:%Y年%m月%d日}")
    latest = extension_latest_allowed(assignment=assignment)
    if requested_due_date > latest:
        raise ApplicationError(f"延期不能超过 {latest:%Y年%m月%d日}（延期上限和自交办起最长期限）")
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
        verb=AuditVerb.EXTENSION_REQUESTED,
        message=f"申请延至{requested_due_date:%Y年%m月%d日}：{reason}",
    )
    return extension


def _extension_decide(
    *, extension_id: int, actor: Any, name: str, comment: str
) -> ExtensionRequest:
    def record(extension: ExtensionRequest) -> None:
        extension.decided_by = actor
        extension.decided_at = timezone.now()
        assignment = extension.assignment
        if name == "approve":
            assignment.due_date = extension.requested_due_date
            assignment.save(update_fields=["due_date", "updated_at"])
        audit(
            proposal=assignment.proposal,
            assignment=assignment,
            actor=actor,
            verb=(
                AuditVerb.EXTENSION_APPROVED if name == "approve" else AuditVerb.EXTENSION_REJECTED
            ),
            message=extension.decision_comment,
            data={"from": str(extension.previous_due_date), "to": str(assignment.due_date)},
        )

    return run_extension_decision(
        extension_id=extension_id, name=name, actor=actor, comment=comment, after=record
    )


def extension_approve(*, extension_id: int, actor: Any, comment: str = "") -> ExtensionRequest:
    """同意延期: the due date moves to the requested date."""
    return _extension_decide(
        extension_id=extension_id, actor=actor, name="approve", comment=comment
    )


def extension_reject(*, extension_id: int, actor: Any, comment: str) -> ExtensionRequest:
    """不同意延期 (a reason is required, as declared)."""
    return _extension_decide(extension_id=extension_id, actor=actor, name="reject", comment=comment)
