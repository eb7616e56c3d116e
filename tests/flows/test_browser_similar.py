"""The editor's suggestions as the clerk sees them in a browser: policies that match the item,
passages suggested by the item before anything is typed, then the paragraph being typed: whole
paragraphs only, each once with the letters that used it.

FUHAN_SCREENSHOTS=1 writes docs/editor-similar.png (1400 px) and docs/editor-similar-390.png."""

import datetime as dt
from pathlib import Path

from core.choices import AssignmentState
from replies.models import IssuedLetter
from replies.policies import policy_documents_load_demo
from replies.similarity import is_whole
from replies.similarity import paragraph_index_letter
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.flows.browsing import BROWSER_MARKS
from tests.flows.browsing import Session
from tests.replies.test_similarity import GENERIC
from tests.replies.test_similarity import GENERIC_PARAGRAPH

S = AssignmentState
DEMO = Path(__file__).resolve().parents[2] / "offices" / "demo"
pytestmark = BROWSER_MARKS


def _issued(world, session, body, number, title, issued):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=session, title=title),
        bureau=world.bureau,
        state=S.CC_SENT,
    )
    letter = IssuedLetter.objects.create(
        reply=ReplyFactory(assignment=a, body=body),
        doc_year=issued.year,
        doc_serial=int(number.split("〕")[1].rstrip("号")),
        doc_number=number,
        issued_date=issued,
        body=body,
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
    )
    paragraph_index_letter(letter_id=letter.pk)
    return letter


def test_suggestions_in_the_editor(browser, live_server, world, shots, tmp_path):
    policy_documents_load_demo()
    letters = [
        _issued(
            world,
            world.npc_session,
            (DEMO / "reply_npc_50.txt").read_text(encoding="utf-8"),
            "临经信建复〔2023〕41号",
            "关于进一步加强五金工具产业发展的建议",
            dt.date(2023, 5, 8),
        ),
        _issued(
            world,
            world.cppcc_session,
            (DEMO / "reply_cppcc_46.txt").read_text(encoding="utf-8"),
            "临经信提复〔2023〕42号",
            "关于由行业协会牵头以企引企进行产业链精准招商的建议",
            dt.date(2023, 5, 8),
        ),
    ]
    generic_items = ["关于建设五金工具公共检测服务平台的提案", "关于加快光电产业集群发展的提案"]
    for n, title in enumerate(generic_items, start=1):
        letters.append(
            _issued(
                world,
                world.cppcc_session,
                GENERIC.format(title=title),
                f"临经信提复〔2026〕{n}号",
                title,
                dt.date(2026, 6, n),
            )
        )
    bodies = {letter.doc_number: letter.body for letter in letters}
    a = AssignmentFactory(
        proposal=ProposalFactory(
            session=world.npc_session,
            title="关于支持五金工具产业集群做大做强的建议",
            content="建议培育五金工具龙头企业，出台产业扶持政策，开展产业链精准招商。",
        ),
        bureau=world.bureau,
        state=S.DRAFTING,
    )
    clerk = Session(browser, live_server, world.clerk)
    page = clerk.open(f"/replies/{a.pk}/draft/")
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.wait_for_selector("#id_body")

    # The policies that match the item, ready to insert.
    matching = page.locator("#policy-matching").inner_text()
    assert "《永康市推动五金产业转型升级打造世界级五金产业集群》" in matching

    # Nothing written yet: passages of letters that answered similar items.
    page.locator("#id_body").click()
    page.wait_for_function("document.getElementById('similar-list').dataset.query === ''")
    assert "按本事项" in page.locator("#similar-hint").inner_text()
    assert page.locator("#similar-list .para").count() >= 1

    # The case: the paragraph of 1号 and 2号 comes back whole, once, with both letters.
    typed = "近年来，我区深入实施“产业强区”首位战略，持续推进传统制造业改造提升"
    page.locator("#id_body").fill(typed)
    page.wait_for_function(
        "q => document.getElementById('similar-list').dataset.query === q", arg=typed
    )
    paras = page.locator("#similar-list .para").all_inner_texts()
    assert paras[0] == GENERIC_PARAGRAPH
    assert paras.count(GENERIC_PARAGRAPH) == 1
    first = page.locator("#similar-list > li").first
    assert "2 封复函使用" in first.inner_text()
    assert "整段" in first.inner_text()
    first.locator("details summary").click()
    listed = first.locator("details li").all_text_contents()
    numbers = [line.split(" · ")[0] for line in listed]
    assert numbers == ["临经信提复〔2026〕2号", "临经信提复〔2026〕1号"]
    for text in paras:
        assert any(is_whole(text, body) for body in bodies.values()), text
    page.screenshot(path=str(shots / "editor-similar.png"), full_page=True)

    # A twin paragraph of 41号, then insert it: the whole paragraph, never a clause.
    typed = "建立一个链主、一个牵头单位、一个专班推进机制，强化产业链精准招商"
    page.locator("#id_body").fill(typed)
    page.wait_for_function(
        "q => document.getElementById('similar-list').dataset.query === q", arg=typed
    )
    top = page.locator("#similar-list > li").first
    assert top.locator(".para").inner_text().startswith("**一是强化产业链精准招商")
    top.locator("button.insert-paragraph").focus()
    page.keyboard.press("Enter")
    inserted = page.locator("#id_body").input_value().splitlines()[-1]
    assert any(is_whole(inserted, body) for body in bodies.values())

    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page wider than the screen: {width}px"
    page.screenshot(path=str(tmp_path / "editor-390-page.png"), full_page=True)
    page.locator("#similar-tool").screenshot(path=str(shots / "editor-similar-390.png"))
    assert (shots / "editor-similar.png").stat().st_size > 10_000
