"""The clerk's editor helpers (policy search, similar paragraphs: JSON) and the supervisor's
review page. Thin: selectors read and check access, services write."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.http import require_http_methods

from core.choices import AssignmentState
from proposals import services as ps
from proposals.selectors import staff_of
from proposals.views import _visible
from proposals.views import run_service
from proposals.workflow import is_bureau_supervisor
from replies.models import Opinion
from replies.policies import policy_document_list
from replies.review import reply_review_diff
from replies.similarity import paragraph_list_similar


def policy_json(p) -> dict:
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
    if staff_of(request.user) is None and not request.user.is_superuser:
        raise PermissionDenied("只有本系统工作人员可以查阅政策文件库")
    query = request.GET.get("q", "")[:100]
    return JsonResponse(
        {"results": [policy_json(p) for p in policy_document_list(query=query, limit=30)]}
    )


@login_required
@require_GET
def similar_paragraphs(request: HttpRequest, assignment_id: int) -> JsonResponse:
    """GET ?q=paragraph: the 5 most similar paragraphs of issued letters the user may see."""
    assignment = _visible(request, assignment_id)
    suggestions = paragraph_list_similar(user=request.user, text=request.GET.get("q", ""))
    return JsonResponse(
        {"assignment": assignment.pk, "results": [asdict(s) for s in suggestions]},
        json_dumps_params={"ensure_ascii": False},
    )


REVIEW_DECISIONS = {
    "approve": (ps.assignment_approve, "已签批"),
    "return": (ps.assignment_return, "已退回修改"),
}


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The supervisor's review: diff against the previous submission, approve or return."""
    assignment = _visible(request, assignment_id)
    if not is_bureau_supervisor(assignment, request.user):
        raise PermissionDenied("只有本单位承办领导可以审核")
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if decision not in REVIEW_DECISIONS:
            raise PermissionDenied("未知操作")
        service, success = REVIEW_DECISIONS[decision]
        comment = request.POST.get("comment", "")
        return run_service(
            request,
            assignment.pk,
            lambda: service(assignment_id=assignment.pk, actor=request.user, comment=comment),
            success,
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
            "reply": getattr(assignment, "reply", None) if assignment.is_lead else None,
            "can_decide": assignment.state == AssignmentState.IN_REVIEW,
        },
    )
