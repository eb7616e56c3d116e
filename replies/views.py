from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.validation import parse_date
from proposals.views import _visible
from proposals.views import run_service
from proposals.workflow import is_bureau_clerk
from replies import services
from replies.models import Opinion
from replies.policies import policy_document_list


@login_required
def draft_edit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The clerk's draft form: the reply letter for a lead unit, the opinion for a co-unit."""
    assignment = _visible(request, assignment_id)
    if not is_bureau_clerk(assignment, request.user):
        raise PermissionDenied("只有本单位承办人可以编辑复函草稿")
    if request.method == "POST":
        data = request.POST
        try:
            if assignment.is_lead:
                services.reply_save_draft(
                    assignment_id=assignment.pk,
                    actor=request.user,
                    body=data.get("body", ""),
                    answer_class=data.get("answer_class", ""),
                    leader_name=data.get("leader_name", ""),
                    clerk_name=data.get("clerk_name", ""),
                    phone=data.get("phone", ""),
                    cc_list=[c.strip() for c in data.get("cc_list", "").split("、")],
                )
            else:
                services.opinion_save_draft(
                    assignment_id=assignment.pk,
                    actor=request.user,
                    body=data.get("body", ""),
                    leader_name=data.get("leader_name", ""),
                    phone=data.get("phone", ""),
                )
        except AccessDenied as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return render(
                request, "replies/draft.html", _editor_context(assignment, data), status=400
            )
        messages.success(request, "草稿已保存")
        if data.get("then") == "stay":
            return redirect("replies:draft", assignment_id=assignment.pk)
        return redirect("proposals:assignment", assignment_id=assignment.pk)
    if assignment.is_lead:
        reply = services.reply_get_or_create_draft(assignment=assignment)
        form = {
            "body": reply.body,
            "answer_class": reply.answer_class,
            "leader_name": reply.leader_name,
            "clerk_name": reply.clerk_name,
            "phone": reply.phone,
            "cc_list": "、".join(reply.cc_list),
        }
    else:
        opinion = Opinion.objects.filter(assignment=assignment).first()
        form = {
            "body": opinion.body if opinion else "",
            "leader_name": opinion.leader_name if opinion else assignment.leader_name,
            "phone": opinion.phone if opinion else assignment.phone,
        }
    return render(request, "replies/draft.html", _editor_context(assignment, form))


def _editor_context(assignment: Any, form: Any) -> dict[str, Any]:
    """The editor page: the form, the answer classes and the policy library for citations."""
    return {
        "a": assignment,
        "form": form,
        "classes": assignment.proposal.session.answer_classes,
        "policies": policy_document_list(limit=30),
    }


@login_required
@require_POST
def issue(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _visible(request, assignment_id)
    if assignment.is_lead:
        return run_service(
            request,
            assignment.pk,
            lambda: services.reply_issue(assignment_id=assignment.pk, actor=request.user),
            "复函已印发，文号已分配",
        )
    return run_service(
        request,
        assignment.pk,
        lambda: services.opinion_send(assignment_id=assignment.pk, actor=request.user),
        "协办意见已送主办单位",
    )


@login_required
@require_POST
def feedback(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _visible(request, assignment_id)
    feedback_date = parse_date(request.POST.get("feedback_date"))
    return run_service(
        request,
        assignment.pk,
        lambda: services.reply_record_feedback(
            assignment_id=assignment.pk,
            actor=request.user,
            satisfaction=request.POST.get("satisfaction", ""),
            feedback_date=feedback_date,
            comment=request.POST.get("comment", ""),
        ),
        "满意度已登记",
    )
