"""End to end in a real browser, starting from the office's import of the assignment list
(交办清单): the NPC office uploads a faulty .xlsx and sees every error with its row and column
(nothing is imported), then a good one and imports it, and finds the items on the board; the lead
bureau's clerk accepts one from the inbox, starts drafting, writes the reply in the editor and
submits; the supervisor returns it, the clerk revises and resubmits, the supervisor approves; the
clerk issues (the page shows the allocated number, the stored PDF downloads) and the office
records the deputy's satisfaction.

Set FUHAN_SCREENSHOTS=1 to refresh docs/import.png (the README shows it); otherwise the
screenshot goes to pytest's tmp_path."""

import io

from django.utils import timezone
from django_fsm_log.models import StateLog
from openpyxl import Workbook

from core.choices import AssignmentState
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import Proposal
from replies.models import IssuedLetter
from replies.models import Reply
from tests.flows.browsing import BROWSER_MARKS
from tests.flows.browsing import Session
from tests.flows.browsing import edit_with_preview
from tests.flows.browsing import open_editor
from tests.flows.browsing import press

S = AssignmentState
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION = "区十七届人大二次会议"  # world.npc_session
TITLE = "关于加快推进竹产业数字化改造的建议"

pytestmark = BROWSER_MARKS


# The earlier template's columns: 集体提案 and 内容 may be left out of a list.
HEADERS = ("会议", "编号", "标题", "领衔人", "提出人数", "附议人", "主办单位", "协办单位", "重点",
           "交办日期")  # fmt: skip


def xlsx(rows: list[list[object]]) -> bytes:
    """An assignment list as the office's Excel produces it: the header row, then the items."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(page, name: str, data: bytes) -> None:
    page.set_input_files(
        "input[name=file]", files=[{"name": name, "mimeType": XLSX, "buffer": data}]
    )
    page.click("text=上传并预览")
    page.wait_for_selector(f"h2:has-text('预览：{name}')")


def flash(page, text: str) -> None:
    """Wait for the success message the last action left on the page."""
    page.wait_for_selector(f"ul.messages li.success:has-text('{text}')")


def state_shown(page) -> str:
    return page.locator("dl.meta .state").inner_text()


def table_rows(page, selector: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in page.locator(f"{selector} tbody tr").all()
    ]


def test_import_then_draft_review_issue_feedback(
    browser, live_server, world, shots, settings, tmp_path
):
    settings.IMPORT_STAGING_DIR = tmp_path / "imports"
    today = timezone.localdate()
    office = Session(browser, live_server, world.npc)

    # --- (1) a faulty list: every error with its row and column, nothing imported --------------
    page = office.open("/")
    page.click("header nav >> text=导入")
    page.wait_for_selector("h1:has-text('导入交办清单')")
    bad = xlsx(
        [
            [
                SESSION,
                60,
                "关于完善乡村公交线路的建议",
                "王五",
                3,
                "",
                "区不存在局",
                "",
                "否",
                today,
            ],
            [SESSION, 61, "", "赵六", 1, "", "区经信局", "", "否", today],
            [SESSION, 62, "关于扶持农村电商的建议", "钱七", 1, "", "区商务局", "", "否", today],
        ]
    )
    upload(page, "交办清单（有错）.xlsx", bad)
    assert (
        page.locator("ul.messages li.error").inner_text()
        == "发现 2 处错误，请修改文件后重新上传；本次不会导入任何事项。"
    )
    assert table_rows(page, "table.errors") == [
        ["第2行", "主办单位", "未知的承办单位：区不存在局"],
        ["第3行", "标题", "标题不能为空"],
    ]
    assert page.locator("text=确认导入").count() == 0
    page.screenshot(path=str(shots / "import.png"), full_page=True)
    assert not Proposal.objects.exists()

    # --- (2) a good list: preview, import, and the board lists the items -----------------------
    good = xlsx(
        [
            [SESSION, 50, TITLE, "申卫康", 13, "张三、李四", "区经信局", "", "是", today],
            [
                SESSION,
                51,
                "关于优化营商环境服务小微企业的建议",
                "王五",
                1,
                "",
                "区商务局",
                "区经信局",
                "否",
                today.isoformat(),
            ],
            [
                SESSION,
                52,
                "关于扶持农村电商的建议",
                "钱七",
                1,
                "",
                "杭州市临安区商务局",
                "",
                "否",
                today,
            ],
        ]
    )
    upload(page, "交办清单.xlsx", good)
    assert page.locator("table.errors").count() == 0
    assert "新增 3 件，已存在跳过 0 件" in page.locator("main").inner_text()
    # 行 会议 编号 标题 领衔人 人数 附议人 集体 主办 协办 重点 交办日期 内容 结果 提示
    assert [r[2:3] + r[8:10] + r[13:14] for r in table_rows(page, "table:not(.errors)")] == [
        ["50", "区经信局", "—", "新增"],
        ["51", "区商务局", "区经信局", "新增"],
        ["52", "区商务局", "—", "新增"],
    ]
    assert not Proposal.objects.exists()  # the preview writes nothing
    page.click("text=确认导入 3 件")
    flash(page, "导入完成：新增 3 件，已存在跳过 0 件")
    assert sorted(Proposal.objects.values_list("number", flat=True)) == [50, 51, 52]
    # The same file again changes nothing: every row is recognised as already registered.
    upload(page, "交办清单.xlsx", good)
    assert "新增 0 件，已存在跳过 3 件" in page.locator("main").inner_text()
    assert page.locator("text=确认导入").count() == 0

    page.click("header nav >> text=看板")
    page.wait_for_selector("h1:has-text('办理看板')")
    # (the office's rows start with the checkbox of the batch 催办, then 会议, 编号, 标题, 领衔人)
    listed = {(r[2], r[3], r[5], r[6]) for r in table_rows(page, "table.board")}
    assert listed == {
        ("第50号 重点", TITLE, "区经信局（主办）", "已交办"),
        ("第51号", "关于优化营商环境服务小微企业的建议", "区商务局（主办）", "已交办"),
        ("第51号", "关于优化营商环境服务小微企业的建议", "区经信局（协办）", "已交办"),
        ("第52号", "关于扶持农村电商的建议", "区商务局（主办）", "已交办"),
    }
    a = Assignment.objects.get(proposal__number=50, bureau=world.bureau)
    item = f"/assignments/{a.pk}/"

    # --- (3) the lead unit's clerk: inbox, accept, start drafting, write, submit ----------------
    clerk = Session(browser, live_server, world.clerk)
    page = clerk.page  # logged in on the inbox
    page.click(f"table a:text-is('{TITLE}')")
    page.wait_for_selector(f"h1:has-text('{TITLE}')")
    assert state_shown(page) == "已交办"
    page.click("button[value=accept]")
    flash(page, "已签收")
    assert state_shown(page) == "已签收"
    page.click("button[value=start_drafting]")
    flash(page, "已开始办理")
    assert state_shown(page) == "办理中"
    open_editor(page)
    page.fill("input[name=leader_name]", "顾小晶")
    page.fill("input[name=clerk_name]", "楼伟荣")
    page.fill("input[name=phone]", "89541421")
    edit_with_preview(page, lambda: page.check("input[name=answer_class][value=A]"))
    edit_with_preview(
        page,
        lambda: page.fill(
            "#id_body",
            f"您在区十七届人大二次会议上提出的《{TITLE}》已收悉。现答复如下：\n"
            "一、推进竹产业数字化改造\n我局将竹制品企业纳入数字化改造试点。",
        ),
    )
    press(page, "button[value=back]")  # 保存并返回, from the keyboard (see press)
    flash(page, "草稿已保存")
    page.check("input[name=submit-confirm]")  # 提交审核 asks for confirmation
    page.click("button[value=submit]")
    flash(page, "已提交领导审核")
    assert state_shown(page) == "待领导审核"

    # --- (4) the supervisor returns it, the clerk revises, the supervisor approves --------------
    boss = Session(browser, live_server, world.supervisor)
    page = boss.open(item)
    page.click("text=审核（查看修改对比）")
    page.wait_for_selector("text=首次提交，没有可比较的上一版")
    page.fill("form:has(button[value=return_for_revision]) textarea", "请写明试点企业的数量。")
    page.click("button[value=return_for_revision]")
    flash(page, "已退回修改")
    assert state_shown(page) == "办理中"

    page = clerk.open(item)
    assert page.locator("td:text-is('请写明试点企业的数量。')").count() == 1
    open_editor(page)
    body = page.locator("#id_body")
    revised = body.input_value().replace("纳入数字化改造试点。", "纳入数字化改造试点，首批12家。")
    edit_with_preview(page, lambda: body.fill(revised))
    press(page, "button[value=back]")
    flash(page, "草稿已保存")
    page.check("input[name=submit-confirm]")  # 提交审核 asks for confirmation
    page.click("button[value=submit]")
    flash(page, "已提交领导审核")

    page = boss.open(item)
    page.click("text=审核（查看修改对比）")
    page.wait_for_selector("text=与第 1 版相比")
    assert page.locator("table.diff tr.change ins").all_inner_texts() == ["，首批12家"]
    page.fill("form:has(button[value=approve]) textarea", "同意印发")
    page.click("button[value=approve]")
    flash(page, "已签批")
    assert state_shown(page) == "已签批"

    # --- (5) the clerk issues: the number on the page, the stored PDF downloads ----------------
    page = clerk.open(item)
    page.check("input[name=issue-confirm]")  # 印发 asks for confirmation
    page.click("text=印发复函（分配文号）")
    flash(page, "复函已印发，文号已分配")
    number = f"临经信建复〔{today.year}〕1号"
    assert state_shown(page) == "已答复"
    issued = page.locator("p:has-text('已印发：')")
    assert issued.locator("strong").inner_text() == number
    href = issued.locator("a:text-is('下载 PDF')").get_attribute("href")
    pdf = clerk.context.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body()[:5] == b"%PDF-"
    # Another bureau's clerk does not get the letter.
    outsider = Session(browser, live_server, world.other_clerk)
    assert outsider.context.request.get(f"{live_server.url}{href}").status == 404
    # Nor may a bureau import an assignment list.
    assert outsider.page.goto(f"{live_server.url}/office/import/").status == 403

    # --- (6) the NPC office records the deputy's satisfaction ----------------------------------
    page = office.open(item)
    page.check("input[name=feedback-satisfaction][value=satisfied]")
    page.click("text=登记满意度")
    flash(page, "满意度已登记")
    assert page.locator("p:has-text('代表委员反馈：') strong").inner_text() == "满意"
    for s in (office, clerk, boss, outsider):
        s.close()

    # --- the database: states, the letter, the trail with the right actors ---------------------
    a.refresh_from_db()
    assert a.state == S.ISSUED
    others = Assignment.objects.exclude(pk=a.pk)
    assert sorted(others.values_list("state", flat=True)) == [S.ASSIGNED] * 3
    letter = IssuedLetter.objects.get(reply__assignment=a)
    assert letter.doc_number == number
    assert "首批12家" in letter.body
    reply = Reply.objects.get(assignment=a)
    assert (reply.satisfaction, reply.version, reply.versions.count()) == ("satisfied", 2, 2)
    trail = [
        (log.transition, log.by.username, log.description or "")
        for log in StateLog.objects.for_(a).select_related("by").order_by("timestamp", "pk")
    ]
    assert trail == [
        ("accept", "clerk", ""),
        ("start_drafting", "clerk", ""),
        ("submit", "clerk", ""),
        ("return_for_revision", "supervisor", "请写明试点企业的数量。"),
        ("submit", "clerk", ""),
        ("approve", "supervisor", "同意印发"),
        ("issue", "clerk", ""),
    ]
    imported = AuditEvent.objects.filter(verb=AuditEvent.Verb.IMPORTED)
    assert sorted((e.actor.username, e.data["row"]) for e in imported) == [
        ("npc", 2),
        ("npc", 3),
        ("npc", 4),
    ]
    assert (shots / "import.png").stat().st_size > 10_000
