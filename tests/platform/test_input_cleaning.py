"""The inputs the probe found giving 500s, and their kin, answered 400 with a Chinese reason by
the one input-cleaning layer (core/middleware.py), with nothing written."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.middleware import fits_int64
from proposals.models import ContactEvent
from replies.models import Reply
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

HUGE = "99999999999999999999"


@pytest.fixture
def drafting(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        state="drafting",
        clerk=world.clerk,
    )
    ReplyFactory(assignment=a, body="原来的正文")
    return a


def reason(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(
    ("who", "url", "params", "says"),
    [
        ("npc", "office:board", {"q": "\x00"}, "控制字符"),
        ("npc", "office:audit", {"actor": "\x00"}, "控制字符"),
        ("clerk", "replies:policies", {"q": "\x00"}, "控制字符"),
        ("npc", "office:audit", {"page": HUGE}, "页码超出范围"),
        ("npc", "office:audit", {"page": "100001"}, "页码超出范围"),
        ("npc", "office:board", {"page": "9" * 5000}, "页码超出范围"),
        ("npc", "office:board", {"session": HUGE}, "数值超出范围"),
        ("npc", "office:board", {"q": "x" * 1001}, "过长"),
        ("npc", "office:board", {"\x00": "1"}, "控制字符"),
        ("npc", "office:statistics", {"session": "-" + HUGE}, "数值超出范围"),
        ("npc", "proposals:list", {"state": "\x1b[31m"}, "控制字符"),
    ],
)
def test_bad_query_strings_are_400_with_the_reason(world, client, who, url, params, says):
    client.force_login(world.role(who))
    response = client.get(reverse(url), params)
    assert response.status_code == 400
    assert says in reason(response)


def test_ordinary_query_strings_still_work(world, client):
    client.force_login(world.npc)
    assert client.get(reverse("office:audit"), {"page": "3", "actor": "楼伟荣"}).status_code == 200
    assert client.get(reverse("office:board"), {"q": "五金\t工具", "page": "-1"}).status_code == 200


def test_nul_in_a_draft_body_is_400_and_nothing_is_saved(world, client, drafting):
    client.force_login(world.clerk)
    response = client.post(
        reverse("replies:draft", args=[drafting.pk]),
        {"body": "一、关于\x00测试", "answer_class": "A"},
    )
    assert response.status_code == 400
    assert "“body”中含有不允许的控制字符" in reason(response)
    assert Reply.objects.get(assignment=drafting).body == "原来的正文"


def test_nul_in_a_contact_note_is_400_and_nothing_is_recorded(world, client, drafting):
    client.force_login(world.clerk)
    response = client.post(
        reverse("office:contact", args=[drafting.pk]),
        {"contact-contacted_on": "2026-01-05", "contact-method": "phone", "contact-note": "\x00"},
    )
    assert response.status_code == 400
    assert "控制字符" in reason(response)
    assert ContactEvent.objects.count() == 0


def test_a_number_in_the_path_beyond_any_id_is_400(world, client):
    client.force_login(world.clerk)
    response = client.get(f"/assignments/{HUGE}/")
    assert response.status_code == 400
    assert "编号超出范围" in reason(response)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"comment": "\\u0000"}', "控制字符"),
        ('{"comment": "\\ud800"}', "控制字符"),
        ('{"bureau": 99999999999999999999999}', "数值超出范围"),
        ('{"comment": NaN}', "不是有效的数字"),
        ("[" * 5000 + "]" * 5000, "嵌套过深"),
        ('{"comment": ', "不是有效的 JSON"),
        ('{"\\u0000": 1}', "控制字符"),
    ],
)
def test_bad_json_is_400_with_a_chinese_detail(world, drafting, body, says):
    api = APIClient()
    api.force_authenticate(world.clerk)
    url = reverse("api:transition", args=[drafting.pk, "submit"])
    response = api.post(url, data=body, content_type="application/json")
    assert response.status_code == 400
    assert says in response.json()["detail"]
    drafting.refresh_from_db()
    assert drafting.state == "drafting"


def test_the_api_answers_json_and_pages_answer_the_chinese_page(world, client):
    client.force_login(world.npc)
    api = client.get(reverse("api:assignment_list"), {"q": "\x00"})
    assert api.status_code == 400
    assert api["Content-Type"] == "application/json"
    assert "控制字符" in json.loads(api.content)["detail"]
    page = client.get(reverse("office:board"), {"q": "\x00"})
    assert page["Content-Type"].startswith("text/html")
    assert "<h1>请求有误</h1>" in reason(page)


@pytest.mark.parametrize(
    ("digits", "fits"),
    [
        ("9223372036854775807", True),
        ("9223372036854775808", False),
        ("-9223372036854775808", True),
        ("-9223372036854775809", False),
        ("0000000000000000000000001", True),
        ("9" * 5000, False),
    ],
)
def test_fits_int64(digits, fits):
    assert fits_int64(digits) is fits
