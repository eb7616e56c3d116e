"""Reads, scoped by access. A bureau's staff see their own bureau's assignments; the NPC and
CPPCC offices and the supervision office see everything, read-only except their own decisions.
What waits in whose inbox, and what the inbox says to do, come from the workflow's declarations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.db.models import Exists
from django.db.models import OuterRef
from django.db.models import Q
from django.db.models import QuerySet
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.choices import ExtensionState
from core.choices import ProposalStatus
from core.choices import Satisfaction
from core.choices import StaffRole
from core.choices import SupervisionKind
from core.choices import SupervisionState
from core.choices import TallyKey
from core.exceptions import AccessDenied
from core.names import person_name
from proposals import calendar
from proposals.access import open_orders
from proposals.access import reads_everything
from proposals.access import staff_of
from proposals.access import supervisions_of
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import DueTally
from proposals.models import ExtensionRequest
from proposals.models import Proposal
from proposals.models import Staff
from proposals.models import Supervision
from proposals.workflow import ExtensionWorkflow
from proposals.workflow import label_of
from proposals.workflow import step
from proposals.workflow import steps
from proposals.workflow import todo_states

S = AssignmentState
# The handling office's to-do once a letter is issued (not a transition: the proposer answers).
FEEDBACK_TODO = "登记满意度"
EXTENSION_TODO = step("approve", workflow=ExtensionWorkflow).todo[StaffRole.OFFICE]
# 督办单 to-dos (not transitions: the assignment keeps its state).
ANSWER_ORDER_TODO = "答复督办单"
CLOSE_ORDER_TODO = "办结督办单"
OVERDUE_TODO = "督办逾期事项"


def _orders(state: str) -> QuerySet[Supervision]:
    return Supervision.objects.filter(
        assignment=OuterRef("pk"), kind=SupervisionKind.ORDER, state=state
    )


def assignment_list_visible(*, user: Any) -> QuerySet[Assignment]:
    qs = Assignment.objects.select_related("proposal__session", "bureau", "clerk")
    if reads_everything(user):
        return qs.all()
    staff = staff_of(user)
    if staff is None:
        return qs.none()
    return qs.filter(bureau_id=staff.bureau_id)


def assignment_get_visible(
    *, user: Any, assignment_id: int, related: tuple[str, ...] = ()
) -> Assignment:
    """The assignment if this user may see it; the same error for missing and forbidden.
    `related`: one-to-one rows to read in the same query (the item page: its reply, opinion)."""
    try:
        return assignment_list_visible(user=user).select_related(*related).get(pk=assignment_id)
    except Assignment.DoesNotExist as exc:
        raise AccessDenied("事项不存在或您无权查看") from exc


def proposal_list_visible(*, user: Any) -> QuerySet[Proposal]:
    """Items with at least one assignment this user can see (all of them for the offices)."""
    items = Proposal.objects.select_related("session")
    if reads_everything(user):
        return items.all()
    visible = assignment_list_visible(user=user)
    return items.filter(pk__in=visible.values("proposal_id"))


def assignment_inbox(*, user: Any) -> QuerySet[Assignment]:
    """What waits for this user now, soonest due first: the states in which a transition
    declares a to-do for the user's role, plus, for the handling office, pending extensions and
    letters whose satisfaction is not recorded."""
    staff = staff_of(user)
    visible = assignment_list_visible(user=user)
    if staff is None:
        return visible.none()
    visible = visible.filter(proposal__status=ProposalStatus.ACTIVE).annotate(
        has_pending_extension=Exists(
            ExtensionRequest.objects.filter(assignment=OuterRef("pk"), state=ExtensionState.PENDING)
        ),
        has_open_order=Exists(_orders(SupervisionState.OPEN)),
        has_answered_order=Exists(
            _orders(SupervisionState.ANSWERED).filter(office_id=staff.office_id or 0)
        ),
    )
    if staff.role != StaffRole.OFFICE:
        waiting = Q(has_open_order=True)
        for role in AssignmentRole.values:
            waiting |= Q(role=role, state__in=todo_states(staff.role, role))
        return visible.filter(waiting)
    if staff.is_supervision:
        overdue = Q(due_date__lt=timezone.localdate()) & ~Q(state__in=S.closed())
        return visible.filter(overdue | Q(has_open_order=True) | Q(has_answered_order=True))
    return visible.filter(proposal__session__body=staff.office_kind).filter(
        Q(state__in=todo_states(StaffRole.OFFICE))
        | Q(has_pending_extension=True)
        | Q(state__in=S.replied(), role=AssignmentRole.LEAD, reply__satisfaction="")
        | Q(has_answered_order=True)
    )


def inbox_task(*, assignment: Assignment, staff: Staff | None) -> str:
    """Why the item is in this user's inbox: the next thing to do (待办事项), as declared."""
    if staff is None:
        return ""
    if staff.is_supervision:
        todos = []
        if assignment.is_open and assignment.due_date < timezone.localdate():
            todos.append(OVERDUE_TODO)
        if getattr(assignment, "has_open_order", False):
            todos.append("督办单待答复")
        if getattr(assignment, "has_answered_order", False):
            todos.append(CLOSE_ORDER_TODO)
        return "；".join(todos)
    todos = [
        todo
        for name in assignment.transitions_from_here()
        if (todo := assignment.step(name).todo.get(staff.role))
    ]
    if staff.role == StaffRole.OFFICE:
        if getattr(assignment, "has_pending_extension", False):
            todos.append(EXTENSION_TODO)
        if assignment.state in S.replied() and assignment.is_lead:
            todos.append(FEEDBACK_TODO)
        if getattr(assignment, "has_answered_order", False):
            todos.append(CLOSE_ORDER_TODO)
    elif getattr(assignment, "has_open_order", False):  # besides the next step, not instead
        return "；".join(filter(None, [ANSWER_ORDER_TODO, "或".join(dict.fromkeys(todos))]))
    return "或".join(dict.fromkeys(todos))


def inbox_intro(*, staff: Staff | None) -> str:
    """The line above the inbox: what this role's inbox holds, from the declared to-dos."""
    if staff is None:
        return "您的账号尚未分配单位或机构，请联系管理员。"
    if staff.is_supervision:
        return "已逾期未办结的事项，以及待承办单位答复、待本室办结的督办单。"
    todos = [
        todo
        for declared in steps().values()
        for role in AssignmentRole.values
        if (todo := declared.for_role(role).todo.get(staff.role))
    ]
    if staff.role == StaffRole.OFFICE:
        todos += [EXTENSION_TODO, FEEDBACK_TODO, CLOSE_ORDER_TODO]
    else:
        todos.append(ANSWER_ORDER_TODO)
    return f"待{'、'.join(dict.fromkeys(todos))}的事项。"


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    actor: str
    action: str
    comment: str


def _name(user: Any) -> str:
    return "系统" if user is None else person_name(user)


def assignment_history(*, assignment: Assignment) -> list[HistoryEntry]:
    """State changes (django-fsm-log) and other writes (AuditEvent), oldest first."""
    logs = StateLog.objects.for_(assignment).select_related("by")
    entries = [
        HistoryEntry(
            log.timestamp,
            _name(log.by),
            label_of(log.transition, assignment.role),
            log.description or "",
        )
        for log in logs
    ]
    events = AuditEvent.objects.filter(
        Q(assignment=assignment) | Q(proposal_id=assignment.proposal_id, assignment__isnull=True)
    ).select_related("actor")
    entries += [
        HistoryEntry(e.created_at, _name(e.actor), e.get_verb_display(), e.message) for e in events
    ]
    return sorted(entries, key=lambda e: e.at)


def extension_list_pending(*, user: Any) -> QuerySet[ExtensionRequest]:
    visible = assignment_list_visible(user=user)
    return ExtensionRequest.objects.filter(
        state=ExtensionState.PENDING, assignment__in=visible
    ).select_related("assignment__proposal__session", "assignment__bureau")


@dataclass(frozen=True)
class Due:
    """How much time is left, as the pages and notices say it, whether it is overdue or soon
    due, and the row mark that says so (red / yellow, styled in site.css)."""

    text: str
    overdue: bool = False
    soon: bool = False
    provisional: bool = False  # the count reaches a year whose holidays are not entered yet

    def __str__(self) -> str:
        return self.text

    @property
    def css(self) -> str:
        return "due-overdue" if self.overdue else "due-soon" if self.soon else ""


def due_label(*, assignment: Assignment, today: dt.date | None = None) -> Due:
    """“N 个工作日后到期” / “今日到期” / “已逾期 N 天”, computed, never stored. Soon due:
    FUHAN_DUE_SOON_WORKDAYS (5) working days or fewer left."""
    if not assignment.is_open:
        return Due("已办结")
    today = today or timezone.localdate()
    if assignment.due_date < today:
        return Due(f"已逾期 {(today - assignment.due_date).days} 天", overdue=True)
    if assignment.due_date == today:
        return Due("今日到期", soon=True)
    left = calendar.workdays_between(today, assignment.due_date)
    soon = left <= settings.FUHAN_DUE_SOON_WORKDAYS
    missing = calendar.provisional(today, assignment.due_date)
    if missing:
        years = "、".join(str(y) for y in missing)
        return Due(
            f"约 {left} 个工作日后到期（{years} 年节假日尚未录入）", provisional=True, soon=soon
        )
    return Due(f"{left} 个工作日后到期", soon=soon)


@dataclass(frozen=True)
class CalendarWarning:
    """Open deadlines reach years whose holiday calendar is not entered: counts are provisional."""

    years: tuple[int, ...]
    latest_due: dt.date

    @property
    def years_text(self) -> str:
        return "、".join(str(y) for y in self.years)


def calendar_warning(*, user: Any, today: dt.date | None = None) -> CalendarWarning | None:
    """For the offices' inbox and board: do the open items' deadlines reach a year whose
    holidays are not entered (2027 before the State Council's notice is)? One query, on the
    stored counts of open assignments by due date (proposals.tallies): the latest date still
    counting any is an index lookup, where a MAX over the assignments read every open row on
    every page an office opened (about 35 ms at 60,000 assignments)."""
    if not reads_everything(user):
        return None
    today = today or timezone.localdate()
    latest = (
        DueTally.objects.filter(key=TallyKey.OPEN, n__gt=0)
        .order_by("-due_date")
        .values_list("due_date", flat=True)
        .first()
    )
    if latest is None:
        return None
    missing = calendar.provisional(today, max(latest, today))
    return CalendarWarning(missing, latest) if missing else None


# --- what the user must not miss, and 催办 / 督办 ----------------------------------


@dataclass(frozen=True)
class Attention:
    """A note at the top of the item page and the editor (退回意见, 不满意, an open 督办单)."""

    title: str
    text: str
    by: str
    at: dt.date


def assignment_attention(*, assignment: Assignment) -> list[Attention]:
    """What the clerk must read before going on: the supervisor's return comment while the
    draft is back with the clerk, the proposer's 不满意 feedback while the item is re-handled,
    and a 督办单 waiting for its answer."""
    notes: list[Attention] = []
    if assignment.state == S.DRAFTING:
        last = StateLog.objects.for_(assignment).select_related("by").order_by("-pk").first()
        if last is not None and last.transition == "return_for_revision":
            notes.append(
                Attention(
                    "退回修改意见",
                    last.description or "",
                    _name(last.by),
                    timezone.localdate(last.timestamp),
                )
            )
    reply = getattr(assignment, "reply", None)
    if (
        reply is not None
        and reply.satisfaction == Satisfaction.UNSATISFIED
        and assignment.state not in S.replied()
    ):
        notes.append(
            Attention(
                f"{assignment.proposal.session.terms['member']}反馈“不满意”，重新办理",
                reply.satisfaction_comment,
                assignment.proposal.lead_proposer,
                reply.satisfaction_date or timezone.localdate(reply.updated_at),
            )
        )
    for order in open_orders(assignment):
        assert order.reply_by is not None  # noqa: S101 (a 督办单 always has one)
        notes.append(
            Attention(
                f"督办单待答复（请于{order.reply_by:%Y年%m月%d日}前答复）",
                order.comment,
                order.office.name,
                timezone.localdate(order.created_at),
            )
        )
    return notes


def supervision_list(*, assignment: Assignment) -> list[Supervision]:
    """The 催办 and 督办单 of an assignment, oldest first (who may see the assignment sees them)."""
    return supervisions_of(assignment)


@dataclass(frozen=True)
class SupervisionMark:
    """What a list row says about 催办 / 督办 (the board, the inbox)."""

    urges: int = 0
    open_orders: int = 0
    orders: int = 0

    def __str__(self) -> str:
        parts = []
        if self.urges:
            parts.append(f"催办 {self.urges} 次")
        if self.open_orders:
            parts.append("督办单待答复")
        elif self.orders:
            parts.append(f"督办 {self.orders} 次")
        return "，".join(parts)


def supervision_marks(*, assignment_ids: list[int]) -> dict[int, SupervisionMark]:
    """催办 / 督办 counts for a page of rows: one grouped query whatever the page size."""
    marks: dict[int, dict[str, int]] = {}
    for row in (
        Supervision.objects.filter(assignment_id__in=assignment_ids)
        .values("assignment_id", "kind", "state")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts = marks.setdefault(row["assignment_id"], {"urges": 0, "open_orders": 0, "orders": 0})
        if row["kind"] == SupervisionKind.URGE:
            counts["urges"] += row["n"]
        else:
            counts["orders"] += row["n"]
            if row["state"] == SupervisionState.OPEN:
                counts["open_orders"] += row["n"]
    return {pk: SupervisionMark(**counts) for pk, counts in marks.items()}
