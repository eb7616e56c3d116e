"""API tokens (django-rest-knox): stored as digests, each with an expiry (REST_KNOX TOKEN_TTL,
FUHAN_API_TOKEN_TTL_HOURS), several per user (one per script or device), revoked one by one on
the account page, all at once at logout and when the password changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's check (digest, expiry: an expired token is deleted) with Chinese refusals."""

    def authenticate(self, request: Any) -> Any:
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed as exc:
            raise exceptions.AuthenticationFailed(
                "API 令牌无效、已过期或已注销，请重新获取（POST /api/auth/token/）。"
            ) from exc


def api_token_create(*, user: Any) -> tuple[AuthToken, str]:
    """A new token for `user`; the clear text is returned once and never stored."""
    token, text = AuthToken.objects.create(user=user)
    return token, text


def api_token_list(*, user: Any, now: dt.datetime | None = None) -> QuerySet[AuthToken]:
    """The user's tokens that still work, newest first."""
    now = now or timezone.now()
    return AuthToken.objects.filter(user=user, expiry__gt=now).order_by("-created")


def api_token_revoke(*, user: Any, token_key: str) -> int:
    """Revoke one of the user's own tokens, named by its first characters (token_key)."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    return deleted


def api_tokens_revoke_all(*, user: Any) -> int:
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def api_tokens_purge_expired(*, now: dt.datetime | None = None) -> int:
    deleted, _ = AuthToken.objects.filter(expiry__lte=now or timezone.now()).delete()
    return deleted
