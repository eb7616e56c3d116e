"""Importing the assignment list: a good file, a bad file (nothing imported, every error with row
and column), a re-import (nothing changes), and who may import."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_fsm_log.models import StateLog
from openpyxl import Workbook

from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from offices import importing
from proposals import calendar
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import Proposal
from tests.factories import ProposalFactory

HEADERS = [
    "会议",
    "编号",
    "标题",
    "领衔人",
    "提出人数",
    "附议人",
    "主办单位",
    "协办单位",
    "重点",
    "交办日期",
]


def xlsx(rows, headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


EXCEL_DATE = dt.datetime(2023, 3, 15)  # noqa: DTZ001 (an Excel date cell has no time zone)


def good_rows(session="区十七届人大二次会议"):
    return [
        [session, 50, "关于进一步加强五金工具产业发展的建议", "申卫康", 13, "张三、李四",
         "区经信局", "区商务局", "是", EXCEL_DATE],
        [session, "51", "《关于推动数字经济的建议》", "王五", None, "", "杭州市临安区商务局", "",
         "否", "2023-03-16"],
        [session, 52.0, "关于两个单位分办的建议", "赵六", "3", "", "区经信局、区商务局", "", "",
         "2023年3月17日"],
    ]  # fmt: skip


def snapshot():
    return (
        Proposal.objects.count(),
        Assignment.objects.count(),
        AuditEvent.objects.count(),
        StateLog.objects.count(),
        sorted(Proposal.objects.values_list("number", "title", "updated_at")),
    )


def test_good_file_imports_every_row(world):
    data = xlsx(good_rows())
    preview = importing.proposal_import_preview(data=data, filename="清单.xlsx", actor=world.npc)
    assert preview.errors == []
    assert [r.row for r in preview.new_rows] == [2, 3, 4]
    assert Proposal.objects.count() == 0  # preview writes nothing

    result = importing.proposal_import_commit(data=data, filename="清单.xlsx", actor=world.npc)
    assert len(result.created) == 3
    assert result.skipped == 0

    p50 = Proposal.objects.get(number=50)
    assert p50.session == world.npc_session
    assert p50.title == "关于进一步加强五金工具产业发展的建议"
    assert (p50.lead_proposer, p50.signer_count, p50.cosigners) == ("申卫康", 13, "张三、李四")
    assert p50.is_key is True
    assert p50.assigned_date == dt.date(2023, 3, 15)
    roles = {(a.bureau.short_name, a.role) for a in p50.assignments.all()}
    assert roles == {("区经信局", "lead"), ("区商务局", "co_unit")}
    # Default due date from the session policy (3 months), as proposal_register computes it.
    assert p50.assignments.get(role="lead").due_date == dt.date(2023, 6, 15)

    p51 = Proposal.objects.get(number=51)
    assert p51.title == "关于推动数字经济的建议"  # 《》 stripped
    assert p51.signer_count == 1
    assert p51.is_key is False
    assert [a.bureau.short_name for a in p51.assignments.all()] == ["区商务局"]

    p52 = Proposal.objects.get(number=52)
    assert p52.assigned_date == dt.date(2023, 3, 17)
    assert sorted(a.bureau.short_name for a in p52.assignments.filter(role="lead")) == [
        "区商务局",
        "区经信局",
    ]
    assert AuditEvent.objects.filter(verb="imported").count() == 3
    assert AuditEvent.objects.filter(verb="registered").count() == 3


def test_reimport_changes_nothing(world):
    data = xlsx(good_rows())
    importing.proposal_import_commit(data=data, filename="清单.xlsx", actor=world.npc)
    before = snapshot()

    preview = importing.proposal_import_preview(data=data, filename="清单.xlsx", actor=world.npc)
    assert preview.errors == []
    assert [r.status for r in preview.rows] == ["已存在，跳过"] * 3
    result = importing.proposal_import_commit(data=data, filename="清单.xlsx", actor=world.npc)
    assert result.created == []
    assert result.skipped == 3
    assert snapshot() == before


def test_reimport_with_conflicting_row_is_an_error(world):
    importing.proposal_import_commit(data=xlsx(good_rows()), filename="a.xlsx", actor=world.npc)
    rows = good_rows()
    rows[1][2] = "关于另一个题目的建议"  # number 51 with a different title
    rows[1][6] = "区经信局"  # and a different lead unit
    before = snapshot()
    preview = importing.proposal_import_preview(data=xlsx(rows), filename="a.xlsx", actor=world.npc)
    assert [(e.row, e.column) for e in preview.errors] == [(3, "编号")]
    assert "标题" in preview.errors[0].message
    assert "主办单位" in preview.errors[0].message
    with pytest.raises(ApplicationError):
        importing.proposal_import_commit(data=xlsx(rows), filename="a.xlsx", actor=world.npc)
    assert snapshot() == before


def test_bad_file_reports_every_error_and_imports_nothing(world):
    ProposalFactory(session=world.npc_session, number=7, title="已有的第7号建议")
    s = "区十七届人大二次会议"
    rows = [
        [s, 1, "关于好的一行的建议", "甲", 1, "", "区经信局", "", "否", "2023-03-15"],  # row 2 ok
        [s, 2, "关于未知单位的建议", "乙", 1, "", "区不存在局", "", "否", "2023-03-15"],  # 3
        [s, 1, "关于编号重复的建议", "丙", 1, "", "区经信局", "", "否", "2023-03-15"],  # 4
        [s, 3, "", "丁", 1, "", "区经信局", "", "否", "2023-03-15"],  # 5 missing title
        [s, 4, "关于坏日期的建议", "戊", 1, "", "区经信局", "", "否", "2023-13-45"],  # 6
        [s, 5, "<script>alert(1)</script>", "己", 1, "", "区经信局", "", "否", "2023-03-15"],  # 7
        ["区十八届人大一次会议", 6, "关于未知会议的建议", "庚", 1, "", "区经信局", "", "否",
         "2023-03-15"],  # 8 unknown session
        [s, 7, "关于与库中重复的建议", "辛", 1, "", "区经信局", "", "否", "2023-03-15"],  # 9
        [s, 8, "关于重点栏填错的建议", "壬", 1, "", "区经信局", "区经信局", "可能", "2023-03-15"],
        ["区政协十届二次会议", 9, "关于别的机构的提案", "癸", 1, "", "区经信局", "", "否",
         "2023-03-15"],  # 11: a CPPCC session, imported by the NPC office
        [s, "十", "关于编号不是数字的建议", "子", 0, "", "", "", "否", "2023-03-15"],  # 12
    ]  # fmt: skip
    before = snapshot()
    preview = importing.proposal_import_preview(
        data=xlsx(rows), filename="bad.xlsx", actor=world.npc
    )
    got = [(e.row, e.column) for e in preview.errors]
    assert got == [
        (3, "主办单位"),
        (4, "编号"),
        (5, "标题"),
        (6, "交办日期"),
        (7, "标题"),
        (8, "会议"),
        (9, "编号"),
        (10, "协办单位"),
        (10, "重点"),
        (11, "会议"),
        (12, "编号"),
        (12, "提出人数"),
        (12, "主办单位"),
    ]
    messages = {(e.row, e.column): e.message for e in preview.errors}
    assert "区不存在局" in messages[(3, "主办单位")]
    assert "与第2行编号重复" in messages[(4, "编号")]
    assert messages[(5, "标题")] == "标题不能为空"
    assert "日期格式不正确" in messages[(6, "交办日期")]
    assert "HTML" in messages[(7, "标题")]
    assert "未知的会议" in messages[(8, "会议")]
    assert "已登记" in messages[(9, "编号")]
    assert "不能既是主办单位又是协办单位" in messages[(10, "协办单位")]
    assert "不属于本机构" in messages[(11, "会议")]
    assert all(str(e).startswith(f"第{e.row}行“{e.column}”") for e in preview.errors)

    with pytest.raises(ApplicationError) as exc:
        importing.proposal_import_commit(data=xlsx(rows), filename="bad.xlsx", actor=world.npc)
    assert len(exc.value.extra["errors"]) == len(preview.errors)
    assert snapshot() == before  # not even the good row 2


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"number,title\n1,x\n", "清单.csv", ".xlsx"),
        (b"not a zip at all", "清单.xlsx", "不是有效的 .xlsx"),
        (b"PK\x03\x04broken zip", "清单.xlsx", "无法读取"),
    ],
)
def test_file_not_xlsx_is_refused(world, data, filename, message):
    preview = importing.proposal_import_preview(data=data, filename=filename, actor=world.npc)
    assert len(preview.errors) == 1
    assert preview.errors[0].column == "文件"
    assert message in preview.errors[0].message


def test_too_large_and_too_many_rows(world, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    data = xlsx(good_rows())
    assert len(data) > 1000
    preview = importing.proposal_import_preview(data=data, filename="a.xlsx", actor=world.npc)
    assert "文件过大" in preview.errors[0].message
    settings.UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    settings.IMPORT_MAX_ROWS = 2
    preview = importing.proposal_import_preview(data=data, filename="a.xlsx", actor=world.npc)
    assert [e.message for e in preview.errors] == ["行数过多（3 行），一次最多导入 2 行"]


def test_missing_header_is_reported_by_column(world):
    headers = [h for h in HEADERS if h != "主办单位"]
    preview = importing.proposal_import_preview(
        data=xlsx([], headers=headers), filename="a.xlsx", actor=world.npc
    )
    assert [(e.row, e.column) for e in preview.errors] == [(1, "主办单位")]


@pytest.mark.parametrize("who", ["clerk", "supervisor", "duchashi"])
def test_only_offices_may_import(world, who):
    with pytest.raises(AccessDenied):
        importing.proposal_import_preview(
            data=xlsx(good_rows()), filename="a.xlsx", actor=world.role(who)
        )
    with pytest.raises(AccessDenied):
        importing.proposal_import_commit(
            data=xlsx(good_rows()), filename="a.xlsx", actor=world.role(who)
        )
    assert Proposal.objects.count() == 0


def test_cppcc_office_cannot_import_npc_session(world):
    preview = importing.proposal_import_preview(
        data=xlsx(good_rows()), filename="a.xlsx", actor=world.cppcc
    )
    assert [(e.row, e.column) for e in preview.errors] == [(2, "会议"), (3, "会议"), (4, "会议")]


def test_import_pages_preview_then_commit(world, client, settings, tmp_path):
    settings.IMPORT_STAGING_DIR = tmp_path
    client.force_login(world.npc)
    upload = io.BytesIO(xlsx(good_rows()))
    upload.name = "清单.xlsx"
    response = client.post(reverse("office:import"), {"step": "preview", "file": upload})
    assert response.status_code == 200
    assert "新增 <strong>3</strong> 件" in response.content.decode()
    assert Proposal.objects.count() == 0
    sha = response.context["preview"].sha256
    response = client.post(
        reverse("office:import"), {"step": "commit", "sha256": sha, "filename": "清单.xlsx"}
    )
    assert response.status_code == 302
    assert Proposal.objects.count() == 3

    client.force_login(world.clerk)
    assert client.get(reverse("office:import")).status_code == 403
    assert client.get(reverse("office:import_template")).status_code == 403
    client.force_login(world.duchashi)
    assert client.get(reverse("office:import")).status_code == 403


def test_template_download_is_a_valid_import_file(world, client):
    client.force_login(world.npc)
    response = client.get(reverse("office:import_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    preview = importing.proposal_import_preview(
        data=response.content, filename="t.xlsx", actor=world.npc
    )
    # The example row names the demo's bureaus and session: here only 区经信局/区商务局 exist.
    assert {e.column for e in preview.errors} <= {"协办单位"}


def test_oversized_upload_is_refused_before_reading(world, client, settings, tmp_path):
    settings.IMPORT_STAGING_DIR = tmp_path
    settings.UPLOAD_MAX_BYTES = 100
    client.force_login(world.npc)
    upload = io.BytesIO(xlsx(good_rows()))
    upload.name = "清单.xlsx"
    response = client.post(reverse("office:import"), {"step": "preview", "file": upload})
    assert response.status_code == 400
    assert "文件过大" in response.content.decode()
    assert list(tmp_path.iterdir()) == []
    assert Proposal.objects.count() == 0


# --- 内容, 集体提案, and the reassignment window of earlier lists (issue 9) --------------------

NEW_HEADERS = [*HEADERS[:6], "集体提案", *HEADERS[6:], "内容"]
LONG_TEXT = "一、现状\n我区五金工具产业规模大而不强。\n二、建议\n" + "培育龙头企业。" * 400


def cppcc_rows():
    s = "区政协十届二次会议"
    return [
        [s, 46, "关于由行业协会牵头以企引企进行产业链精准招商的建议", "孙建文", 1, "", "否",
         "区经信局", "", "否", "2026-11-27", LONG_TEXT],
        [s, 47, "关于支持民营企业参与乡村振兴的提案", "民建临安区基层委员会", 1, "", "是",
         "区经信局", "区商务局", "是", "2026-11-27", "集体提案原文。"],
    ]  # fmt: skip


@time_machine.travel(dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC), tick=False)
def test_content_and_collective_columns_are_imported_and_compared(world, client):
    data = xlsx(cppcc_rows(), headers=NEW_HEADERS)
    preview = importing.proposal_import_preview(data=data, filename="政协.xlsx", actor=world.cppcc)
    assert preview.errors == []
    assert [r.warnings for r in preview.rows] == [[], []]
    result = importing.proposal_import_commit(data=data, filename="政协.xlsx", actor=world.cppcc)
    assert len(result.created) == 2
    p46 = Proposal.objects.get(number=46)
    assert p46.content == LONG_TEXT.strip()
    assert (p46.is_collective, p46.salutation) == (False, "孙建文委员")
    p47 = Proposal.objects.get(number=47)
    assert (p47.is_collective, p47.salutation, p47.content) == (
        True,
        "民建临安区基层委员会",
        "集体提案原文。",
    )
    # the clerk reads the imported text on the item page, and the office adds the original
    a = p47.assignments.get(role="lead")
    from proposals import services as ps
    from tests.proposals.attachment_files import pdf_bytes

    ps.attachment_add(
        proposal_id=p47.pk, actor=world.cppcc, uploads=[ps.Upload("集体提案.pdf", pdf_bytes())]
    )
    client.force_login(world.clerk)
    page = client.get(reverse("proposals:assignment", args=[a.pk])).content.decode()
    assert "集体提案原文。" in page
    assert "集体提案.pdf" in page
    assert "委员会委员" not in page

    # importing the same file again changes nothing; a changed text or flag is an error
    before = snapshot()
    again = importing.proposal_import_commit(data=data, filename="政协.xlsx", actor=world.cppcc)
    assert (again.created, again.skipped) == ([], 2)
    assert snapshot() == before
    rows = cppcc_rows()
    rows[0][11] = "改过的原文"
    rows[1][6] = "否"
    preview = importing.proposal_import_preview(
        data=xlsx(rows, headers=NEW_HEADERS), filename="政协.xlsx", actor=world.cppcc
    )
    messages = {e.row: e.message for e in preview.errors}
    assert "内容" in messages[2]
    assert "集体提案" in messages[3]
    # a file without the new columns (the earlier template) compares only what it has
    old = [r[:6] + r[7:11] for r in cppcc_rows()]
    preview = importing.proposal_import_preview(
        data=xlsx(old), filename="旧模板.xlsx", actor=world.cppcc
    )
    assert preview.errors == []
    assert [r.status for r in preview.rows] == ["已存在，跳过"] * 2


def test_bad_collective_flag_and_html_in_the_text_are_errors(world):
    rows = cppcc_rows()
    rows[0][6] = "也许"
    rows[1][11] = "<img src=x onerror=alert(1)>"
    preview = importing.proposal_import_preview(
        data=xlsx(rows, headers=NEW_HEADERS), filename="政协.xlsx", actor=world.cppcc
    )
    assert [(e.row, e.column) for e in preview.errors] == [(2, "集体提案"), (3, "内容")]
    assert "是”或“否" in preview.errors[0].message
    assert "HTML" in preview.errors[1].message


@time_machine.travel(dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC), tick=False)
def test_an_earlier_list_gets_its_window_from_today_and_the_preview_warns(
    world, client, settings, tmp_path
):
    """Imported on Friday 2026-11-27: row 2 was assigned in March 2023 (window long closed and
    reply overdue), row 3 on 11-20 (window, counted from 交办, closed on 11-27? no: 11-27 is
    its last day, so no warning), row 4 yesterday."""
    s = "区十七届人大二次会议"
    rows = [
        [s, 50, "关于五金工具产业的建议", "申卫康", 13, "", "区经信局", "", "是", "2023-03-15"],
        [s, 51, "关于上周交办的建议", "王五", 1, "", "区经信局", "", "否", "2026-11-20"],
        [s, 52, "关于昨天交办的建议", "赵六", 1, "", "区经信局", "", "否", "2026-11-26"],
        [s, 53, "关于两周前交办的建议", "钱七", 1, "", "区经信局", "", "否", "2026-11-13"],
    ]  # fmt: skip
    data = xlsx(rows)
    preview = importing.proposal_import_preview(data=data, filename="旧清单.xlsx", actor=world.npc)
    assert preview.ok  # warnings never block
    warnings = {r.number: r.warnings for r in preview.rows}
    window = calendar.add_workdays(dt.date(2026, 11, 27), 5)  # from today
    assert warnings[50] == [
        f"按交办日期计算，申请调整期限已于2023年03月22日截止；导入后自今天起算，至{window:%Y年%m月%d日}止",
        "答复期限2023年06月15日已过，导入后即为逾期",
    ]
    assert warnings[51] == []  # 11-20 + 5 working days = 11-27, today: still open
    assert warnings[52] == []
    assert len(warnings[53]) == 1
    assert "已于2026年11月20日截止" in warnings[53][0]

    settings.IMPORT_STAGING_DIR = tmp_path
    client.force_login(world.npc)
    response = client.post(
        reverse("office:import"),
        {"step": "preview", "file": SimpleUploadedFile("旧清单.xlsx", data)},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<th>提示</th>" in page
    assert "2 行按交办日期计算申请调整期限已过" in page
    assert "导入后即为逾期" in page

    importing.proposal_import_commit(data=data, filename="旧清单.xlsx", actor=world.npc)
    a50 = Assignment.objects.get(proposal__number=50)
    assert a50.due_date == dt.date(2023, 6, 15)  # the reply period still counts from 交办
    assert a50.reassignment_deadline == window  # the window from the day it arrived
    a52 = Assignment.objects.get(proposal__number=52)
    assert a52.reassignment_deadline == window  # later of 11-26 and today
    page = client.get(reverse("proposals:assignment", args=[a50.pk])).content.decode()
    assert "自收到之日起 5 个工作日" in page
