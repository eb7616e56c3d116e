"""账号安全 (/account/): change one's password, list one's API tokens, create one, revoke one
or all. Every POST goes through a form; a token's clear text is shown once, when created."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.tokens import api_token_create
from core.tokens import api_token_list
from core.tokens import api_token_revoke
from core.tokens import api_tokens_revoke_all


class ChinesePasswordChangeForm(PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "再次输入新密码"
        self.fields["new_password2"].help_text = ""


class TokenRevokeForm(forms.Form):
    token_key = forms.RegexField(
        label="令牌", regex=r"^[A-Za-z0-9_-]{1,25}$", widget=forms.HiddenInput
    )


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    password_form = ChinesePasswordChangeForm(request.user, prefix="pw")
    created_token = ""
    status = 200
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "password":
        password_form = ChinesePasswordChangeForm(request.user, request.POST, prefix="pw")
        if password_form.is_valid():
            user = password_form.save()  # revokes the API tokens (core/passwords.py)
            update_session_auth_hash(request, user)
            messages.success(request, "密码已修改；此前获取的 API 令牌已全部注销。")
            return redirect("account")
        status = 400
    elif request.method == "POST" and action == "revoke":
        form = TokenRevokeForm(request.POST)
        if form.is_valid() and api_token_revoke(
            user=request.user, token_key=form.cleaned_data["token_key"]
        ):
            messages.success(request, "令牌已注销，使用它的程序将无法再访问接口。")
            return redirect("account")
        messages.error(request, "没有找到这个令牌（可能已过期或已注销）。")
        status = 400
    elif request.method == "POST" and action == "revoke_all":
        count = api_tokens_revoke_all(user=request.user)
        messages.success(request, f"已注销全部 {count} 个令牌。")
        return redirect("account")
    elif request.method == "POST" and action == "create":
        _, created_token = api_token_create(user=request.user)
    elif request.method == "POST":
        messages.error(request, "未知操作。")
        status = 400
    context = {
        "password_form": password_form,
        "tokens": list(api_token_list(user=request.user)),
        "created_token": created_token,
    }
    return render(request, "account.html", context, status=status)
