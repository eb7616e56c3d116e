"""Reads with access checks for reply letters: the draft preview, issued PDFs, session exports."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet

from proposals.exceptions import AccessDenied
from proposals.exceptions import ApplicationError
from proposals.models import Session
from proposals.models import Staff
from proposals.models import person_name
from proposals.selectors import assignment_get_visible
from proposals.selectors import assignment_list_visible
from proposals.selectors import staff_of
from proposals.workflow import is_bureau_clerk
from proposals.workflow import is_bureau_supervisor
from replies.models import IssuedLetter
from replies.models import Reply
from replies.signing import verify_pdf


def reply_get_for_preview(*, user: Any, assignment_id: int) -> Reply:
    """The lead unit's draft as it stands (unsaved if nothing was written yet). Only the bureau's
    clerk and supervisor preview drafts: the offices see what is issued, not work in progress."""
    assignment = assignment_get_visible(user=user, assignment_id=assignment_id)
    if not (is_bureau_clerk(assignment, user) or is_bureau_supervisor(assignment, user)):
        raise AccessDenied("只有本单位承办人和承办领导可以预览复函草稿")
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


def may_export_sessions(*, user: Any) -> bool:
    staff = staff_of(user)
    return bool((staff and staff.role == Staff.Role.OFFICE) or getattr(user, "is_superuser", False))


def letter_list_for_session(*, user: Any, session: Session) -> QuerySet[IssuedLetter]:
    """Every issued letter of a session that has its PDF, for the offices' batch export."""
    if not may_export_sessions(user=user):
        raise AccessDenied("只有交办机构和督查室可以批量导出复函")
    return (
        IssuedLetter.objects.filter(reply__assignment__proposal__session=session)
        .exclude(pdf="")
        .order_by("doc_year", "doc_number", "pk")
    )


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
