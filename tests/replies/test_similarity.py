"""Similar paragraphs from issued letters: whole passages only, each text once with the letters
that used it, only letters the user may see, never the letter being edited; the index follows
issuance, reopening, withdrawal and merging; the rebuild command is idempotent."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from core.choices import AssignmentState
from core.choices import Satisfaction
from core.choices import SegmentKind
from proposals import services as ps
from proposals.models import Assignment
from replies import services as rs
from replies.models import IssuedLetter
from replies.models import ParagraphShingle
from replies.models import ParagraphText
from replies.models import ParagraphUse
from replies.models import PolicyDocument
from replies.similarity import bigrams
from replies.similarity import is_whole
from replies.similarity import jaccard
from replies.similarity import paragraph_index_letter
from replies.similarity import paragraph_index_rebuild
from replies.similarity import paragraph_list_similar
from replies.similarity import policy_list_for_item
from replies.similarity import split_paragraphs
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

S = AssignmentState
DEMO = Path(__file__).resolve().parents[2] / "offices" / "demo"
BODY_50 = (DEMO / "reply_npc_50.txt").read_text(encoding="utf-8")
BODY_46 = (DEMO / "reply_cppcc_46.txt").read_text(encoding="utf-8")
# The demo's generic letter (seed_demo), as issued twice as 临经信提复〔2026〕1号 and 2号: its
# one paragraph lists **一是** … **二是** … as clauses ending in “，”, not as sentences.
GENERIC = (
    "您在区政协十届五次会议上提出的《{title}》收悉。非常感谢您对我区制造业发展的关心与支持！"
    "现结合我区实际，答复如下：\n"
    "一、关于当前工作情况\n"
    "近年来，我区深入实施“产业强区”首位战略，围绕“5+3”制造业集群，"
    "持续推进传统制造业改造提升和数字化改造，**一是**加大技术改造投入，"
    "**二是**推进“机器换人”和工厂物联网建设，**三是**完善产业扶持政策。\n"
    "二、关于下一步打算\n"
    "我局将会同相关部门，认真研究吸收您的意见建议，进一步完善政策，"
    "加强要素保障，推动产业高质量发展。\n"
    "最后，再次感谢您对我们工作的关心和支持！"
)
GENERIC_PARAGRAPH = GENERIC.splitlines()[2]


def p46(start):
    return next(p for p in BODY_46.splitlines() if p.startswith(start))


YI_SHI = p46("**一是强化产业链")
ER_SHI = p46("**二是大力拓展")

pytestmark = pytest.mark.django_db
_serial = iter(range(1, 100_000))


def issue_letter(
    *,
    bureau,
    body,
    session,
    doc_number=None,
    state=S.CC_SENT,
    title=None,
    assignment=None,
    issued=dt.date(2023, 5, 8),
    answer_class="A",
):
    """An issued letter written directly (no PDF), indexed as reply_issue indexes it."""
    if assignment is None:
        proposal = ProposalFactory(session=session, **({"title": title} if title else {}))
        assignment = AssignmentFactory(proposal=proposal, bureau=bureau, state=state)
    reply = getattr(assignment, "reply", None) or ReplyFactory(assignment=assignment, body=body)
    serial = next(_serial)
    letter = IssuedLetter.objects.create(
        reply=reply,
        doc_year=issued.year,
        doc_serial=serial,
        doc_number=doc_number or f"{bureau.doc_prefix}建复〔{issued.year}〕{serial}号",
        issued_date=issued,
        body=body,
        answer_class=answer_class,
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
    )
    paragraph_index_letter(letter_id=letter.pk)
    return letter


def drafting(world, *, session=None, title="关于推进五金产业链招商的建议", content=""):
    return AssignmentFactory(
        proposal=ProposalFactory(
            session=session or world.npc_session, title=title, content=content
        ),
        bureau=world.bureau,
        state=S.DRAFTING,
    )


def assert_whole(found):
    for s in found:
        body = IssuedLetter.objects.get(pk=s.letter_id).body
        assert is_whole(s.text, body), s.text


# --- what a passage is ------------------------------------------------------------------------


def test_split_offers_listed_items_as_whole_sentences():
    paragraphs = split_paragraphs(BODY_50)
    assert "一、关于培育龙头企业的建议" not in paragraphs  # headings are not suggested
    for lead in [
        "**一是强化产业链精准招商**",
        "**二是加大外出招引力度**",
        "**三是大力拓展招商渠道**",
    ]:
        assert sum(p.startswith(lead) for p in paragraphs) == 1, lead
    # The paragraph's lead ends on “：” (it announces the list): not a sentence of its own.
    assert [p for p in paragraphs if p.startswith("今年，由区商务局牵头")] == [
        next(line for line in BODY_50.splitlines() if line.startswith("今年，由区商务局牵头"))
    ]
    for p in paragraphs:
        assert is_whole(p, BODY_50), p


def test_clauses_are_never_offered():
    """The paragraph behind the issue: its **一是** items end in “，”, so only the whole
    paragraph is a passage."""
    assert split_paragraphs(GENERIC_PARAGRAPH) == [GENERIC_PARAGRAPH]


def test_jaccard_bounds():
    a = bigrams("强化产业链精准招商")
    assert jaccard(a, a) == 1.0
    assert jaccard(a, bigrams("完全无关的句子内容")) == 0.0
    assert jaccard(a, frozenset()) == 0.0


# --- what is suggested ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "twin_starts"),
    [
        (YI_SHI, "**一是强化产业链精准招商**"),
        (ER_SHI, "**三是大力拓展招商渠道**"),
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
    found = paragraph_list_similar(user=world.clerk, text=paragraph, assignment=drafting(world))
    assert found, "no suggestion"
    top = found[0]
    assert (top.doc_number, top.letter_id) == ("临经信建复〔2023〕41号", letter50.pk)
    assert top.text.startswith(twin_starts)
    assert top.score > 0.25
    assert len(found) <= 5
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    assert_whole(found)


def test_a_fragment_is_never_suggested(world):
    """The issue's case: two letters with the generic paragraph; what comes back is the whole
    paragraph, once, never “近年来……数字化改造，”."""
    for n in (1, 2):
        issue_letter(
            bureau=world.bureau,
            body=GENERIC.format(title=f"关于第{n}件事的提案"),
            session=world.cppcc_session,
            doc_number=f"临经信提复〔2026〕{n}号",
        )
    found = paragraph_list_similar(
        user=world.clerk,
        text="近年来，我区深入实施“产业强区”首位战略，持续推进传统制造业改造提升",
        assignment=drafting(world),
    )
    assert found[0].text == GENERIC_PARAGRAPH
    assert found[0].kind == SegmentKind.PARAGRAPH
    assert all(s.text.rstrip("*”").endswith(("。", "！", "？", "：")) for s in found)
    assert [s.text for s in found].count(GENERIC_PARAGRAPH) == 1
    assert_whole(found)


def test_identical_and_near_identical_texts_are_shown_once_with_their_letters(world):
    """Four letters used the paragraph: twice as written, once with other numbers, once with
    one character changed. One suggestion, counting four letters, listing them newest first."""
    base = p46("2020 年-2022 年，区经信局")
    bodies = [
        base,
        base,
        base.replace("19.5", "23").replace("2022", "2023"),
        base.replace("以更好地", "以便更好地"),
    ]
    letters = [
        issue_letter(
            bureau=world.bureau,
            body=f"开头段落：感谢您对工作的支持与关心。\n{body}",
            session=world.cppcc_session,
            issued=dt.date(2024, 1, 1) + dt.timedelta(days=30 * i),
            answer_class="AB"[i % 2],
        )
        for i, body in enumerate(bodies)
    ]
    found = paragraph_list_similar(user=world.clerk, text=base[:60], assignment=drafting(world))
    same = [s for s in found if jaccard(bigrams(s.text), bigrams(base)) >= 0.8]
    assert len(same) == 1
    s = same[0]
    assert s.letter_count == 4
    assert s.variant_count == 3  # as written, other numbers, one character changed
    # One of the wordings is shown, with the latest letter that used it first; then the other
    # letters, newest first.
    by_pk = {letter.pk: letter for letter in letters}
    assert s.text in bodies
    assert s.text in by_pk[s.letter_id].body.splitlines()
    assert s.letters[0].letter_id == s.letter_id
    rest = [r.letter_id for r in s.letters[1:]]
    assert rest == sorted(rest, key=lambda pk: by_pk[pk].issued_date, reverse=True)
    assert {r.letter_id for r in s.letters} == set(by_pk)
    ref = next(r for r in s.letters if r.letter_id == letters[3].pk)
    assert (ref.bureau, ref.answer_class, ref.issued_date) == ("区经信局", "B", "2024-03-31")
    assert ref.doc_number == letters[3].doc_number


def test_short_or_unrelated_text_gives_nothing(world):
    issue_letter(bureau=world.bureau, body=BODY_50, session=world.npc_session)
    assert paragraph_list_similar(user=world.clerk, text="一、关于") == []
    assert paragraph_list_similar(user=world.clerk, text="天气晴朗适合郊游踏青赏花观鸟钓鱼") == []


def test_another_bureaus_letters_are_never_suggested(world):
    mine = issue_letter(bureau=world.bureau, body=BODY_50, session=world.npc_session)
    theirs = issue_letter(bureau=world.other_bureau, body=BODY_50, session=world.npc_session)
    for user, expected in [
        (world.clerk, {mine.pk}),
        (world.supervisor, {mine.pk}),
        (world.other_clerk, {theirs.pk}),
        (world.npc, {mine.pk, theirs.pk}),  # the offices read everything
        (world.duchashi, {mine.pk, theirs.pk}),
    ]:
        found = paragraph_list_similar(user=user, text=YI_SHI)
        letters = {r.letter_id for s in found for r in s.letters}
        assert letters == expected, user.username
        assert all(s.letter_count == len(expected) for s in found), user.username


def test_the_letter_being_edited_and_its_earlier_letters_are_left_out(world):
    """A reopened item (drafting again): its first letter is suggested neither to itself nor to
    anyone else; and even a suggestible letter is never offered to its own assignment."""
    a = drafting(world)
    own = issue_letter(bureau=world.bureau, body=BODY_50, session=world.npc_session, assignment=a)
    other = issue_letter(bureau=world.bureau, body=BODY_46, session=world.cppcc_session)
    query = YI_SHI.replace("12 个", "15 个")

    def letters(assignment):
        found = paragraph_list_similar(user=world.clerk, text=query, assignment=assignment)
        return {r.letter_id for s in found for r in s.letters}

    assert letters(a) == {other.pk}
    assert letters(drafting(world)) == {other.pk}
    Assignment.objects.filter(pk=a.pk).update(state=S.CC_SENT)
    rs.paragraph_index_refresh(assignment_ids=[a.pk])
    assert letters(drafting(world)) == {other.pk, own.pk}
    assert letters(Assignment.objects.get(pk=a.pk)) == {other.pk}


def test_ranked_by_the_item_too(world):
    """Two passages as close to the paragraph as each other: the one that speaks of this item
    and answered a closer item (title and full text) comes first."""
    start = "我局将加大扶持力度，落实各项政策措施，做好企业服务工作。"
    near = issue_letter(
        bureau=world.bureau,
        body=f"{start}同时加强五金工具行业协会建设，推动五金企业抱团发展。",
        session=world.npc_session,
        title="关于支持五金工具企业转型升级的建议",
    )
    far = issue_letter(
        bureau=world.bureau,
        body=f"{start}同时加强乡村民宿行业协会建设，推动民宿经营规范发展。",
        session=world.npc_session,
        title="关于发展乡村民宿旅游的建议",
    )
    item = drafting(
        world, title="关于推动五金工具产业转型升级的建议", content="建议支持五金工具企业转型。"
    )
    found = paragraph_list_similar(user=world.clerk, text=start, assignment=item)
    assert [s.letter_id for s in found] == [near.pk, far.pk]
    # Without a paragraph the item alone ranks: only the passage that speaks of it.
    by_item = paragraph_list_similar(user=world.clerk, text="", assignment=item)
    assert [s.letter_id for s in by_item] == [near.pk]


def test_policies_matching_the_item(world):
    PolicyDocument.objects.create(
        title="永康市推动五金产业转型升级打造世界级五金产业集群",
        issuer="永康市人民政府",
        summary="五金产业集群培育",
    )
    PolicyDocument.objects.create(
        title="关于大力推进现代服务业高质量发展的若干政策意见",
        doc_number="临政办〔2022〕5号",
        issuer="杭州市临安区人民政府办公室",
        summary="现代服务业、商贸流通、文化旅游。",
    )
    item = drafting(
        world,
        title="关于进一步加强五金工具产业发展的建议",
        content="建议培育五金工具龙头企业，打造五金产业集群，推动企业转型升级。",
    )
    found = policy_list_for_item(proposal=item.proposal)
    assert [p.citation for p in found] == ["《永康市推动五金产业转型升级打造世界级五金产业集群》"]


# --- the index follows the workflow -----------------------------------------------------------


def _approved(world, body, session=None):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=session or world.npc_session),
        bureau=world.bureau,
        state=S.APPROVED,
    )
    ReplyFactory(assignment=a, body=body)
    return a


def _suggested_letters(world, text=YI_SHI):
    return {
        r.letter_id for s in paragraph_list_similar(user=world.npc, text=text) for r in s.letters
    }


def test_index_follows_issuance_and_a_failed_issuance_leaves_nothing(world, monkeypatch):
    a = _approved(world, BODY_50)
    assert _suggested_letters(world) == set()

    def broken_audit(**kwargs):
        raise rs.ApplicationError("模拟故障")

    monkeypatch.setattr(rs, "audit", broken_audit)
    with pytest.raises(rs.ApplicationError):
        rs.reply_issue(assignment_id=a.pk, actor=world.clerk)
    monkeypatch.undo()
    assert ParagraphUse.objects.count() == 0
    letter = rs.reply_issue(assignment_id=a.pk, actor=world.clerk)
    assert _suggested_letters(world) == {letter.pk}
    assert ParagraphUse.objects.filter(letter=letter).count() == len(split_paragraphs(BODY_50))


def test_index_follows_reopening_and_the_new_letter(world, django_capture_on_commit_callbacks):
    a = _approved(world, BODY_50)
    first = rs.reply_issue(assignment_id=a.pk, actor=world.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        rs.reply_record_feedback(
            assignment_id=a.pk, actor=world.npc, satisfaction=Satisfaction.UNSATISFIED
        )
    assert _suggested_letters(world) == set()  # the rejected letter is no longer offered
    assert not ParagraphUse.objects.filter(letter=first, suggestible=True).exists()
    # Re-handled and issued again: the new letter is suggested, the old one stays out.
    rs.draft_submit(assignment_id=a.pk, actor=world.clerk)
    ps.assignment_transition(name="approve", assignment_id=a.pk, actor=world.supervisor)
    second = rs.reply_issue(assignment_id=a.pk, actor=world.clerk)
    assert _suggested_letters(world) == {second.pk}
    assert ParagraphUse.objects.filter(letter=first).exists()  # kept, not suggested


def test_satisfied_feedback_keeps_the_letter(world, django_capture_on_commit_callbacks):
    a = _approved(world, BODY_50)
    letter = rs.reply_issue(assignment_id=a.pk, actor=world.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        rs.reply_record_feedback(
            assignment_id=a.pk, actor=world.npc, satisfaction=Satisfaction.SATISFIED
        )
    assert _suggested_letters(world) == {letter.pk}


@pytest.mark.parametrize("how", ["withdraw", "merge"])
def test_index_follows_withdrawal_and_merging(world, how, django_capture_on_commit_callbacks):
    letter = issue_letter(bureau=world.bureau, body=BODY_50, session=world.npc_session)
    keep = issue_letter(bureau=world.bureau, body=BODY_50 + "\n补充", session=world.npc_session)
    proposal = letter.reply.assignment.proposal
    assert _suggested_letters(world) == {letter.pk, keep.pk}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        if how == "withdraw":
            ps.proposal_withdraw(proposal_id=proposal.pk, actor=world.npc, reason="代表撤回")
        else:
            ps.proposal_merge(
                proposal_id=proposal.pk,
                into_number=keep.reply.assignment.proposal.number,
                actor=world.npc,
            )
    assert callbacks  # announced on commit
    assert _suggested_letters(world) == {keep.pk}


def test_withdrawal_rolled_back_announces_nothing(world, monkeypatch):
    letter = issue_letter(bureau=world.bureau, body=BODY_50, session=world.npc_session)
    monkeypatch.setattr(ps.items, "audit", lambda **kw: (_ for _ in ()).throw(RuntimeError()))
    with pytest.raises(RuntimeError):
        ps.proposal_withdraw(
            proposal_id=letter.reply.assignment.proposal_id, actor=world.npc, reason="撤回"
        )
    assert _suggested_letters(world) == {letter.pk}


# --- the rebuild command ----------------------------------------------------------------------


def _snapshot():
    return (
        sorted(
            ParagraphUse.objects.values_list(
                "letter_id", "text__key", "kind", "position", "suggestible", "bureau_id"
            )
        ),
        sorted(ParagraphText.objects.values_list("key", "shape", "norm")),
        sorted(ParagraphShingle.objects.values_list("shape", "hash")),
    )


def test_rebuild_is_idempotent_and_equals_the_incremental_index(world):
    live = issue_letter(bureau=world.bureau, body=BODY_50, session=world.npc_session)
    issue_letter(bureau=world.other_bureau, body=BODY_46, session=world.cppcc_session)
    reopened = issue_letter(
        bureau=world.bureau, body=GENERIC.format(title="甲"), session=world.cppcc_session
    )
    # Reopened (as reply_record_feedback does, tested above): its letter is not suggestible.
    Assignment.objects.filter(pk=reopened.reply.assignment_id).update(state=S.DRAFTING)
    rs.paragraph_index_refresh(assignment_ids=[reopened.reply.assignment_id])
    incremental = _snapshot()
    # Damage it: a lost row, a wrong flag, an orphan text, a letter never indexed.
    ParagraphUse.objects.filter(letter=live).first().delete()
    ParagraphUse.objects.filter(letter=reopened).update(suggestible=True)
    ParagraphText.objects.create(key="x" * 64, shape=1, text="孤立", norm="孤立")
    late = IssuedLetter.objects.create(
        reply=ReplyFactory(
            assignment=AssignmentFactory(bureau=world.bureau, state=S.ISSUED), body=BODY_46
        ),
        doc_year=2024,
        doc_serial=1,
        doc_number="临经信建复〔2024〕1号",
        issued_date=dt.date(2024, 1, 2),
        body=BODY_46,
        answer_class="A",
        leader_name="甲",
        clerk_name="乙",
        phone="1",
    )
    fingerprints_before = ParagraphShingle.objects.count()
    ParagraphShingle.objects.filter(pk__in=ParagraphShingle.objects.values("pk")[:5]).delete()
    out = StringIO()
    call_command("similar_index_rebuild", "--fingerprints", stdout=out)
    assert "相似段落索引" in out.getvalue()
    assert f"指纹已重写：{fingerprints_before} 条" in out.getvalue()
    uses, texts, shingles = _snapshot()
    late_rows = [u for u in uses if u[0] == late.pk]
    assert len(late_rows) == len(split_paragraphs(BODY_46))
    # BODY_46 was indexed already: its texts and fingerprints are shared, not added again.
    assert ([u for u in uses if u[0] != late.pk], texts, shingles) == incremental
    again = paragraph_index_rebuild(batch_size=2)
    assert again.total == 0
    assert _snapshot() == (uses, texts, shingles)


# --- the editor's JSON ------------------------------------------------------------------------


def test_endpoint_returns_json_and_is_scoped(client, world):
    letter = issue_letter(
        bureau=world.bureau,
        body=BODY_50,
        session=world.npc_session,
        doc_number="临经信建复〔2023〕41号",
    )
    issue_letter(bureau=world.other_bureau, body=BODY_50, session=world.npc_session)
    a = drafting(world, session=world.cppcc_session)
    url = reverse("replies:similar", kwargs={"assignment_id": a.pk})
    assert client.get(url, {"q": YI_SHI}).status_code == 302  # anonymous
    client.force_login(world.clerk)
    data = client.get(url, {"q": YI_SHI}).json()
    top = data["results"][0]
    assert top["letter_id"] == letter.pk
    assert {r["letter_id"] for s in data["results"] for r in s["letters"]} == {letter.pk}
    assert top["text"].startswith("**一是强化产业链精准招商**")
    assert top["kind_label"] == "整句"
    assert top["letters"][0] == {
        "letter_id": letter.pk,
        "doc_number": "临经信建复〔2023〕41号",
        "bureau": "区经信局",
        "issued_date": "2023-05-08",
        "answer_class": "A",
        "item": letter.reply.assignment.proposal.title,
    }
    # A query at the project's bound on query parameters (FUHAN_INPUT_MAX_QUERY_CHARS) is
    # answered; a longer one is refused with the reason before the view sees it.
    limit = settings.FUHAN_INPUT_MAX_QUERY_CHARS
    assert client.get(url, {"q": "x" * limit}).status_code == 200
    refused = client.get(url, {"q": "x" * 50_000})
    assert refused.status_code == 400
    assert "查询参数" in refused.content.decode()
    # Another bureau's clerk cannot even ask on this assignment.
    client.force_login(world.other_clerk)
    assert client.get(url, {"q": YI_SHI}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_vacuum_after_bulk_writes_only_where_it_can_run():
    """PostgreSQL, outside a transaction: the index tables are vacuumed (the lookup's index-only
    scans need it); inside a transaction, or on SQLite, nothing is attempted."""
    from django.db import connection
    from django.db import transaction

    from replies.similarity import paragraph_index_vacuum

    with transaction.atomic():
        assert paragraph_index_vacuum() is False
    assert paragraph_index_vacuum() is (connection.vendor == "postgresql")
