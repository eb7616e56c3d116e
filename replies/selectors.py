"""Reads with access checks for reply letters: the draft preview, issued PDFs, session exports."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from django.db.models import QuerySet

from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.names import person_name
from proposals.access import may_export_letters
from proposals.access import may_preview_draft
from proposals.access import may_read_issued_letters
from proposals.models import Assignment
from proposals.models import Session
from proposals.selectors import assignment_get_visible
from proposals.selectors import assignment_list_visible
from replies.models import IssuedLetter
from replies.models import Opinion
from replies.models import Reply
from replies.search import proposal_ids_matching
from replies.search import search_words
from replies.signing import verify_pdf


def reply_default_cc(*, assignment: Assignment) -> list[str]:
    """The CC list a new letter starts with: the session's (offices, 督查室) and then the item's
    co-units, which contributed their opinions (会签) and get the answer too."""
    cc = list(assignment.proposal.session.default_cc)
    co_units = (
        assignment.proposal.assignments.filter(role=AssignmentRole.CO_UNIT)
        .exclude(state=AssignmentState.REASSIGNED)
        .order_by("pk")
        .values_list("bureau__short_name", flat=True)
    )
    return cc + [name for name in co_units if name not in cc]


@dataclass(frozen=True)
class CoUnitOpinion:
    """A co-unit of the lead's item, and its opinion once sent (drafts stay with the co-unit)."""

    assignment: Assignment
    opinion: Opinion | None

    @property
    def sent(self) -> bool:
        return self.opinion is not None


def co_unit_opinions(*, assignment: Assignment) -> list[CoUnitOpinion]:
    """The co-units of a lead unit's item with their sent opinions (empty for a co-unit)."""
    if not assignment.is_lead:
        return []
    co_units = (
        assignment.proposal.assignments.filter(role=AssignmentRole.CO_UNIT)
        .exclude(state=AssignmentState.REASSIGNED)
        .select_related("bureau", "opinion")
        .order_by("pk")
    )
    out = []
    for co in co_units:
        opinion: Opinion | None = getattr(co, "opinion", None)
        out.append(CoUnitOpinion(co, opinion if opinion is not None and opinion.sent_at else None))
    return out


def letter_current_by_item(*, proposal_ids: list[int]) -> dict[int, list[IssuedLetter]]:
    """The current (latest) letter of each answered lead assignment, by item, lead units in the
    order they first issued (the proposer's page, the public page and the offices' ratings)."""
    latest: dict[int, IssuedLetter] = {}
    for letter in (
        IssuedLetter.objects.filter(
            reply__assignment__proposal_id__in=proposal_ids,
            reply__assignment__role=AssignmentRole.LEAD,
            reply__assignment__state__in=AssignmentState.replied(),
        )
        .select_related("reply__assignment__bureau")
        .order_by("issued_date", "pk")
    ):
        latest[letter.reply_id] = letter  # a later letter of the same reply replaces it in place
    out: dict[int, list[IssuedLetter]] = {}
    for letter in latest.values():
        out.setdefault(letter.reply.assignment.proposal_id, []).append(letter)
    return out


def letter_list_visible(*, user: Any) -> QuerySet[IssuedLetter]:
    """Issued letters this user may read: those of the assignments the user sees, and, for a
    co-unit's staff, the lead unit's letters on the same items (may_read_issued_letters)."""
    visible = assignment_list_visible(user=user)
    co_items = (
        visible.filter(role=AssignmentRole.CO_UNIT)
        .exclude(state=AssignmentState.REASSIGNED)
        .values("proposal_id")
    )
    return IssuedLetter.objects.filter(
        Q(reply__assignment__in=visible.values("pk"))
        | Q(
            reply__assignment__proposal_id__in=co_items, reply__assignment__role=AssignmentRole.LEAD
        )
    )


def letter_list_for_co_unit(*, assignment: Assignment, user: Any) -> list[IssuedLetter]:
    """On a co-unit's item page: the lead unit's issued letters, when the user may read them.
    One query for the letters with their lead assignments (read with them), then the check once
    per lead unit."""
    if assignment.is_lead or assignment.state == AssignmentState.REASSIGNED:
        return []
    letters = (
        IssuedLetter.objects.filter(
            reply__assignment__proposal_id=assignment.proposal_id,
            reply__assignment__role=AssignmentRole.LEAD,
        )
        .exclude(reply__assignment__state=AssignmentState.REASSIGNED)
        .select_related("reply__assignment__bureau", "reply__assignment__proposal__session")
        .order_by("issued_date", "pk")
    )
    allowed: dict[int, bool] = {}
    shown = []
    for letter in letters:
        lead = letter.reply.assignment
        if lead.pk not in allowed:
            allowed[lead.pk] = bool(may_read_issued_letters(assignment=lead, user=user))
        if allowed[lead.pk]:
            shown.append(letter)
    return shown


def reply_get_for_preview(*, user: Any, assignment_id: int) -> Reply:
    """The lead unit's draft as it stands (unsaved if nothing was written yet). Only the bureau's
    clerk and supervisor preview drafts: the offices see what is issued, not work in progress."""
    assignment = assignment_get_visible(user=user, assignment_id=assignment_id)
    may_preview_draft(assignment=assignment, user=user).require()
    if not assignment.is_lead:
        raise ApplicationError("协办单位填写协办意见，不出具复函")
    reply = Reply.objects.filter(assignment=assignment).first()
    if reply is None:
        clerk = assignment.clerk
        reply = Reply(
            assignment=assignment,
            leader_name=assignment.leader_name,
            clerk_name=person_name(clerk) if clerk else "",
            phone=assignment.phone,
            cc_list=reply_default_cc(assignment=assignment),
        )
    reply.assignment = assignment
    return reply


def letter_get_visible(*, user: Any, letter_id: int) -> IssuedLetter:
    """An issued letter, for its bureau, every office and the item's co-units."""
    letter = (
        IssuedLetter.objects.select_related("reply__assignment__proposal__session")
        .filter(pk=letter_id)
        .first()
    )
    if letter is None:
        raise AccessDenied("复函不存在或您无权查看")
    may_read_issued_letters(assignment=letter.reply.assignment, user=user).require()
    return letter


def letter_list_for_session(*, user: Any, session: Session) -> QuerySet[IssuedLetter]:
    """Every issued letter of a session that has its PDF, for the offices' batch export."""
    may_export_letters(user=user).require()
    return (
        IssuedLetter.objects.filter(reply__assignment__proposal__session=session)
        .exclude(pdf="")
        .order_by("doc_year", "doc_number", "pk")
    )


# --- search (the board and the API): replies/search.py keeps the index --------------------------

SEARCH_INLINE_IDS = 2000  # matching items passed to the main query as a list up to this many


def assignment_search(*, qs: QuerySet[Assignment], text: str) -> QuerySet[Assignment]:
    """Assignments of items whose title, proposers or reply bodies contain every word of the
    query (words separated by spaces)."""
    if not search_words(text):
        return qs
    ids = proposal_ids_matching(text=text)
    few = list(ids[: SEARCH_INLINE_IDS + 1])
    if len(few) <= SEARCH_INLINE_IDS:
        return qs.filter(proposal_id__in=few)
    # A very common word: let the database join the index query itself (no huge IN list).
    return qs.filter(proposal_id__in=ids)


def letter_stored_pdf(*, letter: IssuedLetter) -> tuple[bytes, bool]:
    """The issued letter's stored file and whether it still matches the SHA-256 taken at
    issuance (the one check the download, the item page and verify_letter share)."""
    with letter.pdf.open("rb") as f:
        content = f.read()
    return content, hashlib.sha256(content).hexdigest() == letter.pdf_sha256


def letter_verification(*, letter: IssuedLetter) -> str:
    """What the item page says about an issued letter's file: stored bytes against the SHA-256
    of issuance, then its digital signature. Cached by the file's hash (checking a signature
    takes tens of milliseconds); a changed file has another hash and is checked afresh."""
    if not letter.pdf:
        return "没有存档的 PDF 文件"
    content, intact = letter_stored_pdf(letter=letter)
    if not intact:
        return "存档文件与印发时的 SHA-256 不符，请联系管理员"
    key = f"letter-verification:{letter.pdf_sha256}"
    message = cache.get(key)
    if message is None:
        message = verify_pdf(content).message
        cache.set(key, message, 24 * 3600)
    return message
