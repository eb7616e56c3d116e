"""The supervisor's review page: the diff against the previous submission, approve and return
(comment required); only the bureau's supervisor may use it."""

import pytest
from django.urls import reverse
from django_fsm_log.models import StateLog

from core.choices import AssignmentState
from proposals import services as ps
from replies import services as rs
from replies.review import reply_review_diff
from replies.review import text_diff
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

S = AssignmentState
pytestmark = pytest.mark.django_db

V1 = "\n".join(
    [
        "您的建议收悉。",
        "一、关于测试",
        "2022年共落地亿元以上重大制造业项目32个。",
        "此段将被删除。",
        "最后，感谢。",
    ]
)
V2 = "\n".join(
    [
        "您的建议收悉。",
        "一、关于测试",
        "2022年共落地亿元以上重大制造业项目35个，总投资155.9亿元。",
        "新增一段说明。",
        "最后，感谢。",
    ]
)


def kinds(rows):
    return [r.kind for r in rows]


def test_text_diff_paragraphs_and_characters():
    rows = text_diff(V1, V2)
    assert kinds(rows) == ["equal", "equal", "change", "delete", "insert", "equal"]
    change = rows[2]
    assert [p.text for p in change.old if p.changed] == ["2"]
    assert [p.text for p in change.new if p.changed] == ["5", "，总投资155.9亿元"]
    assert "".join(p.text for p in change.old) == "2022年共落地亿元以上重大制造业项目32个。"
    assert (
        "".join(p.text for p in change.new)
        == "2022年共落地亿元以上重大制造业项目35个，总投资155.9亿元。"
    )
    assert rows[3].old[0].text == "此段将被删除。"
    assert rows[4].new[0].text == "新增一段说明。"


def test_text_diff_first_version_is_all_new():
    assert kinds(text_diff("", "甲\n乙")) == ["insert", "insert"]
    assert text_diff("同一\n文本", "同一\n文本")[0].kind == "equal"


@pytest.fixture
def in_review(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.DRAFTING
    )
    ReplyFactory(assignment=a, body=V1, answer_class="B")
    rs.draft_submit(assignment_id=a.pk, actor=world.clerk)
    return a


def resubmit(world, a, body, answer_class="A"):
    ps.assignment_transition(
        name="return_for_revision",
        assignment_id=a.pk,
        actor=world.supervisor,
        comment="请补充投资额",
    )
    rs.reply_save_draft(
        assignment_id=a.pk,
        actor=world.clerk,
        body=body,
        answer_class=answer_class,
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
    )
    rs.draft_submit(assignment_id=a.pk, actor=world.clerk)


def test_review_diff_compares_the_last_two_submissions(world, in_review):
    first = reply_review_diff(assignment=in_review)
    assert (first.current.version, first.previous) == (1, None)
    assert set(kinds(first.rows)) == {"insert"}
    resubmit(world, in_review, V2)
    diff = reply_review_diff(assignment=in_review)
    assert (diff.current.version, diff.previous.version) == (2, 1)
    assert diff.answer_class_changed
    assert diff.changed_count == 3


def url(a):
    return reverse("replies:review", kwargs={"assignment_id": a.pk})


def test_supervisor_sees_the_diff_with_inline_marks(client, world, in_review):
    resubmit(world, in_review, V2)
    client.force_login(world.supervisor)
    html = client.get(url(in_review)).content.decode()
    assert "与第 1 版相比，共 3 处段落改动" in html
    assert "<del>2</del>" in html
    assert "<ins>，总投资155.9亿元</ins>" in html
    assert "上一版为 B" in html
    assert decide_url(in_review, "approve") in html
    assert decide_url(in_review, "return_for_revision") in html


def test_review_escapes_text(client, world, in_review):
    """The body is plain text; whatever it holds is escaped on the page."""
    reply = in_review.reply
    reply.versions.update(body="甲 & 乙 **加粗** 3 < 5")
    client.force_login(world.supervisor)
    assert "甲 &amp; 乙 **加粗** 3 &lt; 5" in client.get(url(in_review)).content.decode()


def decide_url(a, name):
    return reverse("proposals:transition", kwargs={"assignment_id": a.pk, "name": name})


def decide(client, a, name, comment=""):
    """What the review page's approve / return forms post."""
    return client.post(decide_url(a, name), {f"{name}-comment": comment})


def test_return_needs_a_comment_and_changes_nothing_without(client, world, in_review):
    client.force_login(world.supervisor)
    logs = StateLog.objects.count()
    response = decide(client, in_review, "return_for_revision", "  ")
    assert response.status_code == 400
    html = response.content.decode()
    assert "这个字段是必填项" in html or "必填" in html
    assert "退回意见" in html
    in_review.refresh_from_db()
    assert in_review.state == S.IN_REVIEW
    assert StateLog.objects.count() == logs
    decide(client, in_review, "return_for_revision", "请补充投资额")
    in_review.refresh_from_db()
    assert in_review.state == S.DRAFTING
    assert StateLog.objects.for_(in_review).last().description == "请补充投资额"


def test_supervisor_approves(client, world, in_review):
    client.force_login(world.supervisor)
    response = decide(client, in_review, "approve", "同意")
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.state == S.APPROVED


@pytest.mark.parametrize(
    ("who", "page", "decision"),
    [
        ("clerk", 403, 403),
        ("npc", 403, 403),
        ("duchashi", 403, 403),
        ("other_supervisor", 404, 404),
        ("other_clerk", 404, 404),
    ],
)
def test_only_the_bureaus_supervisor_may_review(client, world, in_review, who, page, decision):
    client.force_login(world.role(who))
    assert client.get(url(in_review)).status_code == page
    for name in ["approve", "return_for_revision"]:
        assert decide(client, in_review, name, "越权").status_code == decision
    in_review.refresh_from_db()
    assert in_review.state == S.IN_REVIEW


def test_unknown_or_special_decision_refused(client, world, in_review):
    client.force_login(world.supervisor)
    assert decide(client, in_review, "explode").status_code == 404
    assert decide(client, in_review, "issue").status_code == 404  # has its own service
    in_review.refresh_from_db()
    assert in_review.state == S.IN_REVIEW


def test_assignment_page_links_the_review_for_the_supervisor_only(client, world, in_review):
    page = reverse("proposals:assignment", kwargs={"assignment_id": in_review.pk})
    client.force_login(world.supervisor)
    assert url(in_review) in client.get(page).content.decode()
    client.force_login(world.clerk)
    assert url(in_review) not in client.get(page).content.decode()
    ps.assignment_transition(name="approve", assignment_id=in_review.pk, actor=world.supervisor)
    client.force_login(world.supervisor)
    assert url(in_review) not in client.get(page).content.decode()


def test_co_unit_opinion_review(client, world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        role="co_unit",
        state=S.DRAFTING,
    )
    rs.opinion_save_draft(assignment_id=a.pk, actor=world.clerk, body="我局支持申报研发中心。")
    rs.draft_submit(assignment_id=a.pk, actor=world.clerk)
    client.force_login(world.supervisor)
    assert "我局支持申报研发中心。" in client.get(url(a)).content.decode()
    decide(client, a, "approve")
    a.refresh_from_db()
    assert a.state == S.APPROVED
