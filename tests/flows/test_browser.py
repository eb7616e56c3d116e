"""End to end in a real browser (Playwright driving Debian's Chromium, never a downloaded one):
the clerk drafts in the editor and submits, the supervisor returns with a comment, the clerk
revises and resubmits, the supervisor approves from the review page after reading the diff, the
bureau issues and the office records the proposer's satisfaction.

Set FUHAN_SCREENSHOTS=1 to refresh docs/editor.png and docs/review.png (the README shows them);
otherwise the screenshots go to pytest's tmp_path."""

import datetime as dt
import os
import re

from django.utils import timezone

from core.choices import AssignmentState
from proposals import services as ps
from replies.models import IssuedLetter
from replies.models import Reply
from replies.pdf import letter_context_from_reply
from replies.pdf import render_letter_pdf
from replies.policies import policy_documents_load_demo
from replies.similarity import paragraph_index_letter
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.flows.browsing import BROWSER_MARKS
from tests.flows.browsing import ROOT
from tests.flows.browsing import Session
from tests.flows.browsing import body_lines
from tests.flows.browsing import edit_with_preview
from tests.flows.browsing import open_editor
from tests.flows.browsing import press
from tests.flows.browsing import show_pdf_in_frame

# The fixtures `browser` and `shots` (and the ORM switch Playwright needs) are in conftest.py.
DEMO = ROOT / "offices" / "demo"
S = AssignmentState

pytestmark = BROWSER_MARKS


def test_draft_review_issue_feedback(browser, live_server, world, shots):
    policy_documents_load_demo()
    # An earlier letter of the bureau (item 50, 临经信建复〔2023〕41号) to draw paragraphs from.
    earlier = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session, number=50),
        bureau=world.bureau,
        state=S.CC_SENT,
    )
    body50 = (DEMO / "reply_npc_50.txt").read_text(encoding="utf-8")
    letter41 = IssuedLetter.objects.create(
        reply=ReplyFactory(assignment=earlier, body=body50),
        doc_year=2023,
        doc_serial=41,
        doc_number="临经信建复〔2023〕41号",
        issued_date=dt.date(2023, 5, 8),
        body=body50,
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
    )
    paragraph_index_letter(letter_id=letter41.pk)  # as reply_issue does
    proposal = ps.proposal_register(
        session=world.cppcc_session,
        number=46,
        title="关于由行业协会牵头以企引企进行产业链精准招商的建议",
        lead_proposer="孙建文",
        assigned_date=timezone.localdate(),
        lead_bureaus=[world.bureau],
        actor=world.cppcc,
    )
    a = proposal.assignments.get()
    ps.assignment_transition(name="accept", assignment_id=a.pk, actor=world.clerk)
    ps.assignment_update_contacts(
        assignment_id=a.pk, actor=world.clerk, leader_name="顾小晶", phone="89541421"
    )
    ps.assignment_transition(name="start_drafting", assignment_id=a.pk, actor=world.clerk)
    item = f"/assignments/{a.pk}/"

    # --- the clerk drafts in the editor ---------------------------------------------------------
    clerk = Session(browser, live_server, world.clerk)
    page = clerk.open(item)
    page.click("text=编辑复函草稿")
    page.wait_for_selector("#id_body")
    page.check("input[name=answer_class][value=A]")
    page.fill("input[name=clerk_name]", "楼伟荣")
    body = page.locator("#id_body")
    body.fill(
        "您在区政协第十届第二次会议上提出的《关于由行业协会牵头以企引企进行产业链精准招商的建议》"
        "已收悉。现答复如下：\n二、关于出台扶持政策的建议\n我区先后出台了"
    )
    # Cite a policy at the cursor (the end of the text).
    page.fill("#policy-q", "引领产业兴区")
    # The search narrows the list of five down to the two Lin'an policies.
    page.wait_for_function("document.querySelectorAll('#policy-list li button.cite').length === 2")
    body.focus()
    page.keyboard.press("Control+End")
    press(page, '#policy-list button.cite[data-citation*="14号"]')
    citation = "《关于制造业高质量发展引领产业兴区的若干政策意见》（临经信综〔2021〕14号）"
    assert body_lines(page)[-1] == f"我区先后出台了{citation}"
    # Type a paragraph: the twin paragraph of letter 41号 is suggested; insert it.
    page.keyboard.press("Control+End")
    typed = "建立一个链主、一个牵头单位、一个专班推进机制，强化产业链精准招商"
    # Let the live preview of this text land first: the frame's reload must not race the click.
    with page.expect_response(
        lambda r: (
            r.url.endswith("/preview.pdf")
            and typed in (r.request.post_data_json or {}).get("body", "")
        )
    ):
        page.keyboard.type(f"\n三、关于开展产业链招商的建议\n{typed}")
    page.wait_for_function("document.getElementById('preview-frame').contentDocument !== null")
    # The list answers the paragraph under the cursor (about 0.8 s after typing stops).
    page.wait_for_function(
        "q => document.getElementById('similar-list').dataset.query === q", arg=typed
    )
    first = page.locator("#similar-list li").first
    assert "临经信建复〔2023〕41号" in first.inner_text()
    assert first.locator(".para").inner_text().startswith("**一是强化产业链精准招商**")
    press(page, "#similar-list li:first-child button.insert-paragraph")
    assert body_lines(page)[-1].startswith("**一是强化产业链精准招商**")
    if page.locator("#preview-form").count():  # the live preview (once replies:preview exists)
        with page.expect_response(
            lambda r: (
                r.url.endswith("/preview.pdf")
                and "以上答复如有不妥" in (r.request.post_data_json or {}).get("body", "")
            )
        ) as preview:
            # ...and let it load in the frame before the screenshot and the button below.
            edit_with_preview(
                page, lambda: page.keyboard.type("\n以上答复如有不妥，敬请批评指正。")
            )
        assert preview.value.status == 200
        assert preview.value.headers["content-type"] == "application/pdf"
        if os.environ.get("FUHAN_SCREENSHOTS") == "1":
            # The same renderer the preview endpoint runs, on the text now in the editor.
            reply = Reply.objects.get(assignment=a)
            text = page.locator("#id_body").input_value()
            pdf = render_letter_pdf(letter_context_from_reply(reply, body=text), draft=True)
            show_pdf_in_frame(page, pdf)
    page.screenshot(path=str(shots / "editor.png"), full_page=True)
    page.click("button[value=back]")
    page.wait_for_selector("text=草稿已保存")
    # 提交审核 asks for confirmation: unticked, the browser itself refuses to send the form
    confirm = page.locator("input[name=submit-confirm]")
    assert (
        page.locator("label[for=id_submit-confirm]").inner_text().startswith("提交后草稿不能再修改")
    )
    assert confirm.evaluate("box => box.validity.valueMissing && !box.form.checkValidity()")
    confirm.check()
    page.click("button[value=submit]")
    page.wait_for_selector("text=已提交领导审核")
    reply = Reply.objects.get(assignment=a)
    assert citation in reply.body
    assert reply.versions.count() == 1

    # --- the supervisor returns it with a comment ------------------------------------------------
    boss = Session(browser, live_server, world.supervisor)
    page = boss.open(item)
    page.click("text=审核（查看修改对比）")
    page.wait_for_selector("text=首次提交，没有可比较的上一版")
    page.fill("form:has(button[value=return_for_revision]) textarea", "请补充中介招商的奖励标准。")
    page.click("button[value=return_for_revision]")
    page.wait_for_selector("text=已退回修改")
    a.refresh_from_db()
    assert a.state == S.DRAFTING

    # --- the clerk revises and resubmits --------------------------------------------------------
    page = clerk.open(item)
    # the return comment stands on top of the page (and in the history below)
    assert "请补充中介招商的奖励标准。" in page.locator(".attention").inner_text()
    assert page.locator("td:text-is('请补充中介招商的奖励标准。')").count() == 1
    open_editor(page)
    body = page.locator("#id_body")
    body.fill(body.input_value().replace("现答复如下", "现依据现行相关政策和我们的调研，答复如下"))
    body.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n对于中介引荐的项目，最高奖励200万元。")
    page.click("button[value=back]")
    page.wait_for_selector("text=草稿已保存")
    page.check("input[name=submit-confirm]")
    page.click("button[value=submit]")
    page.wait_for_selector("text=已提交领导审核")

    # --- the supervisor reads the diff and approves ----------------------------------------------
    page = boss.open(item)
    page.click("text=审核（查看修改对比）")
    page.wait_for_selector("text=与第 1 版相比")
    inserted = page.locator("table.diff tr.insert td.new")
    assert "对于中介引荐的项目，最高奖励200万元。" in inserted.all_inner_texts()
    assert page.locator("table.diff tr.change ins").all_inner_texts() == [
        "依据现行相关政策和我们的调研，"
    ]
    page.screenshot(path=str(shots / "review.png"), full_page=True)
    page.fill("form:has(button[value=approve]) textarea", "同意印发")
    page.click("button[value=approve]")
    page.wait_for_selector("text=已签批")
    a.refresh_from_db()
    assert a.state == S.APPROVED

    # --- the bureau issues ----------------------------------------------------------------------
    page = clerk.open(item)
    page.check("input[name=issue-confirm]")  # 印发 asks for confirmation too
    page.click("text=印发复函（分配文号）")
    page.wait_for_selector("text=复函已印发，文号已分配")
    letter = IssuedLetter.objects.get(reply__assignment=a)
    assert re.fullmatch(r"临测\d+提复〔\d{4}〕\d+号|临经信提复〔\d{4}〕\d+号", letter.doc_number)
    assert page.locator(f"text={letter.doc_number}").count() >= 1

    # --- the office records the proposer's satisfaction ------------------------------------------
    office = Session(browser, live_server, world.cppcc)
    page = office.open(item)
    page.check("input[name=feedback-satisfaction][value=satisfied]")
    page.click("text=登记满意度")
    page.wait_for_selector("text=满意度已登记")
    reply.refresh_from_db()
    assert reply.satisfaction == "satisfied"
    for s in (clerk, boss, office):
        s.close()
    assert (shots / "editor.png").stat().st_size > 10_000


def test_editor_refuses_outsider_in_the_browser(browser, live_server, world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.DRAFTING
    )
    outsider = Session(browser, live_server, world.other_clerk)
    response = outsider.page.goto(f"{live_server.url}/replies/{a.pk}/draft/")
    assert response.status == 404
    outsider.close()
