"""The clerk's editor helpers (policy search, similar paragraphs: JSON) and the supervisor's
review page. Thin: selectors read, access decides."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from proposals.access import assignment_actions
from proposals.access import may_preview_draft
from proposals.access import may_review
from proposals.access import may_use_system
from proposals.pages import action_forms
from proposals.pages import require
from proposals.pages import visible_or_404
from proposals.selectors import assignment_attention
from replies.models import Opinion
from replies.models import PolicyDocument
from replies.policies import policy_document_list
from replies.review import reply_review_diff
from replies.similarity import paragraph_list_similar


def policy_json(p: PolicyDocument) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "doc_number": p.doc_number,
        "issuer": p.issuer,
        "issued_date": p.issued_date.isoformat() if p.issued_date else "",
        "summary": p.summary,
        "citation": p.citation,
    }


@login_required
@require_GET
def policy_search(request: HttpRequest) -> JsonResponse:
    """GET ?q=: the policy library for the editor's citation list (staff only)."""
    require(may_use_system(user=request.user))
    query = request.GET.get("q", "")[:100]
    return JsonResponse(
        {"results": [policy_json(p) for p in policy_document_list(query=query, limit=30)]}
    )


@login_required
@require_GET
def similar_paragraphs(request: HttpRequest, assignment_id: int) -> JsonResponse:
    """GET ?q=paragraph: the 5 passages of issued letters the user may see that best continue
    the paragraph for this item (without q: ranked by the item alone), each with the letters
    that used it. The letters of this assignment itself are left out."""
    assignment = visible_or_404(request, assignment_id)
    suggestions = paragraph_list_similar(
        user=request.user, text=request.GET.get("q", "")[:2000], assignment=assignment
    )
    return JsonResponse(
        {"assignment": assignment.pk, "results": [asdict(s) for s in suggestions]},
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
@require_GET
def review(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The supervisor's review: the submitted version against the previous one, and the
    approve / return forms as the workflow declares them (posted to the transition endpoint)."""
    assignment = visible_or_404(request, assignment_id)
    can = may_review(assignment=assignment, user=request.user)
    require(can)
    decisions = action_forms(
        assignment=assignment,
        actions=[
            act
            for act in assignment_actions(assignment=assignment, user=request.user)
            if act.name in ("approve", "return_for_revision")
        ],
    )
    diff = reply_review_diff(assignment=assignment) if assignment.is_lead else None
    opinion = None if assignment.is_lead else Opinion.objects.filter(assignment=assignment).first()
    return render(
        request,
        "replies/review.html",
        {
            "a": assignment,
            "diff": diff,
            "opinion": opinion,
            "can": can,
            "decisions": decisions,
            "preview": assignment.is_lead
            and may_preview_draft(assignment=assignment, user=request.user).ok,
            "attention": assignment_attention(assignment=assignment),
        },
    )
