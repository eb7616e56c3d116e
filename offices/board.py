"""Reads for the offices' tracking board and audit trail. Everything starts from
`assignment_list_visible`, so a bureau's staff only ever see their own bureau."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.db.models import Q
from django.db.models import QuerySet
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.names import person_name
from core.validation import parse_date
from proposals.access import may_see_audit
from proposals.access import reads_everything
from proposals.access import staff_of
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import Body
from proposals.models import Bureau
from proposals.selectors import Due
from proposals.selectors import SupervisionMark
from proposals.selectors import assignment_list_visible
from proposals.selectors import due_label
from proposals.selectors import supervision_marks
from proposals.workflow import label_of
from replies.selectors import assignment_search

S = AssignmentState
PAGE_SIZES: tuple[int, ...] = (25, 50, 100)


def _int_or_none(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


@dataclass(frozen=True)
class BoardFilters:
    session: int | None = None
    body: str = ""
    bureau: int | None = None
    state: str = ""
    key: bool = False
    overdue: bool = False
    q: str = ""

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> BoardFilters:
        body = params.get("body", "")
        state = params.get("state", "")
        return cls(
            session=_int_or_none(params.get("session")),
            body=body if body in Body.values else "",
            bureau=_int_or_none(params.get("bureau")),
            state=state if state in S.values else "",
            key=params.get("key") in ("1", "on", "true"),
            overdue=params.get("overdue") in ("1", "on", "true"),
            q=(params.get("q") or "").strip()[:100],
        )


def board_assignments(
    *, user: Any, filters: BoardFilters, today: dt.date | None = None
) -> QuerySet[Assignment]:
    """The board's rows: visible assignments matching the filters, soonest due first."""
    today = today or timezone.localdate()
    qs = assignment_list_visible(user=user)
    if filters.session:
        qs = qs.filter(proposal__session_id=filters.session)
    if filters.body:
        qs = qs.filter(proposal__session__body=filters.body)
    if filters.bureau:
        qs = qs.filter(bureau_id=filters.bureau)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.key:
        qs = qs.filter(proposal__is_key=True)
    if filters.overdue:
        qs = qs.filter(due_date__lt=today).exclude(state__in=S.closed())
    qs = assignment_search(qs=qs, text=filters.q)
    return qs.order_by("due_date", "pk")


def board_row_marks(
    *, assignments: list[Assignment], today: dt.date
) -> list[tuple[Assignment, Due, SupervisionMark | str]]:
    """Per board row: its deadline mark (due.css: red overdue, yellow when few working days
    are left) and its 催办/督办 summary; one query for the page, whatever its size."""
    marks = supervision_marks(assignment_ids=[a.pk for a in assignments])
    return [(a, due_label(assignment=a, today=today), marks.get(a.pk, "")) for a in assignments]


@dataclass(frozen=True)
class MatrixRow:
    bureau_id: int
    bureau: str
    counts: list[int]  # one per state, in AssignmentState order
    total: int
    overdue: int


@dataclass(frozen=True)
class BoardMatrix:
    states: list[tuple[str, str]]
    rows: list[MatrixRow]
    totals: list[int]
    total: int
    overdue: int


def board_matrix(*, qs: QuerySet[Assignment], today: dt.date | None = None) -> BoardMatrix:
    """Counts by bureau x state, and overdue per bureau: one grouped query plus the bureau names,
    whatever the number of rows."""
    today = today or timezone.localdate()
    states = list(S.choices)
    index = {value: i for i, (value, _) in enumerate(states)}
    grouped = (
        qs.order_by()
        .values("bureau_id", "state")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=Q(due_date__lt=today) & ~Q(state__in=S.closed())),
        )
    )
    by_bureau: dict[int, list[int]] = {}
    late_by_bureau: dict[int, int] = {}
    for r in grouped:
        counts = by_bureau.setdefault(r["bureau_id"], [0] * len(states))
        counts[index[r["state"]]] += r["n"]
        late_by_bureau[r["bureau_id"]] = late_by_bureau.get(r["bureau_id"], 0) + r["late"]
    names = dict(Bureau.objects.filter(pk__in=by_bureau).values_list("pk", "short_name"))
    rows = sorted(
        (
            MatrixRow(
                bureau_id=bid,
                bureau=names.get(bid, ""),
                counts=counts,
                total=sum(counts),
                overdue=late_by_bureau.get(bid, 0),
            )
            for bid, counts in by_bureau.items()
        ),
        key=lambda r: r.bureau,
    )
    totals = [sum(r.counts[i] for r in rows) for i in range(len(states))]
    return BoardMatrix(
        states=states,
        rows=rows,
        totals=totals,
        total=sum(totals),
        overdue=sum(r.overdue for r in rows),
    )


def board_bureaus(*, user: Any) -> QuerySet[Bureau]:
    """Bureaus to offer in the filter: all for offices, one's own for a bureau's staff."""
    if reads_everything(user):
        return Bureau.objects.all()
    staff = staff_of(user)
    if staff is None or staff.bureau_id is None:
        return Bureau.objects.none()
    return Bureau.objects.filter(pk=staff.bureau_id)


# --- audit trail ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    body: str = ""
    bureau: int | None = None
    actor: str = ""
    kind: str = ""  # "" both, "transition", "event"
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> AuditFilters:
        def date(name: str) -> dt.date | None:
            return parse_date(params.get(name))

        body = params.get("body", "")
        kind = params.get("kind", "")
        return cls(
            body=body if body in Body.values else "",
            bureau=_int_or_none(params.get("bureau")),
            actor=(params.get("actor") or "").strip()[:50],
            kind=kind if kind in ("transition", "event") else "",
            date_from=date("from"),
            date_to=date("to"),
        )


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    kind: str
    actor: str
    action: str
    message: str
    assignment_id: int | None
    item: str
    bureau: str


def _actor_name(user: Any) -> str:
    return "系统" if user is None else person_name(user)


def _by_actor_and_dates(qs: QuerySet[Any], filters: AuditFilters, *, actor: str, at: str) -> Any:
    """The audit filters shared by state changes and other writes: who (user name or the Chinese
    name, kept whole in first_name) and when (local calendar days)."""
    if filters.actor:
        qs = qs.filter(
            Q(**{f"{actor}__username__icontains": filters.actor})
            | Q(**{f"{actor}__first_name__icontains": filters.actor})
            | Q(**{f"{actor}__last_name__icontains": filters.actor})
        )
    if filters.date_from:
        qs = qs.filter(**{f"{at}__gte": _day_bounds(filters.date_from, end=False)})
    if filters.date_to:
        qs = qs.filter(**{f"{at}__lt": _day_bounds(filters.date_to, end=True)})
    return qs


def _day_bounds(day: dt.date, *, end: bool) -> dt.datetime:
    moment = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time.min)
    return timezone.make_aware(moment)


def _audit_querysets(
    *, filters: AuditFilters
) -> tuple[QuerySet[StateLog] | None, QuerySet[AuditEvent] | None]:
    assignments = Assignment.objects.all()
    if filters.body:
        assignments = assignments.filter(proposal__session__body=filters.body)
    if filters.bureau:
        assignments = assignments.filter(bureau_id=filters.bureau)
    logs: QuerySet[StateLog] | None = None
    events: QuerySet[AuditEvent] | None = None
    if filters.kind in ("", "transition"):
        logs = StateLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Assignment)
        ).select_related("by")
        if filters.body or filters.bureau:
            logs = logs.filter(object_id__in=assignments.values("pk"))
        logs = _by_actor_and_dates(logs, filters, actor="by", at="timestamp")
        logs = logs.order_by("-timestamp", "-pk")
    if filters.kind in ("", "event"):
        events = AuditEvent.objects.select_related(
            "actor", "proposal__session", "assignment__bureau"
        )
        if filters.body:
            events = events.filter(proposal__session__body=filters.body)
        if filters.bureau:
            events = events.filter(assignment__bureau_id=filters.bureau)
        events = _by_actor_and_dates(events, filters, actor="actor", at="created_at")
        events = events.order_by("-created_at", "-pk")
    return logs, events


def audit_trail(
    *, user: Any, filters: AuditFilters, offset: int = 0, limit: int = 50
) -> tuple[list[AuditEntry], int]:
    """State changes and other writes across all items, newest first: (page, total count).
    Offices only; the query count does not depend on the page size."""
    if not may_see_audit(user=user):
        return [], 0
    logs, events = _audit_querysets(filters=filters)
    total = (logs.count() if logs is not None else 0) + (
        events.count() if events is not None else 0
    )
    want = offset + limit
    log_rows = list(logs[:want]) if logs is not None else []
    event_rows = list(events[:want]) if events is not None else []
    assignments = Assignment.objects.select_related("proposal__session", "bureau").in_bulk(
        [log.object_id for log in log_rows]
    )

    def from_log(log: StateLog) -> AuditEntry:
        a = assignments.get(log.object_id)
        return AuditEntry(
            at=log.timestamp,
            kind="状态变更",
            actor=_actor_name(log.by),
            action=label_of(log.transition, a.role if a else AssignmentRole.LEAD),
            message=log.description or "",
            assignment_id=a.pk if a else None,
            item=f"{a.proposal.session.name}第{a.proposal.number}号" if a else "",
            bureau=a.bureau.short_name if a else "",
        )

    def from_event(e: AuditEvent) -> AuditEntry:
        return AuditEntry(
            at=e.created_at,
            kind="操作记录",
            actor=_actor_name(e.actor),
            action=e.get_verb_display(),
            message=e.message,
            assignment_id=e.assignment_id,
            item=f"{e.proposal.session.name}第{e.proposal.number}号",
            bureau=e.assignment.bureau.short_name if e.assignment else "",
        )

    merged = heapq.merge(
        (from_log(x) for x in log_rows),
        (from_event(x) for x in event_rows),
        key=lambda entry: entry.at,
        reverse=True,
    )
    return list(merged)[offset:want], total
