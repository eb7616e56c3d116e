"""Reads with access checks. A bureau's staff see their own bureau's assignments; the NPC and
CPPCC offices and the supervision office see everything, read-only except their own decisions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists
from django.db.models import OuterRef
from django.db.models import Q
from django.db.models import QuerySet
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.choices import AssignmentState
from core.exceptions import AccessDenied
from core.names import person_name
from proposals import calendar
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import ExtensionRequest
from proposals.models import Staff
from proposals.workflow import COMMENT_REQUIRED
from proposals.workflow import TRANSITION_LABELS
from proposals.workflow import staff_of

S = AssignmentState


def assignment_list_visible(*, user: Any) -> QuerySet[Assignment]:
    qs = Assignment.objects.select_related("proposal__session", "bureau", "clerk")
    staff = staff_of(user)
    if staff is None:
        return qs.all() if getattr(user, "is_superuser", False) else qs.none()
    if staff.role == Staff.Role.OFFICE:
        return qs.all()
    return qs.filter(bureau_id=staff.bureau_id)


def assignment_get_visible(*, user: Any, assignment_id: int) -> Assignment:
    try:
        return assignment_list_visible(user=user).get(pk=assignment_id)
    except Assignment.DoesNotExist as exc:
        raise AccessDenied("事项不存在或您无权查看") from exc


def assignment_inbox(*, user: Any) -> QuerySet[Assignment]:
    """What waits for this user now, soonest due first."""
    staff = staff_of(user)
    visible = assignment_list_visible(user=user)
    if staff is None:
        return visible.none()
    visible = visible.filter(proposal__status="active").annotate(  # withdrawn/merged: no work
        has_pending_extension=Exists(
            ExtensionRequest.objects.filter(assignment=OuterRef("pk"), state="pending")
        )
    )
    if staff.role == Staff.Role.CLERK:
        states = [S.ASSIGNED, S.ACCEPTED, S.DRAFTING, S.APPROVED, S.ISSUED]
        return visible.filter(state__in=states).exclude(state=S.ISSUED, role="co_unit")
    if staff.role == Staff.Role.SUPERVISOR:
        return visible.filter(state__in=[S.IN_REVIEW, S.APPROVED, S.ASSIGNED])
    if staff.office.kind == "supervision":
        return visible.filter(due_date__lt=timezone.localdate()).exclude(state__in=S.closed())
    body = staff.office.kind
    return (
        visible.filter(proposal__session__body=body)
        .filter(
            Q(state=S.REASSIGNMENT_REQUESTED)
            | Q(extensions__state="pending")
            | Q(state__in=S.replied(), role="lead", reply__satisfaction="")
        )
        .distinct()
    )


def inbox_task(*, assignment: Assignment, staff: Staff | None) -> str:
    """Why the item is in this user's inbox: the next thing to do (待办事项)."""
    a = assignment
    if staff is None:
        return ""
    if staff.role == Staff.Role.OFFICE:
        if staff.office.kind == "supervision":
            return "督办逾期事项"
        if a.state == S.REASSIGNMENT_REQUESTED:
            return "审批调整申请"
        if getattr(a, "has_pending_extension", False):
            return "审批延期申请"
        return "登记满意度" if a.state in S.replied() else ""
    if staff.role == Staff.Role.SUPERVISOR:
        tasks = {S.IN_REVIEW: "审核签批", S.APPROVED: "印发复函", S.ASSIGNED: "签收"}
        return tasks.get(a.state, "")
    tasks = {
        S.ASSIGNED: "签收或申请调整",
        S.ACCEPTED: "开始办理",
        S.DRAFTING: "起草协办意见" if not a.is_lead else "起草复函",
        S.APPROVED: "送出协办意见" if not a.is_lead else "印发复函",
        S.ISSUED: "抄送",
    }
    return tasks.get(a.state, "")


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    needs_comment: bool


# Transitions that have their own form (a bureau to choose, a number to allocate, feedback).
OWN_FORM = frozenset({"reassign", "reopen", "issue"})


def assignment_actions(*, assignment: Assignment, user: Any) -> list[Action]:
    """The transitions this user may take on this assignment right now."""
    return [
        Action(t.name, TRANSITION_LABELS[t.name], t.name in COMMENT_REQUIRED)
        for t in assignment.get_available_user_state_transitions(user)
    ]


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    actor: str
    action: str
    comment: str


def _name(user: Any) -> str:
    if user is None:
        return "系统"
    return person_name(user)


def assignment_history(*, assignment: Assignment) -> list[HistoryEntry]:
    """State changes (django-fsm-log) and other writes (AuditEvent), oldest first."""
    logs = StateLog.objects.for_(assignment).select_related("by")
    entries = [
        HistoryEntry(
            log.timestamp,
            _name(log.by),
            TRANSITION_LABELS.get(log.transition, log.transition),
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
    return ExtensionRequest.objects.filter(state="pending", assignment__in=visible).select_related(
        "assignment__proposal__session", "assignment__bureau"
    )


def due_label(*, assignment: Assignment, today: dt.date | None = None) -> str:
    """“N 个工作日后到期” / “今日到期” / “已逾期 N 天”, computed, never stored."""
    if not assignment.is_open:
        return "已办结"
    today = today or timezone.localdate()
    if assignment.due_date < today:
        return f"已逾期 {(today - assignment.due_date).days} 天"
    if assignment.due_date == today:
        return "今日到期"
    return f"{calendar.workdays_between(today, assignment.due_date)} 个工作日后到期"
