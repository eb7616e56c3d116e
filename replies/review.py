"""What the supervisor reviews (selector): the submitted draft against the version submitted
before it, paragraph by paragraph, with the changed characters marked inside changed paragraphs."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from dataclasses import field

from proposals.models import Assignment
from replies.models import ReplyVersion

# Two paragraphs this alike are shown as one changed paragraph; below, as removed + added.
PAIR_RATIO = 0.4


@dataclass(frozen=True)
class Piece:
    text: str
    changed: bool


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "equal", "insert", "delete" or "change"
    old: list[Piece] = field(default_factory=list)
    new: list[Piece] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewDiff:
    current: ReplyVersion | None
    previous: ReplyVersion | None
    rows: list[DiffRow]
    answer_class_changed: bool

    @property
    def changed_count(self) -> int:
        return sum(1 for r in self.rows if r.kind != "equal")


def _char_pieces(old: str, new: str) -> tuple[list[Piece], list[Piece]]:
    sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
    left: list[Piece] = []
    right: list[Piece] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            left.append(Piece(old[i1:i2], False))
            right.append(Piece(new[j1:j2], False))
            continue
        if i2 > i1:
            left.append(Piece(old[i1:i2], True))
        if j2 > j1:
            right.append(Piece(new[j1:j2], True))
    return left, right


def _paragraphs(body: str) -> list[str]:
    return [line.rstrip() for line in body.replace("\r\n", "\n").split("\n") if line.strip()]


def text_diff(old: str, new: str) -> list[DiffRow]:
    """Paragraph-level diff of two bodies; replaced paragraphs that are alike are paired and
    get character-level pieces, the rest are shown as deleted and inserted."""
    a, b = _paragraphs(old), _paragraphs(new)
    rows: list[DiffRow] = []
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            rows.extend(DiffRow("equal", [Piece(p, False)], [Piece(p, False)]) for p in a[i1:i2])
        elif tag == "delete":
            rows.extend(DiffRow("delete", old=[Piece(p, True)]) for p in a[i1:i2])
        elif tag == "insert":
            rows.extend(DiffRow("insert", new=[Piece(p, True)]) for p in b[j1:j2])
        else:
            rows.extend(_pair_replaced(a[i1:i2], b[j1:j2]))
    return rows


def _pair_replaced(olds: list[str], news: list[str]) -> list[DiffRow]:
    """Walk both blocks in order, pairing a removed paragraph with the next added one when
    they are alike enough; everything unpaired is a plain deletion or insertion."""
    rows: list[DiffRow] = []
    j = 0
    for old in olds:
        match = None
        for k in range(j, len(news)):
            ratio = difflib.SequenceMatcher(None, old, news[k], autojunk=False).ratio()
            if ratio >= PAIR_RATIO:
                match = k
                break
        if match is None:
            rows.append(DiffRow("delete", old=[Piece(old, True)]))
            continue
        rows.extend(DiffRow("insert", new=[Piece(p, True)]) for p in news[j:match])
        left, right = _char_pieces(old, news[match])
        rows.append(DiffRow("change", left, right))
        j = match + 1
    rows.extend(DiffRow("insert", new=[Piece(p, True)]) for p in news[j:])
    return rows


def reply_review_diff(*, assignment: Assignment) -> ReviewDiff:
    """The latest submitted version against the one before it (none on a first submission:
    then every paragraph is new). Access is checked by the caller (is_bureau_supervisor)."""
    reply = getattr(assignment, "reply", None)
    if reply is None:
        return ReviewDiff(None, None, [], False)
    versions = list(reply.versions.order_by("-version")[:2])
    current = versions[0] if versions else None
    previous = versions[1] if len(versions) > 1 else None
    if current is None:
        return ReviewDiff(None, None, [], False)
    rows = text_diff(previous.body if previous else "", current.body)
    changed_class = bool(previous and previous.answer_class != current.answer_class)
    return ReviewDiff(current, previous, rows, changed_class)
