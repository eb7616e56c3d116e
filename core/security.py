"""Login throttling: after LOGIN_FAILURE_LIMIT failed logins for one username from one IP address
within LOGIN_FAILURE_WINDOW_SECONDS, further attempts are refused (even with the right password)
until the window has passed. Counters live in the cache."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str:
    """REMOTE_ADDR only: a client-supplied X-Forwarded-For must not reset its own counter."""
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "")


def _key(*, username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}|{ip}".encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def login_is_blocked(*, username: str, ip: str) -> bool:
    return cache.get(_key(username=username, ip=ip), 0) >= settings.LOGIN_FAILURE_LIMIT


def login_record_failure(*, username: str, ip: str) -> int:
    key = _key(username=username, ip=ip)
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def login_reset_failures(*, username: str, ip: str) -> None:
    cache.delete(_key(username=username, ip=ip))


def blocked_message() -> str:
    minutes = max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)
    return (
        f"登录失败次数过多（{settings.LOGIN_FAILURE_LIMIT} 次），"
        f"为保护账号安全，请 {minutes} 分钟后再试，或联系管理员。"
    )


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码不正确。",
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        if username and login_is_blocked(username=username, ip=ip):
            raise forms.ValidationError(blocked_message(), code="blocked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                login_record_failure(username=username, ip=ip)
            raise
        login_reset_failures(username=username, ip=ip)
        return cleaned


class ThrottledLoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
