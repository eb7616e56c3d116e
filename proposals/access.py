"""Who may do what, decided once. Services call these checks before they write; views hand the
same answers to templates as capability flags (`caps.issue.ok`, `caps.issue.reason`), so a
template never tests a role or a state itself.

Every check returns a `Can`: allowed or not, and the Chinese reason when not. `denied` tells
"not your business" (the page answers 403, the service raises AccessDenied) from "not now"
(the state or a condition holds it back: TransitionError, shown next to the button)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.db.models import QuerySet
from django.utils import timezone

from core.actors import ProposerActor
from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.choices import ExtensionState
from core.choices import OfficeKind
from core.choices import ProposalStatus
from core.choices import RatingSource
from core.choices import StaffRole
from core.choices import SupervisionKind
from core.choices import SupervisionState
from core.exceptions import AccessDenied
from core.exceptions import TransitionError
from proposals.models import Assignment
from proposals.models import ExtensionRequest
from proposals.models import Proposal
from proposals.models import ProposalPerson
from proposals.models import Session
from proposals.models import Staff
from proposals.models import Supervision
from proposals.workflow import Step
from proposals.workflow import bureau_clerk
from proposals.workflow import bureau_member
from proposals.workflow import bureau_supervisor
from proposals.workflow import condition_message
from proposals.workflow import handling_office
from proposals.workflow import proposal_active

S = AssignmentState


@dataclass(frozen=True)
class Can:
    ok: bool
    reason: str = ""
    denied: bool = False  # True: this user may never do it here; False: not in this state

    def __bool__(self) -> bool:
        return self.ok

    def require(self) -> None:
        """Raise the service error that matches the refusal."""
        if self.ok:
            return
        raise (AccessDenied if self.denied else TransitionError)(self.reason)


YES = Can(True)


def _no(reason: str) -> Can:
    return Can(False, reason)


def _denied(reason: str) -> Can:
    return Can(False, reason, denied=True)


# --- who someone is -----------------------------------------------------------------------------


def staff_of(user: Any) -> Staff | None:
    """The user's Staff row (bureau or office), or None for anonymous users and users without."""
    return getattr(user, "staff", None) if getattr(user, "is_authenticated", False) else None


def is_office(user: Any) -> bool:
    """NPC, CPPCC or supervision office staff: they read everything."""
    staff = staff_of(user)
    return bool(staff and staff.role == StaffRole.OFFICE)


def is_staff_member(user: Any) -> bool:
    return staff_of(user) is not None or bool(getattr(user, "is_superuser", False))


def reads_everything(user: Any) -> bool:
    """Offices, the supervision office and the site administrator see every bureau's items."""
    return is_office(user) or (
        staff_of(user) is None and bool(getattr(user, "is_superuser", False))
    )


def visibility_key(user: Any) -> str:
    """What this user may read, as a cache key part: everything, one bureau's items, or nothing
    (assignment_list_visible draws the same line); pages cached across users key on it."""
    if reads_everything(user):
        return "all"
    staff = staff_of(user)
    return f"bureau-{staff.bureau_id}" if staff is not None and staff.bureau_id else "none"


def handling_body(user: Any) -> str | None:
    """The body ("npc"/"cppcc") whose items this user registers and decides, or None."""
    staff = staff_of(user)
    if staff and staff.role == StaffRole.OFFICE and not staff.is_supervision:
        return staff.office_kind
    return None


# --- transitions --------------------------------------------------------------------------------


def _transition_check(instance: Any, name: str, user: Any, step: Step, state_label: str) -> Can:
    meta = getattr(instance, name)._django_fsm
    spec = meta.get_transition(meta.field.get_state(instance))
    # Who may take it does not depend on the state: an outsider hears "not yours" first.
    any_spec = spec or next(iter(meta.transitions.values()))
    if not any_spec.has_perm(instance, user):
        who = getattr(any_spec.permission, "label", "")
        return _denied(f"只有{who}可以{step.label}" if who else f"您无权{step.label}")
    if spec is None:
        return _no(f"当前状态为“{state_label}”，不能{step.label}")
    for cond in spec.conditions:
        if not cond(instance):
            return _no(condition_message(cond, f"暂不能{step.label}", instance))
    return YES


def transition_check(*, assignment: Assignment, name: str, user: Any) -> Can:
    """May this user take this transition of the assignment now, and if not, why."""
    step = assignment.step(name)
    return _transition_check(assignment, name, user, step, assignment.get_state_display())


def extension_decision_check(*, extension: ExtensionRequest, name: str, user: Any) -> Can:
    step = extension.step(name)
    return _transition_check(extension, name, user, step, extension.get_state_display())


@dataclass(frozen=True)
class Action:
    """A transition the user could take from the current state: allowed, or shown disabled
    with the reason (尚有协办单位未送出协办意见，暂不能印发)."""

    name: str
    step: Step
    can: Can


def assignment_actions(*, assignment: Assignment, user: Any) -> list[Action]:
    """The transitions from this state that this user has the right to take, allowed or not
    yet; the ones that are never this user's are left out."""
    actions = []
    for name in assignment.transitions_from_here():
        can = transition_check(assignment=assignment, name=name, user=user)
        if not can.denied:
            actions.append(Action(name, assignment.step(name), can))
    return actions


# --- other capabilities -------------------------------------------------------------------------


def _item_active(assignment: Assignment) -> Can:
    if assignment.proposal.status != ProposalStatus.ACTIVE:
        return _no(condition_message(proposal_active, "该事项已不再办理"))
    return YES


def may_edit_draft(*, assignment: Assignment, user: Any) -> Can:
    if not bureau_clerk(assignment, user):
        return _denied("只有本单位承办人可以编辑复函草稿")
    if assignment.state != S.DRAFTING:
        return _no(f"当前状态为“{assignment.get_state_display()}”，只有“办理中”可以编辑草稿")
    return _item_active(assignment)


def may_preview_draft(*, assignment: Assignment, user: Any) -> Can:
    """The bureau reads its own drafts; the offices see issued letters, not drafts. Once the
    letter is issued there is no draft left to preview (until the item is re-handled)."""
    if not (bureau_clerk(assignment, user) or bureau_supervisor(assignment, user)):
        return _denied("只有本单位承办人和承办领导可以预览复函草稿")
    if assignment.state in S.replied():
        return _no("复函已印发，请查看正式复函")
    return YES


def may_read_issued_letters(*, assignment: Assignment, user: Any) -> Can:
    """The issued letters of a lead unit's assignment: its bureau, the offices, and the item's
    co-units (they contributed an opinion and read the answer; a co-unit moved to another
    bureau no longer does)."""
    if reads_everything(user) or bureau_member(assignment, user):
        return YES
    staff = staff_of(user)
    if (
        staff is not None
        and staff.bureau_id is not None
        and assignment.proposal.assignments.filter(
            bureau_id=staff.bureau_id, role=AssignmentRole.CO_UNIT
        )
        .exclude(state=S.REASSIGNED)
        .exists()
    ):
        return YES
    return _denied("复函不存在或您无权查看")


def may_review(*, assignment: Assignment, user: Any) -> Can:
    if not bureau_supervisor(assignment, user):
        return _denied("只有本单位承办领导可以审核")
    if assignment.state != S.IN_REVIEW:
        return _no(f"当前状态为“{assignment.get_state_display()}”，没有待审核的稿件")
    return YES


def may_request_extension(*, assignment: Assignment, user: Any) -> Can:
    if not bureau_member(assignment, user):
        return _denied("只有本单位人员可以申请延期")
    active = _item_active(assignment)
    if not active:
        return active
    if not assignment.is_open:
        return _no("该事项已办结，不能申请延期")
    if assignment.state == S.REASSIGNMENT_REQUESTED:
        return _no("正在申请调整承办单位，交办机构决定前不能申请延期")
    if assignment.extensions.filter(state=ExtensionState.PENDING).exists():
        return _no("已有一份延期申请在审批中")
    return YES


def may_decide_extensions(*, assignment: Assignment, user: Any) -> Can:
    if not handling_office(assignment, user):
        return _denied("只有交办机构可以审批延期")
    return _item_active(assignment)


def may_record_feedback(*, assignment: Assignment, user: Any) -> Can:
    """The handling office records the proposer's satisfaction with an issued letter."""
    if not handling_office(assignment, user):
        return _denied("只有交办机构可以登记代表委员的满意度")
    if not assignment.is_lead:
        return _denied("满意度针对主办单位的复函登记")
    active = _item_active(assignment)
    if not active:
        return active
    if assignment.state not in S.replied():
        return _no("复函印发后才能登记满意度")
    return YES


def proposer_actor(*, person_id: int, name: str) -> ProposerActor:
    """The proposer as an actor: the items they may act on are the ones they proposed."""
    ids = frozenset(
        ProposalPerson.objects.filter(person_id=person_id).values_list("proposal_id", flat=True)
    )
    return ProposerActor(person_id=person_id, name=name, proposal_ids=ids)


def may_rate_letter(*, assignment: Assignment, person_id: int, actor: Any, source: str) -> Can:
    """A proposer rates the lead unit's issued letter of their own item, online; the handling
    office records a rating given on paper for any proposer of the item."""
    if source == RatingSource.PAPER:
        can = may_record_feedback(assignment=assignment, user=actor)
        if not can:
            return can
    elif source == RatingSource.ONLINE:
        if not (
            isinstance(actor, ProposerActor)
            and actor.person_id == person_id
            and assignment.proposal_id in actor.proposal_ids
        ):
            return _denied("只能评价本人提出的建议、提案的复函")
        if not assignment.is_lead:
            return _denied("评价针对主办单位的复函")
        active = _item_active(assignment)
        if not active:
            return active
        if assignment.state not in S.replied():
            return _no("复函印发后才能评价")
    else:
        return _denied("未知的评价方式")
    if not ProposalPerson.objects.filter(
        proposal_id=assignment.proposal_id, person_id=person_id
    ).exists():
        return _denied("该代表委员不是此事项的提出人")
    return YES


def may_record_contact(*, assignment: Assignment, user: Any) -> Can:
    if not bureau_clerk(assignment, user):
        return _denied("只有本单位承办人可以登记面商情况")
    return YES


def may_update_contacts(*, assignment: Assignment, user: Any) -> Can:
    if not bureau_member(assignment, user):
        return _denied("只有本单位人员可以修改承办信息")
    return YES


def may_register(*, user: Any, session: Session) -> Can:
    """Registering, withdrawing and merging items belong to the office of the session's body."""
    if handling_body(user) != session.body:
        return _denied(f"只有{OfficeKind.handling(session.body).label}可以登记、交办、撤回或并案")
    return YES


def may_withdraw(*, assignment: Assignment, user: Any) -> Can:
    can = may_register(user=user, session=assignment.proposal.session)
    if not can:
        return can
    if assignment.proposal.status != ProposalStatus.ACTIVE:
        return _no(f"该事项已{assignment.proposal.get_status_display()}")
    return YES


def may_import(*, user: Any) -> Can:
    if handling_body(user) is None:
        return _denied("只有区人大常委会办公室或区政协办公室可以导入交办清单")
    return YES


def may_register_items(*, user: Any) -> Can:
    """The registration page: the NPC and CPPCC offices, each for its own sessions."""
    if handling_body(user) is None:
        return _denied("只有区人大常委会办公室或区政协办公室可以登记交办事项")
    return YES


def may_see_proposers(*, user: Any) -> Can:
    """Proposers, their ratings and messages: the offices and the supervision office read."""
    if not reads_everything(user):
        return _denied("只有交办机构和督查室可以查看代表委员及其评价")
    return YES


def may_manage_proposers(*, user: Any, session: Session) -> Can:
    """Resend or revoke links, record paper ratings, set publicity: the office of the body."""
    if handling_body(user) != session.body:
        return _denied(
            f"只有{OfficeKind.handling(session.body).label}可以重发链接、代录评价或设置公开属性"
        )
    return YES


def may_see_calendar(*, user: Any) -> Can:
    if not reads_everything(user):
        return _denied("只有交办机构和督查室可以查看节假日安排")
    return YES


def may_edit_calendar(*, user: Any) -> Can:
    """The holiday calendar is kept by the NPC and CPPCC offices (it serves both)."""
    if handling_body(user) is None:
        return _denied("只有区人大常委会办公室或区政协办公室可以维护节假日安排")
    return YES


def may_see_proposal(*, user: Any, proposal: Proposal) -> Can:
    """Everyone who may see one of the item's assignments sees the item: the offices and the
    supervision office, and every bureau that has (or had) an assignment on it."""
    if reads_everything(user):
        return YES
    staff = staff_of(user)
    if (
        staff is not None
        and staff.bureau_id is not None
        and proposal.assignments.filter(bureau_id=staff.bureau_id).exists()
    ):
        return YES
    return _denied("事项不存在或您无权查看")


def may_add_attachment(*, user: Any, proposal: Proposal) -> Can:
    """The handling office adds the original suggestion (as at registration)."""
    can = may_register(user=user, session=proposal.session)
    if not can:
        return _denied(f"只有{OfficeKind.handling(proposal.session.body).label}可以上传原件附件")
    return YES


def may_see_audit(*, user: Any) -> Can:
    if not reads_everything(user):
        return _denied("只有交办机构和督查室可以查看审计记录")
    return YES


def may_export_letters(*, user: Any) -> Can:
    if not reads_everything(user):
        return _denied("只有交办机构和督查室可以批量导出复函")
    return YES


# --- 催办 and 督办 -----------------------------------------------------------------------------


def _supervising_office(*, assignment: Assignment, user: Any, what: str) -> Can:
    """催办 and 督办 belong to the office of the item's body and to the supervision office."""
    staff = staff_of(user)
    body = assignment.proposal.session.body
    if (
        staff is None
        or staff.role != StaffRole.OFFICE
        or not (staff.is_supervision or staff.office_kind == body)
    ):
        return _denied(
            f"只有{OfficeKind.handling(body).label}和{OfficeKind.SUPERVISION.label}可以{what}"
        )
    return YES


def _still_owed(assignment: Assignment, what: str) -> Can:
    active = _item_active(assignment)
    if not active:
        return active
    if not assignment.is_open:
        return _no(f"该事项{assignment.get_state_display()}，无需{what}")
    return YES


def may_urge(*, assignment: Assignment, user: Any) -> Can:
    """催办: on any open assignment, with a comment."""
    can = _supervising_office(assignment=assignment, user=user, what="催办")
    return can if not can else _still_owed(assignment, "催办")


def may_open_supervision(*, assignment: Assignment, user: Any, today: dt.date | None = None) -> Can:
    """督办单: on an overdue open assignment, one awaiting its answer at a time."""
    can = _supervising_office(assignment=assignment, user=user, what="下发督办单")
    if not can:
        return can
    can = _still_owed(assignment, "督办")
    if not can:
        return can
    today = today or timezone.localdate()
    if assignment.due_date >= today:
        return _no("尚未逾期，逾期后才能下发督办单（可先催办）")
    if open_orders(assignment):
        return _no("已有一份督办单待答复")
    return YES


def supervisions_of(assignment: Assignment) -> list[Supervision]:
    """The assignment's 催办 and 督办单, oldest first, with who sent, answered and closed them:
    read once per page (the item page prefetches them, `supervisions_prefetch`) and shared by
    the checks here and the selectors, which each made a query of their own before."""
    cache = getattr(assignment, "_prefetched_objects_cache", {})
    if "supervisions" in cache:
        return list(cache["supervisions"])
    return list(_supervisions().filter(assignment=assignment))


def supervisions_prefetch() -> Prefetch[Any]:
    """What `supervisions_of` reads, for prefetch_related_objects on a page's assignment."""
    return Prefetch("supervisions", queryset=_supervisions())


def _supervisions() -> QuerySet[Supervision]:
    return Supervision.objects.select_related("office", "created_by", "answered_by", "closed_by")


def open_orders(assignment: Assignment) -> list[Supervision]:
    """The 督办单 still waiting for the bureau's answer (at most one: may_open_supervision)."""
    return [
        s
        for s in supervisions_of(assignment)
        if s.kind == SupervisionKind.ORDER and s.state == SupervisionState.OPEN
    ]


def may_answer_supervision(*, assignment: Assignment, user: Any) -> Can:
    """The bureau's clerk or supervisor answers the 督办单 that waits for it."""
    if not bureau_member(assignment, user):
        return _denied("只有承办单位的承办人和承办领导可以答复督办单")
    if not open_orders(assignment):
        return _no("没有待答复的督办单")
    return YES


def may_close_supervision(*, supervision: Supervision, user: Any) -> Can:
    """The office that opened a 督办单 closes it (answered, or no longer needed)."""
    staff = staff_of(user)
    if staff is None or staff.role != StaffRole.OFFICE or staff.office_id != supervision.office_id:
        return _denied("只有发出督办单的机构可以办结督办单")
    if supervision.kind != SupervisionKind.ORDER:
        return _no("催办无需办结")
    if supervision.state == SupervisionState.CLOSED:
        return _no("督办单已办结")
    return YES


def may_urge_in_batch(*, user: Any) -> Can:
    """Whether the board offers batch 催办 (each item is still checked on its own)."""
    if not is_office(user):
        return _denied("只有交办机构和督查室可以催办")
    return YES


def may_use_system(*, user: Any) -> Can:
    """Pages for staff only (the policy library, the board): every bureau and office member."""
    if not is_staff_member(user):
        return _denied("您的账号尚未分配单位或机构，请联系管理员")
    return YES


# --- everything about one assignment, for its page ---------------------------------------------


@dataclass(frozen=True)
class AssignmentCaps:
    """What this user may do on this assignment's page, and why not where it matters."""

    actions: tuple[Action, ...]
    edit_draft: Can
    preview_draft: Can
    review: Can
    request_extension: Can
    decide_extensions: Can
    record_feedback: Can
    record_contact: Can
    update_contacts: Can
    withdraw: Can
    urge: Can
    open_supervision: Can
    answer_supervision: Can
    add_attachment: Can

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)

    @property
    def anything(self) -> bool:
        """Whether the page's actions offer this user anything to do (else it says so)."""
        return any(a.can.ok for a in self.actions) or any(
            c.ok
            for c in (
                self.edit_draft,
                self.review,
                self.request_extension,
                self.record_feedback,
                self.withdraw,
            )
        )

    @property
    def presses(self) -> bool:
        """Whether the 催办与督办 section offers this user something to do."""
        return any(c.ok for c in (self.urge, self.open_supervision, self.answer_supervision))


def assignment_capabilities(*, assignment: Assignment, user: Any) -> AssignmentCaps:
    return AssignmentCaps(
        actions=tuple(assignment_actions(assignment=assignment, user=user)),
        edit_draft=may_edit_draft(assignment=assignment, user=user),
        preview_draft=may_preview_draft(assignment=assignment, user=user),
        review=may_review(assignment=assignment, user=user),
        request_extension=may_request_extension(assignment=assignment, user=user),
        decide_extensions=may_decide_extensions(assignment=assignment, user=user),
        record_feedback=may_record_feedback(assignment=assignment, user=user),
        record_contact=may_record_contact(assignment=assignment, user=user),
        update_contacts=may_update_contacts(assignment=assignment, user=user),
        withdraw=may_withdraw(assignment=assignment, user=user),
        urge=may_urge(assignment=assignment, user=user),
        open_supervision=may_open_supervision(assignment=assignment, user=user),
        answer_supervision=may_answer_supervision(assignment=assignment, user=user),
        add_attachment=may_add_attachment(user=user, proposal=assignment.proposal),
    )
