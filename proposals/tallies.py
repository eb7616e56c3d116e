"""The counts the offices look at all the time (board matrix, overdue, statistics per session and
bureau), kept up to date in the same transaction as every write that changes them, so that no
page recounts 60,000 assignments per request.

How. Every write that can change a count runs inside `track(proposal_ids=...)`: the runner (all
transitions: issuance, reassignment, reopening …), registration, withdrawal and merging,
extension decisions, feedback and contact records. `track` locks the items' rows, takes what
those items contribute to the counts before the write and again after it, and adds the
difference to `Tally` / `DueTally` (one upsert per table, keys in sorted order so two writers
never deadlock). What an item contributes is one function of its rows (`contributions`): this
app's own part (items; assignments by role and state; open assignments by due date) plus the
parts registered by higher apps (`register_contributor`; offices adds the statistics, which read
reply letters that proposals may not import). A full recount is the same function over every
item, so `manage.py check_counts` proves the stored counts equal to it, and repairs them.

Overdue depends on today. `DueTally` keeps open assignments per due date; "overdue today" is
the sum over the dates before today (one small range sum), so nothing changes when a day
passes and no nightly job has to move counts.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from django.db import connection
from django.db import transaction

from core.choices import AssignmentState
from core.choices import ProposalStatus
from core.choices import TallyKey
from proposals.models import Assignment
from proposals.models import DueTally
from proposals.models import Proposal
from proposals.models import Tally

CountKey = tuple[int, int, str]  # session, bureau (0: the whole session), key
DueKey = tuple[int, int, str, dt.date]  # session, bureau, key, due date
CHUNK = 1000  # items per query when recounting everything


@dataclass(frozen=True)
class AssignmentRow:
    """What the counts know about one assignment (one query for all of an item's rows)."""

    id: int
    proposal_id: int
    session_id: int
    bureau_id: int
    role: str
    state: str
    due_date: dt.date
    active: bool  # the item is neither withdrawn nor merged

    @property
    def is_open(self) -> bool:
        return self.state not in AssignmentState.closed()


@dataclass
class Counts:
    """Counts (or differences of counts) by key."""

    tally: Counter[CountKey] = field(default_factory=Counter)
    due: Counter[DueKey] = field(default_factory=Counter)

    def add(self, session_id: int, bureau_id: int, key: str, n: int = 1) -> None:
        self.tally[(session_id, bureau_id, key)] += n

    def add_due(self, session_id: int, bureau_id: int, key: str, day: dt.date, n: int = 1) -> None:
        self.due[(session_id, bureau_id, key, day)] += n

    def update(self, other: Counts) -> None:
        self.tally.update(other.tally)
        self.due.update(other.due)

    def minus(self, other: Counts) -> Counts:
        """self - other, keeping negative and dropping zero entries."""
        tally: Counter[CountKey] = Counter()
        due: Counter[DueKey] = Counter()
        for key in self.tally.keys() | other.tally.keys():
            if d := self.tally[key] - other.tally[key]:
                tally[key] = d
        for dkey in self.due.keys() | other.due.keys():
            if d := self.due[dkey] - other.due[dkey]:
                due[dkey] = d
        return Counts(tally, due)

    def nonzero(self) -> Counts:
        return Counts(
            Counter({k: v for k, v in self.tally.items() if v}),
            Counter({k: v for k, v in self.due.items() if v}),
        )

    def __bool__(self) -> bool:
        return any(self.tally.values()) or any(self.due.values())


Contributor = Callable[[Sequence[AssignmentRow], Counts], None]
_contributors: list[Contributor] = []


def register_contributor(contributor: Contributor) -> Contributor:
    """Add counts computed from assignment rows (a higher app, in its AppConfig.ready()). It must
    be a pure function of what is in the database for those rows' items, so that the tracked
    difference and the full recount agree."""
    if contributor not in _contributors:
        _contributors.append(contributor)
    return contributor


def _own_counts(items: Iterable[tuple[int, int]], rows: Sequence[AssignmentRow], c: Counts) -> None:
    """The board's counts: items per session and per bureau, assignments by role and state,
    open assignments of active items by due date."""
    for _pk, session_id in items:
        c.add(session_id, 0, TallyKey.ITEMS)
    for r in _distinct_items(rows):
        c.add(r.session_id, r.bureau_id, TallyKey.ITEMS)
    for r in rows:
        c.add(r.session_id, r.bureau_id, TallyKey.state(r.role, r.state))
        if r.active and r.is_open:
            c.add_due(r.session_id, r.bureau_id, TallyKey.OPEN, r.due_date)


def _distinct_items(rows: Sequence[AssignmentRow]) -> list[AssignmentRow]:
    """One row per (item, bureau): a bureau counts an item once even when it was moved away and
    back."""
    seen: dict[tuple[int, int], AssignmentRow] = {}
    for r in rows:
        seen.setdefault((r.proposal_id, r.bureau_id), r)
    return list(seen.values())


def contributions(*, proposal_ids: Sequence[int]) -> Counts:
    """What these items contribute to every count, as the database holds them now."""
    counts = Counts()
    if not proposal_ids:
        return counts
    items = list(Proposal.objects.filter(pk__in=proposal_ids).values_list("pk", "session_id"))
    rows = [
        AssignmentRow(pk, pid, sid, bid, role, state, due, status == ProposalStatus.ACTIVE)
        for pk, pid, sid, bid, role, state, due, status in Assignment.objects.filter(
            proposal_id__in=proposal_ids
        )
        .order_by("pk")
        .values_list(
            "pk",
            "proposal_id",
            "proposal__session_id",
            "bureau_id",
            "role",
            "state",
            "due_date",
            "proposal__status",
        )
    ]
    _own_counts(items, rows, counts)
    if rows:
        for contributor in _contributors:
            contributor(rows, counts)
    return counts


# --- keeping them: the difference of each write, in its own transaction ------------------------


class _Tracker:
    def __init__(self) -> None:
        self.ids: list[int] = []
        self.before = Counts()

    def add(self, proposal_ids: Iterable[int], *, created: bool = False) -> None:
        new = sorted(set(proposal_ids) - set(self.ids))
        if not new:
            return
        if created:  # saved in this transaction: they counted for nothing before
            self.ids += new
            return
        # The item rows are the lock every counted write takes: the "before" below is then what
        # is committed, and no other writer changes these items until we commit.
        list(
            Proposal.objects.select_for_update()
            .filter(pk__in=new)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        self.ids += new
        self.before.update(contributions(proposal_ids=new))

    def finish(self) -> None:
        apply(contributions(proposal_ids=self.ids).minus(self.before))


_local = threading.local()


@contextmanager
def track(*, proposal_ids: Iterable[int], created: bool = False) -> Iterator[None]:
    """Run a write to these items (and anything created under them) so that the counts follow
    it in the same transaction. `created`: the items were saved in this transaction (a
    registration) and counted for nothing before. Nested calls join the outermost one
    (reply_record_feedback runs the reopen transition inside its own tracked write)."""
    outer: _Tracker | None = getattr(_local, "tracker", None)
    if outer is not None:
        outer.add(proposal_ids, created=created)
        yield
        return
    with transaction.atomic():
        tracker = _Tracker()
        _local.tracker = tracker
        try:
            tracker.add(proposal_ids, created=created)
            yield
        finally:
            _local.tracker = None
        tracker.finish()


def _upsert(table: str, columns: Sequence[str], conflict: Sequence[str], rows: list[Any]) -> None:
    """INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n (PostgreSQL and SQLite alike)."""
    cols = ", ".join(columns)
    on = ", ".join(conflict)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            part = rows[start : start + 500]
            sql = (
                f"INSERT INTO {table} ({cols}) VALUES {', '.join([one] * len(part))} "  # noqa: S608 (names from _meta)
                f"ON CONFLICT ({on}) DO UPDATE SET n = {table}.n + excluded.n"
            )
            cursor.execute(sql, [v for row in part for v in row])


def apply(delta: Counts) -> None:
    """Add a difference to the stored counts, in sorted key order (Tally, then DueTally)."""
    delta = delta.nonzero()
    if delta.tally:
        _upsert(
            Tally._meta.db_table,
            ["session_id", "bureau_id", "key", "n"],
            ["session_id", "bureau_id", "key"],
            [(*k, n) for k, n in sorted(delta.tally.items())],
        )
    if delta.due:
        _upsert(
            DueTally._meta.db_table,
            ["session_id", "bureau_id", "key", "due_date", "n"],
            ["session_id", "bureau_id", "key", "due_date"],
            [(*k, n) for k, n in sorted(delta.due.items())],
        )


# --- proving them: full recount, comparison, repair ---------------------------------------------


def recount() -> Counts:
    """Every count from scratch, item by item in chunks (the same function as the tracking)."""
    total = Counts()
    ids = list(Proposal.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        total.update(contributions(proposal_ids=ids[start : start + CHUNK]))
    return total.nonzero()


def stored() -> Counts:
    counts = Counts()
    for sid, bid, key, n in Tally.objects.values_list("session_id", "bureau_id", "key", "n"):
        counts.add(sid, bid, key, n)
    for sid, bid, key, day, n in DueTally.objects.values_list(
        "session_id", "bureau_id", "key", "due_date", "n"
    ):
        counts.add_due(sid, bid, key, day, n)
    return counts.nonzero()


@dataclass(frozen=True)
class Difference:
    key: tuple[Any, ...]
    stored: int
    recounted: int


def _lock_tables(mode: str) -> None:
    """On PostgreSQL, wait for the writers that hold counts and keep new ones out while we read
    (SHARE) or rewrite (SHARE ROW EXCLUSIVE): the recount then sees a settled state."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {Tally._meta.db_table}, {DueTally._meta.db_table} IN {mode} MODE"
            )


def check(*, repair: bool = False) -> list[Difference]:
    """The differences between the stored counts and a full recount; with `repair`, the stored
    counts are replaced by the recount in the same transaction."""
    with transaction.atomic():
        _lock_tables("SHARE ROW EXCLUSIVE" if repair else "SHARE")
        expected = recount()
        actual = stored()
        diff = expected.minus(actual)
        differences = [
            Difference(key, actual.tally[key], expected.tally[key]) for key in sorted(diff.tally)
        ] + [Difference(key, actual.due[key], expected.due[key]) for key in sorted(diff.due)]
        if repair and differences:
            rebuild(expected)
    return differences


def rebuild(expected: Counts | None = None) -> None:
    """Replace the stored counts by a full recount (after bulk loads that bypass the services)."""
    with transaction.atomic():
        if expected is None:
            _lock_tables("SHARE ROW EXCLUSIVE")
            expected = recount()
        Tally.objects.all().delete()
        DueTally.objects.all().delete()
        Tally.objects.bulk_create(
            (
                Tally(session_id=s, bureau_id=b, key=k, n=n)
                for (s, b, k), n in expected.tally.items()
            ),
            batch_size=2000,
        )
        DueTally.objects.bulk_create(
            (
                DueTally(session_id=s, bureau_id=b, key=k, due_date=d, n=n)
                for (s, b, k, d), n in expected.due.items()
            ),
            batch_size=2000,
        )
