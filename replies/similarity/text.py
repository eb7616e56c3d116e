"""What a suggestible passage is, and how alike two passages are. Pure functions, no database.

A letter body is one paragraph per line. Suggestions are whole lines (整段) or, inside a line
that lists **一是** … **二是** …, whole sentences (整句): a run that starts where a sentence
starts and ends on 。！？. A clause (ending in ，、；：) is never offered, so inserting a
suggestion never leaves an unfinished sentence in a letter."""

from __future__ import annotations

import hashlib
import operator
import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache

from core.choices import SegmentKind

MIN_CHARS = 12  # shorter passages (headings, greetings) are not worth suggesting
QUERY_MAX_CHARS = 2000
_NOT_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")
# An inline lead-in such as **一是** or **二是加大外出招引力度**.
_LEAD_IN = re.compile(r"(?=\*\*[一二三四五六七八九十]+是)")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")
# A sentence ends on 。！？ (or the ASCII ones), possibly followed by closing quotes, brackets
# or the end of a bold run: 。” 。**  ？）
_CLOSERS = "”’」』）)】》*"
_ENDS = "。！？!?…"
# Before a run of whole sentences: the start of the line, a sentence end, or the colon that
# introduces a list (……主要有三个方面：**一是**……).
_STARTS_AFTER = _ENDS + "：:"


def normalize(text: str) -> str:
    """NFKC (full-width digits and brackets fold), then letters, digits and Han only."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text.replace("**", "")))


def shape(norm: str) -> str:
    """The normalised text with every number folded to 0: texts that differ only in their
    numbers (years, amounts, counts) share a shape and are shown as one suggestion."""
    return _DIGITS.sub("0", norm)


# Fingerprints (winnowing, Schleimer et al. 2003): hash every 5-character stretch of the shape
# and keep the smallest hash of every 8 neighbours. Any 12 characters two texts share (numbers
# aside) give them a fingerprint in common, whatever the rest; a 110-character paragraph has
# about 25 of them. They are what the index looks up (ParagraphShingle), on both databases.
SHINGLE = 5
WINDOW = 8


def _hash(gram: str) -> int:
    """Stable signed 32-bit hash (fits an integer column)."""
    return zlib.crc32(gram.encode("utf-8")) - 2**31


def fingerprints(norm: str) -> frozenset[int]:
    s = shape(norm)
    if len(s) <= SHINGLE:
        return frozenset({_hash(s)}) if s else frozenset()
    hashes = [_hash(s[i : i + SHINGLE]) for i in range(len(s) - SHINGLE + 1)]
    if len(hashes) <= WINDOW:
        return frozenset({min(hashes)})
    return frozenset(min(hashes[i : i + WINDOW]) for i in range(len(hashes) - WINDOW + 1))


def digest(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def shape_id(norm: str) -> int:
    """The shape as a signed 64-bit number (what ParagraphText.shape and the fingerprints
    store): texts with the same shape have the same fingerprints, stored once."""
    return int.from_bytes(hashlib.sha256(shape(norm).encode("utf-8")).digest()[:8], signed=True)


@lru_cache(maxsize=65536)
def grams(norm: str) -> frozenset[str]:
    """Character bigrams of a normalised text (cached: index texts never change)."""
    if len(norm) < 2:
        return frozenset({norm}) if norm else frozenset()
    return frozenset(map(operator.add, norm, norm[1:]))  # every pair of neighbours


def bigrams(text: str) -> frozenset[str]:
    return grams(normalize(text))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def containment(part: frozenset[str], whole: frozenset[str]) -> float:
    """Share of `part` found in `whole`: high when the clerk has typed the start of a known
    paragraph (Jaccard alone punishes the half not yet written)."""
    return len(part & whole) / len(part) if part else 0.0


def closeness(query: frozenset[str], candidate: frozenset[str]) -> float:
    """How well a candidate passage answers the paragraph being written: mostly Jaccard (the
    same paragraph, numbers changed, a sentence added or dropped), partly containment (the
    paragraph is only begun)."""
    return 0.7 * jaccard(query, candidate) + 0.3 * containment(query, candidate)


def ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip(_CLOSERS).endswith(tuple(_ENDS))


def _starts_sentence(before: str) -> bool:
    before = before.rstrip().rstrip(_CLOSERS)
    return not before or before.endswith(tuple(_STARTS_AFTER))


@dataclass(frozen=True)
class Segment:
    text: str  # as written in the letter
    norm: str
    kind: str  # SegmentKind
    position: int  # line number in the letter, from 0


def is_heading(line: str) -> bool:
    return bool(_HEADING.match(line)) and len(line) <= 40


def sentence_runs(line: str) -> list[str]:
    """The items of a line that lists at least two **一是** lead-ins, each only if it is made of
    whole sentences (starts after a sentence end or the list's colon, ends on 。！？), and the
    lead before them if it is a whole sentence itself."""
    if len(_LEAD_IN.findall(line)) < 2:
        return []
    pieces = [p for p in _LEAD_IN.split(line) if p]
    runs: list[str] = []
    consumed = ""
    for piece in pieces:
        if _starts_sentence(consumed) and ends_sentence(piece):
            runs.append(piece.strip())
        consumed += piece
    return [r for r in runs if r != line.strip()]


@lru_cache(maxsize=8192)
def letter_segments(body: str) -> tuple[Segment, ...]:
    """The suggestible passages of a letter body, each normalised text once: every paragraph
    (headings and lines under MIN_CHARS left out) and the whole-sentence items of a paragraph
    that lists them. Cached by body: issued letters never change."""
    seen: set[str] = set()
    out: list[Segment] = []

    def add(text: str, kind: str, position: int) -> None:
        norm = normalize(text)
        if len(norm) >= MIN_CHARS and norm not in seen:
            seen.add(norm)
            out.append(Segment(text, norm, kind, position))

    for position, raw in enumerate(body.splitlines()):
        line = raw.strip()
        if not line or is_heading(line):
            continue
        add(line, SegmentKind.PARAGRAPH, position)
        for run in sentence_runs(line):
            add(run, SegmentKind.SENTENCES, position)
    return tuple(out)


def split_paragraphs(body: str) -> list[str]:
    """The texts letter_segments offers, in order."""
    return [seg.text for seg in letter_segments(body)]


def is_whole(text: str, body: str) -> bool:
    """True when `text` is a whole line of `body`, or a run of whole sentences inside one.
    Used by the tests and the benchmark to prove no suggestion is a fragment."""
    for raw in body.splitlines():
        line = raw.strip()
        if text == line:
            return True
        at = line.find(text)
        if at >= 0 and _starts_sentence(line[:at]) and ends_sentence(text):
            return True
    return False
