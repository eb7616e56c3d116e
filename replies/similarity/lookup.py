"""Reads of the similar-paragraph index: what the editor suggests while the clerk writes.

1. Candidates: the passages whose shapes share the most fingerprints with the paragraph being
   written (replies.similarity.index; the same tables and query shape on PostgreSQL and SQLite),
   in the user's scope. Scope is proposals.selectors.assignment_list_visible, only suggestible
   uses, never the letters of the assignment being edited.
2. Ranking, the same on both: `closeness` of character bigrams to the paragraph, plus a little
   for passages that speak of the item (its title and full text) and for passages used in
   letters answering similar items.
3. One suggestion per near-identical group (same text with other numbers, or bigram Jaccard
   >= NEAR), with how many letters used it and the latest of them (文号, bureau, date, class).
Without a paragraph (fewer than MIN_CHARS characters) the passages of the letters answering
the most similar items are ranked by the item alone."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from django.db import connection
from django.db import transaction
from django.db.models import BooleanField
from django.db.models import Count
from django.db.models import Exists
from django.db.models import F
from django.db.models import Func
from django.db.models import OuterRef
from django.db.models import QuerySet
from django.db.models import Value
from django.db.models import Window
from django.db.models.functions import RowNumber

from core.choices import SegmentKind
from proposals.models import Assignment
from proposals.models import Proposal
from proposals.selectors import assignment_list_visible
from replies.models import ParagraphShingle
from replies.models import ParagraphText
from replies.models import ParagraphUse
from replies.models import PolicyDocument
from replies.similarity.text import MIN_CHARS
from replies.similarity.text import QUERY_MAX_CHARS
from replies.similarity.text import closeness
from replies.similarity.text import containment
from replies.similarity.text import fingerprints
from replies.similarity.text import grams
from replies.similarity.text import jaccard
from replies.similarity.text import normalize

MIN_SCORE = 0.12  # below this a "suggestion" shares little more than common phrases
NEAR = 0.8  # bigram Jaccard at which two wordings count as the same passage
CANDIDATES = 60  # passages re-ranked in Python after the index lookup
LETTERS_SHOWN = 5  # letters listed under a suggestion (the count covers all)
W_ITEM = 0.1  # weight of "the passage speaks of this item"
W_SOURCE = 0.1  # weight of "the passage answered a similar item"
TITLE_NEAR = 0.2  # pg_trgm word similarity of a title's core to another title (PostgreSQL)
TITLES_NEAR = 100  # the closest titles whose items are then compared by title and full text
PRE_CANDIDATES = 150  # passages sharing the most fingerprints, before scope and ranking
PER_FINGERPRINT = 500  # index entries read per fingerprint (PostgreSQL)
# Fingerprints of the paragraph looked up: the smallest hashes, a fixed random sample (bottom-k),
# so a long paragraph costs what a short one does.
QUERY_FINGERPRINTS = 32
# Bigrams of every item title (关于…的建议/提案): they say nothing about the subject.
_TITLE_NOISE = frozenset(
    {"关于", "于进", "进一", "一步", "步加", "加强", "的建", "建议", "的提", "提案", "议案"}
)


# Every title says 关于…的建议 / 的提案: compared whole, all titles look alike (and a trigram
# search matches them all); the core says what the item is about.
_TITLE_FRAME = re.compile(r"^(关于)?|(的)?(建议|提案|议案)$")


def _title_core(title: str) -> str:
    return _TITLE_FRAME.sub("", title.strip()) or title


class _InArray(Func):
    """`a = ANY(%s)` with a list as one array parameter (PostgreSQL)."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


@dataclass(frozen=True)
class LetterRef:
    letter_id: int
    doc_number: str
    bureau: str
    issued_date: str
    answer_class: str
    item: str


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: str  # SegmentKind: a whole paragraph, or whole sentences inside one
    kind_label: str
    score: float
    letter_count: int  # letters (in the user's scope) that used this passage or a near twin
    variant_count: int  # distinct wordings shown as this one suggestion
    letters: tuple[LetterRef, ...]  # the latest of them
    letter_id: int  # the best match's letter (also letters[0])
    doc_number: str


@dataclass
class _Group:
    text_ids: list[int]
    shapes: set[int]
    text: str
    norm: str
    score: float
    item_score: float = 0.0
    letters: list[LetterRef] = field(default_factory=list)
    count: int = 0
    variants: int = 0
    kind: str = SegmentKind.PARAGRAPH


def _subject_grams(title: str, content: str | None = "") -> frozenset[str]:
    """What an item says, as bigrams: its title and its full text (内容), without the words
    every title shares. The same for this item, the items letters answered, and candidates."""
    return grams(normalize(f"{title}\n{content or ''}"[:QUERY_MAX_CHARS])) - _TITLE_NOISE


def _item_grams(proposal: Proposal | None) -> frozenset[str]:
    return frozenset() if proposal is None else _subject_grams(proposal.title, proposal.content)


def _scope(*, user: Any, exclude_assignment_id: int | None) -> QuerySet[ParagraphUse]:
    """Uses the user may be shown: suggestible, of assignments the user may see (the pages'
    own scoping), never the letters of the assignment being edited."""
    visible = assignment_list_visible(user=user)
    uses = ParagraphUse.objects.filter(suggestible=True, assignment_id__in=visible.values("pk"))
    if exclude_assignment_id is not None:
        uses = uses.exclude(assignment_id=exclude_assignment_id)
    return uses


def _candidates(qnorm: str, uses: QuerySet[ParagraphUse]) -> list[tuple[int, str, str, int]]:
    """(id, text, norm, shape) of the passages in scope whose shapes share the most
    fingerprints with the paragraph, one text per shape, closest first. On PostgreSQL each
    fingerprint reads at most PER_FINGERPRINT index entries: a fingerprint found in thousands
    of passages says little, and must not cost much."""
    hashes = sorted(fingerprints(qnorm))[:QUERY_FINGERPRINTS]
    if not hashes:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.shape FROM unnest(%s::integer[]) AS q(hash) "
                "CROSS JOIN LATERAL (SELECT shape FROM replies_paragraphshingle "
                "WHERE hash = q.hash LIMIT %s) AS s "
                "GROUP BY s.shape ORDER BY count(*) DESC, s.shape LIMIT %s",
                [hashes, PER_FINGERPRINT, PRE_CANDIDATES],
            )
            shapes = [row[0] for row in cursor.fetchall()]
        # One array parameter, not 400 placeholders; one text per shape.
        texts = ParagraphText.objects.filter(_InArray(F("shape"), Value(shapes)))
        texts = texts.order_by("shape", "-pk").distinct("shape")
    else:
        shapes = list(
            ParagraphShingle.objects.filter(hash__in=hashes)
            .values("shape")
            .annotate(n=Count("pk"))
            .order_by("-n", "shape")
            .values_list("shape", flat=True)[:PRE_CANDIDATES]
        )
        texts = ParagraphText.objects.filter(shape__in=shapes).order_by("shape", "-pk")
    in_scope = uses.filter(text_id=OuterRef("pk"))
    rows = list(texts.filter(Exists(in_scope)).values_list("pk", "text", "norm", "shape"))
    rows = list({row[3]: row for row in reversed(rows)}.values())  # SQLite: one per shape
    order = {sid: i for i, sid in enumerate(shapes)}
    query = grams(qnorm)
    rows.sort(key=lambda row: (-closeness(query, grams(row[2])), order[row[3]]))
    return rows[:CANDIDATES]


def _group(scored: list[tuple[float, tuple[int, str, str, int]]]) -> list[_Group]:
    """Best first; a passage joins the first group with its shape or a near-identical text.
    Jaccard >= NEAR needs sizes within that ratio: other pairs are not compared."""
    groups: list[_Group] = []
    sizes: list[int] = []
    for score, (pk, text, norm, shape_key) in scored:
        g_norm = grams(norm)
        size = len(g_norm)
        for g, g_size in zip(groups, sizes, strict=True):
            if shape_key in g.shapes or (
                NEAR * g_size <= size <= g_size / NEAR and jaccard(g_norm, grams(g.norm)) >= NEAR
            ):
                g.text_ids.append(pk)
                g.shapes.add(shape_key)
                break
        else:
            groups.append(_Group([pk], {shape_key}, text, norm, score))
            sizes.append(size)
    return groups


def _latest(uses: QuerySet[ParagraphUse], partition: str, n: int) -> QuerySet[ParagraphUse]:
    return uses.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F(partition)],
            order_by=[F("letter__issued_date").desc(), F("letter_id").desc()],
        )
    ).filter(rank__lte=n)


_REF_FIELDS = (
    "letter_id",
    "letter__doc_number",
    "bureau__short_name",
    "letter__issued_date",
    "letter__answer_class",
    "assignment__proposal__title",
)


def _ref(row: tuple[Any, ...]) -> LetterRef:
    letter_id, number, bureau, issued, answer_class, title = row
    return LetterRef(letter_id, number, bureau, issued.isoformat(), answer_class, title)


def _attach_letters(groups: list[_Group], uses: QuerySet[ParagraphUse]) -> None:
    """Count the letters and wordings of each group (every text with the group's shapes, in
    scope) and list the latest letters, with the items they answered: first the latest that
    used the wording shown."""
    shapes = {s: g for g in groups for s in g.shapes}
    in_groups = uses.filter(text__shape__in=list(shapes))
    counts: dict[int, int] = defaultdict(int)
    variants: dict[int, int] = defaultdict(int)
    for shape_key, n, v in (
        in_groups.values("text__shape")
        .annotate(n=Count("letter_id", distinct=True), v=Count("text_id", distinct=True))
        .values_list("text__shape", "n", "v")
    ):
        counts[id(shapes[shape_key])] += n
        variants[id(shapes[shape_key])] += v
    paragraph_groups: set[int] = {
        id(shapes[s])
        for s in in_groups.filter(kind=SegmentKind.PARAGRAPH)
        .values_list("text__shape", flat=True)
        .distinct()
    }
    for row in _latest(in_groups, "text__shape", LETTERS_SHOWN).values_list(
        "text__shape", *_REF_FIELDS
    ):
        shapes[row[0]].letters.append(_ref(row[1:]))
    shown = {g.text_ids[0]: g for g in groups}
    first: dict[int, LetterRef] = {}
    for row in _latest(uses.filter(text_id__in=list(shown)), "text_id", 1).values_list(
        "text_id", *_REF_FIELDS
    ):
        first[id(shown[row[0]])] = _ref(row[1:])
    for g in groups:
        g.count = counts[id(g)]
        g.variants = variants[id(g)]
        g.kind = SegmentKind.PARAGRAPH if id(g) in paragraph_groups else SegmentKind.SENTENCES
        head = [first[id(g)]] if id(g) in first else []
        rest = sorted(set(g.letters) - set(head), key=_date_and_id, reverse=True)
        g.letters = (head + rest)[:LETTERS_SHOWN]


def _date_and_id(ref: LetterRef) -> tuple[str, int]:
    return (ref.issued_date, ref.letter_id)


def _source_similarity(g: _Group, item: frozenset[str]) -> float:
    """How close the items these letters answered are to this item (best of those listed)."""
    return max((jaccard(item, _subject_grams(r.item)) for r in g.letters), default=0)


def _suggestions(groups: list[_Group], limit: int) -> list[Suggestion]:
    groups.sort(key=lambda g: (-g.score, -g.count, g.text))
    return [
        Suggestion(
            text=g.text,
            kind=g.kind,
            kind_label=SegmentKind(g.kind).label,
            score=round(g.score, 4),
            letter_count=g.count,
            variant_count=g.variants,
            letters=tuple(g.letters),
            letter_id=g.letters[0].letter_id,
            doc_number=g.letters[0].doc_number,
        )
        for g in groups[:limit]
        if g.letters
    ]


def paragraph_list_similar(
    *, user: Any, text: str, assignment: Assignment | None = None, limit: int = 5
) -> list[Suggestion]:
    """The `limit` passages of issued letters the user may see that best continue `text` (the
    paragraph being written) for `assignment` (the letter being edited: its own letters are
    left out, its item ranks the passages). A passage identical to `text` is left out: it is
    already in the draft."""
    qnorm = normalize((text or "")[:QUERY_MAX_CHARS])
    proposal = assignment.proposal if assignment is not None else None
    uses = _scope(user=user, exclude_assignment_id=assignment.pk if assignment else None)
    item = _item_grams(proposal)
    if len(qnorm) < MIN_CHARS:
        return _by_item(uses=uses, proposal=proposal, item=item, limit=limit)
    query = grams(qnorm)
    scored = []
    for row in _candidates(qnorm, uses):
        if row[2] == qnorm:
            continue
        cand = grams(row[2])
        base = closeness(query, cand)
        if base >= MIN_SCORE:
            scored.append((base + W_ITEM * containment(item, cand), row))
    scored.sort(key=lambda pair: (-pair[0], pair[1][0]))
    groups = _group(scored)[: 2 * limit]
    if not groups:
        return []
    _attach_letters(groups, uses)
    if item:
        for g in groups:
            g.score += W_SOURCE * _source_similarity(g, item)
    return _suggestions(groups, limit)


def _by_item(
    *, uses: QuerySet[ParagraphUse], proposal: Proposal | None, item: frozenset[str], limit: int
) -> list[Suggestion]:
    """No paragraph yet: the passages of letters that answered the most similar items, those
    that speak of this item first."""
    if proposal is None or not item:
        return []
    items = similar_items(uses=uses, proposal=proposal)
    if not items:
        return []
    texts = {
        row[0]: row
        for row in uses.filter(assignment__proposal_id__in=list(items))
        .values_list("text_id", "text__text", "text__norm", "text__shape")
        .order_by("text_id")[: CANDIDATES * 20]
    }
    scored = []
    for row in texts.values():
        rel = containment(item, grams(row[2]))
        if rel >= MIN_SCORE:
            scored.append((rel, row))
    scored.sort(key=lambda pair: (-pair[0], pair[1][0]))
    groups = _group(scored[:CANDIDATES])[: 2 * limit]
    if not groups:
        return []
    _attach_letters(groups, uses)
    for g in groups:
        g.score += W_SOURCE * _source_similarity(g, item)
    return _suggestions(groups, limit)


def similar_items(
    *, uses: QuerySet[ParagraphUse], proposal: Proposal, limit: int = 10
) -> dict[int, float]:
    """Items with suggestible letters in scope, by closeness of title and full text to this
    item's (id -> score), best first."""
    item = _item_grams(proposal)
    rows = Proposal.objects.filter(
        Exists(uses.filter(assignment__proposal_id=OuterRef("pk")))
    ).exclude(pk=proposal.pk)
    core = _title_core(proposal.title)
    if connection.vendor == "postgresql" and len(core) < 4:
        # Too short for trigrams to say anything: the titles that contain it.
        found = list(
            rows.filter(title__contains=core).values_list("pk", "title", "content")[:TITLES_NEAR]
        )
    elif connection.vendor == "postgresql":
        # The trigram index on UPPER(title) narrows the items first, by the title's core. The
        # planner underrates the cost of comparing trigrams and would rather filter every
        # item (150 to 250 ms at 20,000 items, against 10 to 20 ms by the index): the scan
        # is switched off for this one query, kept alone so the rest is planned as usual.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true), "
                "set_config('enable_seqscan', 'off', true)",
                [str(TITLE_NEAR)],
            )
            table = connection.ops.quote_name(Proposal._meta.db_table)
            cursor.execute(
                f'SELECT id FROM {table} WHERE UPPER("title"::text) %%> UPPER(%s) '  # noqa: S608 (a table name)
                'ORDER BY word_similarity(UPPER(%s), UPPER("title"::text)) DESC, id LIMIT %s',
                [core, core, TITLES_NEAR],
            )
            near = [row[0] for row in cursor.fetchall()]
        found = list(rows.filter(pk__in=near).values_list("pk", "title", "content"))
    else:
        found = list(rows.values_list("pk", "title", "content"))
    scored = {pk: jaccard(item, _subject_grams(title, content)) for pk, title, content in found}
    best = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return {pk: s for pk, s in best if s > 0}


# --- policy documents ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicySuggestion:
    policy_id: int
    citation: str  # 《标题》（文号）, ready to insert
    issuer: str
    issued_date: dt.date | None
    score: float
    cited: int  # letters answering similar items that cite it


def _policy_grams(p: PolicyDocument) -> tuple[frozenset[str], frozenset[str]]:
    """(title and summary, start of the full text)."""
    return grams(normalize(f"{p.title}\n{p.summary}")), grams(normalize(p.full_text[:3000]))


def _cited_in(letters: list[str], p: PolicyDocument) -> int:
    mark = p.doc_number or f"《{p.title}》"
    return sum(mark in body.replace(" ", "") for body in letters)


def policy_list_for_item(
    *, proposal: Proposal, user: Any = None, limit: int = 5
) -> list[PolicySuggestion]:
    """The policies of the library that match the item (its title and full text): the share of
    the item's bigrams found in the policy's title and summary (mostly) and its text, each
    bigram weighted by how rare it is in the library (五金 counts, 发展 hardly); plus, given the
    user, the policies cited by the letters (they may see) that answered the most similar
    items."""
    item = _item_grams(proposal)
    policies = list(PolicyDocument.objects.all())
    if not item or not policies:
        return []
    pgrams = {p.pk: _policy_grams(p) for p in policies}
    df: dict[str, int] = defaultdict(int)
    for head, text in pgrams.values():
        for g in (head | text) & item:
            df[g] += 1
    n = len(policies)
    # Only what some policy says can match: the item's other bigrams do not dilute the score.
    weight = {g: math.log((n + 1) / (df[g] + 0.5)) if df[g] else 0.0 for g in item}
    total = sum(weight.values()) or 1.0
    letters: list[str] = []
    if user is not None:
        uses = _scope(user=user, exclude_assignment_id=None).exclude(
            assignment__proposal_id=proposal.pk
        )
        items = similar_items(uses=uses, proposal=proposal, limit=5)
        letters = list(
            uses.filter(assignment__proposal_id__in=list(items))
            .values_list("letter__body", flat=True)
            .distinct()
        )
    scored = []
    for p in policies:
        head, text = pgrams[p.pk]
        s = 0.7 * sum(weight[g] for g in item & head) + 0.3 * sum(weight[g] for g in item & text)
        cited = _cited_in(letters, p)
        s = s / total + (0.3 * cited / len(letters) if letters else 0.0)
        if cited or (len(item & (head | text)) >= 2 and s >= 0.15):
            scored.append((s, cited, p))
    scored.sort(key=lambda triple: (-triple[0], triple[2].title))
    # Far behind the best match, a policy shares only common words with the item.
    best = scored[0][0] if scored else 0.0
    scored = [t for t in scored if t[1] or t[0] >= 0.5 * best]
    return [
        PolicySuggestion(p.pk, p.citation, p.issuer, p.issued_date, round(s, 4), cited)
        for s, cited, p in scored[:limit]
    ]
