"""Writes for items, assignments and extensions. Every transition goes through
`assignment_run_transition`: one transaction, permission and condition checks with clear
messages, the django-fsm-log row (actor + comment), and side effects queued on commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from notifications.hooks import transition_notify_on_commit
from proposals import calendar
from proposals.exceptions import AccessDenied
from proposals.exceptions import ApplicationError
from proposals.exceptions import TransitionError
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import Bureau
from proposals.models import ExtensionRequest
from proposals.models import Proposal
from proposals.models import Session
from proposals.validation import clean_text
from proposals.workflow import COMMENT_REQUIRED
from proposals.workflow import CONDITION_MESSAGES
from proposals.workflow import TRANSITION_LABELS
from proposals.workflow import AssignmentState
from proposals.workflow import is_handling_office

User = AbstractBaseUser
S = AssignmentState


def audit(
    *,
    proposal: Proposal,
    actor: Any,
    verb: str,
    message: str = "",
    assignment: Assignment | None = None,
    data: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        proposal=proposal,
        assignment=assignment,
        actor=actor,
        verb=verb,
        message=message,
        data=data or {},
    )


# --- due dates -------------------------------------------------------------------------------


def assignment_due_dates(
    *, session: Session, role: str, assigned_date: dt.date, is_complex: bool
) -> tuple[dt.date, dt.date]:
    """(due date, last day to ask for reassignment) under the session's policy."""
    if role == Assignment.Role.CO_UNIT:
        months = session.co_unit_opinion_months
    else:
        months = session.complex_period_months if is_complex else session.reply_period_months
    due = calendar.add_months(assigned_date, months)
    window = calendar.add_workdays(assigned_date, session.reassignment_window_workdays)
    return due, window


def _assignment_new(
    *, proposal: Proposal, bureau: Bureau, role: str, assigned_date: dt.date
) -> Assignment:
    due, window = assignment_due_dates(
        session=proposal.session,
        role=role,
        assigned_date=assigned_date,
        is_complex=proposal.is_complex,
    )
    assignment = Assignment(
        proposal=proposal,
        bureau=bureau,
        role=role,
        assigned_date=assigned_date,
        due_date=due,
        reassignment_deadline=window,
    )
    assignment.full_clean(exclude=["state"])
    assignment.save()
    return assignment


# --- registering items ------------------------------------------------------------------------


def _require_office(*, actor: Any, session: Session) -> None:
    staff = getattr(actor, "staff", None)
    if not (staff and staff.role == "office" and staff.office.kind == session.body):
        raise AccessDenied(f"只有{session.get_body_display()}交办机构可以登记和交办")


@transaction.atomic
def proposal_register(
    *,
    session: Session,
    number: int,
    title: str,
    lead_proposer: str,
    assigned_date: dt.date,
    lead_bureaus: Sequence[Bureau],
    co_bureaus: Sequence[Bureau] = (),
    signer_count: int = 1,
    cosigners: str = "",
    is_collective: bool = False,
    is_key: bool = False,
    is_complex: bool = False,
    content: str = "",
    actor: Any,
) -> Proposal:
    """Register an item and assign it (交办) to its lead unit(s) and co-units in one step."""
    _require_office(actor=actor, session=session)
    if number < 1:
        raise ApplicationError("编号必须是正整数")
    if signer_count < 1:
        raise ApplicationError("提出人数至少为 1")
    if not lead_bureaus:
        raise ApplicationError("至少需要一个主办单位")
    overlap = {b.pk for b in lead_bureaus} & {b.pk for b in co_bureaus}
    if overlap:
        raise ApplicationError("同一单位不能既是主办单位又是协办单位")
    if Proposal.objects.filter(session=session, number=number).exists():
        raise ApplicationError(f"{session.name}第{number}号已存在，编号不能重复")
    proposal = Proposal(
        session=session,
        number=number,
        title=clean_text(title, label="标题", required=True, max_length=200),
        lead_proposer=clean_text(lead_proposer, label="领衔人", required=True, max_length=100),
        signer_count=signer_count,
        cosigners=clean_text(cosigners, label="附议人"),
        is_collective=is_collective,
        is_key=is_key,
        is_complex=is_complex,
        content=clean_text(content, label="内容"),
        assigned_date=assigned_date,
    )
    proposal.full_clean()
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError as exc:  # a concurrent registration of the same number
        raise ApplicationError(f"{session.name}第{number}号已存在，编号不能重复") from exc
    for role, bureaus in (
        (Assignment.Role.LEAD, lead_bureaus),
        (Assignment.Role.CO_UNIT, co_bureaus),
    ):
        for bureau in bureaus:
            _assignment_new(
                proposal=proposal, bureau=bureau, role=role, assigned_date=assigned_date
            )
    audit(
        proposal=proposal,
        actor=actor,
        verb=AuditEvent.Verb.REGISTERED,
        message="主办：{}；协办：{}".format(
            "、".join(b.short_name for b in lead_bureaus),
            "、".join(b.short_name for b in co_bureaus) or "无",
        ),
    )
    return proposal


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
            spec = method._django_fsm.get_transition(assignment.state)
            if spec is None:
                raise TransitionError(f"当前状态为“{assignment.get_state_display()}”，不能{label}")
            if not spec.has_perm(assignment, actor):
                raise AccessDenied(f"您无权对该事项执行“{label}”")
            for condition in spec.conditions:
                if not condition(assignment):
                    raise TransitionError(CONDITION_MESSAGES.get(condition, f"暂不能{label}"))
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
    staff = getattr(actor, "staff", None)
    if not (staff and staff.is_bureau_staff and staff.bureau_id == assignment.bureau_id):
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
    staff = getattr(actor, "staff", None)
    if not (staff and staff.is_bureau_staff and staff.bureau_id == assignment.bureau_id):
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
            spec = method._django_fsm.get_transition(extension.state)
            if spec is None:
                raise TransitionError(f"该延期申请已{extension.get_state_display()}")
            if not spec.has_perm(extension, actor):
                raise AccessDenied("只有交办机构可以审批延期")
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


def office_may_decide(*, assignment: Assignment, actor: Any) -> bool:
    return is_handling_office(assignment, actor)


# --- withdrawal and merging (撤回 / 并案) ---------------------------------------------------


def _proposal_for_office(*, proposal_id: int, actor: Any) -> Proposal:
    proposal = Proposal.objects.select_for_update().select_related("session").get(pk=proposal_id)
    _require_office(actor=actor, session=proposal.session)
    if proposal.status != Proposal.Status.ACTIVE:
        raise ApplicationError(f"该事项已{proposal.get_status_display()}")
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal_id: int, actor: Any, reason: str) -> Proposal:
    """The proposer withdraws the item: handling stops, statistics leave it out."""
    proposal = _proposal_for_office(proposal_id=proposal_id, actor=actor)
    proposal.status_reason = clean_text(reason, label="撤回理由", required=True, max_length=2000)
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.save(update_fields=["status", "status_reason", "updated_at"])
    audit(
        proposal=proposal,
        actor=actor,
        verb=AuditEvent.Verb.WITHDRAWN,
        message=proposal.status_reason,
    )
    return proposal


@transaction.atomic
def proposal_merge(*, proposal_id: int, into_number: int, actor: Any, reason: str = "") -> Proposal:
    """并案: the item is answered together with another item of the same session."""
    proposal = _proposal_for_office(proposal_id=proposal_id, actor=actor)
    target = Proposal.objects.filter(session=proposal.session, number=into_number).first()
    if target is None:
        raise ApplicationError(f"{proposal.session.name}没有第{into_number}号")
    if target.pk == proposal.pk:
        raise ApplicationError("不能并入事项自身")
    if target.status != Proposal.Status.ACTIVE:
        raise ApplicationError(f"第{into_number}号已{target.get_status_display()}，不能并入")
    proposal.status = Proposal.Status.MERGED
    proposal.merged_into = target
    proposal.status_reason = clean_text(reason, label="并案说明", max_length=2000)
    proposal.save(update_fields=["status", "merged_into", "status_reason", "updated_at"])
    audit(
        proposal=proposal,
        actor=actor,
        verb=AuditEvent.Verb.MERGED,
        message="：".join(filter(None, [f"并入第{into_number}号", proposal.status_reason])),
        data={"into": target.pk},
    )
    return proposal
