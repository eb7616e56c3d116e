"""Chinese 400/403/404/500 pages (core/views.py, templates/*.html) with DEBUG off: the reason the
view gave, a link back to 待办; the 500 page a time and a reference, never a traceback."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.test import RequestFactory
from django.urls import reverse

from core import views as error_views
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.platform.error_urls import SECRET_DETAIL

ERROR_URLS = "tests.platform.error_urls"
BACK_TO_INBOX = '<a class="button" href="/">返回待办</a>'


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def page(response) -> str:
    return response.content.decode()


def reason(html: str) -> str:
    match = re.search(r'<p class="error-reason">(.*?)</p>', html, re.S)
    assert match, html
    return match.group(1).strip()


# --- raised by the real views ----------------------------------------------------------------


def test_403_from_a_real_view_shows_its_reason(world, client):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state="drafting"
    )
    client.force_login(world.supervisor)  # same bureau, but not the clerk
    response = client.get(reverse("replies:draft", args=[a.pk]))
    assert response.status_code == 403
    html = page(response)
    assert "<h1>无权访问</h1>" in html
    assert reason(html) == "只有本单位承办人可以编辑复函草稿"
    assert BACK_TO_INBOX in html
    assert "site.css" in html  # the site's layout (base.html), logged-in header included
    assert "退出" in html


def test_404_from_a_real_view_shows_its_reason(world, client):
    a = AssignmentFactory(proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau)
    client.force_login(world.other_clerk)
    response = client.get(reverse("proposals:assignment", args=[a.pk]))
    assert response.status_code == 404
    html = page(response)
    assert "<h1>页面不存在</h1>" in html
    assert reason(html) == "事项不存在或您无权查看"
    assert BACK_TO_INBOX in html


def test_unknown_address_is_a_chinese_404(db, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert reason(page(response)) == "页面不存在，或您无权查看。"


def test_bad_host_header_is_a_chinese_400(db, client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    html = page(response)
    assert "<h1>请求有误</h1>" in html
    assert reason(html) == "请求的内容有误，系统无法处理。"
    assert "evil.example" not in html


def test_refused_csrf_check_is_a_chinese_403(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.clerk)
    response = client.post(reverse("notifications:list"), {})
    assert response.status_code == 403
    html = page(response)
    assert "CSRF 校验失败" in reason(html)
    assert "Forbidden" not in html


# --- each kind of error, from views made to fail ---------------------------------------------


@pytest.mark.urls(ERROR_URLS)
@pytest.mark.parametrize(
    ("url", "status", "heading", "expected"),
    [
        ("/errors/400/", 400, "请求有误", "导入文件不是有效的 .xlsx 文件"),
        ("/errors/400/suspicious/", 400, "请求有误", "请求的内容有误，系统无法处理。"),
        ("/errors/403/", 403, "无权访问", "只有本单位承办人可以编辑复函草稿"),
        ("/errors/403/silent/", 403, "无权访问", "您没有权限进行此操作。"),
        ("/errors/404/", 404, "页面不存在", "事项不存在或您无权查看"),
        ("/errors/404/django/", 404, "页面不存在", "页面不存在，或您无权查看。"),
    ],
)
def test_each_status_shows_the_chinese_page_with_the_reason(
    world, client, url, status, heading, expected
):
    """A Chinese message from the view is shown as is; Django's English ones ("No Assignment
    matches the given query", a suspicious path) give way to a general Chinese reason."""
    client.force_login(world.clerk)
    response = client.get(url)
    assert response.status_code == status
    html = page(response)
    assert f"<h1>{heading}</h1>" in html
    assert f'<p class="error-status">{status}</p>' in html
    assert reason(html) == expected
    assert BACK_TO_INBOX in html
    assert "Assignment" not in html
    assert "/etc/passwd" not in html


@pytest.mark.urls(ERROR_URLS)
def test_500_shows_time_and_reference_and_no_traceback(caplog):
    """No database: the test has no `db` fixture, so any query would fail the test."""
    client = Client(raise_request_exception=False)
    response = client.get("/errors/500/", HTTP_X_REQUEST_ID="req-7f3a9c")
    assert response.status_code == 500
    html = page(response)
    assert "<h1>系统出错</h1>" in html
    assert "<code>req-7f3a9c</code>" in html
    assert re.search(r"<dd>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}</dd>", html)
    assert "Traceback" not in html
    assert SECRET_DETAIL not in html
    assert "RuntimeError" not in html
    assert BACK_TO_INBOX in html
    assert any("req-7f3a9c" in r.getMessage() for r in caplog.records)


@pytest.mark.urls(ERROR_URLS)
def test_500_without_a_request_id_makes_a_reference_and_ignores_a_forged_one(caplog):
    client = Client(raise_request_exception=False)
    response = client.get("/errors/500/", HTTP_X_REQUEST_ID="<script>x</script>")
    html = page(response)
    assert response.status_code == 500
    assert "<script>" not in html
    match = re.search(r"<code>([0-9a-f]{12})</code>", html)
    assert match
    assert any(match.group(1) in r.getMessage() for r in caplog.records)


def test_500_page_renders_without_request_context_or_database():
    request = RequestFactory().get("/anything/")  # no session, no user, no database
    response = error_views.server_error(request)
    assert response.status_code == 500
    assert "系统出错" in response.content.decode()


def test_error_templates_carry_no_inline_styles():
    folder = Path(django_settings.BASE_DIR) / "templates"
    for name in ("_error.html", "400.html", "403.html", "404.html", "500.html"):
        text = (folder / name).read_text()
        assert "<style" not in text, name
        assert "style=" not in text, name
    css = (Path(django_settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
    assert ".error-page" in css
