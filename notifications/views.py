from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.exceptions import AccessDenied
from notifications import selectors
from notifications import services

PAGE = 200


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    items = list(selectors.notification_list(user=request.user, unread_only=unread_only)[:PAGE])
    return render(request, "notifications/list.html", {"items": items, "unread_only": unread_only})


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        notification = services.notification_mark_read(
            user=request.user, notification_id=notification_id
        )
    except AccessDenied as exc:
        raise Http404(exc.message) from exc
    target = request.POST.get("next", "")
    if target == "item" and notification.url:
        return redirect(notification.url)
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(user=request.user)
    messages.success(request, f"已将 {count} 条通知标为已读")
    return redirect("notifications:list")
