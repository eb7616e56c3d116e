"""Thin views: selectors read, access decides, forms clean, services write. Templates receive
capability flags (`caps`) and forms; they never test roles or states themselves."""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseServerError
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.http import require_POST

from core.choices import AssignmentState
from core.choices import AttachmentKind
from core.choices import ExtensionState
from proposals import selectors
from proposals import services
from proposals.access import assignment_capabilities
from proposals.access import may_add_attachment
from proposals.access import may_decide_extensions
from proposals.access import may_request_extension
from proposals.access import may_see_proposal
from proposals.access import may_withdraw
from proposals.forms import AttachmentUploadForm
from proposals.forms import ConfirmForm
from proposals.forms import ExtensionDecisionForm
from proposals.forms import ExtensionRequestForm
from proposals.forms import MergeForm
from proposals.forms import TransitionForm
from proposals.forms import WithdrawForm
from proposals.forms import transition_form
from proposals.models import Attachment
from proposals.models import ExtensionRequest
from proposals.pages import action_forms
from proposals.pages import panels_for
from proposals.pages import require
from proposals.pages import run_form
from proposals.pages import visible_or_404
from proposals.workflow import steps

logger = logging.getLogger(__name__)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    items = list(selectors.assignment_inbox(user=request.user)[:200])
    today = timezone.localdate()
    staff = selectors.staff_of(request.user)
    rows = [
        (
            a,
            selectors.due_label(assignment=a, today=today),
            selectors.inbox_task(assignment=a, staff=staff),
        )
        for a in items
    ]
    context = {"rows": rows, "intro": selectors.inbox_intro(staff=staff), "today": today}
    return render(request, "proposals/inbox.html", context)


@login_required
def assignment_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.assignment_list_visible(user=request.user).order_by(
        "proposal__session", "proposal__number", "role"
    )
    state = request.GET.get("state", "")
    if state in AssignmentState.values:
        qs = qs.filter(state=state)
    today = timezone.localdate()
    rows = [(a, selectors.due_label(assignment=a, today=today)) for a in qs[:500]]
    return render(
        request,
        "proposals/list.html",
        {"rows": rows, "states": AssignmentState.choices, "state": state},
    )


@login_required
def assignment_detail(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = visible_or_404(request, assignment_id)
    caps = assignment_capabilities(assignment=assignment, user=request.user)
    actions = action_forms(assignment=assignment, actions=caps.actions)
    extensions = list(assignment.extensions.order_by("-created_at"))
    context: dict[str, Any] = {
        "a": assignment,
        "p": assignment.proposal,
        "caps": caps,
        "actions": actions,
        "siblings": selectors.assignment_list_visible(user=request.user)
        .filter(proposal=assignment.proposal)
        .exclude(pk=assignment.pk),
        "history": selectors.assignment_history(assignment=assignment),
        "due": selectors.due_label(assignment=assignment),
        "extensions": [
            (
                e,
                ExtensionDecisionForm(prefix=f"ext{e.pk}")
                if caps.decide_extensions and e.state == ExtensionState.PENDING
                else None,
            )
            for e in extensions
        ],
        "extension_form": ExtensionRequestForm() if caps.request_extension else None,
        "withdraw_form": WithdrawForm() if caps.withdraw else None,
        "merge_form": MergeForm() if caps.withdraw else None,
        "attachments": list(assignment.proposal.attachments.all()),
        "attachment_form": AttachmentUploadForm(prefix="att") if caps.add_attachment else None,
        "panels": panels_for(request, assignment, caps),
    }
    return render(request, "proposals/assignment.html", context)


@login_required
@require_POST
def assignment_transition(request: HttpRequest, assignment_id: int, name: str) -> HttpResponse:
    """A plain transition (only a comment, if any), as declared in proposals/workflow.py."""
    assignment = visible_or_404(request, assignment_id)
    declared = steps().get(name)
    if declared is None or not declared.plain:
        raise Http404("未知操作")
    step = assignment.step(name)
    return run_form(
        request,
        assignment=assignment,
        form=TransitionForm(request.POST, step=step, prefix=name),
        call=lambda data: services.assignment_transition(
            assignment_id=assignment.pk,
            name=name,
            actor=request.user,
            comment=data.get("comment", ""),
        ),
        success=step.done,
        title=step.label,
    )


@login_required
@require_POST
def assignment_reassign(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = visible_or_404(request, assignment_id)
    step = assignment.step("reassign")
    return run_form(
        request,
        assignment=assignment,
        form=transition_form(
            assignment=assignment, name="reassign", data=request.POST, prefix="reassign"
        ),
        call=lambda data: services.assignment_reassign(
            assignment_id=assignment.pk,
            actor=request.user,
            to_bureau=data["bureau"],
            comment=data.get("comment", ""),
        ),
        success=step.done,
        title=step.label,
    )


@login_required
@require_POST
def extension_request(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = visible_or_404(request, assignment_id)
    require(may_request_extension(assignment=assignment, user=request.user))
    return run_form(
        request,
        assignment=assignment,
        form=ExtensionRequestForm(request.POST),
        call=lambda data: services.extension_request(
            assignment_id=assignment.pk,
            actor=request.user,
            requested_due_date=data["requested_due_date"],
            reason=data["reason"],
        ),
        success="已提交延期申请，待交办机构审批",
        title="申请延期",
    )


@login_required
@require_POST
def extension_decide(request: HttpRequest, extension_id: int) -> HttpResponse:
    extension = ExtensionRequest.objects.filter(pk=extension_id).first()
    if extension is None:
        raise Http404("延期申请不存在")
    assignment = visible_or_404(request, extension.assignment_id)
    require(may_decide_extensions(assignment=assignment, user=request.user))

    def decide(data: dict[str, Any]) -> Any:
        service = (
            services.extension_approve
            if data["decision"] == "approve"
            else services.extension_reject
        )
        return service(extension_id=extension.pk, actor=request.user, comment=data["comment"])

    form = ExtensionDecisionForm(request.POST, prefix=f"ext{extension.pk}")
    decision = request.POST.get(f"ext{extension.pk}-decision", "")
    return run_form(
        request,
        assignment=assignment,
        form=form,
        call=decide,
        success=extension.step(decision).done if decision in ("approve", "reject") else "",
        title="审批延期申请",
    )


def home(request: HttpRequest) -> HttpResponse:
    return redirect(reverse("proposals:inbox") if request.user.is_authenticated else "login")


@login_required
@require_POST
def proposal_withdraw(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = visible_or_404(request, assignment_id)
    require(may_withdraw(assignment=assignment, user=request.user))
    return run_form(
        request,
        assignment=assignment,
        form=WithdrawForm(request.POST),
        call=lambda data: services.proposal_withdraw(
            proposal_id=assignment.proposal_id, actor=request.user, reason=data["reason"]
        ),
        success="事项已撤回，不再办理",
        title="撤回",
    )


@login_required
@require_POST
def proposal_merge(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = visible_or_404(request, assignment_id)
    require(may_withdraw(assignment=assignment, user=request.user))
    return run_form(
        request,
        assignment=assignment,
        form=MergeForm(request.POST),
        call=lambda data: services.proposal_merge(
            proposal_id=assignment.proposal_id,
            into_number=data["into_number"],
            actor=request.user,
            reason=data["reason"],
        ),
        success=lambda data: f"已并入第{data['into_number']}号",
        title="并案",
    )


@login_required
@require_POST
def attachment_upload(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The office adds originals (PDF, image, .docx) to the item, from its page."""
    assignment = visible_or_404(request, assignment_id)
    require(may_add_attachment(user=request.user, proposal=assignment.proposal))
    return run_form(
        request,
        assignment=assignment,
        form=AttachmentUploadForm(request.POST, request.FILES, prefix="att"),
        call=lambda data: services.attachment_add(
            proposal_id=assignment.proposal_id, actor=request.user, uploads=data["upload"]
        ),
        success=lambda data: f"已上传 {len(data['upload'])} 个附件",
        title="上传原件",
    )


@login_required
@require_POST
def attachment_remove(request: HttpRequest, assignment_id: int, attachment_id: int) -> HttpResponse:
    assignment = visible_or_404(request, assignment_id)
    attachment = Attachment.objects.filter(
        pk=attachment_id, proposal_id=assignment.proposal_id
    ).first()
    if attachment is None:
        raise Http404("附件不存在")
    require(may_add_attachment(user=request.user, proposal=assignment.proposal))
    return run_form(
        request,
        assignment=assignment,
        form=ConfirmForm(request.POST),
        call=lambda data: services.attachment_remove(
            attachment_id=attachment.pk, actor=request.user
        ),
        success=f"已删除附件“{attachment.original_name}”",
        title="删除附件",
    )


@login_required
@require_GET
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """The stored file, for everyone who may see the item; checked against its SHA-256. PDFs
    and images open in the browser, Word files download."""
    attachment = (
        Attachment.objects.select_related("proposal__session").filter(pk=attachment_id).first()
    )
    if attachment is None or not may_see_proposal(user=request.user, proposal=attachment.proposal):
        raise Http404("附件不存在或您无权查看")
    try:
        with attachment.file.open("rb") as f:
            content = f.read()
    except OSError as exc:
        logger.error("附件 %s 的文件缺失：%s", attachment.pk, exc)
        raise Http404("附件文件缺失，请联系交办机构重新上传") from exc
    if hashlib.sha256(content).hexdigest() != attachment.sha256:
        logger.error("附件 %s 与存档的 SHA-256 不符", attachment.pk)
        return HttpResponseServerError(
            "附件文件校验失败，请联系管理员", content_type="text/plain; charset=utf-8"
        )
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=attachment.content_type == AttachmentKind.DOCX,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
