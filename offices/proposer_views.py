"""The offices' view of proposers: per-person ratings of an item, who has not rated yet in a
session, resending or revoking a person's link, recording a paper rating, the item's publicity."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.http import require_POST

from core.choices import Publicity
from core.choices import RatingSource
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from notifications.proposers import proposer_link_send
from offices import proposers as panels
from offices.forms import PaperRatingForm
from offices.forms import PublicityForm
from proposals.access import may_manage_proposers
from proposals.access import may_see_proposers
from proposals.models import Proposal
from proposals.models import ProposalPerson
from proposals.models import Session
from proposals.pages import require
from proposals.services import person_link_revoke
from proposals.services import proposal_set_publicity
from replies.services import rating_submit


def _proposal(request: HttpRequest, proposal_id: int) -> Proposal:
    require(may_see_proposers(user=request.user))
    return get_object_or_404(Proposal.objects.select_related("session"), pk=proposal_id)


def _page(
    request: HttpRequest,
    proposal: Proposal,
    *,
    rating_form: PaperRatingForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    overview = panels.proposal_overview(proposal=proposal)
    people = [row.person for row in overview.rows]
    return render(
        request,
        "office/proposers.html",
        {
            "proposal": proposal,
            "overview": overview,
            "manage": may_manage_proposers(user=request.user, session=proposal.session),
            "rating_form": rating_form
            or PaperRatingForm(people=people, letters=overview.letters, prefix="paper"),
            "publicity_form": PublicityForm(
                initial={"publicity": proposal.publicity}, prefix="pub"
            ),
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def proposers_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return _page(request, _proposal(request, proposal_id))


def _manage(request: HttpRequest, proposal_id: int) -> Proposal:
    proposal = _proposal(request, proposal_id)
    require(may_manage_proposers(user=request.user, session=proposal.session))
    return proposal


def _back(proposal: Proposal) -> HttpResponse:
    return redirect(reverse("office:proposers", args=[proposal.pk]))


@login_required
@require_POST
def link_resend(request: HttpRequest, proposal_id: int, person_id: int) -> HttpResponse:
    proposal = _manage(request, proposal_id)
    link = get_object_or_404(
        ProposalPerson.objects.select_related("person"), proposal=proposal, person_id=person_id
    )
    sent = proposer_link_send(person=link.person, actor=request.user)
    if not sent:
        messages.error(
            request,
            f"{link.person.name}没有登记手机号码或电子邮箱，请补充后再发送，"
            "或用 manage.py proposer_link 取得链接另行转交",
        )
    else:
        how = "、".join(f"{m.get_channel_display()}{m.get_status_display()}" for m in sent)
        messages.success(request, f"已向{link.person.name}重发链接（{how}）")
    return _back(proposal)


@login_required
@require_POST
def link_revoke(request: HttpRequest, proposal_id: int, person_id: int) -> HttpResponse:
    proposal = _manage(request, proposal_id)
    link = get_object_or_404(
        ProposalPerson.objects.select_related("person"), proposal=proposal, person_id=person_id
    )
    n = person_link_revoke(person=link.person)
    messages.success(request, f"已撤销{link.person.name}的 {n} 个链接；重发时将生成新链接")
    return _back(proposal)


@login_required
@require_POST
def paper_rating(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _manage(request, proposal_id)
    overview = panels.proposal_overview(proposal=proposal)
    form = PaperRatingForm(
        request.POST,
        people=[row.person for row in overview.rows],
        letters=overview.letters,
        prefix="paper",
    )
    if not form.is_valid():
        return _page(request, proposal, rating_form=form, error="请按提示修改后再提交", status=400)
    try:
        rating_submit(
            letter_id=form.cleaned_data["letter"],
            person_id=form.cleaned_data["person"],
            actor=request.user,
            satisfaction=form.cleaned_data["satisfaction"],
            comment=form.cleaned_data["comment"],
            contacted=form.cleaned_data["contacted"],
            source=RatingSource.PAPER,
        )
    except AccessDenied as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return _page(request, proposal, rating_form=form, error=exc.message, status=400)
    messages.success(request, "纸质评价已代录")
    return _back(proposal)


@login_required
@require_POST
def publicity(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _manage(request, proposal_id)
    form = PublicityForm(request.POST, prefix="pub")
    if not form.is_valid():
        return _page(request, proposal, error="请选择公开属性", status=400)
    proposal_set_publicity(
        proposal_id=proposal.pk, publicity=form.cleaned_data["publicity"], actor=request.user
    )
    messages.success(request, f"公开属性已设为“{Publicity(form.cleaned_data['publicity']).label}”")
    return _back(proposal)


@login_required
@require_GET
def ratings_view(request: HttpRequest) -> HttpResponse:
    """Per-person ratings of a session's answered items; 只看未评价 lists who has not rated."""
    require(may_see_proposers(user=request.user))
    sessions = list(Session.objects.order_by("-year", "body", "name"))
    session = None
    raw = request.GET.get("session", "")
    if raw.isdigit():
        session = next((s for s in sessions if s.pk == int(raw)), None)
    if session is None and sessions:
        session = sessions[0]
    unrated = request.GET.get("unrated") == "1"
    lines = panels.session_rating_lines(session=session, unrated_only=unrated) if session else []
    return render(
        request,
        "office/ratings.html",
        {"sessions": sessions, "session": session, "lines": lines, "unrated": unrated},
    )
