"""Every transition goes through `assignment_run_transition`: one transaction, permission and
condition checks with clear messages, the django-fsm-log row (actor + comment), and side effects
queued on commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from core.choices import AssignmentState
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.exceptions import TransitionError
from core.validation import clean_text
from notifications.hooks import transition_notify_on_commit
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import Bureau
from proposals.services.common import audit
from proposals.services.common import transition_guard
from proposals.services.items import _assignment_new
from proposals.workflow import COMMENT_REQUIRED
from proposals.workflow import TRANSITION_LABELS
from proposals.workflow import is_bureau_member

S = AssignmentState


# --- transitions ------------------------------------------------------------------------------


def assignment_run_transition(
    *,
    assignment_id: int,
    transition: str,
    actor: Any,
    comment: str = "",
    before_save: Callable[[Assignment], None] | None = None,
) -> Assignment:
    """Run one declared transition. Raises AccessDenied / TransitionError with a Chinese message;
    on any error nothing is written."""
    if transition not in TRANSITION_LABELS:
        raise TransitionError(f"未知操作：{transition}")
    label = TRANSITION_LABELS[transition]
    comment = clean_text(comment, label="意见", max_length=2000)
    if transition in COMMENT_REQUIRED and not comment:
        raise ApplicationError(f"“{label}”须填写意见或理由")
    try:
        with transaction.atomic():
            assignment = Assignment.objects.select_related("proposal__session", "bureau").get(
                pk=assignment_id
            )
            method = getattr(assignment, transition)
            transition_guard(
                method,
                actor,
                state_error=f"当前状态为“{assignment.get_state_display()}”，不能{label}",
                denied=f"您无权对该事项执行“{label}”",
                fallback=f"暂不能{label}",
            )
            method(by=actor, description=comment or None)
            if before_save is not None:
                before_save(assignment)
            assignment.save()
            transition_notify_on_commit(assignment=assignment, transition=transition)
    except ConcurrentTransition as exc:
        raise TransitionError("该事项刚被他人处理，请刷新页面后重试") from exc
    except Assignment.DoesNotExist as exc:
        raise AccessDenied("事项不存在或您无权查看") from exc
    return assignment


def assignment_accept(*, assignment_id: int, actor: Any) -> Assignment:
    def set_clerk(a: Assignment) -> None:
        if a.clerk_id is None and getattr(actor.staff, "role", "") == "clerk":
            a.clerk = actor

    return assignment_run_transition(
        assignment_id=assignment_id, transition="accept", actor=actor, before_save=set_clerk
    )


def assignment_request_reassignment(*, assignment_id: int, actor: Any, reason: str) -> Assignment:
    def keep_reason(a: Assignment) -> None:
        a.reassignment_reason = clean_text(reason, label="理由")

    return assignment_run_transition(
        assignment_id=assignment_id,
        transition="request_reassignment",
        actor=actor,
        comment=reason,
        before_save=keep_reason,
    )


def assignment_keep(*, assignment_id: int, actor: Any, comment: str) -> Assignment:
    """The office refuses the reassignment: the bureau handles the item after all."""
    return assignment_run_transition(
        assignment_id=assignment_id, transition="keep", actor=actor, comment=comment
    )


@transaction.atomic
def assignment_reassign(
    *, assignment_id: int, actor: Any, to_bureau: Bureau, comment: str = ""
) -> Assignment:
    """The office moves the item to another bureau; the new unit's periods start today."""
    old = Assignment.objects.select_related("proposal").get(pk=assignment_id)
    if to_bureau.pk == old.bureau_id:
        raise ApplicationError("请选择另一个承办单位")
    if old.proposal.assignments.filter(bureau=to_bureau).exclude(state=S.REASSIGNED).exists():
        raise ApplicationError(f"{to_bureau.short_name}已在承办该事项")
    holder: dict[str, Assignment] = {}

    def link_new(a: Assignment) -> None:
        holder["new"] = _assignment_new(
            proposal=a.proposal, bureau=to_bureau, role=a.role, assigned_date=timezone.localdate()
        )
        a.reassigned_to = holder["new"]

    assignment_run_transition(
        assignment_id=assignment_id,
        transition="reassign",
        actor=actor,
        comment=comment or f"改由{to_bureau.short_name}办理",
        before_save=link_new,
    )
    return holder["new"]


def assignment_start_drafting(*, assignment_id: int, actor: Any) -> Assignment:
    return assignment_run_transition(
        assignment_id=assignment_id, transition="start_drafting", actor=actor
    )


def assignment_submit(*, assignment_id: int, actor: Any, comment: str = "") -> Assignment:
    """Submit the draft for review; a lead unit's draft is kept as a numbered version."""

    def snapshot(a: Assignment) -> None:
        if a.is_lead:
            from replies.services import reply_snapshot_version

            reply_snapshot_version(reply=a.reply, actor=actor)

    return assignment_run_transition(
        assignment_id=assignment_id,
        transition="submit",
        actor=actor,
        comment=comment,
        before_save=snapshot,
    )


def assignment_return(*, assignment_id: int, actor: Any, comment: str) -> Assignment:
    return assignment_run_transition(
        assignment_id=assignment_id, transition="return_for_revision", actor=actor, comment=comment
    )


def assignment_approve(*, assignment_id: int, actor: Any, comment: str = "") -> Assignment:
    return assignment_run_transition(
        assignment_id=assignment_id, transition="approve", actor=actor, comment=comment
    )


def assignment_send_cc(*, assignment_id: int, actor: Any) -> Assignment:
    return assignment_run_transition(assignment_id=assignment_id, transition="send_cc", actor=actor)


@transaction.atomic
def assignment_update_contacts(
    *, assignment_id: int, actor: Any, leader_name: str, phone: str, clerk: Any | None = None
) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update().select_related("proposal").get(pk=assignment_id)
    )
    if not is_bureau_member(assignment, actor):
        raise AccessDenied("只有本单位人员可以修改承办信息")
    if clerk is not None and getattr(getattr(clerk, "staff", None), "bureau_id", None) != (
        assignment.bureau_id
    ):
        raise ApplicationError("承办人必须是本单位人员")
    assignment.leader_name = clean_text(leader_name, label="承办领导", max_length=30)
    assignment.phone = clean_text(phone, label="联系电话", max_length=30)
    if clerk is not None:
        assignment.clerk = clerk
    assignment.save(update_fields=["leader_name", "phone", "clerk", "updated_at"])
    audit(
        proposal=assignment.proposal,
        assignment=assignment,
        actor=actor,
        verb=AuditEvent.Verb.CONTACTS_CHANGED,
        data={"leader_name": assignment.leader_name, "phone": assignment.phone},
    )
    return assignment
