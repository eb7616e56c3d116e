"""Similar paragraphs from letters already issued (selector): as the clerk writes a paragraph,
suggest the closest paragraphs of earlier letters the user may see. Pure Python: each paragraph
is a set of character bigrams and paragraphs are ranked by Jaccard similarity."""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from proposals.selectors import assignment_list_visible
from replies.models import IssuedLetter

MIN_CHARS = 12  # shorter paragraphs (headings, greetings) are not worth suggesting
MIN_SCORE = 0.1  # below this a "suggestion" shares little more than common phrases
QUERY_MAX_CHARS = 2000
_NOT_WORD = re.compile(r"[\W_]+")
# An inline lead-in such as **一是** or **二是加大外出招引力度**: long paragraphs that list
# several of them are offered item by item as well.
_LEAD_IN = re.compile(r"(?=\*\*[一二三四五六七八九十]+是)")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


def normalize(text: str) -> str:
    """NFKC (full-width digits and brackets fold), then letters, digits and Han only."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text.replace("**", "")))


def _grams(s: str) -> frozenset[str]:
    if len(s) < 2:
        return frozenset({s}) if s else frozenset()
    return frozenset(map(operator.add, s, s[1:]))  # every pair of neighbours


def bigrams(text: str) -> frozenset[str]:
    return _grams(normalize(text))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


@dataclass(frozen=True)
class Segment:
    text: str
    key: str
    grams: frozenset[str]


def split_paragraphs(body: str) -> list[str]:
    """The body's paragraphs (one per line, headings left out), and for a paragraph that lists
    **一是** … **二是** … its lead and each item on their own."""
    return [seg.text for seg in letter_segments(body)]


@lru_cache(maxsize=8192)
def letter_segments(body: str) -> tuple[Segment, ...]:
    """Issued letters never change, so their segments are cached by body."""
    out: list[str] = []
    for raw in body.splitlines():
        line = raw.strip()
        if not line or (_HEADING.match(line) and len(line) <= 40):
            continue
        out.append(line)
        if len(_LEAD_IN.findall(line)) >= 2:
            out.extend(p.strip() for p in _LEAD_IN.split(line) if p.strip())
    segments: list[Segment] = []
    seen: set[str] = set()
    for p in out:
        key = normalize(p)
        if key not in seen and len(key) >= MIN_CHARS:
            seen.add(key)
            segments.append(Segment(p, key, _grams(key)))
    return tuple(segments)


@dataclass(frozen=True)
class Suggestion:
    text: str
    score: float
    doc_number: str
    letter_id: int
    issued_date: str
    proposal_title: str


def paragraph_list_similar(*, user: Any, text: str, limit: int = 5) -> list[Suggestion]:
    """The `limit` paragraphs of issued letters most similar to `text`, best first, only from
    letters of assignments the user may see (assignment_list_visible). A paragraph identical
    to the query is left out: it is already in the draft."""
    text = (text or "")[:QUERY_MAX_CHARS]
    query = bigrams(text)
    if len(normalize(text)) < MIN_CHARS:
        return []
    query_key = normalize(text)
    visible = assignment_list_visible(user=user)
    letters = IssuedLetter.objects.filter(reply__assignment__in=visible.values("pk")).values_list(
        "pk", "doc_number", "issued_date", "body", "reply__assignment__proposal__title"
    )
    scored: list[Suggestion] = []
    for pk, doc_number, issued_date, body, title in letters.iterator(chunk_size=200):
        for seg in letter_segments(body):
            if seg.key == query_key:
                continue
            score = jaccard(query, seg.grams)
            if score >= MIN_SCORE:
                scored.append(
                    Suggestion(
                        seg.text, round(score, 4), doc_number, pk, issued_date.isoformat(), title
                    )
                )
    scored.sort(key=lambda s: (-s.score, s.doc_number, s.text))
    return scored[:limit]
