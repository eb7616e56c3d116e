"""The handling workflow, declared once: states, transitions, conditions and who may take them.

Transition bodies are empty on purpose. Services (proposals/services/, replies/services.py)
lock, run the transition, save, write the audit row and queue side effects on commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from django.utils import timezone
from django_fsm import transition
from django_fsm_log.decorators import fsm_log_by
from django_fsm_log.decorators import fsm_log_description

from core.choices import AssignmentState
from core.choices import ExtensionState

if TYPE_CHECKING:
    from proposals.models import Assignment
    from proposals.models import ExtensionRequest


S = AssignmentState


# --- who may act -------------------------------------------------------------------------------


def staff_of(user: Any) -> Any:
    """The user's Staff row (bureau or office), or None for anonymous users and users without."""
    return getattr(user, "staff", None) if getattr(user, "is_authenticated", False) else None


def is_bureau_member(instance: Assignment, user: Any) -> bool:
    staff = staff_of(user)
    return bool(staff and staff.is_bureau_staff and staff.bureau_id == instance.bureau_id)


def is_bureau_clerk(instance: Assignment, user: Any) -> bool:
    staff = staff_of(user)
    return bool(is_bureau_member(instance, user) and staff.role == "clerk")


def is_bureau_supervisor(instance: Assignment, user: Any) -> bool:
    staff = staff_of(user)
    return bool(is_bureau_member(instance, user) and staff.role == "supervisor")


def is_handling_office(instance: Assignment, user: Any) -> bool:
    """The NPC office for 建议, the CPPCC office for 提案 (the supervision office only reads)."""
    staff = staff_of(user)
    return bool(
        staff and staff.role == "office" and staff.office.kind == instance.proposal.session.body
    )


def is_extension_office(instance: ExtensionRequest, user: Any) -> bool:
    return is_handling_office(instance.assignment, user)


# --- conditions --------------------------------------------------------------------------------


def within_reassignment_window(instance: Assignment) -> bool:
    return timezone.localdate() <= instance.reassignment_deadline


def draft_complete(instance: Assignment) -> bool:
    if instance.is_lead:
        reply = getattr(instance, "reply", None)
        return bool(
            reply
            and reply.body.strip()
            and reply.answer_class
            and reply.leader_name.strip()
            and reply.clerk_name.strip()
            and reply.phone.strip()
        )
    opinion = getattr(instance, "opinion", None)
    return bool(opinion and opinion.body.strip())


def co_unit_opinions_in(instance: Assignment) -> bool:
    """A lead unit issues only after every co-unit has sent its opinion (会签)."""
    if not instance.is_lead:
        return True
    pending = instance.proposal.assignments.filter(role="co_unit").exclude(
        state__in=[S.ISSUED, S.CC_SENT, S.REASSIGNED]
    )
    return not pending.exists()


def proposal_active(instance: Assignment) -> bool:
    """A withdrawn (撤回) or merged (并案) item is no longer handled."""
    return instance.proposal.status == "active"


def is_lead(instance: Assignment) -> bool:
    return instance.is_lead


def proposer_unsatisfied(instance: Assignment) -> bool:
    reply = getattr(instance, "reply", None)
    return bool(reply and reply.satisfaction == "unsatisfied")


# --- the graph ---------------------------------------------------------------------------------


class AssignmentWorkflow:
    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        conditions=[proposal_active],
        source=S.ASSIGNED,
        target=S.ACCEPTED,
        permission=is_bureau_member,
    )
    def accept(self, by: Any = None, description: str | None = None) -> None:
        """签收"""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        source=[S.ASSIGNED, S.ACCEPTED],
        target=S.REASSIGNMENT_REQUESTED,
        conditions=[proposal_active, within_reassignment_window],
        permission=is_bureau_member,
    )
    def request_reassignment(self, by: Any = None, description: str | None = None) -> None:
        """申请调整承办单位"""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        conditions=[proposal_active],
        source=S.REASSIGNMENT_REQUESTED,
        target=S.ASSIGNED,
        permission=is_handling_office,
    )
    def keep(self, by: Any = None, description: str | None = None) -> None:
        """不同意调整，退回原单位办理"""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        conditions=[proposal_active],
        source=S.REASSIGNMENT_REQUESTED,
        target=S.REASSIGNED,
        permission=is_handling_office,
    )
    def reassign(self, by: Any = None, description: str | None = None) -> None:
        """同意调整，改由他单位办理"""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        conditions=[proposal_active],
        source=S.ACCEPTED,
        target=S.DRAFTING,
        permission=is_bureau_clerk,
    )
    def start_drafting(self, by: Any = None, description: str | None = None) -> None:
        """开始办理"""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        source=S.DRAFTING,
        target=S.IN_REVIEW,
        conditions=[proposal_active, draft_complete],
        permission=is_bureau_clerk,
    )
    def submit(self, by: Any = None, description: str | None = None) -> None:
        """提交领导审核"""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        conditions=[proposal_active],
        source=S.IN_REVIEW,
        target=S.DRAFTING,
        permission=is_bureau_supervisor,
    )
    def return_for_revision(self, by: Any = None, description: str | None = None) -> None:
        """退回修改"""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        conditions=[proposal_active],
        source=S.IN_REVIEW,
        target=S.APPROVED,
        permission=is_bureau_supervisor,
    )
    def approve(self, by: Any = None, description: str | None = None) -> None:
        """签批"""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        source=S.APPROVED,
        target=S.ISSUED,
        conditions=[proposal_active, co_unit_opinions_in],
        permission=is_bureau_member,
    )
    def issue(self, by: Any = None, description: str | None = None) -> None:
        """印发复函（协办单位：送出协办意见）"""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        source=S.ISSUED,
        target=S.CC_SENT,
        conditions=[proposal_active, is_lead],
        permission=is_bureau_member,
    )
    def send_cc(self, by: Any = None, description: str | None = None) -> None:
        """抄送"""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        source=[S.ISSUED, S.CC_SENT],
        target=S.DRAFTING,
        conditions=[proposal_active, is_lead, proposer_unsatisfied],
        permission=is_handling_office,
    )
    def reopen(self, by: Any = None, description: str | None = None) -> None:
        """代表委员不满意，重新办理"""


class ExtensionWorkflow:
    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        source=ExtensionState.PENDING,
        target=ExtensionState.APPROVED,
        permission=is_extension_office,
    )
    def approve(self, by: Any = None, description: str | None = None) -> None:
        """同意延期"""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        source=ExtensionState.PENDING,
        target=ExtensionState.REJECTED,
        permission=is_extension_office,
    )
    def reject(self, by: Any = None, description: str | None = None) -> None:
        """不同意延期"""


# Labels for buttons and the history, and which transitions need a written comment.
TRANSITION_LABELS: dict[str, str] = {
    "accept": "签收",
    "request_reassignment": "申请调整",
    "keep": "不同意调整",
    "reassign": "同意调整",
    "start_drafting": "开始办理",
    "submit": "提交审核",
    "return_for_revision": "退回修改",
    "approve": "签批",
    "issue": "印发",
    "send_cc": "抄送",
    "reopen": "重新办理",
}
COMMENT_REQUIRED = frozenset({"request_reassignment", "return_for_revision", "keep"})

# What the user is told when a condition holds a transition back.
CONDITION_MESSAGES: dict[Any, str] = {
    proposal_active: "该事项已撤回或并案，不再办理",
    within_reassignment_window: "已超过申请调整期限，不能再申请调整承办单位，请与交办机构联系",
    draft_complete: "复函尚未填写完整（正文、答复分类、承办领导、承办人、联系电话均为必填）",
    co_unit_opinions_in: "尚有协办单位未送出协办意见，暂不能印发",
    is_lead: "只有主办单位可以执行此操作",
    proposer_unsatisfied: "只有代表委员反馈“不满意”后才能重新办理",
}
