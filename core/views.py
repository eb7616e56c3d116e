"""Error pages in Chinese (wired in config/urls.py and CSRF_FAILURE_VIEW): the reason the view
gave and a way back to 待办; the 500 page a reference to quote, never a traceback."""

from __future__ import annotations

import logging
import re
import uuid

from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils import timezone

logger = logging.getLogger(__name__)

CJK = re.compile(r"[\u3400-\u9fff]")
# An incoming X-Request-ID (set by the proxy) is shown only if it looks like one.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

DEFAULT_REASONS = {
    400: "请求的内容有误，系统无法处理。",
    403: "您没有权限进行此操作。",
    404: "页面不存在，或您无权查看。",
}
CSRF_REASON = "页面已过期或无法确认请求来自本系统（CSRF 校验失败）。请返回上一页，刷新后重新提交。"


def error_reason(exception: BaseException | None, status: int) -> str:
    """The message the view raised when it is one of ours, that is Chinese ("只有本单位承办人可以
    编辑复函草稿", "事项不存在或您无权查看"). Django's own English messages (get_object_or_404's
    "No Assignment matches…", the URL resolver, a bad Host header) name internals: those give
    way to a general reason."""
    args = getattr(exception, "args", ())
    message = args[0] if args and isinstance(args[0], str) else ""
    return message if CJK.search(message) else DEFAULT_REASONS[status]


def _error_page(request: HttpRequest, status: int, reason: str) -> HttpResponse:
    return render(request, f"{status}.html", {"reason": reason}, status=status)


def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _error_page(request, 400, error_reason(exception, 400))


def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _error_page(request, 403, error_reason(exception, 403))


def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _error_page(request, 404, error_reason(exception, 404))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's reason ("CSRF cookie not set.") is for the log (django.security.csrf logs
    it), not for the user."""
    return _error_page(request, 403, CSRF_REASON)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request: no context processors, so no database, no session (either
    may be what failed). The reference (the proxy's request id, or a new one) goes to the log
    next to the traceback Django logs, so that a user's report can be matched with it."""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    reference = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex[:12]
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    logger.error("服务器内部错误，参考编号 %s：%s %s", reference, request.method, request.path)
    try:
        body = loader.get_template("500.html").render({"reference": reference, "time": when})
    except Exception:  # the page itself must not fail: plain text as a last resort
        logger.exception("500 页面渲染失败")
        body = f"服务器内部错误（500）。时间：{when}，参考编号：{reference}。"
        return HttpResponseServerError(body, content_type="text/plain; charset=utf-8")
    return HttpResponseServerError(body)
