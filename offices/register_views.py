"""登记交办: the NPC or CPPCC office registers one item (the import does many)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.choices import AssignmentRole
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from offices.forms import RegisterForm
from proposals.access import handling_body
from proposals.access import may_register_items
from proposals.pages import assignment_url
from proposals.pages import require
from proposals.services import proposal_register


@login_required
@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    require(may_register_items(user=request.user))
    body = handling_body(request.user) or ""
    if request.method == "POST":
        form = RegisterForm(request.POST, request.FILES, body=body)
        if form.is_valid():
            data = form.cleaned_data
            try:
                proposal = proposal_register(
                    session=data["session"],
                    number=data["number"],
                    title=data["title"],
                    lead_proposer=data["lead_proposer"],
                    assigned_date=data["assigned_date"],
                    lead_bureaus=list(data["lead_bureaus"]),
                    co_bureaus=list(data["co_bureaus"]),
                    signer_count=data["signer_count"],
                    cosigners=data["cosigners"],
                    is_collective=data["is_collective"],
                    is_key=data["is_key"],
                    is_complex=data["is_complex"],
                    content=data["content"],
                    attachments=data["attachments"],
                    actor=request.user,
                )
            except AccessDenied as exc:
                raise PermissionDenied(exc.message) from exc
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                lead = proposal.assignments.filter(role=AssignmentRole.LEAD).first()
                messages.success(
                    request,
                    f"已登记并交办：{proposal}《{proposal.title}》"
                    f"（附件 {len(data['attachments'])} 个）",
                )
                if request.POST.get("then") == "next":
                    return redirect("office:register")
                return redirect(assignment_url(lead.pk) if lead else "office:register")
        return render(request, "office/register.html", {"form": form}, status=400)
    return render(request, "office/register.html", {"form": RegisterForm(body=body)})
