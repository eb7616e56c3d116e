"""Thin views: look up through selectors, write through services, show errors in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.choices import AssignmentState
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.validation import parse_date
from proposals import selectors
from proposals import services
from proposals.models import Bureau
from proposals.models import ExtensionRequest
from proposals.workflow import is_handling_office


def _visible(request: HttpRequest, assignment_id: int) -> Any:
    try:
        return selectors.assignment_get_visible(user=request.user, assignment_id=assignment_id)
    except AccessDenied as exc:
        raise Http404(exc.message) from exc


def run_service(
    request: HttpRequest, assignment_id: int, call: Callable[[], Any], success: str
) -> HttpResponse:
    """Run a service for a POST and come back to the item page with its message."""
    try:
        call()
    except AccessDenied as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("proposals:assignment", assignment_id=assignment_id)


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
    return render(request, "proposals/inbox.html", {"rows": rows, "staff": staff, "today": today})


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
    assignment = _visible(request, assignment_id)
    proposal = assignment.proposal
    visible = selectors.assignment_list_visible(user=request.user)
    siblings = visible.filter(proposal=proposal).exclude(pk=assignment.pk)
    actions = selectors.assignment_actions(assignment=assignment, user=request.user)
    reply = getattr(assignment, "reply", None) if assignment.is_lead else None
    opinion = getattr(assignment, "opinion", None) if not assignment.is_lead else None
    office = is_handling_office(assignment, request.user)
    context = {
        "a": assignment,
        "p": proposal,
        "siblings": siblings,
        "actions": [x for x in actions if x.name not in selectors.OWN_FORM],
        "can_issue": any(x.name == "issue" for x in actions),
        "can_reassign": any(x.name == "reassign" for x in actions),
        "reply": reply,
        "letters": list(reply.letters.all()) if reply else [],
        "latest_version": reply.versions.last() if reply else None,
        "opinion": opinion,
        "history": selectors.assignment_history(assignment=assignment),
        "due": selectors.due_label(assignment=assignment),
        "extensions": assignment.extensions.order_by("-created_at"),
        "is_office": office,
        "is_member": request.user.is_authenticated
        and getattr(selectors.staff_of(request.user), "bureau_id", None) == assignment.bureau_id,
        "bureaus": Bureau.objects.exclude(pk=assignment.bureau_id) if office else [],
        "satisfaction_choices": [
            ("satisfied", "满意"),
            ("basically", "基本满意"),
            ("unsatisfied", "不满意"),
        ],
        "co_opinions": (
            proposal.assignments.filter(role="co_unit").select_related("bureau", "opinion")
            if assignment.is_lead
            else []
        ),
    }
    return render(request, "proposals/assignment.html", context)


SIMPLE_TRANSITIONS: dict[str, tuple[Callable[..., Any], str]] = {
    "accept": (services.assignment_accept, "已签收"),
    "start_drafting": (services.assignment_start_drafting, "已开始办理"),
    "submit": (services.assignment_submit, "已提交领导审核"),
    "approve": (services.assignment_approve, "已签批"),
    "return_for_revision": (services.assignment_return, "已退回修改"),
    "request_reassignment": (services.assignment_request_reassignment, "已提交调整申请"),
    "keep": (services.assignment_keep, "已退回原单位办理"),
    "send_cc": (services.assignment_send_cc, "已抄送"),
}
COMMENT_ARG = {
    "return_for_revision": "comment",
    "keep": "comment",
    "request_reassignment": "reason",
    "submit": "comment",
    "approve": "comment",
}


@login_required
@require_POST
def assignment_transition(request: HttpRequest, assignment_id: int, name: str) -> HttpResponse:
    _visible(request, assignment_id)
    if name not in SIMPLE_TRANSITIONS:
        raise Http404("未知操作")
    service, success = SIMPLE_TRANSITIONS[name]
    kwargs: dict[str, Any] = {"assignment_id": assignment_id, "actor": request.user}
    if name in COMMENT_ARG:
        kwargs[COMMENT_ARG[name]] = request.POST.get("comment", "")
    return run_service(request, assignment_id, lambda: service(**kwargs), success)


@login_required
@require_POST
def assignment_reassign(request: HttpRequest, assignment_id: int) -> HttpResponse:
    _visible(request, assignment_id)
    bureau = Bureau.objects.filter(pk=request.POST.get("bureau") or 0).first()
    if bureau is None:
        messages.error(request, "请选择新的承办单位")
        return redirect("proposals:assignment", assignment_id=assignment_id)
    return run_service(
        request,
        assignment_id,
        lambda: services.assignment_reassign(
            assignment_id=assignment_id,
            actor=request.user,
            to_bureau=bureau,
            comment=request.POST.get("comment", ""),
        ),
        f"已改由{bureau.short_name}办理",
    )


@login_required
@require_POST
def extension_request(request: HttpRequest, assignment_id: int) -> HttpResponse:
    _visible(request, assignment_id)
    due = parse_date(request.POST.get("requested_due_date", ""))
    if due is None:
        messages.error(request, "请填写申请延至的日期（格式：2026-12-31）")
        return redirect("proposals:assignment", assignment_id=assignment_id)
    return run_service(
        request,
        assignment_id,
        lambda: services.extension_request(
            assignment_id=assignment_id,
            actor=request.user,
            requested_due_date=due,
            reason=request.POST.get("reason", ""),
        ),
        "已提交延期申请，待交办机构审批",
    )


@login_required
@require_POST
def extension_decide(request: HttpRequest, extension_id: int) -> HttpResponse:
    extension = ExtensionRequest.objects.filter(pk=extension_id).first()
    if extension is None:
        raise Http404("延期申请不存在")
    assignment_id = _visible(request, extension.assignment_id).pk
    approve = request.POST.get("decision") == "approve"
    comment = request.POST.get("comment", "")
    if approve:

        def call() -> Any:
            return services.extension_approve(
                extension_id=extension_id, actor=request.user, comment=comment
            )
    else:

        def call() -> Any:
            return services.extension_reject(
                extension_id=extension_id, actor=request.user, comment=comment
            )

    return run_service(request, assignment_id, call, "已同意延期" if approve else "已不同意延期")


def home(request: HttpRequest) -> HttpResponse:
    return redirect(reverse("proposals:inbox") if request.user.is_authenticated else "login")


@login_required
@require_POST
def proposal_withdraw(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _visible(request, assignment_id)
    return run_service(
        request,
        assignment_id,
        lambda: services.proposal_withdraw(
            proposal_id=assignment.proposal_id,
            actor=request.user,
            reason=request.POST.get("reason", ""),
        ),
        "事项已撤回，不再办理",
    )


@login_required
@require_POST
def proposal_merge(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _visible(request, assignment_id)
    try:
        into_number = int(request.POST.get("into_number", ""))
    except ValueError:
        messages.error(request, "请填写要并入的事项编号（数字）")
        return redirect("proposals:assignment", assignment_id=assignment_id)
    return run_service(
        request,
        assignment_id,
        lambda: services.proposal_merge(
            proposal_id=assignment.proposal_id,
            into_number=into_number,
            actor=request.user,
            reason=request.POST.get("reason", ""),
        ),
        f"已并入第{into_number}号",
    )
