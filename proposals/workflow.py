"""The handling workflow, declared once: states, transitions, who may take them, when, and
everything the rest of the system needs to know about each one.

Each `@transition` carries a `Step` in django-fsm-2's `custom=`: its label, the message after
it, whether it needs a comment, the service that alone may run it, the notice it sends and the
to-do line it puts in a user's inbox. Pages, forms, the API, the inbox, notifications, the audit
trail and the README graph all read these declarations (`step`, `steps`); none keeps a table
of its own. Adding a plain transition means adding one decorated method here.

Transition bodies only set fields of the assignment itself. Services (proposals/services/,
replies/services.py) lock, run the transition, save, write the audit row and queue side effects
on commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import Any

from django.utils import timezone
from django_fsm import transition
from django_fsm_log.decorators import fsm_log_by
from django_fsm_log.decorators import fsm_log_description

from core.actors import ProposerActor
from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.choices import ExtensionState
from core.choices import NoticeKind
from core.choices import ProposalStatus
from core.choices import Satisfaction
from core.choices import StaffRole

S = AssignmentState
CLERK, SUPERVISOR, OFFICE = StaffRole.CLERK, StaffRole.SUPERVISOR, StaffRole.OFFICE


# --- who may act -------------------------------------------------------------------------------


def _staff(user: Any) -> Any:
    """The user's Staff row, or None (proposals.access.staff_of is the typed public version;
    the workflow does not import the models that mix it in)."""
    return getattr(user, "staff", None) if getattr(user, "is_authenticated", False) else None


def _assignment_of(instance: Any) -> Any:
    """Transitions of an extension request are decided on its assignment."""
    return getattr(instance, "assignment", instance)


@dataclass(frozen=True)
class Who:
    """A permission: the staff roles that may take a transition, and where they must sit: in the
    assigned bureau, or in the office that handles the item's body (NPC office for 建议, CPPCC
    office for 提案; the supervision office only reads). Callable as django-fsm's `permission`;
    its roles also tell the inbox which states wait for whom."""

    roles: frozenset[str]
    scope: str  # "bureau" or "office"
    label: str  # who, in the refusal message: 只有{label}可以签批

    def __call__(self, instance: Any, user: Any) -> bool:
        staff = _staff(user)
        if staff is None or staff.role not in self.roles:
            return False
        assignment = _assignment_of(instance)
        if self.scope == "bureau":
            return staff.bureau_id == assignment.bureau_id
        return staff.office_kind == assignment.proposal.session.body


bureau_member = Who(frozenset({CLERK, SUPERVISOR}), "bureau", "本单位承办人员")
bureau_clerk = Who(frozenset({CLERK}), "bureau", "本单位承办人")
bureau_supervisor = Who(frozenset({SUPERVISOR}), "bureau", "本单位承办领导")
handling_office = Who(frozenset({OFFICE}), "office", "交办机构")


@dataclass(frozen=True)
class WhoOrProposer(Who):
    """As `Who`, or a proposer of the item acting on their own page (their 不满意 reopens it)."""

    def __call__(self, instance: Any, user: Any) -> bool:
        if isinstance(user, ProposerActor):
            return _assignment_of(instance).proposal_id in user.proposal_ids
        return super().__call__(instance, user)


handling_office_or_proposer = WhoOrProposer(frozenset({OFFICE}), "office", "交办机构")


def is_bureau_member(instance: Any, user: Any) -> bool:
    return bureau_member(instance, user)


def is_bureau_clerk(instance: Any, user: Any) -> bool:
    return bureau_clerk(instance, user)


def is_bureau_supervisor(instance: Any, user: Any) -> bool:
    return bureau_supervisor(instance, user)


def is_handling_office(instance: Any, user: Any) -> bool:
    return handling_office(instance, user)


# --- conditions, each with the message the user sees when it holds a transition back ----------

Condition = Callable[[Any], bool]


def condition(
    message: str, *, detail: Callable[[Any], str] | None = None
) -> Callable[[Condition], Condition]:
    """Attach the user-facing reason to a condition where the condition is defined. `detail`
    words it for one instance when the fixed message is not enough (which co-units are
    missing)."""

    def mark(func: Condition) -> Condition:
        func.message = message  # type: ignore[attr-defined]
        func.detail = detail  # type: ignore[attr-defined]
        return func

    return mark


def condition_message(func: Condition, fallback: str, instance: Any = None) -> str:
    detail = getattr(func, "detail", None)
    if detail is not None and instance is not None:
        return detail(instance) or getattr(func, "message", fallback)
    return getattr(func, "message", fallback)


@condition("该事项已撤回或并案，不再办理")
def proposal_active(instance: Any) -> bool:
    """A withdrawn (撤回) or merged (并案) item is no longer handled, extensions included."""
    return _assignment_of(instance).proposal.status == ProposalStatus.ACTIVE


@condition("已超过申请调整期限，不能再申请调整承办单位，请与交办机构联系")
def within_reassignment_window(instance: Any) -> bool:
    return timezone.localdate() <= instance.reassignment_deadline


def _incomplete_draft(instance: Any) -> str:
    if not instance.is_lead:
        return "协办意见尚未填写"
    contact = instance.proposal.session.terms["contact"]  # 承办 (NPC) / 主办 (CPPCC)
    return f"复函尚未填写完整（正文、答复分类、{contact}领导、{contact}人、联系电话均为必填）"


@condition(
    "复函尚未填写完整（正文、答复分类、承办领导、承办人、联系电话均为必填）",
    detail=_incomplete_draft,
)
def draft_complete(instance: Any) -> bool:
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


def pending_co_units(instance: Any) -> list[str]:
    """Short names of the co-units of a lead unit's item that have not sent their opinion yet
    (a co-unit is done once it has sent it, or when the item moved to another bureau)."""
    if not instance.is_lead:
        return []
    pending = (
        instance.proposal.assignments.filter(role=AssignmentRole.CO_UNIT)
        .exclude(state__in=S.closed())
        .order_by("bureau__short_name")
    )
    return list(pending.values_list("bureau__short_name", flat=True))


@condition(
    "尚有协办单位未送出协办意见，暂不能提交审核",
    detail=lambda a: (
        f"尚有协办单位未送出协办意见（{'、'.join(names)}），收齐后才能提交审核"
        if (names := pending_co_units(a))
        else ""
    ),
)
def co_unit_opinions_before_submit(instance: Any) -> bool:
    """The lead unit submits its letter only once every co-unit has sent its opinion (会签)."""
    return not pending_co_units(instance)


@condition("尚有协办单位未送出协办意见，暂不能印发")
def co_unit_opinions_in(instance: Any) -> bool:
    """A lead unit issues only after every co-unit has sent its opinion (会签)."""
    return not pending_co_units(instance)


@condition("只有主办单位可以执行此操作")
def is_lead(instance: Any) -> bool:
    return instance.is_lead


@condition("只有代表委员反馈“不满意”后才能重新办理")
def proposer_unsatisfied(instance: Any) -> bool:
    reply = getattr(instance, "reply", None)
    return bool(reply and reply.satisfaction == Satisfaction.UNSATISFIED)


@condition("该事项已办结，不再受理延期申请")
def assignment_open(instance: Any) -> bool:
    return _assignment_of(instance).is_open


# --- what each transition is, beyond its edge in the graph ----------------------------------------


class Comment(StrEnum):
    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


PLAIN = ""  # Step.service of a transition that `assignment_transition` runs by name


@dataclass(frozen=True)
class Step:
    """Everything about one transition besides its source, target, conditions and permission.

    `service` names the one public service that runs it when it needs more than a comment (a
    number allocated, a new period, a bureau chosen, a version kept): the generic service and
    the generic page form refuse it, so `issue` always allocates a number and `reopen` always
    sets a new period. `todo` is the inbox line per staff role that should act on it. `variants`
    override fields for a co-unit's assignment (its `issue` sends an opinion, not a letter)."""

    label: str
    done: str
    button: str = ""  # the button's text when it says more than the label
    comment: Comment = Comment.NONE
    comment_label: str = "意见"
    service: str = PLAIN
    url: str = "proposals:transition"  # the page endpoint that takes the form
    notice: NoticeKind | None = None
    todo: Mapping[str, str] = field(default_factory=dict)
    confirm: str = ""
    direct: bool = (
        True  # taken by its own button (and the API); False: only as part of another form
    )
    variants: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def plain(self) -> bool:
        return self.service == PLAIN

    @property
    def button_text(self) -> str:
        return self.button or self.label

    def for_role(self, role: str) -> Step:
        """This step as it applies to a lead unit or a co-unit."""
        changes = self.variants.get(role)
        return dataclasses.replace(self, **changes) if changes else self


def _declare(step: Step, **kwargs: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """@transition with its Step, logged by django-fsm-log with the actor and the comment."""

    def decorate(method: Callable[..., None]) -> Callable[..., None]:
        return fsm_log_by(
            fsm_log_description(transition(field="state", custom={"step": step}, **kwargs)(method))
        )

    return decorate


# --- the graph ---------------------------------------------------------------------------------


class AssignmentWorkflow:
    """交办任务的办理流程 (mixed into proposals.models.Assignment)."""

    @_declare(
        Step(label="签收", done="已签收", todo={CLERK: "签收", SUPERVISOR: "签收"}),
        source=S.ASSIGNED,
        target=S.ACCEPTED,
        conditions=[proposal_active],
        permission=bureau_member,
    )
    def accept(self, by: Any = None, description: str | None = None) -> None:
        """The clerk who accepts becomes the item's clerk (承办人) unless one is set."""
        staff = _staff(by)
        if self.clerk_id is None and staff is not None and staff.role == CLERK:  # type: ignore[attr-defined]
            self.clerk = by

    @_declare(
        Step(
            label="申请调整",
            done="已提交调整申请，待交办机构决定",
            comment=Comment.REQUIRED,
            comment_label="申请调整的理由",
            notice=NoticeKind.REASSIGNMENT_REQUESTED,
            todo={CLERK: "申请调整"},
        ),
        source=S.window(),
        target=S.REASSIGNMENT_REQUESTED,
        conditions=[proposal_active, within_reassignment_window],
        permission=bureau_member,
    )
    def request_reassignment(self, by: Any = None, description: str | None = None) -> None:
        self.reassignment_reason = description or ""

    @_declare(
        Step(
            label="不同意调整",
            done="已退回原单位办理",
            comment=Comment.REQUIRED,
            comment_label="不同意调整的理由",
        ),
        source=S.REASSIGNMENT_REQUESTED,
        target=S.ASSIGNED,
        conditions=[proposal_active],
        permission=handling_office,
    )
    def keep(self, by: Any = None, description: str | None = None) -> None:
        """The office refuses: the bureau handles the item after all."""

    @_declare(
        Step(
            label="同意调整",
            done="已改由新单位办理",
            comment=Comment.OPTIONAL,
            comment_label="说明",
            service="assignment_reassign",
            url="proposals:reassign",
            todo={OFFICE: "审批调整申请"},
        ),
        source=S.REASSIGNMENT_REQUESTED,
        target=S.REASSIGNED,
        conditions=[proposal_active],
        permission=handling_office,
    )
    def reassign(self, by: Any = None, description: str | None = None) -> None:
        """The office moves the item to another bureau (assignment_reassign opens it there)."""

    @_declare(
        Step(label="开始办理", done="已开始办理", todo={CLERK: "开始办理"}),
        source=S.ACCEPTED,
        target=S.DRAFTING,
        conditions=[proposal_active],
        permission=bureau_clerk,
    )
    def start_drafting(self, by: Any = None, description: str | None = None) -> None:
        pass

    @_declare(
        Step(
            label="提交审核",
            done="已提交领导审核",
            comment=Comment.OPTIONAL,
            comment_label="提交说明",
            service="draft_submit",
            url="replies:submit",
            notice=NoticeKind.SUBMITTED,
            todo={CLERK: "起草复函"},
            confirm="提交后草稿不能再修改，直到领导退回。确认提交审核？",
            variants={AssignmentRole.CO_UNIT: {"todo": {CLERK: "起草协办意见"}}},
        ),
        source=S.DRAFTING,
        target=S.IN_REVIEW,
        conditions=[proposal_active, co_unit_opinions_before_submit, draft_complete],
        permission=bureau_clerk,
    )
    def submit(self, by: Any = None, description: str | None = None) -> None:
        """The draft goes to the supervisor (draft_submit keeps the submitted version)."""

    @_declare(
        Step(
            label="退回修改",
            done="已退回修改",
            comment=Comment.REQUIRED,
            comment_label="退回意见",
            notice=NoticeKind.RETURNED,
        ),
        source=S.IN_REVIEW,
        target=S.DRAFTING,
        conditions=[proposal_active],
        permission=bureau_supervisor,
    )
    def return_for_revision(self, by: Any = None, description: str | None = None) -> None:
        pass

    @_declare(
        Step(
            label="签批",
            done="已签批",
            comment=Comment.OPTIONAL,
            comment_label="签批意见",
            todo={SUPERVISOR: "审核签批"},
        ),
        source=S.IN_REVIEW,
        target=S.APPROVED,
        conditions=[proposal_active],
        permission=bureau_supervisor,
    )
    def approve(self, by: Any = None, description: str | None = None) -> None:
        pass

    @_declare(
        Step(
            label="印发",
            done="复函已印发，文号已分配",
            button="印发复函（分配文号）",
            service="reply_issue",
            url="replies:issue",
            notice=NoticeKind.ISSUED,
            todo={CLERK: "印发复函", SUPERVISOR: "印发复函"},
            confirm="印发后即分配文号并生成正式复函，不能撤回。确认印发？",
            variants={
                AssignmentRole.CO_UNIT: {
                    "label": "送出协办意见",
                    "button": "",
                    "done": "协办意见已送主办单位",
                    "service": "opinion_send",
                    "notice": NoticeKind.OPINION_SENT,
                    "todo": {CLERK: "送出协办意见"},
                    "confirm": "",
                }
            },
        ),
        source=S.APPROVED,
        target=S.ISSUED,
        conditions=[proposal_active, co_unit_opinions_in],
        permission=bureau_member,
    )
    def issue(self, by: Any = None, description: str | None = None) -> None:
        """Only reply_issue (number, frozen text, PDF) or opinion_send runs this."""

    @_declare(
        Step(
            label="抄送",
            done="已抄送",
            todo={CLERK: "抄送"},
            variants={AssignmentRole.CO_UNIT: {"todo": {}}},  # a co-unit is done once it has sent
        ),
        source=S.ISSUED,
        target=S.CC_SENT,
        conditions=[proposal_active, is_lead],
        permission=bureau_member,
    )
    def send_cc(self, by: Any = None, description: str | None = None) -> None:
        pass

    @_declare(
        Step(
            label="重新办理",
            done="已重新交办理",
            comment=Comment.REQUIRED,
            service="reply_record_feedback",
            url="replies:feedback",
            direct=False,
        ),
        source=S.replied(),
        target=S.DRAFTING,
        conditions=[proposal_active, is_lead, proposer_unsatisfied],
        permission=handling_office_or_proposer,
    )
    def reopen(self, by: Any = None, description: str | None = None) -> None:
        """Only reply_record_feedback (不满意) runs this, and it sets the new period."""


class ExtensionWorkflow:
    """延期申请的审批 (mixed into proposals.models.ExtensionRequest)."""

    @_declare(
        Step(
            label="同意延期",
            done="已同意延期",
            comment=Comment.OPTIONAL,
            comment_label="审批意见",
            todo={OFFICE: "审批延期申请"},
        ),
        source=ExtensionState.PENDING,
        target=ExtensionState.APPROVED,
        conditions=[proposal_active, assignment_open],
        permission=handling_office,
    )
    def approve(self, by: Any = None, description: str | None = None) -> None:
        pass

    @_declare(
        Step(
            label="不同意延期",
            done="已不同意延期",
            comment=Comment.REQUIRED,
            comment_label="不同意的理由",
        ),
        source=ExtensionState.PENDING,
        target=ExtensionState.REJECTED,
        conditions=[proposal_active, assignment_open],
        permission=handling_office,
    )
    def reject(self, by: Any = None, description: str | None = None) -> None:
        pass


# --- reading the declarations ------------------------------------------------------------------


def _transitions(workflow: type) -> Iterator[Any]:
    """The django-fsm Transition objects declared on a workflow class, in declaration order
    (a transition with several sources appears once per source)."""
    for attr in vars(workflow).values():
        meta = getattr(attr, "_django_fsm", None)
        if meta is not None:
            yield from meta.transitions.values()


def steps(workflow: type = AssignmentWorkflow) -> dict[str, Step]:
    """Every transition's Step, by transition name, in declaration order."""
    return {t.name: t.custom["step"] for t in _transitions(workflow)}


def step(
    name: str, *, role: str = AssignmentRole.LEAD, workflow: type = AssignmentWorkflow
) -> Step:
    """One transition's Step as it applies to `role`; KeyError when no such transition."""
    return steps(workflow)[name].for_role(role)


def edges(workflow: type = AssignmentWorkflow) -> list[tuple[str, str, str]]:
    """(source, transition name, target) for the graph in the README."""
    return [(t.source, t.name, t.target) for t in _transitions(workflow)]


def todo_states(
    staff_role: str, assignment_role: str | None = None, workflow: type = AssignmentWorkflow
) -> set[str]:
    """States in which a transition waits for a staff member of `staff_role` (the inbox), for
    a lead unit's or a co-unit's assignment (both when `assignment_role` is None)."""
    roles = [assignment_role] if assignment_role else list(AssignmentRole.values)
    return {
        t.source
        for t in _transitions(workflow)
        for r in roles
        if staff_role in t.custom["step"].for_role(r).todo and staff_role in t.permission.roles
    }


def transitions_from(state: str, workflow: type = AssignmentWorkflow) -> list[str]:
    """Names of the transitions declared from `state`, in declaration order."""
    return [t.name for t in _transitions(workflow) if t.source == state]


def label_of(name: str, role: str = AssignmentRole.LEAD) -> str:
    """A logged transition's label for the history and the audit trail (its name if it is no
    longer declared)."""
    found = steps().get(name)
    return found.for_role(role).label if found else name
