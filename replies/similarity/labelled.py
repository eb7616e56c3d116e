"""The labelled set that measures the suggestions (recall@5), built from the two reference
letters: each paragraph rewritten as a clerk reusing it would, and the original must come back
among the first five suggestions. Deterministic (seeded), no database; used by
tests/replies/test_similarity_quality.py and bench/similar_paragraphs.py.

Rewrites: every number changed; two neighbouring clauses of a sentence swapped; a sentence
added; a sentence dropped (only for paragraphs of at least two sentences)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from core.choices import SegmentKind
from replies.similarity.lookup import NEAR
from replies.similarity.text import bigrams
from replies.similarity.text import is_whole
from replies.similarity.text import jaccard
from replies.similarity.text import letter_segments
from replies.similarity.text import normalize
from replies.similarity.text import shape_id

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "offices" / "demo"
REFERENCE_FILES = ("reply_npc_50.txt", "reply_cppcc_46.txt")
MIN_QUERY_CHARS = 30  # paragraphs shorter than this are greetings and closings, not tested

# Sentences a clerk might add (none of them in the reference letters).
ADDED = (
    "下一步，我局将继续加强与相关部门的沟通协调，推动各项措施落地见效。",
    "对此，我们将认真研究，结合实际逐步加以推进。",
    "目前，相关工作已纳入年度重点工作计划，并明确了责任单位和时间节点。",
    "我们也将及时向您们通报工作进展情况。",
    "该项工作得到了省市主管部门的充分肯定。",
)
_SENTENCE = re.compile(r"[^。！？]+[。！？][”’）)*]*")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    original: str  # the paragraph as in the reference letter
    change: str  # 改数字 / 调换分句 / 增加一句 / 删去一句


def reference_bodies() -> list[str]:
    return [(REFERENCE_DIR / name).read_text(encoding="utf-8") for name in REFERENCE_FILES]


def sentences(paragraph: str) -> list[str]:
    found = _SENTENCE.findall(paragraph)
    rest = paragraph[sum(map(len, found)) :]
    return [*found, rest] if rest.strip() else found


def _change_numbers(p: str, rng: random.Random) -> str:
    def other(m: re.Match[str]) -> str:
        old = m.group(0)
        new = old
        while new == old:
            new = str(rng.randint(1, 10 ** len(old.split(".")[0]) * 3))
        return new

    return _DIGITS.sub(other, p)


def _swap_clauses(p: str, rng: random.Random) -> str:
    parts = sentences(p)
    candidates = [i for i, s in enumerate(parts) if s.count("，") >= 2]
    if not candidates:
        return p
    i = rng.choice(candidates)
    clauses = parts[i].split("，")
    j = rng.randrange(len(clauses) - 2)  # never the last clause (it carries the full stop)
    clauses[j], clauses[j + 1] = clauses[j + 1], clauses[j]
    parts[i] = "，".join(clauses)
    return "".join(parts)


def _add_sentence(p: str, rng: random.Random) -> str:
    parts = sentences(p)
    parts.insert(rng.randint(1, len(parts)), rng.choice(ADDED))
    return "".join(parts)


def _drop_sentence(p: str, rng: random.Random) -> str:
    parts = sentences(p)
    if len(parts) < 2:
        return p
    del parts[rng.randrange(len(parts))]
    return "".join(parts)


REWRITES = (
    ("改数字", _change_numbers),
    ("调换分句", _swap_clauses),
    ("增加一句", _add_sentence),
    ("删去一句", _drop_sentence),
)


def labelled_set(bodies: list[str] | None = None, *, seed: int = 13) -> list[LabelledQuery]:
    """One query per paragraph and rewrite that changes it; the same list on every run."""
    rng = random.Random(seed)  # noqa: S311 (repeatable test data)
    out: list[LabelledQuery] = []
    for body in bodies or reference_bodies():
        for seg in letter_segments(body):
            if seg.kind != SegmentKind.PARAGRAPH or len(seg.norm) < MIN_QUERY_CHARS:
                continue
            for change, rewrite in REWRITES:
                query = rewrite(seg.text, rng)
                if normalize(query) != seg.norm:
                    out.append(LabelledQuery(query, seg.text, change))
    return out


@dataclass
class Evaluation:
    total: int = 0
    hits: int = 0
    suggestions: int = 0
    fragments: list[str] = field(default_factory=list)
    misses: list[LabelledQuery] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.hits / self.total if self.total else 0.0


def evaluate(
    queries: list[LabelledQuery],
    suggest: Callable[[str], Sequence[Any]],
    body_of: Callable[[int], str],
    *,
    k: int = 5,
) -> Evaluation:
    """recall@k: the original is among the first k suggestions (as written, or as the wording
    shown for its group: the same text with other numbers, or a near-identical one); and every
    suggestion checked for being whole (a line of its letter, or whole sentences inside one)."""
    result = Evaluation()
    for q in queries:
        found = list(suggest(q.query))[:k]
        original = bigrams(q.original)
        original_shape = shape_id(normalize(q.original))
        result.total += 1
        # The original's group: its own shape (other numbers) or a near-identical wording.
        if any(
            shape_id(normalize(s.text)) == original_shape
            or jaccard(original, bigrams(s.text)) >= NEAR
            for s in found
        ):
            result.hits += 1
        else:
            result.misses.append(q)
        for s in found:
            result.suggestions += 1
            if not is_whole(s.text, body_of(s.letter_id)):
                result.fragments.append(s.text)
    return result
