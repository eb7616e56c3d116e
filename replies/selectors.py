"""Reads with access checks for reply letters: the draft preview, issued PDFs, session exports."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.names import person_name
from proposals.access import may_export_letters
from proposals.access import may_preview_draft
from proposals.models import Assignment
from proposals.models import Session
from proposals.selectors import assignment_get_visible
from proposals.selectors import assignment_list_visible
from replies.models import IssuedLetter
from replies.models import Reply
from replies.search import proposal_ids_matching
from replies.search import search_words


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
            cc_list=list(assignment.proposal.session.default_cc),
        )
    reply.assignment = assignment
    return reply


def letter_get_visible(*, user: Any, letter_id: int) -> IssuedLetter:
    """An issued letter, for whoever may see its assignment (its bureau and every office)."""
    letter = IssuedLetter.objects.select_related("reply").filter(pk=letter_id).first()
    if (
        letter is None
        or not assignment_list_visible(user=user).filter(pk=letter.reply.assignment_id).exists()
    ):
        raise AccessDenied("复函不存在或您无权查看")
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
