"""Similar paragraphs from issued letters: the two reference letters share their 招商 paragraphs,
and nobody sees paragraphs of letters outside what assignment_list_visible gives them."""

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from core.choices import AssignmentState
from replies.models import IssuedLetter
from replies.similarity import bigrams
from replies.similarity import jaccard
from replies.similarity import paragraph_list_similar
from replies.similarity import split_paragraphs
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

S = AssignmentState
DEMO = Path(__file__).resolve().parents[2] / "offices" / "demo"
BODY_50 = (DEMO / "reply_npc_50.txt").read_text(encoding="utf-8")
BODY_46 = (DEMO / "reply_cppcc_46.txt").read_text(encoding="utf-8")


def p46(start):
    return next(p for p in BODY_46.splitlines() if p.startswith(start))


YI_SHI = p46("**一是强化产业链")
ER_SHI = p46("**二是大力拓展")
SAN_SHI = p46("**三是积极开展")

pytestmark = pytest.mark.django_db
_serial = iter(range(1, 1000))


def issue_letter(*, bureau, body, session, doc_number=None, state=S.CC_SENT):
    a = AssignmentFactory(proposal=ProposalFactory(session=session), bureau=bureau, state=state)
    reply = ReplyFactory(assignment=a, body=body)
    serial = next(_serial)
    return IssuedLetter.objects.create(
        reply=reply,
        doc_year=2023,
        doc_serial=serial,
        doc_number=doc_number or f"{bureau.doc_prefix}建复〔2023〕{serial}号",
        issued_date=dt.date(2023, 5, 8),
        body=body,
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
    )


def test_split_offers_listed_items_on_their_own():
    paragraphs = split_paragraphs(BODY_50)
    assert "一、关于培育龙头企业的建议" not in paragraphs  # headings are not suggested
    for lead in [
        "**一是强化产业链精准招商**",
        "**二是加大外出招引力度**",
        "**三是大力拓展招商渠道**",
    ]:
        assert sum(p.startswith(lead) for p in paragraphs) == 1, lead
    whole = [p for p in paragraphs if p.startswith("今年，由区商务局牵头")]
    assert len(whole) == 2  # the whole paragraph and its lead sentence


def test_jaccard_bounds():
    a = bigrams("强化产业链精准招商")
    assert jaccard(a, a) == 1.0
    assert jaccard(a, bigrams("完全无关的句子内容")) == 0.0
    assert jaccard(a, frozenset()) == 0.0


@pytest.mark.parametrize(
    ("paragraph", "twin_starts"),
    [
        (YI_SHI, "**一是强化产业链精准招商**"),
        (ER_SHI, "**三是大力拓展招商渠道**"),
        (SAN_SHI, "**三是大力拓展招商渠道**"),
        (p46("今年以来，为贯彻"), "今年，由区商务局牵头"),
        (p46("同时，我区一直高"), "我区一直高度重视对产业和企业的政策引导"),
    ],
)
def test_a_paragraph_of_letter_46_finds_its_twin_in_letter_50(world, paragraph, twin_starts):
    letter50 = issue_letter(
        bureau=world.bureau,
        body=BODY_50,
        session=world.npc_session,
        doc_number="临经信建复〔2023〕41号",
    )
    # Letter 46 is issued too: its own identical paragraph is not offered back.
    issue_letter(
        bureau=world.bureau,
        body=BODY_46,
        session=world.cppcc_session,
        doc_number="临经信提复〔2023〕42号",
    )
    found = paragraph_list_similar(user=world.clerk, text=paragraph)
    assert found, "no suggestion"
    top = found[0]
    assert (top.doc_number, top.letter_id) == ("临经信建复〔2023〕41号", letter50.pk)
    assert top.text.startswith(twin_starts)
    assert top.score > 0.25
    assert len(found) <= 5
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_short_or_unrelated_text_gives_nothing(world):
    issue_letter(bureau=world.bureau, body=BODY_50, session=world.npc_session)
    assert paragraph_list_similar(user=world.clerk, text="一、关于") == []
    assert paragraph_list_similar(user=world.clerk, text="天气晴朗适合郊游踏青赏花观鸟钓鱼") == []


def test_outsiders_never_see_another_bureaus_letters(world):
    mine = issue_letter(bureau=world.bureau, body=BODY_50, session=world.npc_session)
    theirs = issue_letter(bureau=world.other_bureau, body=BODY_50, session=world.npc_session)
    for user, expected in [
        (world.clerk, {mine.pk}),
        (world.supervisor, {mine.pk}),
        (world.other_clerk, {theirs.pk}),
        (world.npc, {mine.pk, theirs.pk}),  # the offices read everything
    ]:
        found = paragraph_list_similar(user=user, text=YI_SHI)
        assert {s.letter_id for s in found} == expected, user.username


def test_endpoint_returns_json_and_is_scoped(client, world):
    letter = issue_letter(bureau=world.bureau, body=BODY_50, session=world.npc_session)
    issue_letter(bureau=world.other_bureau, body=BODY_50, session=world.npc_session)
    drafting = AssignmentFactory(
        proposal=ProposalFactory(session=world.cppcc_session), bureau=world.bureau, state=S.DRAFTING
    )
    url = reverse("replies:similar", kwargs={"assignment_id": drafting.pk})
    assert client.get(url, {"q": YI_SHI}).status_code == 302  # anonymous
    client.force_login(world.clerk)
    data = client.get(url, {"q": YI_SHI}).json()
    assert data["results"][0]["letter_id"] == letter.pk
    assert {r["letter_id"] for r in data["results"]} == {letter.pk}
    assert data["results"][0]["text"].startswith("**一是强化产业链精准招商**")
    # Another bureau's clerk cannot even ask on this assignment.
    client.force_login(world.other_clerk)
    assert client.get(url, {"q": YI_SHI}).status_code == 404
