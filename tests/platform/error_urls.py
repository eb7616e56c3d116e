"""The site's URLs and error handlers (config/urls.py) plus views that fail in each way, for
tests/platform/test_error_pages.py."""

from django.core.exceptions import BadRequest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path

from config import urls as site
from proposals.models import Assignment

handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500

SECRET_DETAIL = "连接字符串 postgres://fuhan:s3cret@db/fuhan 出错"


def bad_request(request):
    raise BadRequest("导入文件不是有效的 .xlsx 文件")


def suspicious(request):
    raise SuspiciousOperation("Attempted access to '/etc/passwd' denied.")


def forbidden(request):
    raise PermissionDenied("只有本单位承办人可以编辑复函草稿")


def forbidden_silently(request):
    raise PermissionDenied


def not_found(request):
    raise Http404("事项不存在或您无权查看")


def not_found_by_django(request):
    return get_object_or_404(Assignment, pk=0)


def crash(request):
    raise RuntimeError(SECRET_DETAIL)


urlpatterns = [
    path("errors/400/", bad_request),
    path("errors/400/suspicious/", suspicious),
    path("errors/403/", forbidden),
    path("errors/403/silent/", forbidden_silently),
    path("errors/404/", not_found),
    path("errors/404/django/", not_found_by_django),
    path("errors/500/", crash),
    *site.urlpatterns,
]
