"""Reads for the offices' tracking board and audit trail. Everything starts from
`assignment_list_visible`, so a bureau's staff only ever see their own bureau.

The board is built for city scale: the list is one keyset page of plain values (no model
instances, one URL reversal per page), and the counts above it come from the stored counts
(proposals.tallies) for the views offices open all the time, instead of a recount per request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.db.models import OuterRef
from django.db.models import Q
from django.db.models import QuerySet
from django.db.models import Subquery
from django.db.models import Sum
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.choices import ProposalStatus
from core.choices import Satisfaction
from core.choices import TallyKey
from core.keyset import Cursor
from core.keyset import Page
from core.keyset import decode
from core.keyset import paginate
from core.names import person_name
from core.validation import parse_date
from offices.xlsx import DATE
from proposals import calendar
from proposals.access import may_see_audit
from proposals.access import reads_everything
from proposals.access import staff_of
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import Body
from proposals.models import Bureau
from proposals.models import DueTally
from proposals.models import Session
from proposals.models import Tally
from proposals.pages import item_url_pattern
from proposals.selectors import assignment_list_visible
from proposals.selectors import supervision_marks
from proposals.workflow import label_of
from replies.models import IssuedLetter
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
        qs = overdue_only(qs, today=today)
    qs = assignment_search(qs=qs, text=filters.q)
    return qs.order_by(*ORDERING)


def overdue_only(qs: QuerySet[Assignment], *, today: dt.date) -> QuerySet[Assignment]:
    """逾期: open, past its due date, and the item still handled (a withdrawn or merged item is
    never overdue: its reminders stop too)."""
    return qs.filter(due_date__lt=today, proposal__status=ProposalStatus.ACTIVE).exclude(
        state__in=S.closed()
    )


# --- the list: one page of plain values ------------------------------------------------------

ORDERING = ("due_date", "id")
ROW_FIELDS = (
    "id",
    "due_date",
    "state",
    "role",
    "proposal_id",
    "proposal__number",
    "proposal__title",
    "proposal__lead_proposer",
    "proposal__is_key",
    "proposal__status",
    "proposal__session__name",
    "bureau__short_name",
)
_STATE_LABELS = dict(S.choices)
_ROLE_LABELS = dict(AssignmentRole.choices)


def _decorate(row: dict[str, Any], *, today: dt.date, url: str) -> dict[str, Any]:
    """What the page shows beyond the stored values: labels, the link, days overdue and the
    working days left (proposals.calendar, the one count of working days)."""
    open_ = row["state"] not in S.closed() and row["proposal__status"] == ProposalStatus.ACTIVE
    due = row["due_date"]
    row["url"] = url.format(row["id"])
    row["state_label"] = _STATE_LABELS.get(row["state"], row["state"])
    row["role_label"] = _ROLE_LABELS.get(row["role"], row["role"])
    row["late"] = (today - due).days if open_ and due < today else 0
    row["workdays_left"] = calendar.workdays_between(today, due) if open_ and due >= today else None
    row["inactive"] = row["proposal__status"] != ProposalStatus.ACTIVE
    return row


def board_page(
    *,
    user: Any,
    filters: BoardFilters,
    size: int,
    cursor: Cursor | None,
    today: dt.date | None = None,
    qs: QuerySet[Assignment] | None = None,
) -> Page:
    """One page of the board (keyset: page 1,000 costs what page 1 costs), as dicts with only
    the columns the page shows. A column added later (a mark, a checkbox) is one function that
    adds a key to each row of the page, with one query for the page's ids."""
    today = today or timezone.localdate()
    if qs is None:
        qs = board_assignments(user=user, filters=filters, today=today)
    page = paginate(qs.values(*ROW_FIELDS), ordering=ORDERING, size=size, cursor=cursor)
    url = item_url_pattern()
    for row in page.rows:
        _decorate(row, today=today, url=url)
    _add_marks(page.rows)
    return page


def _add_marks(rows: list[dict[str, Any]]) -> None:
    """The deadline mark (red overdue, yellow when FUHAN_DUE_SOON_WORKDAYS or fewer working
    days are left; styled in site.css) and the 催办/督办 summary of each row: one query for the
    page, whatever its size."""
    marks = supervision_marks(assignment_ids=[row["id"] for row in rows])
    soon = settings.FUHAN_DUE_SOON_WORKDAYS
    for row in rows:
        row["supervision"] = marks.get(row["id"], "")
        left = row["workdays_left"]
        row["due_css"] = (
            "due-overdue"
            if row["late"]
            else "due-soon"
            if left is not None and left <= soon
            else ""
        )


def board_cursor(token: str | None) -> Cursor | None:
    """The page a link asks for (ApplicationError for a tampered cursor)."""
    return decode(token, model=Assignment, ordering=ORDERING) if token else None


# --- the counts above the list ---------------------------------------------------------------


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
    total: int  # assignments (交办任务)
    overdue: int
    items: int  # distinct items (件), counted separately from the assignments
    stored: bool  # read from the stored counts (True) or counted over the filtered rows

    @property
    def digest(self) -> str:
        """Identifies the figures, for the cached fragment that renders them."""
        data = repr((self.rows, self.totals, self.overdue, self.items)).encode()
        return hashlib.blake2b(data, digest_size=12).hexdigest()


def _matrix(
    by_bureau: dict[int, list[int]], late_by_bureau: dict[int, int], *, items: int, stored: bool
) -> BoardMatrix:
    states = list(S.choices)
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
            if sum(counts)
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
        items=items,
        stored=stored,
    )


def _stored_scope(*, user: Any, filters: BoardFilters) -> tuple[list[int] | None, int | None]:
    """(sessions, bureau) the stored counts are read for; bureau 0 means none visible."""
    sessions: list[int] | None = None
    if filters.body:
        sessions = list(Session.objects.filter(body=filters.body).values_list("pk", flat=True))
    if filters.session:
        sessions = [s for s in (sessions or [filters.session]) if s == filters.session]
    bureau: int | None = filters.bureau
    if not reads_everything(user):
        staff = staff_of(user)
        own = staff.bureau_id if staff is not None and staff.bureau_id else 0
        bureau = own if bureau in (None, own) else 0
    return sessions, bureau


def board_matrix_stored(
    *, user: Any, filters: BoardFilters, today: dt.date | None = None
) -> BoardMatrix:
    """Counts by bureau x state, overdue per bureau, items and assignments, read from the stored
    counts (proposals.tallies): three small queries whatever the number of items."""
    today = today or timezone.localdate()
    sessions, bureau = _stored_scope(user=user, filters=filters)
    tallies = Tally.objects.all()
    dues = DueTally.objects.filter(key=TallyKey.OPEN, due_date__lt=today)
    if sessions is not None:
        tallies = tallies.filter(session_id__in=sessions)
        dues = dues.filter(session_id__in=sessions)
    if bureau is not None:
        tallies = tallies.filter(bureau_id=bureau)
        dues = dues.filter(bureau_id=bureau)
    index = {value: i for i, (value, _) in enumerate(S.choices)}
    by_state = {TallyKey.state(role, state): i for state, i in index.items() for role in
                AssignmentRole.values}  # fmt: skip
    by_bureau: dict[int, list[int]] = {}
    items_total = 0
    for bureau_id, key, n in (
        tallies.filter(key__in=[*by_state, TallyKey.ITEMS])
        .values("bureau_id", "key")
        .annotate(total=Sum("n"))
        .values_list("bureau_id", "key", "total")
    ):
        if key == TallyKey.ITEMS:
            if (bureau_id == 0) == (bureau is None):
                items_total += n
            continue
        by_bureau.setdefault(bureau_id, [0] * len(index))[by_state[key]] += n
    late = dict(dues.values("bureau_id").annotate(total=Sum("n")).values_list("bureau_id", "total"))
    return _matrix(by_bureau, late, items=items_total, stored=True)


def board_matrix(*, qs: QuerySet[Assignment], today: dt.date | None = None) -> BoardMatrix:
    """The same counts over any filtered set of rows: one grouped query plus the bureau names
    (for filters the stored counts do not keep: state, key items, overdue, search)."""
    today = today or timezone.localdate()
    index = {value: i for i, (value, _) in enumerate(S.choices)}
    grouped = (
        qs.order_by()
        .values("bureau_id", "state")
        .annotate(
            n=Count("pk"),
            late=Count(
                "pk",
                filter=Q(due_date__lt=today, proposal__status=ProposalStatus.ACTIVE)
                & ~Q(state__in=S.closed()),
            ),
        )
    )
    by_bureau: dict[int, list[int]] = {}
    late_by_bureau: dict[int, int] = {}
    for r in grouped:
        counts = by_bureau.setdefault(r["bureau_id"], [0] * len(index))
        counts[index[r["state"]]] += r["n"]
        late_by_bureau[r["bureau_id"]] = late_by_bureau.get(r["bureau_id"], 0) + r["late"]
    items = qs.order_by().values("proposal_id").distinct().count()
    return _matrix(by_bureau, late_by_bureau, items=items, stored=False)


def board_counts(
    *,
    user: Any,
    filters: BoardFilters,
    today: dt.date | None = None,
    qs: QuerySet[Assignment] | None = None,
) -> BoardMatrix:
    """The stored counts for the views offices open all the time (everything, a session, a
    body, a bureau); a count over the selected rows (`qs`, the list's own) for the narrower
    filters."""
    if filters.state or filters.key or filters.overdue or filters.q:
        if qs is None:
            qs = board_assignments(user=user, filters=filters, today=today)
        return board_matrix(qs=qs, today=today)
    return board_matrix_stored(user=user, filters=filters, today=today)


# --- export ----------------------------------------------------------------------------------

EXPORT_COLUMNS: list[tuple[str, str | None]] = [  # header, number format
    ("会议", None),
    ("编号", "0"),
    ("标题", None),
    ("领衔人", None),
    ("承办单位", None),
    ("办理方式", None),
    ("状态", None),
    ("重点", None),
    ("交办日期", DATE),
    ("办结期限", DATE),
    ("逾期天数", "0"),
    ("剩余工作日", "0"),
    ("文号", None),
    ("答复分类", None),
    ("满意度", None),
]
EXPORT_HEADERS = [h for h, _ in EXPORT_COLUMNS]
EXPORT_FORMATS = [f for _, f in EXPORT_COLUMNS]


def board_export_rows(
    *, user: Any, filters: BoardFilters, limit: int, today: dt.date | None = None
) -> Iterator[list[Any]]:
    """The filtered rows for .xlsx, with the latest letter's number and class and the
    proposer's satisfaction; numbers and dates as numbers and dates."""
    today = today or timezone.localdate()
    latest = IssuedLetter.objects.filter(reply__assignment=OuterRef("pk")).order_by(
        "-issued_date", "-pk"
    )
    satisfaction = dict(Satisfaction.choices)
    qs = (
        board_assignments(user=user, filters=filters, today=today)
        .annotate(
            doc_number=Subquery(latest.values("doc_number")[:1]),
            letter_class=Subquery(latest.values("answer_class")[:1]),
        )
        .values(*ROW_FIELDS, "assigned_date", "doc_number", "letter_class", "reply__satisfaction")
    )
    url = ""
    for row in qs[:limit].iterator(chunk_size=2000):
        _decorate(row, today=today, url=url)
        yield [
            row["proposal__session__name"],
            row["proposal__number"],
            row["proposal__title"],
            row["proposal__lead_proposer"],
            row["bureau__short_name"],
            row["role_label"],
            row["state_label"],
            "是" if row["proposal__is_key"] else "否",
            row["assigned_date"],
            row["due_date"],
            row["late"],
            row["workdays_left"],
            row["doc_number"] or "",
            row["letter_class"] or "",
            satisfaction.get(row["reply__satisfaction"] or "", ""),
        ]


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
