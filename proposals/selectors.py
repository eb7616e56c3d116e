"""Reads, scoped by access. A bureau's staff see their own bureau's assignments; the NPC and
CPPCC offices and the supervision office see everything, read-only except their own decisions.
What waits in whose inbox, and what the inbox says to do, come from the workflow's declarations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists
from django.db.models import Max
from django.db.models import OuterRef
from django.db.models import Q
from django.db.models import QuerySet
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.choices import ExtensionState
from core.choices import ProposalStatus
from core.choices import StaffRole
from core.exceptions import AccessDenied
from core.names import person_name
from proposals import calendar
from proposals.access import reads_everything
from proposals.access import staff_of
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import ExtensionRequest
from proposals.models import Proposal
from proposals.models import Staff
from proposals.workflow import ExtensionWorkflow
from proposals.workflow import label_of
from proposals.workflow import step
from proposals.workflow import steps
from proposals.workflow import todo_states

S = AssignmentState
# The handling office's to-do once a letter is issued (not a transition: the proposer answers).
FEEDBACK_TODO = "登记满意度"
EXTENSION_TODO = step("approve", workflow=ExtensionWorkflow).todo[StaffRole.OFFICE]


def assignment_list_visible(*, user: Any) -> QuerySet[Assignment]:
    qs = Assignment.objects.select_related("proposal__session", "bureau", "clerk")
    if reads_everything(user):
        return qs.all()
    staff = staff_of(user)
    if staff is None:
        return qs.none()
    return qs.filter(bureau_id=staff.bureau_id)


def assignment_get_visible(*, user: Any, assignment_id: int) -> Assignment:
    """The assignment if this user may see it; the same error for missing and forbidden."""
    try:
        return assignment_list_visible(user=user).get(pk=assignment_id)
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
        )
    )
    if staff.role != StaffRole.OFFICE:
        waiting = Q()
        for role in AssignmentRole.values:
            waiting |= Q(role=role, state__in=todo_states(staff.role, role))
        return visible.filter(waiting)
    if staff.is_supervision:
        return visible.filter(due_date__lt=timezone.localdate()).exclude(state__in=S.closed())
    return visible.filter(proposal__session__body=staff.office_kind).filter(
        Q(state__in=todo_states(StaffRole.OFFICE))
        | Q(has_pending_extension=True)
        | Q(state__in=S.replied(), role=AssignmentRole.LEAD, reply__satisfaction="")
    )


def inbox_task(*, assignment: Assignment, staff: Staff | None) -> str:
    """Why the item is in this user's inbox: the next thing to do (待办事项), as declared."""
    if staff is None:
        return ""
    if staff.is_supervision:
        return "督办逾期事项"
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
    return "或".join(dict.fromkeys(todos))


def inbox_intro(*, staff: Staff | None) -> str:
    """The line above the inbox: what this role's inbox holds, from the declared to-dos."""
    if staff is None:
        return "您的账号尚未分配单位或机构，请联系管理员。"
    if staff.is_supervision:
        return "已逾期未办结的事项。"
    todos = [
        todo
        for declared in steps().values()
        for role in AssignmentRole.values
        if (todo := declared.for_role(role).todo.get(staff.role))
    ]
    if staff.role == StaffRole.OFFICE:
        todos += [EXTENSION_TODO, FEEDBACK_TODO]
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
    """How much time is left, as the pages and notices say it, and whether it is overdue."""

    text: str
    overdue: bool = False
    provisional: bool = False  # the count reaches a year whose holidays are not entered yet

    def __str__(self) -> str:
        return self.text


def due_label(*, assignment: Assignment, today: dt.date | None = None) -> Due:
    """“N 个工作日后到期” / “今日到期” / “已逾期 N 天”, computed, never stored."""
    if not assignment.is_open:
        return Due("已办结")
    today = today or timezone.localdate()
    if assignment.due_date < today:
        return Due(f"已逾期 {(today - assignment.due_date).days} 天", overdue=True)
    if assignment.due_date == today:
        return Due("今日到期")
    left = calendar.workdays_between(today, assignment.due_date)
    missing = calendar.provisional(today, assignment.due_date)
    if missing:
        years = "、".join(str(y) for y in missing)
        return Due(f"约 {left} 个工作日后到期（{years} 年节假日尚未录入）", provisional=True)
    return Due(f"{left} 个工作日后到期")


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
    holidays are not entered (2027 before the State Council's notice is)? One query."""
    if not reads_everything(user):
        return None
    today = today or timezone.localdate()
    latest = (
        Assignment.objects.filter(state__in=S.open(), proposal__status=ProposalStatus.ACTIVE)
        .aggregate(latest=Max("due_date"))
        .get("latest")
    )
    if latest is None:
        return None
    missing = calendar.provisional(today, max(latest, today))
    return CalendarWarning(missing, latest) if missing else None
