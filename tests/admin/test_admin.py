"""The admin refuses every former bypass of the services, for a superuser too: no adding or
deleting rows the workflow owns, no change to state, numbers, issued text, audit rows, state
logs, reminders; the due date of a closed assignment stays. And it speaks Chinese."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.utils import translation
from django_fsm_log.models import StateLog

from notifications.models import Notification
from notifications.models import Reminder
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import ExtensionRequest
from proposals.models import Proposal
from replies.models import DocumentCounter
from replies.models import IssuedLetter
from replies.models import Opinion
from replies.models import Reply
from replies.models import ReplyVersion
from tests.admin.conftest import admin_url
from tests.admin.conftest import change_form_data
from tests.admin.conftest import snapshot

CJK = re.compile(r"[\u4e00-\u9fff]")

# model -> the attribute of the `rows` fixture holding one of its rows
WORKFLOW_OWNED = {
    IssuedLetter: "letter",
    AuditEvent: "audit",
    StateLog: "statelog",
    ReplyVersion: "version",
    DocumentCounter: "counter",
    Reminder: "reminder",
    Notification: "notification",
    ExtensionRequest: "extension",
    Proposal: "other_proposal",
    Assignment: "issued",
    Reply: "reply",
    Opinion: "opinion",
}
READ_ONLY = [
    IssuedLetter,
    AuditEvent,
    StateLog,
    ReplyVersion,
    DocumentCounter,
    Reminder,
    Notification,
    ExtensionRequest,
]


def ids(model) -> str:
    return model.__name__


@pytest.mark.parametrize("model", list(WORKFLOW_OWNED), ids=ids)
def test_superuser_may_not_add(admin_client, rows, model):
    url = admin_url(model, "add")
    before = model.objects.count()
    page = admin_client.get(url)
    assert page.status_code == 403
    assert f"“{model._meta.verbose_name}”由办理流程写入，不能在后台新增。" in page.content.decode()
    forged = {"body": "x", "doc_number": "临经信建复〔2026〕8号"}
    assert admin_client.post(url, forged).status_code == 403
    assert model.objects.count() == before


@pytest.mark.parametrize("model", list(WORKFLOW_OWNED), ids=ids)
def test_superuser_may_not_delete(admin_client, rows, model):
    obj = getattr(rows, WORKFLOW_OWNED[model])
    url = admin_url(model, "delete", obj.pk)
    page = admin_client.get(url)
    assert page.status_code == 403
    assert "是办理记录，不能在后台删除。" in page.content.decode()
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
    changelist = admin_client.get(admin_url(model, "changelist")).content.decode()
    assert 'value="delete_selected"' not in changelist


# A POST as a browser would send it if the fields were editable, with the values changed.
FORGED = {
    IssuedLetter: {
        "doc_number": "临经信建复〔2026〕99号",
        "doc_serial": "99",
        "body": "改过的正文",
        "issued_date": "2026-06-01",
        "pdf_sha256": "f" * 64,
    },
    AuditEvent: {"message": "改过的说明", "verb": "withdrawn"},
    StateLog: {"state": "drafting", "transition": "reopen", "description": "改过"},
    ReplyVersion: {"body": "改过的版本", "version": "9"},
    DocumentCounter: {"last_serial": "3", "year": "2025"},
    Reminder: {"sent_at_0": "2026-06-01", "sent_at_1": "09:00:00", "attempts": "0"},
    Notification: {"title": "改过的标题", "read_at_0": "2026-06-01", "read_at_1": "09:00:00"},
    ExtensionRequest: {"state": "approved", "requested_due_date": "2027-01-31"},
}


@pytest.mark.parametrize("model", READ_ONLY, ids=ids)
def test_read_only_rows_are_shown_but_a_post_changes_nothing(admin_client, rows, model):
    obj = getattr(rows, WORKFLOW_OWNED[model])
    url = admin_url(model, "change", obj.pk)
    before = snapshot(obj)
    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html  # view only: no save button
    response = admin_client.post(url, {**FORGED[model], "_save": "保存"})
    assert response.status_code == 403
    assert "后台只能查看，不能修改" in response.content.decode()
    assert snapshot(obj) == before


def post_change(client, obj, **changes):
    url = admin_url(obj, "change", obj.pk)
    data = change_form_data(client, url)
    data.update({k: [v] for k, v in changes.items()})
    return client.post(url, data)


def test_issued_assignment_keeps_state_workflow_dates_and_due_date(admin_client, rows):
    a = rows.issued
    before = snapshot(a)
    response = post_change(
        admin_client,
        a,
        state="drafting",
        assigned_date="2026-01-01",
        reassignment_deadline="2026-12-31",
        due_date="2027-01-31",
        leader_name="王局长",
    )
    assert response.status_code == 302  # saved: the editable field went through
    after = snapshot(a)
    assert after["leader_name"] == "王局长"
    for name in ("state", "assigned_date", "reassignment_deadline", "due_date", "proposal"):
        assert after[name] == before[name], name


@pytest.mark.parametrize("state", ["issued", "cc_sent", "reassigned"])
def test_due_date_of_a_closed_assignment_is_read_only(admin_client, rows, state):
    Assignment.objects.filter(pk=rows.issued.pk).update(state=state)
    html = admin_client.get(admin_url(rows.issued, "change", rows.issued.pk)).content.decode()
    assert 'name="due_date"' not in html
    assert 'name="state"' not in html


def test_open_assignment_due_date_may_be_corrected_but_not_its_state(admin_client, rows):
    a = rows.open
    response = post_change(
        admin_client, a, state="issued", due_date="2027-01-29", assigned_date="2026-01-01"
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.due_date == dt.date(2027, 1, 29)
    assert a.state == "drafting"
    assert a.assigned_date != dt.date(2026, 1, 1)


def test_proposal_status_and_merge_go_through_the_services(admin_client, rows):
    p = rows.issued.proposal
    response = post_change(
        admin_client,
        p,
        status="merged",
        merged_into=str(rows.other_proposal.pk),
        status_reason="并入他件",
        title="关于改过标题的建议",
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.title == "关于改过标题的建议"
    assert (p.status, p.merged_into_id, p.status_reason) == ("active", None, "")


def test_reply_satisfaction_and_version_are_read_only(admin_client, rows):
    reply = rows.reply
    before = snapshot(reply)
    response = post_change(
        admin_client,
        reply,
        satisfaction="unsatisfied",
        satisfaction_date="2026-06-01",
        satisfaction_comment="不满意",
        version="0",
        phone="12345678",
    )
    assert response.status_code == 302
    after = snapshot(reply)
    assert after["phone"] == "12345678"
    for name in ("satisfaction", "satisfaction_date", "satisfaction_comment", "version"):
        assert after[name] == before[name], name
    assert snapshot(rows.version)["body"] == rows.version.body  # the inline is read-only too


def test_sent_opinion_text_is_read_only(admin_client, rows):
    before = snapshot(rows.opinion)
    response = post_change(admin_client, rows.opinion, body="改过的意见", sent_at_0="")
    assert response.status_code == 302
    assert snapshot(rows.opinion) == before


# --- Chinese ------------------------------------------------------------------------------


def test_site_header_and_app_names_are_chinese(admin_client, rows):
    html = admin_client.get("/admin/").content.decode()
    assert "<title>数据管理 | 复函系统管理后台</title>" in html
    assert "复函系统管理后台" in html
    for name in ("建议提案办理", "复函", "提醒与通知", "状态流转记录", "认证和授权"):
        assert name in html, name


def test_every_changelist_renders_with_chinese_column_labels(admin_client, rows):
    with translation.override("zh-hans"):
        for model, model_admin in admin.site._registry.items():
            response = admin_client.get(admin_url(model, "changelist"))
            assert response.status_code == 200, model
            html = response.content.decode()
            assert CJK.search(str(model._meta.verbose_name_plural)), model
            shown = model_admin.get_queryset(response.wsgi_request).exists()  # a table at all
            for name in model_admin.get_list_display(response.wsgi_request):
                if name == "__str__":
                    continue
                label = str(label_for_field(name, model, model_admin))
                assert CJK.search(label), f"{model.__name__}.{name}: {label}"
                assert label in html or not shown, f"{model.__name__}.{name}: {label}"


def labels_on(html: str) -> list[str]:
    """Field labels of a change page: <label>s and the column heads of tabular inlines."""
    found = re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    found += re.findall(r'<th class="column-[^"]*"[^>]*>(.*?)</th>', html, re.S)
    return [re.sub(r"<[^>]+>", "", text).strip().rstrip(":：") for text in found]


def test_every_change_page_labels_its_fields_in_chinese(admin_client, rows):
    pages = [getattr(rows, attr) for attr in WORKFLOW_OWNED.values()]
    pages += [rows.issued.bureau, rows.issued.proposal.session, rows.open]
    for obj in pages:
        html = admin_client.get(admin_url(obj, "change", obj.pk)).content.decode()
        labels = [text for text in labels_on(html) if text]
        assert labels, type(obj).__name__
        english = [text for text in labels if not CJK.search(text)]
        assert not english, f"{type(obj).__name__}: {english}"


def test_state_log_columns_are_chinese_with_chinese_states(admin_client, rows):
    html = admin_client.get(admin_url(StateLog, "changelist")).content.decode()
    for column in ("时间", "事项", "操作", "原状态", "新状态", "操作人", "说明"):
        assert column in html
    assert "已签批" in html  # source state, from the workflow's choices
    assert "已答复" in html
    assert "印发复函" in html  # the transition, not "issue"
    assert re.search(r"<title>[^<]*状态流转记录[^<]*</title>", html)
    log = rows.statelog
    html = admin_client.get(admin_url(log, "change", log.pk)).content.decode()
    assert re.search(r"<title>\d{4}-\d\d-\d\d \d\d:\d\d 区十七届人大二次会议第\d+号建议", html)
    assert " - issue" not in html
