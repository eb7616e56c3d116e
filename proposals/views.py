"""Thin views: selectors read, access decides, forms clean, services write. Templates receive
capability flags (`caps`) and forms; they never test roles or states themselves."""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import FileResponse
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseServerError
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.http import require_POST

from core.choices import AssignmentState
from core.choices import AttachmentKind
from core.choices import ExtensionState
from core.choices import SupervisionState
from core.exceptions import ApplicationError
from core.exceptions import BatchRefused
from proposals import calendar
from proposals import selectors
from proposals import services
from proposals.access import assignment_capabilities
from proposals.access import may_add_attachment
from proposals.access import may_answer_supervision
from proposals.access import may_close_supervision
from proposals.access import may_decide_extensions
from proposals.access import may_open_supervision
from proposals.access import may_request_extension
from proposals.access import may_see_proposal
from proposals.access import may_urge
from proposals.access import may_withdraw
from proposals.access import supervisions_prefetch
from proposals.access import transition_check
from proposals.forms import AttachmentUploadForm
from proposals.forms import BatchAcceptForm
from proposals.forms import ConfirmForm
from proposals.forms import ExtensionDecisionForm
from proposals.forms import ExtensionRequestForm
from proposals.forms import MergeForm
from proposals.forms import SupervisionAnswerForm
from proposals.forms import SupervisionCloseForm
from proposals.forms import SupervisionOpenForm
from proposals.forms import TransitionForm
from proposals.forms import UrgeForm
from proposals.forms import WithdrawForm
from proposals.forms import transition_form
from proposals.models import Assignment
from proposals.models import Attachment
from proposals.models import ExtensionRequest
from proposals.models import Supervision
from proposals.pages import action_forms
from proposals.pages import batch_refusals
from proposals.pages import item_url_pattern
from proposals.pages import panels_for
from proposals.pages import require
from proposals.pages import run_form
from proposals.pages import visible_or_404
from proposals.revision import revision_cached
from proposals.workflow import steps

logger = logging.getLogger(__name__)
ACCEPT = "accept"
# What a row of the inbox or the item list never shows: the item's long texts, the session's
# policy lists (JSON, decoded once per row otherwise) and the clerk's account.
_ROW_DEFERRED = (
    "proposal__content",
    "proposal__cosigners",
    "proposal__status_reason",
    "proposal__session__answer_classes",
    "proposal__session__default_cc",
    "proposal__session__reminder_workdays",
    "proposal__session__co_unit_reminder_workdays",
    "clerk__password",
    "clerk__last_login",
    "clerk__date_joined",
)


def _inbox_rows(user: Any, today: Any) -> list[tuple[Any, ...]]:
    """(assignment, due, to-do, 催办/督办 mark, may be accepted in the batch, item URL) per
    inbox row. The item's full text and the other long fields are not read (up to 200 rows),
    and the item URL is reversed once for the page."""
    items = list(selectors.assignment_inbox(user=user).defer(*_ROW_DEFERRED)[:200])
    staff = selectors.staff_of(user)
    marks = selectors.supervision_marks(assignment_ids=[a.pk for a in items])
    url = item_url_pattern()
    return [
        (
            a,
            selectors.due_label(assignment=a, today=today),
            selectors.inbox_task(assignment=a, staff=staff),
            marks.get(a.pk, ""),
            ACCEPT in a.transitions_from_here()
            and transition_check(assignment=a, name=ACCEPT, user=user).ok,
            url.format(a.pk),
        )
        for a in items
    ]


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    staff = selectors.staff_of(request.user)

    def rows() -> tuple[bool, str]:
        found = _inbox_rows(request.user, today)
        batch = any(row[4] for row in found)
        html = render_to_string(
            "proposals/_rows.html", {"rows": found, "with_task": True, "select": batch}
        )
        return batch, html

    # up to 200 rows, the same until the data changes (proposals.revision): cached per user, as
    # the to-dos and the batch checkboxes follow the user's role and rights
    batch_accept, rows_html = revision_cached(("inbox", request.user.pk, today), rows)
    context = {
        "rows_html": mark_safe(rows_html),  # noqa: S308 (rendered by our template, escaped)
        "intro": selectors.inbox_intro(staff=staff),
        "today": today,
        "batch_accept": batch_accept,
        "soon_days": settings.FUHAN_DUE_SOON_WORKDAYS,
    }
    return render(request, "proposals/inbox.html", context)


@login_required
@require_POST
def inbox_accept_batch(request: HttpRequest) -> HttpResponse:
    """批量签收 from the inbox: all or nothing, each item through the accept service. A refusal
    shows the inbox again (400) with the selection kept and each refused row's reason."""
    form = BatchAcceptForm(request.POST)
    refused: dict[int, str] = {}
    if form.is_valid():
        ids = form.cleaned_data["ids"]
        try:
            done = services.assignment_accept_batch(assignment_ids=ids, actor=request.user)
        except BatchRefused as exc:
            form.add_error(None, exc.message)
            refused = exc.refused
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已签收 {len(done)} 件事项")
            return redirect("proposals:inbox")
    today = timezone.localdate()
    rows = _inbox_rows(request.user, today)
    context = {
        "rows": rows,
        "intro": selectors.inbox_intro(staff=selectors.staff_of(request.user)),
        "today": today,
        "soon_days": settings.FUHAN_DUE_SOON_WORKDAYS,
        "batch_accept": True,
        "batch_form": form,
        "selected": {str(v) for v in request.POST.getlist("ids")},
        "refusals": batch_refusals(
            refused=refused, visible=selectors.assignment_list_visible(user=request.user)
        ),
    }
    return render(request, "proposals/inbox.html", context, status=400)


@login_required
def assignment_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.assignment_list_visible(user=request.user).order_by(
        "proposal__session", "proposal__number", "role"
    )
    state = request.GET.get("state", "")
    if state in AssignmentState.values:
        qs = qs.filter(state=state)
    today = timezone.localdate()
    url = item_url_pattern()
    # The same row shape as the inbox's (proposals/_rows.html), without to-do, mark or batch.
    rows = [
        (a, selectors.due_label(assignment=a, today=today), "", "", False, url.format(a.pk))
        for a in qs.defer(*_ROW_DEFERRED)[:500]
    ]
    return render(
        request,
        "proposals/list.html",
        {"rows": rows, "states": AssignmentState.choices, "state": state},
    )


@login_required
def assignment_detail(request: HttpRequest, assignment_id: int) -> HttpResponse:
    # the reply (lead unit) or opinion (co-unit) with it: the notes and the panels read them
    assignment = visible_or_404(request, assignment_id, related=("reply", "opinion"))
    # one read of the 催办/督办单 for the checks, the notes on top and the list
    prefetch_related_objects([assignment], supervisions_prefetch())
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
        "attention": selectors.assignment_attention(assignment=assignment),
        "supervisions": _supervision_rows(request, assignment),
        "urge_form": UrgeForm(prefix="urge") if caps.urge else None,
        "supervise_form": (
            SupervisionOpenForm(prefix="order", initial={"reply_by": _default_reply_by()})
            if caps.open_supervision
            else None
        ),
    }
    return render(request, "proposals/assignment.html", context)


def _default_reply_by() -> Any:
    """Five working days from today, as 督办单 usually ask."""
    return calendar.add_workdays(timezone.localdate(), 5)


def _supervision_rows(
    request: HttpRequest, assignment: Assignment
) -> list[tuple[Supervision, Any, Any]]:
    """Each 催办 / 督办单 with the answer form (for the bureau) or the close form (for the
    office that opened it) where this user may use them."""
    rows = []
    answer = may_answer_supervision(assignment=assignment, user=request.user)
    for s in selectors.supervision_list(assignment=assignment):
        answer_form = close_form = None
        if s.is_order and s.state == SupervisionState.OPEN and answer:
            answer_form = SupervisionAnswerForm(prefix=f"sv{s.pk}")
        if may_close_supervision(supervision=s, user=request.user):
            close_form = SupervisionCloseForm(prefix=f"svc{s.pk}")
        rows.append((s, answer_form, close_form))
    return rows


@login_required
@require_POST
def assignment_transition(request: HttpRequest, assignment_id: int, name: str) -> HttpResponse:
    """A plain transition (only a comment, if any), as declared in proposals/workflow.py."""
    assignment = visible_or_404(request, assignment_id)
    declared = steps().get(name)
    if declared is None or not declared.plain:
        raise Http404("未知操作")
    require(transition_check(assignment=assignment, name=name, user=request.user))
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
    require(transition_check(assignment=assignment, name="reassign", user=request.user))
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


# --- 催办 and 督办 -----------------------------------------------------------------


@login_required
@require_POST
def supervision_urge(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = visible_or_404(request, assignment_id)
    require(may_urge(assignment=assignment, user=request.user))
    return run_form(
        request,
        assignment=assignment,
        form=UrgeForm(request.POST, prefix="urge"),
        call=lambda data: services.supervision_urge(
            assignment_id=assignment.pk, actor=request.user, comment=data["comment"]
        ),
        success="已催办，承办人和承办领导将收到通知",
        title="催办",
    )


@login_required
@require_POST
def supervision_open(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = visible_or_404(request, assignment_id)
    require(may_open_supervision(assignment=assignment, user=request.user))
    return run_form(
        request,
        assignment=assignment,
        form=SupervisionOpenForm(request.POST, prefix="order"),
        call=lambda data: services.supervision_open(
            assignment_id=assignment.pk,
            actor=request.user,
            comment=data["comment"],
            reply_by=data["reply_by"],
        ),
        success="督办单已下发，承办单位须按期答复",
        title="下发督办单",
    )


def _supervision_or_404(request: HttpRequest, supervision_id: int) -> tuple[Supervision, Any]:
    supervision = Supervision.objects.filter(pk=supervision_id).first()
    if supervision is None:
        raise Http404("督办单不存在")
    return supervision, visible_or_404(request, supervision.assignment_id)


@login_required
@require_POST
def supervision_answer(request: HttpRequest, supervision_id: int) -> HttpResponse:
    supervision, assignment = _supervision_or_404(request, supervision_id)
    require(may_answer_supervision(assignment=assignment, user=request.user))
    return run_form(
        request,
        assignment=assignment,
        form=SupervisionAnswerForm(request.POST, prefix=f"sv{supervision.pk}"),
        call=lambda data: services.supervision_answer(
            supervision_id=supervision.pk, actor=request.user, answer=data["answer"]
        ),
        success="督办单已答复，已通知督办机构",
        title="答复督办单",
    )


@login_required
@require_POST
def supervision_close(request: HttpRequest, supervision_id: int) -> HttpResponse:
    supervision, assignment = _supervision_or_404(request, supervision_id)
    require(may_close_supervision(supervision=supervision, user=request.user))
    return run_form(
        request,
        assignment=assignment,
        form=SupervisionCloseForm(request.POST, prefix=f"svc{supervision.pk}"),
        call=lambda data: services.supervision_close(
            supervision_id=supervision.pk, actor=request.user, comment=data["comment"]
        ),
        success="督办单已办结",
        title="办结督办单",
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
