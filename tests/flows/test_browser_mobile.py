"""The pages people open on a phone, at 390 px wide (and at 1400): inbox, item page with its
催办/督办, the draft editor, the supervisor's review, the board's batch 催办 and the office's
satisfaction form. None may scroll sideways: wide tables scroll inside their own box, list
tables become one card per row, the header menu wraps.

In the same browser: a 督办单 answered by the clerk from the phone, a batch 催办 refused as a
whole and then sent, a batch 签收 from the inbox.

Set FUHAN_SCREENSHOTS=1 to refresh the pictures the README shows (docs/mobile-*.png and
docs/supervision.png); otherwise they go to pytest's tmp_path."""

import datetime as dt

from django.utils import timezone

from core.choices import AssignmentState
from core.choices import SupervisionState
from proposals import calendar
from proposals import services as ps
from proposals.models import Assignment
from proposals.models import Supervision
from replies import services as rs
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.flows.browsing import BROWSER_MARKS
from tests.flows.browsing import Session

S = AssignmentState
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}
BODY = (
    "您在区十七届人大二次会议上提出的《关于加快推进五金工具产业数字化改造的建议》收悉。"
    "现答复如下：\n一、关于数字化改造\n**一是**推进“机器换人”，**二是**建设工厂物联网。\n"
    "二、关于下一步打算\n我局将会同相关部门，进一步完善政策。"
)

pytestmark = BROWSER_MARKS


def no_sideways_scroll(page, what):
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{what}：页面宽 {width} px，超出 390 px"


def shoot(page, shots, name, *, full_page=True, at=None):
    if at:  # a phone-sized picture of that part of the page
        page.locator(at).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(shots / name), full_page=full_page)


def flash(page, text):
    page.wait_for_selector(f"ul.messages li.success:has-text('{text}')")


def make(world, number, title, state, due, **kw):
    a = AssignmentFactory(
        proposal=ProposalFactory(
            session=world.npc_session, number=number, title=title, lead_proposer="方建国"
        ),
        bureau=kw.pop("bureau", world.bureau),
        state=state,
        clerk=world.clerk,
        leader_name="顾小晶",
        phone="89541421",
        due_date=due,
        **kw,
    )
    ReplyFactory(assignment=a, body=BODY)
    return a


def test_phone_pages_fit_390px_and_the_office_presses_the_bureau(
    browser, live_server, world, shots
):
    today = timezone.localdate()
    late = make(
        world,
        3,
        "关于加快推进五金工具产业数字化改造的建议",
        S.IN_REVIEW,
        today - dt.timedelta(days=6),
    )
    # the supervisor returned the draft with a comment; the item is overdue
    ps.assignment_transition(
        name="return_for_revision",
        assignment_id=late.pk,
        actor=world.supervisor,
        comment="请补充今年数字化改造试点企业的名单和补助金额。",
    )
    soon = make(
        world,
        8,
        "关于支持中小企业走“专精特新”发展道路的建议",
        S.DRAFTING,
        calendar.add_workdays(today, 3),
    )
    review = make(
        world, 12, "关于全面推行绿色制造体系建设的建议", S.DRAFTING, today + dt.timedelta(days=50)
    )
    rs.draft_submit(assignment_id=review.pk, actor=world.clerk)
    ps.assignment_transition(
        name="return_for_revision",
        assignment_id=review.pk,
        actor=world.supervisor,
        comment="补充数据",
    )
    rs.reply_save_draft(
        assignment_id=review.pk,
        actor=world.clerk,
        body=BODY.replace("进一步完善政策。", "进一步完善政策，今年新增试点企业12家。"),
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
    )
    rs.draft_submit(assignment_id=review.pk, actor=world.clerk)
    new1 = make(
        world,
        15,
        "关于加强电线电缆产业质量品牌建设的建议",
        S.ASSIGNED,
        today + dt.timedelta(days=88),
    )
    new2 = make(
        world, 16, "关于培育制造业数字化服务商的建议", S.ASSIGNED, today + dt.timedelta(days=89)
    )
    issued = make(
        world, 21, "关于加大企业研发投入补助力度的建议", S.APPROVED, today + dt.timedelta(days=20)
    )
    rs.reply_issue(assignment_id=issued.pk, actor=world.clerk)
    elsewhere = make(
        world,
        27,
        "关于提升产业链招商精准度的建议",
        S.ACCEPTED,
        today + dt.timedelta(days=30),
        bureau=world.other_bureau,
    )
    done = make(
        world, 33, "关于建设公共检测服务平台的建议", S.CC_SENT, today - dt.timedelta(days=30)
    )

    # --- the supervision office: 催办 and a 督办单 from the phone --------------------------------
    office = Session(browser, live_server, world.duchashi)
    office.page.set_viewport_size(PHONE)
    page = office.open(f"/assignments/{late.pk}/")
    no_sideways_scroll(page, "事项页（督查室）")
    page.fill("textarea[name=urge-comment]", "该建议已超过办理期限，请尽快答复。")
    page.click("button:has-text('发送催办')")
    flash(page, "已催办")
    page.fill("textarea[name=order-comment]", "请书面说明逾期原因、目前进展和预计答复时间。")
    page.fill("input[name=order-reply_by]", calendar.add_workdays(today, 5).isoformat())
    page.click("form:has(textarea[name=order-comment]) button")
    flash(page, "督办单已下发")
    no_sideways_scroll(page, "事项页（督查室，已督办）")
    shoot(page, shots, "mobile-supervision.png", full_page=False, at="#supervision")
    order = Supervision.objects.get(kind="order")
    assert Assignment.objects.get(pk=late.pk).state == S.DRAFTING  # not a transition

    # --- batch 催办 from the board: refused as a whole (a closed item), then sent ----------------
    page = office.open("/office/board/")
    no_sideways_scroll(page, "看板")
    page.click("summary:has-text('批量催办所选事项')")
    page.check(f"#urge-{soon.pk}")
    page.check(f"#urge-{done.pk}")
    page.fill("textarea[name=batch-comment]", "请于本周内报送办理进展。")
    page.click("button:has-text('催办所选事项')")
    page.wait_for_selector("text=本次未催办任何事项")
    no_sideways_scroll(page, "批量催办（被拒）")
    assert "无需催办" in page.locator(".refusals").inner_text()
    assert Supervision.objects.filter(kind="urge").count() == 1
    page.uncheck(f"#sel-{done.pk}")
    page.click("button:has-text('催办所选事项')")
    flash(page, "已催办 1 件事项")
    assert Supervision.objects.filter(kind="urge", assignment=soon).exists()

    # --- the clerk on the phone: inbox (marks, batch 签收), item page, editor ------------------
    clerk = Session(browser, live_server, world.clerk)
    clerk.page.set_viewport_size(PHONE)
    page = clerk.open("/")
    no_sideways_scroll(page, "待办")
    assert page.locator("tr.due-overdue:has-text('第3号')").count() == 1
    assert page.locator("tr.due-soon:has-text('第8号')").count() == 1
    assert "答复督办单" in page.locator("tr:has-text('第3号')").inner_text()
    shoot(page, shots, "mobile-inbox.png", full_page=False)
    clerk.page.set_viewport_size(DESKTOP)
    page = clerk.open("/")
    shoot(page, shots, "inbox.png")
    assert elsewhere.proposal.title not in page.inner_text("main")  # another bureau's item
    assert page.evaluate("document.scrollingElement.scrollWidth") <= DESKTOP["width"]
    clerk.page.set_viewport_size(PHONE)
    page = clerk.open("/")
    page.check(f"#pick-{new1.pk}")
    page.check(f"#pick-{new2.pk}")
    page.click("button:has-text('批量签收所选事项')")
    flash(page, "已签收 2 件事项")
    assert {a.state for a in Assignment.objects.filter(pk__in=[new1.pk, new2.pk])} == {S.ACCEPTED}

    page = clerk.open(f"/assignments/{late.pk}/")
    no_sideways_scroll(page, "事项页（承办人）")
    attention = page.locator(".attention").inner_text()
    assert "请补充今年数字化改造试点企业的名单和补助金额。" in attention
    assert "督办单待答复" in attention
    shoot(page, shots, "mobile-item.png", full_page=False)
    page.fill(f"textarea[name=sv{order.pk}-answer]", "已补充试点企业名单，复函将于下周一印发。")
    page.click("button:has-text('答复督办单')")
    flash(page, "督办单已答复")
    order.refresh_from_db()
    assert order.state == SupervisionState.ANSWERED
    page = clerk.open(f"/replies/{late.pk}/draft/")
    page.wait_for_selector("#id_body")
    no_sideways_scroll(page, "复函编辑")

    # --- the supervisor reviews on the phone --------------------------------------------------
    boss = Session(browser, live_server, world.supervisor)
    boss.page.set_viewport_size(PHONE)
    page = boss.open(f"/replies/{review.pk}/review/")
    page.wait_for_selector("text=与第 1 版相比")
    no_sideways_scroll(page, "领导审核")
    assert page.locator(".letter-rendered p.h1").first.inner_text() == "一、关于数字化改造"
    shoot(page, shots, "mobile-review.png", full_page=False, at="table.diff")

    # --- the NPC office records satisfaction on the phone ---------------------------------------
    npc = Session(browser, live_server, world.npc)
    npc.page.set_viewport_size(PHONE)
    page = npc.open(f"/assignments/{issued.pk}/")
    no_sideways_scroll(page, "登记满意度")
    assert not page.locator("input[name=feedback-satisfaction]:checked").count()
    shoot(
        page,
        shots,
        "mobile-feedback.png",
        full_page=False,
        at="form:has(input[name=feedback-satisfaction])",
    )
    page.check("input[name=feedback-satisfaction][value=satisfied]")
    page.click("button:has-text('登记满意度')")
    flash(page, "满意度已登记")

    # --- and the same pages at 1400 px ---------------------------------------------------------
    office.page.set_viewport_size(DESKTOP)
    page = office.open(f"/assignments/{late.pk}/")
    shoot(page, shots, "supervision.png")
    page = office.open("/office/board/")
    assert (
        page.locator("tr.due-overdue:has-text('第3号') .sv-mark").inner_text()
        == "催办 1 次，督办 1 次"
    )
    for s in (office, clerk, boss, npc):
        s.close()
    for name in (
        "mobile-supervision.png",
        "mobile-inbox.png",
        "mobile-item.png",
        "mobile-review.png",
        "mobile-feedback.png",
        "supervision.png",
        "inbox.png",
    ):
        assert (shots / name).stat().st_size > 10_000
