"""Search over items for the board and the API: titles, proposers and reply bodies, several
words (all must match), two-character Chinese words included, without scanning.

Each item has one SearchDoc: its text normalised (NFKC, lower case) and the set of its character
bigrams. A word of two or more characters can only occur in a text that holds all of its
bigrams, so on PostgreSQL the GIN index over `string_to_array(grams, ' ')` gives the candidates
(`@>` containment, all words at once) and `LIKE` on the few candidates confirms the words of
three or more characters (a two-character word is its own bigram: exact). One-character words
are only confirmed by `LIKE`; on SQLite the same query is a plain scan of SearchDoc.

The index is kept in the transaction of every write that changes its text: registration (through
proposals.events.item_changed, subscribed in RepliesConfig.ready()) and reply_save_draft;
`manage.py search_reindex` rebuilds it after bulk loads.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db import models
from django.db import transaction
from django.db.models import Func
from django.db.models import QuerySet

from proposals.models import Proposal
from replies.models import Reply
from replies.models import SearchDoc

MAX_WORDS = 5
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Full-width letters and digits to ASCII, lower case: what is stored and what is asked."""
    return unicodedata.normalize("NFKC", text or "").lower()


def bigrams(text: str) -> set[str]:
    """Adjacent character pairs of each whitespace-separated run of normalised text."""
    grams: set[str] = set()
    for token in _SPACE.split(text):
        grams.update(token[i : i + 2] for i in range(len(token) - 1))
    return grams


def search_words(query: str) -> list[str]:
    """The words asked for (split on any space, full-width included), normalised, at most
    MAX_WORDS, each at most 50 characters."""
    words = [w[:50] for w in _SPACE.split(normalize(query)) if w]
    return list(dict.fromkeys(words))[:MAX_WORDS]


def _document(title: str, lead: str, cosigners: str, bodies: Iterable[str]) -> tuple[str, str]:
    text = "\n".join(normalize(part) for part in (title, lead, cosigners, *bodies) if part)
    return text, " ".join(sorted(bigrams(text)))


def search_doc_refresh(proposal_id: int) -> None:
    """Rewrite one item's SearchDoc from what the database holds (inside the caller's
    transaction)."""
    item = (
        Proposal.objects.filter(pk=proposal_id)
        .values_list("title", "lead_proposer", "cosigners")
        .first()
    )
    if item is None:
        return
    bodies = Reply.objects.filter(assignment__proposal_id=proposal_id).order_by("pk")
    text, grams = _document(*item, bodies.values_list("body", flat=True))
    SearchDoc.objects.update_or_create(
        proposal_id=proposal_id, defaults={"text": text, "grams": grams}
    )


def search_reindex(*, chunk: int = 2000) -> int:
    """Rebuild every SearchDoc (after loads that bypass the services). Returns the count."""
    count = 0
    with transaction.atomic():
        SearchDoc.objects.all().delete()
        ids = list(Proposal.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            bodies: dict[int, list[str]] = {}
            for pid, body in (
                Reply.objects.filter(assignment__proposal_id__in=part)
                .order_by("pk")
                .values_list("assignment__proposal_id", "body")
            ):
                bodies.setdefault(pid, []).append(body)
            docs = []
            for pid, title, lead, cosigners in Proposal.objects.filter(pk__in=part).values_list(
                "pk", "title", "lead_proposer", "cosigners"
            ):
                text, grams = _document(title, lead, cosigners, bodies.get(pid, []))
                docs.append(SearchDoc(proposal_id=pid, text=text, grams=grams))
            SearchDoc.objects.bulk_create(docs, batch_size=1000)
            count += len(docs)
    return count


class _GramArray(Func):
    """string_to_array(grams, ' '): the expression the GIN index is built on."""

    function = "string_to_array"
    template = "string_to_array(%(expressions)s, ' ')"
    output_field = ArrayField(models.TextField())


def docs_matching(words: list[str]) -> QuerySet[SearchDoc]:
    """Items whose text contains every word."""
    docs: QuerySet[SearchDoc] = SearchDoc.objects.all()
    if connection.vendor == "postgresql":
        grams = sorted(set().union(*(bigrams(w) for w in words)))
        if grams:
            docs = docs.alias(g=_GramArray("grams")).filter(**{"g__contains": grams})
        confirm = [w for w in words if len(w) != 2]
    else:
        confirm = words
    for word in confirm:
        docs = docs.filter(text__contains=word)
    return docs


def proposal_ids_matching(*, text: str) -> Any:
    """The ids of the items matching a query (a values_list queryset; empty query: none)."""
    words = search_words(text)
    if not words:
        return SearchDoc.objects.none().values_list("proposal_id", flat=True)
    return docs_matching(words).values_list("proposal_id", flat=True)
