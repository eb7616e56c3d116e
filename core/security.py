"""Login throttling, one rule for the web login and the API token endpoint: django-axes with its
database handler (a cache outage cannot break login or lift the throttle).

A client is refused for AXES_COOLOFF_TIME after AXES_FAILURE_LIMIT failed logins for one user
name from its address, or AXES_FAILURE_LIMIT_PER_ADDRESS failures from its address whatever the
user names (one password tried against many names). The right password is refused too while
the block lasts. A successful login clears the failures of that user name and address only:
an attacker who owns one account cannot wipe the address's count by logging into it."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import JsonResponse
from django.shortcuts import render

from core.tokens import api_tokens_revoke_all

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest | None) -> str:
    """REMOTE_ADDR, or the header the reverse proxy sets (FUHAN_CLIENT_IP_HEADER, e.g.
    X-Real-IP from deploy/nginx.conf) when configured: behind a proxy every REMOTE_ADDR is the
    proxy's. A client-supplied X-Forwarded-For is never trusted by itself."""
    if request is None:
        return ""
    header = settings.FUHAN_CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "").strip()
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR", "")


def blocked_message() -> str:
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds()) // 60)
    return (
        f"登录失败次数过多，为保护账号安全，请 {minutes} 分钟后再试，或联系管理员。"
        f"（同一用户名在同一地址连续失败 {settings.AXES_FAILURE_LIMIT} 次，"
        f"或同一地址失败 {settings.AXES_FAILURE_LIMIT_PER_ADDRESS} 次，即暂停登录）"
    )


class LoginThrottleHandler(AxesDatabaseHandler):
    """axes counts failures per lockout parameter (AXES_LOCKOUT_PARAMETERS: user name +
    address, then address) against one limit; here each has its own. The per-address count is
    scaled onto the per-user limit so that axes' own comparisons (is_locked, the lockout after
    a failure) apply both."""

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        per_user, per_address = (
            qs.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for qs in self.get_user_attempts(request, credentials)
        )
        limit = settings.AXES_FAILURE_LIMIT
        scaled = per_address * limit // max(1, settings.AXES_FAILURE_LIMIT_PER_ADDRESS)
        return max(per_user, scaled)

    def reset_user_attempts(self, request: Any, credentials: dict | None = None) -> int:
        same_user_and_address = self.filter_user_attempts(request, credentials)[0]
        count, _ = same_user_and_address.delete()
        return count


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """429 with the Chinese reason: JSON for the API, the login page otherwise."""
    logger.warning("登录已暂停：地址 %s 失败次数过多", client_ip(request))
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": blocked_message()}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    form = ChineseAuthenticationForm(request, data=None)
    return render(
        request,
        "registration/login.html",
        {"form": form, "blocked": blocked_message(), "next": request.POST.get("next", "")},
        status=429,
    )


class ChineseAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码不正确。",
        "inactive": "该账号已停用，请联系管理员。",
    }


class LoginView(auth_views.LoginView):
    form_class = ChineseAuthenticationForm


class LogoutView(auth_views.LogoutView):
    """Logging out also revokes the user's API tokens: they were obtained with this login."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            api_tokens_revoke_all(user=request.user)
        return super().post(request, *args, **kwargs)
