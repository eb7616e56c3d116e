"""What every page that acts on an assignment shares (this app's views and those of replies and
offices): finding the assignment the user may see, running a service from a valid form, and
the item page's panels that higher apps contribute without proposals importing them."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse

from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from proposals import selectors
from proposals.access import Action
from proposals.access import AssignmentCaps
from proposals.access import Can
from proposals.forms import TransitionForm
from proposals.forms import transition_form
from proposals.models import Assignment


def visible_or_404(
    request: HttpRequest, assignment_id: int, related: tuple[str, ...] = ()
) -> Assignment:
    """The assignment if this user may see it; 404 with the same message otherwise."""
    try:
        return selectors.assignment_get_visible(
            user=request.user, assignment_id=assignment_id, related=related
        )
    except AccessDenied as exc:
        raise Http404(exc.message) from exc


def require(can: Can) -> None:
    """403 with the reason when this is not the user's business."""
    if can.denied:
        raise PermissionDenied(can.reason)


def run_form(
    request: HttpRequest,
    *,
    assignment: Assignment,
    form: forms.Form,
    call: Callable[[dict[str, Any]], Any],
    success: str | Callable[[dict[str, Any]], str],
    title: str,
    next_url: str | None = None,
) -> HttpResponse:
    """Validate the form and call the service with its cleaned data. On success: the message
    and back to the item page. A field error or a refusal (a rule, the state) shows the form
    alone with the reason and the user's input kept (400); an access refusal is a 403."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except AccessDenied as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, success(form.cleaned_data) if callable(success) else success)
            return redirect(next_url or assignment_url(assignment.pk))
    return render(
        request,
        "proposals/form_page.html",
        {"a": assignment, "form": form, "title": title, "action": request.path},
        status=400,
    )


@dataclass(frozen=True)
class Refusal:
    """One item that held a batch back, as the page lists it."""

    assignment_id: int
    label: str
    reason: str


def batch_refusals(*, refused: Mapping[int, str], visible: QuerySet[Assignment]) -> list[Refusal]:
    """Name each refused item the way the user knows it (only items the user may see are
    named; the others are "不存在或无权查看")."""
    named = visible.select_related("proposal__session", "bureau").in_bulk(list(refused))
    out = []
    for pk, reason in refused.items():
        a = named.get(pk)
        if a is None:  # say nothing about other bureaus' items, not even that they exist
            out.append(Refusal(pk, f"事项 {pk}", "事项不存在或您无权查看"))
            continue
        label = (
            f"{a.proposal.session.name}第{a.proposal.number}号"
            f"（{a.bureau.short_name}{a.get_role_display()}）"
        )
        out.append(Refusal(pk, label, reason))
    return out


def assignment_url(assignment_id: int) -> str:
    return reverse("proposals:assignment", args=[assignment_id])


@dataclass(frozen=True)
class ActionForm:
    """One action on a page: what it is (allowed, or why not), its form and where it posts."""

    action: Action
    form: TransitionForm
    url: str


def action_forms(*, assignment: Assignment, actions: Iterable[Action]) -> list[ActionForm]:
    """The declared form of each action that has its own button, posting to its declared
    endpoint (the generic one for plain transitions)."""
    shown = []
    for act in actions:
        if not act.step.direct:
            continue
        args = [assignment.pk, act.name] if act.step.plain else [assignment.pk]
        shown.append(
            ActionForm(
                action=act,
                form=transition_form(assignment=assignment, name=act.name, prefix=act.name),
                url=reverse(act.step.url, args=args),
            )
        )
    return shown


# --- panels on the item page -----------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """A section of the item page that another app renders (the reply, the contacts).
    `context` returns the template's context, or None to leave the panel out."""

    template: str
    context: Callable[[HttpRequest, Assignment, AssignmentCaps], Mapping[str, Any] | None]
    order: int = 50


_panels: list[Panel] = []


def register_panel(panel: Panel) -> None:
    """Called from an app's AppConfig.ready(); registering the same panel twice is a no-op."""
    if panel not in _panels:
        _panels.append(panel)
        _panels.sort(key=lambda p: p.order)


def panels_for(
    request: HttpRequest, assignment: Assignment, caps: AssignmentCaps
) -> list[tuple[str, Mapping[str, Any]]]:
    shown = []
    for panel in _panels:
        context = panel.context(request, assignment, caps)
        if context is not None:
            shown.append((panel.template, context))
    return shown


_URL_MARK = 987654321


def item_url_pattern() -> str:
    """The item page's URL with "{}" for the id: reversed once per page, not once per row (the
    inbox, the board and the API list up to 200 rows)."""
    return reverse("proposals:assignment", args=[_URL_MARK]).replace(str(_URL_MARK), "{}")
