"""The reply's pages: the clerk's draft editor, submitting for review, issuing, and the office's
record of the proposer's satisfaction. Thin: access decides, forms clean, services write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from django.views.decorators.http import require_POST

from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from proposals.access import may_edit_draft
from proposals.access import may_record_feedback
from proposals.access import transition_check
from proposals.forms import TransitionForm
from proposals.models import Assignment
from proposals.pages import require
from proposals.pages import run_form
from proposals.pages import visible_or_404
from proposals.selectors import assignment_attention
from replies import services
from replies.forms import FeedbackForm
from replies.forms import OpinionDraftForm
from replies.forms import ReplyDraftForm
from replies.models import Opinion
from replies.policies import policy_document_list
from replies.selectors import co_unit_opinions
from replies.similarity import policy_list_for_item


def _draft_form(assignment: Assignment, data: Any = None) -> ReplyDraftForm | OpinionDraftForm:
    if assignment.is_lead:
        if data is None:
            reply = services.reply_get_or_create_draft(assignment=assignment)
            return ReplyDraftForm(initial=ReplyDraftForm.initial_from(reply), assignment=assignment)
        return ReplyDraftForm(data, assignment=assignment)
    if data is None:
        opinion = Opinion.objects.filter(assignment=assignment).first()
        return OpinionDraftForm(
            initial={
                "body": opinion.body if opinion else "",
                "leader_name": opinion.leader_name if opinion else assignment.leader_name,
                "phone": opinion.phone if opinion else assignment.phone,
            }
        )
    return OpinionDraftForm(data)


def _save(assignment: Assignment, form: ReplyDraftForm | OpinionDraftForm, actor: Any) -> None:
    data = form.cleaned_data
    if isinstance(form, ReplyDraftForm):
        services.reply_save_draft(
            assignment_id=assignment.pk,
            actor=actor,
            body=data["body"],
            answer_class=data["answer_class"],
            leader_name=data["leader_name"],
            clerk_name=data["clerk_name"],
            phone=data["phone"],
            cc_list=form.cc_items(),
        )
    else:
        services.opinion_save_draft(
            assignment_id=assignment.pk,
            actor=actor,
            body=data["body"],
            leader_name=data["leader_name"],
            phone=data["phone"],
        )


@login_required
@require_http_methods(["GET", "POST"])
def draft_edit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The clerk's draft: the reply letter for a lead unit, the opinion for a co-unit."""
    assignment = visible_or_404(request, assignment_id)
    can = may_edit_draft(assignment=assignment, user=request.user)
    require(can)
    if not can:
        messages.error(request, can.reason)
        return redirect("proposals:assignment", assignment_id=assignment.pk)
    if request.method == "POST":
        form = _draft_form(assignment, request.POST)
        if form.is_valid():
            try:
                _save(assignment, form, request.user)
            except AccessDenied as exc:
                raise PermissionDenied(exc.message) from exc
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "草稿已保存")
                if request.POST.get("then") == "stay":
                    return redirect("replies:draft", assignment_id=assignment.pk)
                return redirect("proposals:assignment", assignment_id=assignment.pk)
        return render(
            request,
            "replies/draft.html",
            _editor_context(assignment, form, request.user),
            status=400,
        )
    return render(
        request,
        "replies/draft.html",
        _editor_context(assignment, _draft_form(assignment), request.user),
    )


def _editor_context(assignment: Assignment, form: Any, user: Any) -> dict[str, Any]:
    """The editor page: the form, the item's own text and originals (what the clerk answers),
    what the clerk must not miss (return comment, 不满意), the co-units' opinions for a lead
    unit, the policies that match the item and the policy library for citations."""
    return {
        "a": assignment,
        "p": assignment.proposal,
        "attachments": list(assignment.proposal.attachments.all()),
        "form": form,
        "policies": policy_document_list(limit=30),
        "matching_policies": policy_list_for_item(proposal=assignment.proposal, user=user)
        if assignment.is_lead
        else [],
        "attention": assignment_attention(assignment=assignment),
        "co_units": co_unit_opinions(assignment=assignment),
    }


@login_required
@require_POST
def submit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """提交审核 (draft_submit keeps the submitted version)."""
    assignment = visible_or_404(request, assignment_id)
    require(transition_check(assignment=assignment, name="submit", user=request.user))
    step = assignment.step("submit")
    return run_form(
        request,
        assignment=assignment,
        form=TransitionForm(request.POST, step=step, prefix="submit"),
        call=lambda data: services.draft_submit(
            assignment_id=assignment.pk, actor=request.user, comment=data.get("comment", "")
        ),
        success=step.done,
        title=step.label,
    )


@login_required
@require_POST
def issue(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """印发 (a lead unit: number, frozen text, PDF) or 送出协办意见 (a co-unit)."""
    assignment = visible_or_404(request, assignment_id)
    require(transition_check(assignment=assignment, name="issue", user=request.user))
    step = assignment.step("issue")
    service = services.reply_issue if assignment.is_lead else services.opinion_send
    return run_form(
        request,
        assignment=assignment,
        form=TransitionForm(request.POST, step=step, prefix="issue"),
        call=lambda data: service(assignment_id=assignment.pk, actor=request.user),
        success=step.done,
        title=step.label,
    )


@login_required
@require_POST
def feedback(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """登记满意度; 不满意 reopens the item with a new period (reply_record_feedback)."""
    assignment = visible_or_404(request, assignment_id)
    require(may_record_feedback(assignment=assignment, user=request.user))
    return run_form(
        request,
        assignment=assignment,
        form=FeedbackForm(request.POST, prefix="feedback"),
        call=lambda data: services.reply_record_feedback(
            assignment_id=assignment.pk,
            actor=request.user,
            satisfaction=data["satisfaction"],
            feedback_date=data["feedback_date"],
            comment=data["comment"],
        ),
        success="满意度已登记",
        title="登记满意度",
    )
