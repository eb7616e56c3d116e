"""The proposer's own page (personal link or account) and the public replies page. No staff
login: the link's signature and its row decide (proposals.links); works without JavaScript."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from django.views.decorators.http import require_http_methods
from django.views.decorators.http import require_POST

from core.choices import RatingSource
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from notifications.proposers import proposer_link_send
from portal import selectors
from portal.forms import LinkRequestForm
from portal.forms import PublicSearchForm
from portal.forms import RatingForm
from proposals.links import LinkRefused
from proposals.links import link_resolve
from proposals.models import Person
from proposals.services import person_set_sms_opt_out
from replies import pdf as letter_pdf
from replies import selectors as reply_selectors
from replies.services import rating_submit

PUBLIC_PDF_CACHE_SECONDS = 24 * 3600


def _private(response: HttpResponse) -> HttpResponse:
    """The link is the key: never cached, never sent to another site as a referrer (same-origin:
    the browser still sends the Origin header that CSRF checks), never indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    return _private(render(request, "portal/refused.html", {"reason": reason}, status=403))


def with_link(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve the token to its person, or answer the Chinese refusal page (403)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, token: str, **kwargs: Any) -> HttpResponse:
        try:
            person, _link = link_resolve(token)
        except LinkRefused as exc:
            return _refused(request, exc.message)
        base = reverse("portal:home", kwargs={"token": token})
        return _private(view(request, person=person, base=base, **kwargs))

    return wrapped


def with_account(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A deputy or member who has an account logs in instead of using a link."""

    @login_required
    @functools.wraps(view)
    def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        person = selectors.person_for_user(request.user)
        if person is None:
            return _refused(request, "您的账号未关联代表委员信息，请联系交办机构")
        return _private(view(request, person=person, base=reverse("portal:me"), **kwargs))

    return wrapped


def _page(
    request: HttpRequest,
    *,
    person: Person,
    base: str,
    forms: dict[int, RatingForm] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    items = selectors.proposer_items(person=person)
    forms = forms or {}
    for item in items:
        for row in item.letters:
            row.form = forms.get(row.letter.pk) or RatingForm(  # type: ignore[attr-defined]
                prefix=f"l{row.letter.pk}"
            )
    return render(
        request,
        "portal/home.html",
        {"person": person, "items": items, "base": base, "error": error},
        status=status,
    )


def _home(request: HttpRequest, *, person: Person, base: str) -> HttpResponse:
    return _page(request, person=person, base=base)


def _rate(request: HttpRequest, *, person: Person, base: str, letter_id: int) -> HttpResponse:
    form = RatingForm(request.POST, prefix=f"l{letter_id}")
    if not form.is_valid():
        return _page(
            request,
            person=person,
            base=base,
            forms={letter_id: form},
            error="评价未提交：" + "；".join(str(e) for errs in form.errors.values() for e in errs),
            status=400,
        )
    try:
        rating_submit(
            letter_id=letter_id,
            person_id=person.pk,
            actor=selectors.actor_for(person),
            satisfaction=form.cleaned_data["satisfaction"],
            comment=form.cleaned_data["comment"],
            contacted=form.cleaned_data["contacted"],
            source=RatingSource.ONLINE,
        )
    except AccessDenied as exc:
        return _page(request, person=person, base=base, error=exc.message, status=403)
    except ApplicationError as exc:
        return _page(
            request,
            person=person,
            base=base,
            forms={letter_id: form},
            error=exc.message,
            status=400,
        )
    messages.success(request, "评价已提交，谢谢您！")
    return redirect(base + f"#letter-{letter_id}")


def _letter(request: HttpRequest, *, person: Person, base: str, letter_id: int) -> HttpResponse:
    letter = selectors.proposer_letter(person=person, letter_id=letter_id)
    if letter is None or not letter.pdf:
        raise Http404("复函不存在")
    content, intact = reply_selectors.letter_stored_pdf(letter=letter)
    if not intact:
        return HttpResponse(
            "复函文件校验失败，请联系交办机构", status=503, content_type="text/plain; charset=utf-8"
        )
    return _pdf(content, letter_pdf.letter_filename(letter.doc_number))


def _opt_out(request: HttpRequest, *, person: Person, base: str) -> HttpResponse:
    stop = request.POST.get("sms") != "on"
    person_set_sms_opt_out(person=person, opt_out=stop)
    messages.success(request, "已退订短信，今后只发电子邮件" if stop else "已恢复短信通知")
    return redirect(base)


home = require_GET(with_link(_home))
sms_preference = require_POST(with_link(_opt_out))
rate = require_POST(with_link(_rate))
letter = require_GET(with_link(_letter))
me = require_GET(with_account(_home))
me_rate = require_POST(with_account(_rate))
me_letter = require_GET(with_account(_letter))


@require_http_methods(["GET", "POST"])
def link_request(request: HttpRequest) -> HttpResponse:
    """A proposer asks for their link: sent by SMS to the number the office registered. The
    answer is the same whether the number is known or not (no one learns who is registered);
    the per-phone hourly limit stops repeated requests."""
    form = LinkRequestForm(request.POST or None)
    done = False
    if request.method == "POST" and form.is_valid():
        for person in Person.objects.filter(mobile=form.cleaned_data["mobile"])[:1]:
            proposer_link_send(person=person)
        done = True
    response = render(
        request,
        "portal/link_request.html",
        {"form": form, "done": done},
        status=400 if request.method == "POST" and not done else 200,
    )
    return _private(response)


# --- public replies -------------------------------------------------------------------------------


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response.headers["Content-Disposition"] = content_disposition_header(False, filename) or ""
    return response


@require_GET
def public_index(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/public_index.html", {"sessions": selectors.public_sessions()})


@require_GET
def public_session(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(selectors.public_sessions(), pk=session_id)
    form = PublicSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    rows = selectors.public_rows(session=session, query=query)
    return render(
        request,
        "portal/public_session.html",
        {"session": session, "rows": rows, "form": form, "query": query},
        status=200 if form.is_valid() else 400,
    )


@require_GET
def public_letter_page(request: HttpRequest, letter_id: int) -> HttpResponse:
    letter = selectors.public_letter(letter_id=letter_id)
    if letter is None:
        raise Http404("该复函未公开")
    return render(
        request,
        "portal/public_letter.html",
        {
            "letter": letter,
            "proposal": letter.reply.assignment.proposal,
            "bureau": letter.reply.assignment.bureau,
            "paragraphs": selectors.public_paragraphs(letter),
        },
    )


@require_GET
def public_letter_pdf(request: HttpRequest, letter_id: int) -> HttpResponse:
    """Rendered from the issued text with the contact block and phone numbers removed (once,
    then cached: an issued letter never changes)."""
    letter = selectors.public_letter(letter_id=letter_id)
    if letter is None:
        raise Http404("该复函未公开")
    key = f"public-letter:{letter.pk}:{letter.pdf_sha256}"
    content = cache.get(key)
    if content is None:
        content = letter_pdf.render_letter_pdf(
            letter_pdf.public_letter_context(letter), draft=False
        )
        cache.set(key, content, PUBLIC_PDF_CACHE_SECONDS)
    return _pdf(content, "公开-" + letter_pdf.letter_filename(letter.doc_number))
