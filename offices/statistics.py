"""Statistics the offices report, per session and per bureau.

Definitions (each figure says its numerator and denominator on the page):
- The population is the lead-unit assignments (主办) of items that are still active:
  withdrawn or merged items (Proposal.status) and assignments moved to another bureau
  (reassigned) are left out of every denominator.
- 办复率 = items with an issued letter / items assigned.
- 按时办复率 = items whose first letter was issued on or before the due date / items assigned.
- 面商率 = replied items with a contact (ContactEvent) on or before the first letter's date /
  replied items.
- 满意率 = 满意 / items with feedback, and (满意 + 基本满意) / items with feedback,
  shown separately.
- A/B/C shares: the answer class of the latest letter / replied items.
- 主办 / 协办 counts: active assignments per role (co-units included here only).
- 催办 / 督办 counts: 催办 sent and 督办单 opened on the bureau's assignments in the population
  (lead and co-unit alike), whatever their state now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.db.models import Min
from django.db.models import QuerySet
from django.utils.html import escape

from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.choices import Satisfaction
from core.choices import SupervisionKind
from proposals.models import Assignment
from proposals.models import ContactEvent
from proposals.models import Proposal
from proposals.models import Session
from proposals.models import Supervision
from proposals.selectors import assignment_list_visible
from replies.models import IssuedLetter

S = AssignmentState


def rate(numerator: int, denominator: int) -> Decimal | None:
    """Percentage with one decimal, or None when there is nothing to divide by."""
    if denominator == 0:
        return None
    value = Decimal(numerator * 100) / Decimal(denominator)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class StatRow:
    label: str
    bureau_id: int | None = None
    assigned: int = 0
    replied: int = 0
    on_time: int = 0
    contacted: int = 0
    feedback: int = 0
    satisfied: int = 0
    basically: int = 0
    unsatisfied: int = 0
    lead_count: int = 0
    co_unit_count: int = 0
    urged: int = 0
    ordered: int = 0
    classes: dict[str, int] = field(default_factory=dict)

    @property
    def reply_rate(self) -> Decimal | None:
        return rate(self.replied, self.assigned)

    @property
    def on_time_rate(self) -> Decimal | None:
        return rate(self.on_time, self.assigned)

    @property
    def contact_rate(self) -> Decimal | None:
        return rate(self.contacted, self.replied)

    @property
    def satisfied_rate(self) -> Decimal | None:
        """满意 only."""
        return rate(self.satisfied, self.feedback)

    @property
    def satisfied_or_basically_rate(self) -> Decimal | None:
        """满意 + 基本满意."""
        return rate(self.satisfied + self.basically, self.feedback)

    def class_share(self, code: str) -> Decimal | None:
        return rate(self.classes.get(code, 0), self.replied)

    def add(self, other: StatRow) -> None:
        for name in (
            "assigned",
            "replied",
            "on_time",
            "contacted",
            "feedback",
            "satisfied",
            "basically",
            "unsatisfied",
            "lead_count",
            "co_unit_count",
            "urged",
            "ordered",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for code, n in other.classes.items():
            self.classes[code] = self.classes.get(code, 0) + n


@dataclass(frozen=True)
class StatisticsReport:
    session: Session | None
    class_codes: list[str]
    rows: list[StatRow]
    total: StatRow


def _population(*, user: Any, session_id: int | None) -> QuerySet[Assignment]:
    qs = (
        assignment_list_visible(user=user)
        .filter(proposal__status=Proposal.Status.ACTIVE)
        .exclude(state=S.REASSIGNED)
    )
    if session_id:
        qs = qs.filter(proposal__session_id=session_id)
    return qs


def statistics_by_bureau(*, user: Any, session_id: int | None = None) -> StatisticsReport:
    """One row per bureau (those the user may see) and a total row; a fixed number of queries."""
    session = Session.objects.filter(pk=session_id).first() if session_id else None
    population = _population(user=user, session_id=session_id)
    leads = population.filter(role=Assignment.Role.LEAD).order_by()
    lead_ids = leads.values("pk")
    # Four flat queries merged in Python (no correlated subqueries: fast on 60,000 assignments).
    first_issued: dict[int, dt.date] = {}
    latest_class: dict[int, str] = {}
    for assignment_id, issued, answer_class in (
        IssuedLetter.objects.filter(reply__assignment__in=lead_ids)
        .order_by("issued_date", "pk")
        .values_list("reply__assignment_id", "issued_date", "answer_class")
    ):
        first_issued.setdefault(assignment_id, issued)
        latest_class[assignment_id] = answer_class
    first_contact = dict(
        ContactEvent.objects.filter(assignment__in=lead_ids)
        .values("assignment_id")
        .annotate(first=Min("contacted_on"))
        .values_list("assignment_id", "first")
    )
    lead_rows = leads.values(
        "pk", "bureau_id", "bureau__short_name", "due_date", "reply__satisfaction"
    )
    role_counts = (
        population.order_by()
        .values("bureau_id", "bureau__short_name", "role")
        .annotate(n=Count("pk"))
    )

    rows: dict[int, StatRow] = {}

    def row_for(bureau_id: int, name: str) -> StatRow:
        return rows.setdefault(bureau_id, StatRow(label=name, bureau_id=bureau_id))

    for r in lead_rows:
        row = row_for(r["bureau_id"], r["bureau__short_name"])
        _count_lead(
            row,
            due=r["due_date"],
            first_issued=first_issued.get(r["pk"]),
            first_contact=first_contact.get(r["pk"]),
            latest_class=latest_class.get(r["pk"]),
            satisfaction=r["reply__satisfaction"],
        )
    for c in role_counts:
        row = row_for(c["bureau_id"], c["bureau__short_name"])
        if c["role"] == AssignmentRole.LEAD:
            row.lead_count += c["n"]
        else:
            row.co_unit_count += c["n"]

    _count_supervision(population, row_for)

    if session is not None:
        codes = session.answer_class_codes()
    else:
        codes = sorted(
            {c for s in Session.objects.all() for c in s.answer_class_codes()}
            | {c for stat in rows.values() for c in stat.classes}
        )
    ordered = sorted(rows.values(), key=lambda stat: stat.label)
    total = StatRow(label="合计")
    for stat in ordered:
        total.add(stat)
    return StatisticsReport(session=session, class_codes=codes, rows=ordered, total=total)


def _count_supervision(population: QuerySet[Assignment], row_for: Any) -> None:
    """催办 and 督办单 per bureau: one grouped query over the population's assignments."""
    for r in (
        Supervision.objects.filter(assignment__in=population.values("pk"))
        .values("assignment__bureau_id", "assignment__bureau__short_name", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        row = row_for(r["assignment__bureau_id"], r["assignment__bureau__short_name"])
        if r["kind"] == SupervisionKind.URGE:
            row.urged += r["n"]
        else:
            row.ordered += r["n"]


def _count_lead(
    row: StatRow,
    *,
    due: dt.date,
    first_issued: dt.date | None,
    first_contact: dt.date | None,
    latest_class: str | None,
    satisfaction: str | None,
) -> None:
    row.assigned += 1
    if first_issued is None:
        return
    row.replied += 1
    if first_issued <= due:
        row.on_time += 1
    if first_contact is not None and first_contact <= first_issued:
        row.contacted += 1
    if latest_class:
        row.classes[latest_class] = row.classes.get(latest_class, 0) + 1
    if satisfaction:
        row.feedback += 1
        if satisfaction == Satisfaction.SATISFIED:
            row.satisfied += 1
        elif satisfaction == Satisfaction.BASICALLY:
            row.basically += 1
        elif satisfaction == Satisfaction.UNSATISFIED:
            row.unsatisfied += 1


def _fmt(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def statistics_table(report: StatisticsReport) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows for the page and the .xlsx export."""
    headers = (
        [
            "承办单位",
            "主办件数",
            "协办件数",
            "已办复",
            "办复率",
            "按期办复",
            "按时办复率",
            "答复前面商",
            "面商率",
            "已反馈",
            "满意",
            "基本满意",
            "不满意",
            "满意率（仅满意）",
            "满意率（含基本满意）",
        ]
        + [f"{c}类占比" for c in report.class_codes]
        + ["催办次数", "督办单数"]
    )

    def line(r: StatRow) -> list[Any]:
        return (
            [
                r.label,
                r.lead_count,
                r.co_unit_count,
                r.replied,
                _fmt(r.reply_rate),
                r.on_time,
                _fmt(r.on_time_rate),
                r.contacted,
                _fmt(r.contact_rate),
                r.feedback,
                r.satisfied,
                r.basically,
                r.unsatisfied,
                _fmt(r.satisfied_rate),
                _fmt(r.satisfied_or_basically_rate),
            ]
            + [_fmt(r.class_share(c)) for c in report.class_codes]
            + [r.urged, r.ordered]
        )

    return headers, [line(r) for r in report.rows] + [line(report.total)]


def statistics_chart_svg(rows: Iterable[StatRow], *, width: int = 720) -> str:
    """A horizontal bar chart of 办复率 and 按时办复率 per bureau, as inline SVG (no JavaScript)."""
    rows = list(rows)
    label_w, bar_h, gap, top = 130, 12, 10, 44
    plot_w = width - label_w - 60
    height = top + len(rows) * (2 * bar_h + gap) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="各单位办复率与按时办复率" '
        'font-family="Noto Sans CJK SC, sans-serif" font-size="12">',
        '<rect x="0" y="0" width="12" height="12" fill="#8b0000"/>'
        '<text x="16" y="11">办复率</text>'
        '<rect x="80" y="0" width="12" height="12" fill="#d98c1f"/>'
        '<text x="96" y="11">按时办复率</text>',
    ]
    for pct in (0, 50, 100):
        x = label_w + plot_w * pct / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 6}" '
            'stroke="#ccc" stroke-dasharray="2,2"/>'
            f'<text x="{x:.1f}" y="{top - 9}" text-anchor="middle" fill="#666">{pct}%</text>'
        )
    for i, r in enumerate(rows):
        y = top + i * (2 * bar_h + gap)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h + 4}" text-anchor="end">'
            f"{escape(r.label)}</text>"
        )
        for j, (value, colour) in enumerate(
            ((r.reply_rate, "#8b0000"), (r.on_time_rate, "#d98c1f"))
        ):
            w = plot_w * float(value or 0) / 100
            by = y + j * bar_h
            parts.append(
                f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h - 1}" '
                f'fill="{colour}"/>'
                f'<text x="{label_w + w + 4:.1f}" y="{by + bar_h - 2}" fill="#333">'
                f"{_fmt(value)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
