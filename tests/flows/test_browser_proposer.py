"""The proposer's own page and the public replies page on a phone (390 px), in Chromium with
JavaScript switched off: the link opens the page, the co-signer rates the reply, the rating is
shown; the public page lists the published reply. Nothing scrolls sideways.

FUHAN_SCREENSHOTS=1 refreshes docs/mobile-proposer.png and docs/mobile-public.png."""

from proposals import services as ps
from replies.models import ProposerRating
from tests.flows.browsing import BROWSER_MARKS
from tests.portal.support import issue
from tests.portal.support import link_of
from tests.portal.support import register

pytestmark = BROWSER_MARKS
PHONE = {"width": 390, "height": 844}

BODY = (
    "您的建议收悉，现答复如下：\n一、关于五金工具产业发展\n"
    "近年来，我局围绕五金工具产业培育龙头企业，**一是**出台扶持政策，**二是**推动全产业链创新。"
    "如有疑问请致电 0571-63712345。\n二、下一步工作\n我们将继续加强与代表的沟通联系。"
)


def no_sideways_scroll(page, what):
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{what}：页面宽 {width} px，超出 390 px"


def test_proposer_rates_on_a_phone_without_javascript(browser, live_server, world, shots):
    proposal = register(world, cosigners="张三、李四")
    proposal.title = "关于进一步加强五金工具产业发展的建议"
    proposal.save()
    letter = issue(world, proposal, body=BODY)
    ps.proposal_set_publicity(proposal_id=proposal.pk, publicity="public", actor=world.npc)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + link_of("张三"))
    assert page.locator("h1").inner_text() == "张三，您好"
    assert page.locator(".timeline li").count() >= 2
    no_sideways_scroll(page, "代表委员页面")
    page.check("input[value=basically]")
    page.check("input[name$=contacted]")
    page.fill("textarea[name$=comment]", "答复具体，希望加快落实")
    page.screenshot(path=str(shots / "mobile-proposer.png"), full_page=True)
    page.click("text=提交评价")
    page.wait_for_load_state()
    assert "评价已提交" in page.content()
    assert "您的评价：基本满意" in page.locator(".rated").inner_text()
    no_sideways_scroll(page, "评价之后")
    rating = ProposerRating.objects.get()
    assert (rating.person.name, rating.satisfaction, rating.contacted) == (
        "张三",
        "basically",
        True,
    )

    page.goto(live_server.url + "/p/not-a-real-link/")
    assert "链接无法使用" in page.content()
    no_sideways_scroll(page, "无效链接")

    page.goto(live_server.url + f"/public/sessions/{world.npc_session.pk}/")
    assert proposal.title in page.content()
    assert "63712345" not in page.content()
    no_sideways_scroll(page, "公开答复")
    page.goto(live_server.url + f"/public/letters/{letter.pk}/")
    assert "63712345" not in page.content()
    no_sideways_scroll(page, "公开复函")
    page.screenshot(path=str(shots / "mobile-public.png"), full_page=True)
    context.close()
