"""Statistics the offices report, per session and per bureau.

Definitions (each figure says its numerator and denominator on the page):
- The population is the assignments of items that are still active: withdrawn or merged items
  (Proposal.status) and assignments moved to another bureau (reassigned) are left out of every
  denominator. 主办 / 协办 counts are its lead and co-unit assignments; the rates below are over
  the lead assignments (主办).
- 办复率 = lead assignments with an issued letter / lead assignments.
- 按时办复率 = replied on time / (replied + not replied with the due date passed): an item
  whose due date has not come yet is neither on time nor late. On time: the first letter was
  issued on or before the due date in force when it was issued (IssuedLetter.due_date).
- 面商率 = replied with a contact (ContactEvent) on or before the first letter's date / replied.
- 满意率 = 满意 / items with feedback, and (满意 + 基本满意) / items with feedback.
- A/B/C shares: the answer class of the latest letter / replied items.
- 催办 / 督办 counts: 催办 sent and 督办单 opened on the bureau's assignments in the population
  (lead and co-unit alike), whatever their state now.

The counts are kept by proposals.tallies in the transaction of every write that changes them;
`statistics_counts` below is what each assignment contributes (registered in
OfficesConfig.ready(), so the runner in proposals reaches it without importing offices), and
the page only sums stored counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.db.models import Min
from django.db.models import Sum
from django.utils import timezone
from django.utils.html import escape

from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.choices import Satisfaction
from core.choices import SupervisionKind
from core.choices import TallyKey
from proposals.access import reads_everything
from proposals.access import staff_of
from proposals.models import Bureau
from proposals.models import ContactEvent
from proposals.models import DueTally
from proposals.models import Session
from proposals.models import Supervision
from proposals.models import Tally
from proposals.tallies import AssignmentRow
from proposals.tallies import Counts
from replies.models import IssuedLetter
from replies.models import Reply

S = AssignmentState
K = TallyKey


def rate(numerator: int, denominator: int) -> Decimal | None:
    """Percentage with one decimal, or None when there is nothing to divide by."""
    if denominator == 0:
        return None
    value = Decimal(numerator * 100) / Decimal(denominator)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- what each assignment adds to the statistics (kept by proposals.tallies) ----------------


def statistics_counts(rows: Sequence[AssignmentRow], counts: Counts) -> None:
    """The statistics' share of the counts for these assignment rows: a pure function of what
    the database holds for them, so the tracked differences and the full recount agree."""
    population = [r for r in rows if r.active and r.state != S.REASSIGNED]
    for r in population:
        counts.add(
            r.session_id, r.bureau_id, K.LEAD if r.role == AssignmentRole.LEAD else K.CO_UNIT
        )
    _supervision_counts(population, counts)
    leads = [r for r in population if r.role == AssignmentRole.LEAD]
    if not leads:
        return
    ids = [r.id for r in leads]
    first: dict[int, tuple[dt.date, dt.date | None]] = {}
    latest_class: dict[int, str] = {}
    for assignment_id, issued, due, answer_class in (
        IssuedLetter.objects.filter(reply__assignment_id__in=ids)
        .order_by("issued_date", "pk")
        .values_list("reply__assignment_id", "issued_date", "due_date", "answer_class")
    ):
        first.setdefault(assignment_id, (issued, due))
        latest_class[assignment_id] = answer_class
    satisfaction = dict(
        Reply.objects.filter(assignment_id__in=first)
        .exclude(satisfaction="")
        .values_list("assignment_id", "satisfaction")
    )
    first_contact = dict(
        ContactEvent.objects.filter(assignment_id__in=first)
        .values("assignment_id")
        .annotate(first=Min("contacted_on"))
        .values_list("assignment_id", "first")
    )
    for r in leads:
        where = (r.session_id, r.bureau_id)
        if r.id not in first:
            counts.add_due(*where, K.UNREPLIED, r.due_date)
            continue
        issued, due_then = first[r.id]
        counts.add(*where, K.REPLIED)
        if issued <= (due_then or r.due_date):
            counts.add(*where, K.ON_TIME)
        contact = first_contact.get(r.id)
        if contact is not None and contact <= issued:
            counts.add(*where, K.CONTACTED)
        if latest_class.get(r.id):
            counts.add(*where, K.answer_class(latest_class[r.id]))
        if r.id in satisfaction:
            counts.add(*where, K.FEEDBACK)
            counts.add(*where, K.satisfaction(satisfaction[r.id]))


def _supervision_counts(population: Sequence[AssignmentRow], counts: Counts) -> None:
    """催办 and 督办单 per bureau: every one sent on an assignment of the population."""
    where = {r.id: (r.session_id, r.bureau_id) for r in population}
    if not where:
        return
    for assignment_id, kind, n in (
        Supervision.objects.filter(assignment_id__in=where)
        .values("assignment_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("assignment_id", "kind", "n")
    ):
        counts.add(*where[assignment_id], K.URGED if kind == SupervisionKind.URGE else K.ORDERED, n)


# --- reading them ---------------------------------------------------------------------------


@dataclass
class StatRow:
    """One bureau's figures (or the total): counts by TallyKey, plus the lead assignments not
    replied whose due date has passed (today-dependent, from DueTally)."""

    label: str
    bureau_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    overdue_unreplied: int = 0

    def n(self, key: str) -> int:
        return self.counts.get(key, 0)

    @property
    def lead_count(self) -> int:
        return self.n(K.LEAD)

    assigned = lead_count

    @property
    def co_unit_count(self) -> int:
        return self.n(K.CO_UNIT)

    @property
    def replied(self) -> int:
        return self.n(K.REPLIED)

    @property
    def on_time(self) -> int:
        return self.n(K.ON_TIME)

    @property
    def due(self) -> int:
        """按时办复率's denominator: replied, or not replied with the due date passed."""
        return self.replied + self.overdue_unreplied

    @property
    def contacted(self) -> int:
        return self.n(K.CONTACTED)

    @property
    def feedback(self) -> int:
        return self.n(K.FEEDBACK)

    @property
    def satisfied(self) -> int:
        return self.n(K.satisfaction(Satisfaction.SATISFIED))

    @property
    def basically(self) -> int:
        return self.n(K.satisfaction(Satisfaction.BASICALLY))

    @property
    def unsatisfied(self) -> int:
        return self.n(K.satisfaction(Satisfaction.UNSATISFIED))

    @property
    def urged(self) -> int:
        return self.n(K.URGED)

    @property
    def ordered(self) -> int:
        return self.n(K.ORDERED)

    @property
    def reply_rate(self) -> Decimal | None:
        return rate(self.replied, self.assigned)

    @property
    def on_time_rate(self) -> Decimal | None:
        return rate(self.on_time, self.due)

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

    def class_count(self, code: str) -> int:
        return self.n(K.answer_class(code))

    def class_share(self, code: str) -> Decimal | None:
        return rate(self.class_count(code), self.replied)

    def add(self, other: StatRow) -> None:
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        self.overdue_unreplied += other.overdue_unreplied


@dataclass(frozen=True)
class StatisticsReport:
    session: Session | None
    class_codes: list[str]
    rows: list[StatRow]
    total: StatRow


def _visible_bureau(user: Any) -> int | None:
    """None: every bureau (offices); otherwise the one bureau a bureau's staff see (0: none)."""
    if reads_everything(user):
        return None
    staff = staff_of(user)
    return (staff.bureau_id or 0) if staff is not None else 0


def statistics_by_bureau(
    *, user: Any, session_id: int | None = None, today: dt.date | None = None
) -> StatisticsReport:
    """One row per bureau (those the user may see) and a total row, summed from the stored
    counts: four small queries whatever the number of items."""
    today = today or timezone.localdate()
    session = Session.objects.filter(pk=session_id).first() if session_id else None
    tallies = Tally.objects.exclude(bureau_id=0)
    dues = DueTally.objects.filter(key=K.UNREPLIED, due_date__lt=today)
    if session_id:
        tallies = tallies.filter(session_id=session_id)
        dues = dues.filter(session_id=session_id)
    bureau = _visible_bureau(user)
    if bureau is not None:
        tallies = tallies.filter(bureau_id=bureau)
        dues = dues.filter(bureau_id=bureau)
    tallies = tallies.exclude(key__startswith="a:").exclude(key=K.ITEMS)

    rows: dict[int, StatRow] = {}
    for bureau_id, key, n in (
        tallies.values("bureau_id", "key")
        .annotate(total=Sum("n"))
        .values_list("bureau_id", "key", "total")
    ):
        if n:
            rows.setdefault(bureau_id, StatRow(label="", bureau_id=bureau_id)).counts[key] = n
    for bureau_id, n in (
        dues.values("bureau_id").annotate(total=Sum("n")).values_list("bureau_id", "total")
    ):
        if n:
            rows.setdefault(bureau_id, StatRow(label="", bureau_id=bureau_id)).overdue_unreplied = n
    names = dict(Bureau.objects.filter(pk__in=rows).values_list("pk", "short_name"))
    for bureau_id, row in rows.items():
        row.label = names.get(bureau_id, "")

    if session is not None:
        codes = session.answer_class_codes()
    else:
        codes = sorted(
            {c for s in Session.objects.all() for c in s.answer_class_codes()}
            | {
                key.split(":", 1)[1]
                for row in rows.values()
                for key in row.counts
                if key.startswith("class:")
            }
        )
    ordered = sorted(rows.values(), key=lambda stat: stat.label)
    total = StatRow(label="合计")
    for stat in ordered:
        total.add(stat)
    return StatisticsReport(session=session, class_codes=codes, rows=ordered, total=total)


# --- the table: one column list for the page and the .xlsx export -----------------------------


@dataclass(frozen=True)
class StatColumn:
    """A column of the statistics table. `percent` columns hold a Decimal percentage (or None
    when there is nothing to divide by); the page prints "66.7%", the export writes 0.667
    formatted as a percentage. Another figure is one more StatColumn (and, when it is a new
    count, one more key in `statistics_counts`)."""

    header: str
    value: Callable[[StatRow], Any]
    percent: bool = False


def statistics_columns(report: StatisticsReport) -> list[StatColumn]:
    columns = [
        StatColumn("承办单位", lambda r: r.label),
        StatColumn("主办件数", lambda r: r.lead_count),
        StatColumn("协办件数", lambda r: r.co_unit_count),
        StatColumn("已办复", lambda r: r.replied),
        StatColumn("办复率", lambda r: r.reply_rate, percent=True),
        StatColumn("应办复（已答复或已到期）", lambda r: r.due),
        StatColumn("按期办复", lambda r: r.on_time),
        StatColumn("按时办复率", lambda r: r.on_time_rate, percent=True),
        StatColumn("答复前面商", lambda r: r.contacted),
        StatColumn("面商率", lambda r: r.contact_rate, percent=True),
        StatColumn("已反馈", lambda r: r.feedback),
        StatColumn("满意", lambda r: r.satisfied),
        StatColumn("基本满意", lambda r: r.basically),
        StatColumn("不满意", lambda r: r.unsatisfied),
        StatColumn("满意率（仅满意）", lambda r: r.satisfied_rate, percent=True),
        StatColumn("满意率（含基本满意）", lambda r: r.satisfied_or_basically_rate, percent=True),
    ]
    columns += [
        StatColumn(f"{code}类占比", _class_share(code), percent=True) for code in report.class_codes
    ]
    columns += [
        StatColumn("催办次数", lambda r: r.urged),
        StatColumn("督办单数", lambda r: r.ordered),
    ]
    return columns


def _class_share(code: str) -> Callable[[StatRow], Decimal | None]:
    return lambda row: row.class_share(code)


def statistics_table(report: StatisticsReport) -> tuple[list[StatColumn], list[list[Any]]]:
    """The columns and the rows' values (bureaus, then the total), as numbers."""
    columns = statistics_columns(report)
    return columns, [[c.value(r) for c in columns] for r in [*report.rows, report.total]]


def percent_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def statistics_display(columns: Iterable[StatColumn], rows: Iterable[list[Any]]) -> list[list[str]]:
    """The same values as the page prints them."""
    kinds = [c.percent for c in columns]
    return [
        [percent_text(v) if pct else str(v) for v, pct in zip(row, kinds, strict=True)]
        for row in rows
    ]


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
                f"{percent_text(value)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
