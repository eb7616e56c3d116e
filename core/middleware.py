"""Input cleaning for every request, in one place: query strings, form posts (and the names of
uploaded files), JSON bodies of the API and the numbers in the URL path.

Control characters (NUL above all: PostgreSQL refuses it in text and the request would end in a
500), values no field could hold, numbers no database column can store, page numbers beyond any
page and JSON nested beyond reason are answered here with 400 and the Chinese reason, before any
view, form, filter or serializer sees them. Forms and serializers still check their own fields
(length, choices, dates) and show the error next to the field: this layer only stops what no
field should ever receive."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import JsonResponse

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; UTF-16 surrogates
# (JSON can spell "\ud800", which no database can store as UTF-8).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
INTEGER = re.compile(r"[+-]?\d+")
INT64_MAX = 2**63 - 1
PAGE_PARAMETERS = ("page", "p")
KEY_MAX_CHARS = 100
JSON_MAX_DEPTH = 20
JSON_TYPES = ("application/json", "application/vnd.api+json")


class InputRefused(Exception):  # noqa: N818 (a reason, not a failure of ours)
    """The request carries something no field may receive; the message says what (Chinese)."""


def _name(text: str) -> str:
    """A parameter's name as it can be shown back: control characters escaped, cut short."""
    shown = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return shown if len(shown) <= 30 else shown[:30] + "…"


def fits_int64(digits: str) -> bool:
    """Whether an integer written in digits fits a 64-bit column (without int() of thousands
    of digits, which Python refuses beyond 4,300)."""
    text = digits.strip()
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-").lstrip("0") or "0"
    if len(text) > 19:
        return False
    return -INT64_MAX - 1 <= sign * int(text) <= INT64_MAX


def check_value(value: str, *, where: str, name: str, max_chars: int) -> None:
    """One value typed or sent by the client."""
    found = CONTROL.search(value)
    if found:
        raise InputRefused(
            f"{where}“{_name(name)}”中含有不允许的控制字符（{ord(found.group()):#04x}，"
            "如 NUL 空字符），请删除后重试。"
        )
    if len(value) > max_chars:
        raise InputRefused(
            f"{where}“{_name(name)}”过长（{len(value)} 个字符），不能超过 {max_chars} 个字符。"
        )
    if len(value) > 18 and INTEGER.fullmatch(value.strip()) and not fits_int64(value):
        raise InputRefused(f"{where}“{_name(name)}”的数值超出范围，请填写正常的数字。")


def check_key(key: str, *, where: str) -> None:
    if CONTROL.search(key):
        raise InputRefused(f"{where}名称“{_name(key)}”中含有不允许的控制字符，请删除后重试。")
    if len(key) > KEY_MAX_CHARS:
        raise InputRefused(f"{where}名称过长（{len(key)} 个字符），不能超过 {KEY_MAX_CHARS} 个。")


def check_page(value: str) -> None:
    """Pages are counted from 1 and no list has more than FUHAN_INPUT_MAX_PAGE of them."""
    text = value.strip()
    if INTEGER.fullmatch(text) and (
        not fits_int64(text) or int(text) > settings.FUHAN_INPUT_MAX_PAGE
    ):
        raise InputRefused(
            f"页码超出范围（{text[:20]}），页码不能大于 {settings.FUHAN_INPUT_MAX_PAGE}。"
        )


def _json_items(value: Any, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """(name, scalar) pairs of a JSON document, keys included; refuses deep nesting."""
    if depth > JSON_MAX_DEPTH:
        raise InputRefused(f"JSON 内容嵌套过深（超过 {JSON_MAX_DEPTH} 层）。")
    if isinstance(value, dict):
        for key, item in value.items():
            check_key(key, where="接口字段")
            yield from ((name or key, v) for name, v in _json_items(item, depth + 1))
    elif isinstance(value, list):
        for item in value:
            yield from _json_items(item, depth + 1)
    else:
        yield "", value


def check_json(body: bytes) -> None:
    try:
        document = json.loads(body)
    except RecursionError as exc:
        raise InputRefused(f"JSON 内容嵌套过深（超过 {JSON_MAX_DEPTH} 层）。") from exc
    except ValueError as exc:
        raise InputRefused("请求内容不是有效的 JSON（须为 UTF-8 编码）。") from exc
    for name, value in _json_items(document):
        if isinstance(value, str):
            check_value(
                value, where="接口字段", name=name, max_chars=settings.FUHAN_INPUT_MAX_FIELD_CHARS
            )
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int) and not -INT64_MAX - 1 <= value <= INT64_MAX:
            raise InputRefused(f"接口字段“{_name(name)}”的数值超出范围。")
        elif isinstance(value, float) and not math.isfinite(value):
            raise InputRefused(f"接口字段“{_name(name)}”不是有效的数字。")


def check_request(request: HttpRequest) -> None:
    """Everything the client sent, before a view sees it; InputRefused with the reason."""
    for key, values in request.GET.lists():
        check_key(key, where="查询参数")
        for value in values:
            if key in PAGE_PARAMETERS:
                check_page(value)
            check_value(
                value, where="查询参数", name=key, max_chars=settings.FUHAN_INPUT_MAX_QUERY_CHARS
            )
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    content_type = request.content_type or ""
    if content_type in JSON_TYPES:
        if request.body:
            check_json(request.body)
        return
    if request.method != "POST":
        return
    for key, values in request.POST.lists():
        check_key(key, where="表单字段")
        for value in values:
            check_value(
                value, where="表单字段", name=key, max_chars=settings.FUHAN_INPUT_MAX_FIELD_CHARS
            )
    for key, uploads in request.FILES.lists():
        check_key(key, where="上传字段")
        for upload in uploads:
            check_value(upload.name or "", where="上传文件名", name=key, max_chars=255)


def check_path(view_kwargs: dict[str, Any]) -> None:
    """Numbers and names taken from the URL (<int:assignment_id>, <str:name>)."""
    for key, value in view_kwargs.items():
        if isinstance(value, int) and not 0 <= value <= INT64_MAX:
            raise InputRefused(f"网址中的编号超出范围（{key}），该对象不存在。")
        if isinstance(value, str):
            check_value(value, where="网址中的", name=key, max_chars=200)


def refusal(request: HttpRequest, reason: str) -> HttpResponse:
    """JSON for the API ({"detail": …}, as DRF answers), the Chinese 400 page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": reason}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    from core.views import bad_request

    return bad_request(request, BadRequest(reason))


class InputCleaningMiddleware:
    """Placed after authentication (the 400 page shows the menu of the user) and before the
    views; see the module docstring."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except InputRefused as exc:
            return refusal(request, str(exc))
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        try:
            check_path(view_kwargs)
        except InputRefused as exc:
            return refusal(request, str(exc))
        return None
