"""Public services that take assignment transitions. Plain transitions (only a comment, if any)
go through `assignment_transition` by name; the others have their own service, declared as the
transition's `Step.service` (reassignment here; submit, issue and reopen in replies.services)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.choices import AssignmentState
from core.choices import AuditVerb
from core.exceptions import ApplicationError
from core.exceptions import BatchRefused
from core.exceptions import TransitionError
from core.validation import clean_text
from proposals.access import may_update_contacts
from proposals.access import transition_check
from proposals.models import Assignment
from proposals.models import Bureau
from proposals.services.common import audit
from proposals.services.items import assignment_open_new
from proposals.services.runner import run_transition
from proposals.workflow import steps

S = AssignmentState


def assignment_transition(
    *, assignment_id: int, name: str, actor: Any, comment: str = ""
) -> Assignment:
    """Take a plain transition (签收, 申请调整, 开始办理, 退回修改, 签批, 抄送 …) by its declared
    name. Transitions that need more than a comment are refused here: they have their own
    service, so a number is never skipped and a period never left unset."""
    declared = steps().get(name)
    if declared is None:
        raise TransitionError(f"未知操作：{name}")
    if not declared.plain:
        raise TransitionError(f"“{declared.label}”须通过专门的办理页面进行")
    return run_transition(assignment_id=assignment_id, name=name, actor=actor, comment=comment)


ACCEPT_BATCH_MAX = 200


def assignment_accept_batch(*, assignment_ids: Sequence[int], actor: Any) -> list[Assignment]:
    """批量签收, all or nothing: each item through the `accept` transition's own service, in
    one transaction. If any is refused (not yours, already accepted, withdrawn …) everything is
    rolled back, its notices dropped, and BatchRefused says which and why."""
    ids = list(dict.fromkeys(assignment_ids))
    if not ids:
        raise ApplicationError("请至少选择一件事项")
    if len(ids) > ACCEPT_BATCH_MAX:
        raise ApplicationError(f"一次最多签收 {ACCEPT_BATCH_MAX} 件事项")
    with transaction.atomic():
        done: list[Assignment] = []
        refused: dict[int, str] = {}
        for pk in ids:
            try:  # a refusal rolls back only its own savepoint; the others go on being checked
                done.append(assignment_transition(assignment_id=pk, name="accept", actor=actor))
            except ApplicationError as exc:
                refused[pk] = exc.message
        if refused:
            raise BatchRefused(
                f"{len(refused)} 件事项不能签收，本次未签收任何事项", refused=refused
            )
    return done


@transaction.atomic
def assignment_reassign(
    *, assignment_id: int, actor: Any, to_bureau: Bureau, comment: str = ""
) -> Assignment:
    """同意调整: the office moves the item to another bureau, whose periods start today.
    Returns the new assignment."""
    old = Assignment.objects.select_related("proposal__session", "bureau").get(pk=assignment_id)
    transition_check(assignment=old, name="reassign", user=actor).require()
    if to_bureau.pk == old.bureau_id:
        raise ApplicationError("请选择另一个承办单位")
    if old.proposal.assignments.filter(bureau=to_bureau).exclude(state=S.REASSIGNED).exists():
        raise ApplicationError(f"{to_bureau.short_name}已在承办该事项")
    holder: dict[str, Assignment] = {}

    def open_there(a: Assignment) -> None:
        holder["new"] = assignment_open_new(
            proposal=a.proposal, bureau=to_bureau, role=a.role, assigned_date=timezone.localdate()
        )
        a.reassigned_to = holder["new"]

    run_transition(
        assignment_id=assignment_id,
        name="reassign",
        actor=actor,
        comment=comment or f"改由{to_bureau.short_name}办理",
        before_save=open_there,
    )
    return holder["new"]


@transaction.atomic
def assignment_update_contacts(
    *, assignment_id: int, actor: Any, leader_name: str, phone: str, clerk: Any | None = None
) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update().select_related("proposal").get(pk=assignment_id)
    )
    may_update_contacts(assignment=assignment, user=actor).require()
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
        verb=AuditVerb.CONTACTS_CHANGED,
        data={"leader_name": assignment.leader_name, "phone": assignment.phone},
    )
    return assignment
