import datetime as dt

import pytest

from core.choices import AssignmentState
from core.exceptions import ApplicationError
from core.exceptions import TransitionError
from proposals.models import Assignment
from replies import services as rs
from replies.models import DocumentCounter
from replies.models import IssuedLetter
from replies.models import Reply
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

S = AssignmentState


def approved(world, session=None):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=session or world.npc_session),
        bureau=world.bureau,
        state=S.APPROVED,
    )
    ReplyFactory(assignment=a)
    return a


def test_failed_issuance_rolls_the_serial_back(world, monkeypatch):
    first = approved(world)
    second = approved(world)

    def broken_audit(**kwargs):
        raise ApplicationError("模拟故障")

    monkeypatch.setattr(rs, "audit", broken_audit)
    with pytest.raises(ApplicationError):
        rs.reply_issue(assignment_id=first.pk, actor=world.clerk)
    monkeypatch.undo()
    assert Assignment.objects.get(pk=first.pk).state == S.APPROVED
    assert IssuedLetter.objects.count() == 0
    letter = rs.reply_issue(assignment_id=second.pk, actor=world.clerk)
    assert letter.doc_serial == 1  # the failed attempt left no gap


def test_shared_counter_by_default_and_per_series_when_configured(world):
    year = dt.date(2026, 5, 1)
    n1 = rs.reply_issue(assignment_id=approved(world).pk, actor=world.clerk, issued_on=year)
    n2 = rs.reply_issue(
        assignment_id=approved(world, world.cppcc_session).pk, actor=world.clerk, issued_on=year
    )
    assert (n1.doc_number, n2.doc_number) == ("临经信建复〔2026〕1号", "临经信提复〔2026〕2号")
    world.bureau.number_series = "per_series"
    world.bureau.save()
    n3 = rs.reply_issue(
        assignment_id=approved(world, world.cppcc_session).pk, actor=world.clerk, issued_on=year
    )
    assert n3.doc_number == "临经信提复〔2026〕1号"
    assert DocumentCounter.objects.filter(bureau=world.bureau, year=2026).count() == 2


def test_new_year_restarts_at_one(world):
    rs.reply_issue(
        assignment_id=approved(world).pk, actor=world.clerk, issued_on=dt.date(2025, 12, 31)
    )
    letter = rs.reply_issue(
        assignment_id=approved(world).pk, actor=world.clerk, issued_on=dt.date(2026, 1, 4)
    )
    assert letter.doc_number == "临经信建复〔2026〕1号"


def test_issued_letter_keeps_the_text_as_issued(world):
    a = approved(world)
    letter = rs.reply_issue(assignment_id=a.pk, actor=world.clerk)
    Reply.objects.filter(pk=a.reply.pk).update(body="以后改过的草稿")
    letter.refresh_from_db()
    assert letter.body == "您的建议收悉。\n一、关于测试\n正文。"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("body", "<script>alert('x')</script>", "HTML"),
        ("body", "点击<a href='javascript:alert(1)'>这里</a>", "HTML"),
        ("answer_class", "E", "答复分类须为"),
        ("body", "字" * 30_001, "不能超过"),
    ],
)
def test_bad_draft_is_refused_and_nothing_changes(world, field, value, message):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.DRAFTING
    )
    ReplyFactory(assignment=a)
    args = {
        "body": "新正文",
        "answer_class": "B",
        "leader_name": "顾小晶",
        "clerk_name": "楼伟荣",
        "phone": "1",
        field: value,
    }
    with pytest.raises(ApplicationError, match=message):
        rs.reply_save_draft(assignment_id=a.pk, actor=world.clerk, **args)
    reply = Reply.objects.get(assignment=a)
    assert (reply.body, reply.answer_class) == ("您的建议收悉。\n一、关于测试\n正文。", "A")


def test_draft_only_while_drafting(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.IN_REVIEW
    )
    ReplyFactory(assignment=a)
    with pytest.raises(TransitionError, match="只有“办理中”可以编辑草稿"):
        rs.reply_save_draft(
            assignment_id=a.pk,
            actor=world.clerk,
            body="x",
            answer_class="A",
            leader_name="a",
            clerk_name="b",
            phone="1",
        )


def test_feedback_needs_an_issued_reply_and_a_known_value(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.DRAFTING
    )
    ReplyFactory(assignment=a)
    with pytest.raises(TransitionError, match="印发后"):
        rs.reply_record_feedback(assignment_id=a.pk, actor=world.npc, satisfaction="satisfied")
    b = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.CC_SENT
    )
    ReplyFactory(assignment=b)
    with pytest.raises(ApplicationError, match="满意度须为"):
        rs.reply_record_feedback(assignment_id=b.pk, actor=world.npc, satisfaction="很好")
    assert Reply.objects.get(assignment=b).satisfaction == ""


def test_co_unit_sends_opinion_and_releases_the_lead(world):
    proposal = ProposalFactory(session=world.npc_session)
    lead = AssignmentFactory(proposal=proposal, bureau=world.bureau, state=S.APPROVED)
    ReplyFactory(assignment=lead)
    co = AssignmentFactory(
        proposal=proposal, bureau=world.other_bureau, role="co_unit", state=S.DRAFTING
    )
    rs.opinion_save_draft(assignment_id=co.pk, actor=world.other_clerk, body="协办意见正文")
    from proposals import services as ps

    rs.draft_submit(assignment_id=co.pk, actor=world.other_clerk)
    ps.assignment_transition(name="approve", assignment_id=co.pk, actor=world.other_supervisor)
    opinion = rs.opinion_send(assignment_id=co.pk, actor=world.other_clerk)
    assert opinion.sent_at is not None
    letter = rs.reply_issue(assignment_id=lead.pk, actor=world.clerk)
    assert letter.doc_number.startswith("临经信建复")
