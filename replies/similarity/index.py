"""Writes of the similar-paragraph index: ParagraphText (each distinct passage once) and
ParagraphUse (where it was used, and whether it may be suggested).

Kept current by the services that change what may be suggested:
- reply_issue indexes the new letter inside the issuing transaction (a rolled-back issuance
  leaves no rows) and retires the reply's earlier letter;
- reply_record_feedback with 不满意 reopens the item: its letter stops being suggested (the
  proposer rejected it, and the re-handling letter will supersede it; paragraphs worth keeping
  come back with that letter when it is issued);
- proposal_withdraw / proposal_merge announce the status change on commit
  (proposals.events.ProposalStatusChanged); RepliesConfig.ready() subscribes
  `paragraph_index_refresh_proposal`: the letters of a withdrawn or merged item leave the
  suggestions.
The rule itself is one query (`_current_letters`); `paragraph_index_rebuild` (command
`similar_index_rebuild`) recomputes everything from the letters and is idempotent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db import transaction
from django.db.models import OuterRef
from django.db.models import QuerySet
from django.db.models import Subquery

from core.choices import AssignmentState
from core.choices import ProposalStatus
from replies.models import IssuedLetter
from replies.models import ParagraphShingle
from replies.models import ParagraphText
from replies.models import ParagraphUse
from replies.similarity.text import Segment
from replies.similarity.text import digest
from replies.similarity.text import fingerprints
from replies.similarity.text import letter_segments
from replies.similarity.text import shape_id


def _current_letters(letters: QuerySet[IssuedLetter]) -> QuerySet[IssuedLetter]:
    """The letters that may be suggested: the latest letter of its reply, for an item that is
    answered (issued or copied, not reopened) and still handled (not withdrawn or merged)."""
    latest = (
        IssuedLetter.objects.filter(reply_id=OuterRef("reply_id"))
        .order_by("-issued_date", "-pk")
        .values("pk")[:1]
    )
    return letters.filter(
        reply__assignment__state__in=AssignmentState.replied(),
        reply__assignment__proposal__status=ProposalStatus.ACTIVE,
        pk=Subquery(latest),
    )


def _text_ids(segments: Iterable[Segment]) -> tuple[dict[str, int], int]:
    """Ids of the texts by key, creating the missing ones (concurrent issuances inserting the
    same text: the unique key and ignore_conflicts keep one row), and how many were new. A new
    shape gets its fingerprints."""
    by_key = {digest(s.norm): s for s in segments}
    have = dict(ParagraphText.objects.filter(key__in=by_key).values_list("key", "pk"))
    missing = [
        ParagraphText(key=k, shape=shape_id(s.norm), text=s.text, norm=s.norm)
        for k, s in by_key.items()
        if k not in have
    ]
    if missing:
        shapes = {t.shape: by_key[t.key].norm for t in missing}
        known = set(
            ParagraphText.objects.filter(shape__in=list(shapes)).values_list("shape", flat=True)
        )
        ParagraphText.objects.bulk_create(missing, ignore_conflicts=True, batch_size=1000)
        have.update(
            ParagraphText.objects.filter(key__in=[t.key for t in missing]).values_list("key", "pk")
        )
        _insert_fingerprints(
            [
                (sid, h)
                for sid, norm in shapes.items()
                if sid not in known
                for h in fingerprints(norm)
            ]
        )
    return have, len(missing)


def _insert_fingerprints(rows: list[tuple[int, int]]) -> None:
    """About 27 rows per new shape, written without model instances (a rebuild of 20,000
    letters writes millions); a row already there (another issuance, a rebuild) is skipped."""
    if not rows:
        return
    table = ParagraphShingle._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (shape, hash) "  # noqa: S608 (the model's own table)
                "SELECT * FROM unnest(%s::bigint[], %s::integer[]) ON CONFLICT DO NOTHING",
                [[r[0] for r in rows], [r[1] for r in rows]],
            )
        else:
            cursor.executemany(
                f"INSERT OR IGNORE INTO {table} (shape, hash) VALUES (%s, %s)",  # noqa: S608
                rows,
            )


@dataclass
class IndexChanges:
    texts_created: int = 0
    uses_created: int = 0
    uses_deleted: int = 0
    uses_changed: int = 0
    texts_deleted: int = 0

    @property
    def total(self) -> int:
        return (
            self.texts_created
            + self.uses_created
            + self.uses_deleted
            + self.uses_changed
            + self.texts_deleted
        )


def _sync_letters(letters: list[IssuedLetter]) -> IndexChanges:
    """Make the uses of these letters exactly what their bodies give (add, move, remove)."""
    changes = IndexChanges()
    wanted: dict[int, dict[str, Segment]] = {
        letter.pk: {digest(s.norm): s for s in letter_segments(letter.body)} for letter in letters
    }
    ids, changes.texts_created = _text_ids(s for segs in wanted.values() for s in segs.values())
    existing: dict[tuple[int, int], ParagraphUse] = {
        (u.letter_id, u.text_id): u
        for u in ParagraphUse.objects.filter(letter__in=[letter.pk for letter in letters])
    }
    create: list[ParagraphUse] = []
    change: list[ParagraphUse] = []
    keep: set[tuple[int, int]] = set()
    for letter in letters:
        assignment = letter.reply.assignment
        for key, seg in wanted[letter.pk].items():
            pair = (letter.pk, ids[key])
            keep.add(pair)
            use = existing.get(pair)
            if use is None:
                create.append(
                    ParagraphUse(
                        text_id=ids[key],
                        letter_id=letter.pk,
                        assignment_id=assignment.pk,
                        bureau_id=assignment.bureau_id,
                        kind=seg.kind,
                        position=seg.position,
                        suggestible=False,  # decided by _refresh below
                    )
                )
            elif (use.kind, use.position, use.assignment_id, use.bureau_id) != (
                seg.kind,
                seg.position,
                assignment.pk,
                assignment.bureau_id,
            ):
                use.kind, use.position = seg.kind, seg.position
                use.assignment_id, use.bureau_id = assignment.pk, assignment.bureau_id
                change.append(use)
    ParagraphUse.objects.bulk_create(create, ignore_conflicts=True, batch_size=1000)
    ParagraphUse.objects.bulk_update(
        change, ["kind", "position", "assignment", "bureau"], batch_size=1000
    )
    stale = [u.pk for pair, u in existing.items() if pair not in keep]
    ParagraphUse.objects.filter(pk__in=stale).delete()
    changes.uses_created, changes.uses_changed, changes.uses_deleted = (
        len(create),
        len(change),
        len(stale),
    )
    return changes


def _refresh(letters: QuerySet[IssuedLetter]) -> int:
    """Set `suggestible` on the uses of these letters from the rule; returns the rows changed."""
    current = _current_letters(letters).values("pk")
    uses = ParagraphUse.objects.filter(letter__in=letters.values("pk"))
    off = uses.filter(suggestible=True).exclude(letter__in=current).update(suggestible=False)
    on = uses.filter(suggestible=False, letter__in=current).update(suggestible=True)
    return off + on


@transaction.atomic
def paragraph_index_letter(*, letter_id: int) -> IndexChanges:
    """Index one issued letter (called by reply_issue inside its transaction) and retire the
    earlier letters of the same reply."""
    letter = IssuedLetter.objects.select_related("reply__assignment").get(pk=letter_id)
    changes = _sync_letters([letter])
    changes.uses_changed += _refresh(IssuedLetter.objects.filter(reply_id=letter.reply_id))
    return changes


@transaction.atomic
def paragraph_index_refresh(*, assignment_ids: Iterable[int]) -> int:
    """Re-decide which letters of these assignments may be suggested (after reopening)."""
    return _refresh(IssuedLetter.objects.filter(reply__assignment_id__in=list(assignment_ids)))


def paragraph_index_refresh_proposal(*, proposal_id: int) -> int:
    """The same for every assignment of an item (after withdrawal or merging)."""
    with transaction.atomic():
        return _refresh(IssuedLetter.objects.filter(reply__assignment__proposal_id=proposal_id))


def paragraph_index_refingerprint(*, batch_size: int = 5000) -> int:
    """Write every shape's fingerprints again (after the fingerprint rules changed, or to
    repair them); returns the rows written."""
    written = 0
    with transaction.atomic():
        ParagraphShingle.objects.all().delete()
        last = None
        while True:
            rows = ParagraphText.objects.order_by("shape")
            if last is not None:
                rows = rows.filter(shape__gt=last)
            batch = list(rows.values_list("shape", "norm")[:batch_size])
            if not batch:
                break
            last = batch[-1][0]
            per_shape = dict(batch)  # one text per shape is enough: they share fingerprints
            fingerprint_rows = [
                (sid, h) for sid, norm in per_shape.items() for h in fingerprints(norm)
            ]
            _insert_fingerprints(fingerprint_rows)
            written += len(fingerprint_rows)
    return written


def paragraph_index_rebuild(*, batch_size: int = 500, letters_after: int = 0) -> IndexChanges:
    """Rebuild the index from the issued letters: add what is missing, fix what changed (e.g.
    after the segmentation rules changed), remove uses no body gives and texts nobody uses,
    and re-decide `suggestible`. Running it twice changes nothing the second time. One
    transaction per batch of letters, so a large rebuild does not hold one long lock.
    `letters_after` (a letter id) limits it to later letters and keeps unused texts (the
    benchmark adds letters in steps)."""
    total = IndexChanges()
    last = letters_after
    while True:
        with transaction.atomic():
            letters = list(
                IssuedLetter.objects.filter(pk__gt=last)
                .select_related("reply__assignment")
                .order_by("pk")[:batch_size]
            )
            if not letters:
                break
            last = letters[-1].pk
            part = _sync_letters(letters)
            part.uses_changed += _refresh(
                IssuedLetter.objects.filter(pk__gte=letters[0].pk, pk__lte=last)
            )
        for field in ("texts_created", "uses_created", "uses_deleted", "uses_changed"):
            setattr(total, field, getattr(total, field) + getattr(part, field))
    if not letters_after:
        with transaction.atomic():
            total.texts_deleted, _ = ParagraphText.objects.filter(uses__isnull=True).delete()
            ParagraphShingle.objects.exclude(
                shape__in=ParagraphText.objects.values("shape")
            ).delete()
    return total


def paragraph_index_vacuum() -> bool:
    """After a bulk write (rebuild, refingerprint, a benchmark's load), on PostgreSQL: VACUUM
    and ANALYZE the index tables now rather than when autovacuum gets to them. The lookup reads
    fingerprints by an index-only scan, which needs the visibility map: without it every entry
    costs a heap fetch (at 20,000 letters 108 ms against 32 ms for one lookup's fingerprint
    query). Not inside a transaction (VACUUM cannot run in one); False when nothing was done."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        for model in (ParagraphShingle, ParagraphText, ParagraphUse):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
    return True
