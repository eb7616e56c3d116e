"""Reply letter PDFs: draft preview (bureau), issued letter download (bureau and offices),
batch export of a session (offices). Thin: selectors check access, replies.pdf renders."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import zipfile

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.db.models import Q
from django.http import FileResponse
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseBadRequest
from django.http import HttpResponseServerError
from django.shortcuts import get_object_or_404
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET
from django.views.decorators.http import require_http_methods

from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from proposals.access import may_export_letters
from proposals.models import Session
from proposals.pages import require
from proposals.selectors import assignment_get_visible
from replies import pdf as letter_pdf
from replies import selectors
from replies.forms import PreviewForm

logger = logging.getLogger(__name__)
TEXT = "text/plain; charset=utf-8"


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response.headers["Content-Disposition"] = content_disposition_header(False, filename) or ""
    return response


PREVIEW_CACHE_SECONDS = 600


def _preview_pdf(context: letter_pdf.LetterContext) -> bytes:
    """The editor asks for a preview after every pause in typing, often for text it has shown
    already: identical content is served from the cache, keyed by the hash of everything the
    draft prints (the context is plain values, so its repr is the content)."""
    key = "letter-preview:" + hashlib.sha256(repr(context).encode()).hexdigest()
    content = cache.get(key)
    if content is None:
        content = letter_pdf.render_letter_pdf(context, draft=True)
        cache.set(key, content, PREVIEW_CACHE_SECONDS)
    return content


@login_required
@require_http_methods(["GET", "POST"])
@xframe_options_sameorigin
def preview(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """草稿预览. GET: the saved draft. POST (form fields `body`, `answer_class`): the text being
    edited, rendered without saving anything. Watermarked 草稿, no number."""
    try:
        assignment_get_visible(user=request.user, assignment_id=assignment_id)
    except AccessDenied as exc:
        raise Http404(exc.message) from exc
    try:
        reply = selectors.reply_get_for_preview(user=request.user, assignment_id=assignment_id)
    except AccessDenied as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        return HttpResponseBadRequest(exc.message, content_type=TEXT)
    body = answer_class = None
    if request.method == "POST":
        form = PreviewForm(request.POST, session=reply.assignment.proposal.session)
        if not form.is_valid():
            return HttpResponseBadRequest(form.first_error(), content_type=TEXT)
        body, answer_class = form.cleaned_data["body"], form.cleaned_data["answer_class"]
    context = letter_pdf.letter_context_from_reply(reply, body=body, answer_class=answer_class)
    content = _preview_pdf(context)
    proposal = reply.assignment.proposal
    response = _pdf_response(content, f"复函草稿-{proposal.session.name}第{proposal.number}号.pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def letter_pdf_download(request: HttpRequest, letter_id: int) -> HttpResponse:
    """The issued letter exactly as stored at issuance (never rendered again)."""
    try:
        letter = selectors.letter_get_visible(user=request.user, letter_id=letter_id)
    except AccessDenied as exc:
        raise Http404(exc.message) from exc
    if not letter.pdf:
        raise Http404("该复函没有存档的 PDF 文件")
    content, intact = selectors.letter_stored_pdf(letter=letter)
    if not intact:
        logger.error("复函 %s 的 PDF 与存档的 SHA-256 不符", letter.doc_number)
        return HttpResponseServerError("复函文件校验失败，请联系管理员", content_type=TEXT)
    return _pdf_response(content, letter_pdf.letter_filename(letter.doc_number))


@login_required
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    """Sessions with their issued letters, each downloadable as one ZIP (offices only)."""
    require(may_export_letters(user=request.user))
    sessions = Session.objects.annotate(
        letters=Count(
            "proposals__assignments__reply__letters",
            filter=~Q(proposals__assignments__reply__letters__pdf=""),
        )
    ).order_by("-year", "body", "name")
    return render(request, "replies/sessions.html", {"sessions": sessions})


@login_required
@require_GET
def session_zip(request: HttpRequest, session_id: int) -> FileResponse:
    """All issued letters of a session as one ZIP: 临经信建复〔2023〕41号.pdf, ..."""
    session = get_object_or_404(Session, pk=session_id)
    try:
        letters = selectors.letter_list_for_session(user=request.user, session=session)
    except AccessDenied as exc:
        raise PermissionDenied(exc.message) from exc
    buffer = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for letter in letters.iterator():
            with letter.pdf.open("rb") as f:
                archive.writestr(letter_pdf.letter_filename(letter.doc_number), f.read())
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"{session.name}复函.zip",
        content_type="application/zip",
    )
