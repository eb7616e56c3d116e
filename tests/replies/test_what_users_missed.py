"""What users missed: the return comment and the 不满意 feedback on top, confirmation for the
transitions that declare it, the formatted text on the review page, no default satisfaction,
labels that follow the body, and no draft preview once the letter is issued."""

import re

import pytest
from django.urls import reverse

from core.choices import AssignmentState
from core.choices import Satisfaction
from proposals import services as ps
from proposals.forms import TransitionForm
from proposals.models import Assignment
from proposals.workflow import steps
from replies import services as rs
from replies.forms import FeedbackForm
from replies.forms import ReplyDraftForm
from replies.models import IssuedLetter
from replies.models import Opinion
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

S = AssignmentState
BODY = "您的建议收悉。\n一、关于产业链招商\n**一是**强化精准招商。"


def item(world, state, session=None):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=session or world.npc_session),
        bureau=world.bureau,
        state=state,
        clerk=world.clerk,
    )
    ReplyFactory(assignment=a, body=BODY)
    return a


def page(client, user, name, a):
    client.force_login(user)
    return client.get(reverse(name, args=[a.pk])).content.decode()


def top(html):
    """The page from its title down to the first card of details."""
    return html[html.index("<h1>") : html.index('<dl class="meta">')]


# --- the return comment and the 不满意 feedback stand on top ---------------------------------


def test_the_return_comment_stands_on_top_until_resubmitted(world, client):
    a = item(world, S.IN_REVIEW)
    ps.assignment_transition(
        name="return_for_revision",
        assignment_id=a.pk,
        actor=world.supervisor,
        comment="请补充中介招商的奖励标准。",
    )
    html = page(client, world.clerk, "proposals:assignment", a)
    assert "退回修改意见" in top(html)
    assert "请补充中介招商的奖励标准。" in top(html)
    editor = page(client, world.clerk, "replies:draft", a)
    assert "请补充中介招商的奖励标准。" in editor[: editor.index('id="draft-form"')]
    rs.draft_submit(assignment_id=a.pk, actor=world.clerk)
    assert "退回修改意见" not in page(client, world.clerk, "proposals:assignment", a)


def test_unsatisfied_feedback_stands_on_top_while_rehandled(world, client):
    a = item(world, S.CC_SENT)
    rs.reply_record_feedback(
        assignment_id=a.pk,
        actor=world.npc,
        satisfaction=Satisfaction.UNSATISFIED,
        comment="希望明确园区建设时间表。",
    )
    a.refresh_from_db()
    assert a.state == S.DRAFTING
    html = page(client, world.clerk, "proposals:assignment", a)
    assert "代表反馈“不满意”，重新办理" in top(html)
    assert "希望明确园区建设时间表。" in top(html)
    editor = page(client, world.clerk, "replies:draft", a)
    assert "希望明确园区建设时间表。" in editor[: editor.index('id="draft-form"')]


# --- confirmation ------------------------------------------------------------------------------


def test_every_transition_declaring_a_question_gets_a_required_box():
    asking = {name: s for name, s in steps().items() if s.confirm}
    assert set(asking) == {"submit", "issue"}
    for name, declared in asking.items():
        form = TransitionForm(step=declared, prefix=name)
        html = str(form)
        assert declared.confirm in html
        assert re.search(rf'<input type="checkbox" name="{name}-confirm"[^>]* required', html)
        assert not TransitionForm({}, step=declared, prefix=name).is_valid()
    plain = TransitionForm(step=steps()["approve"], prefix="approve")
    assert "confirm" not in plain.fields


@pytest.mark.parametrize(
    ("state", "name", "url"),
    [(S.DRAFTING, "submit", "replies:submit"), (S.APPROVED, "issue", "replies:issue")],
)
def test_submit_and_issue_need_the_box_ticked(world, client, state, name, url):
    a = item(world, state)
    html = page(client, world.clerk, "proposals:assignment", a)
    assert f'name="{name}-confirm"' in html
    response = client.post(reverse(url, args=[a.pk]), {})
    assert response.status_code == 400
    assert f"请勾选确认后再{steps()[name].label}" in response.content.decode()
    a.refresh_from_db()
    assert a.state == state
    assert not IssuedLetter.objects.exists()
    response = client.post(reverse(url, args=[a.pk]), {f"{name}-confirm": "on"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.state != state


def test_a_co_units_opinion_is_sent_without_the_letters_question(world, client):
    lead = item(world, S.DRAFTING)
    co = AssignmentFactory(
        proposal=lead.proposal, bureau=world.other_bureau, role="co_unit", state=S.APPROVED
    )
    html = page(client, world.other_clerk, "proposals:assignment", co)
    assert 'name="issue-confirm"' not in html
    response = client.post(reverse("replies:issue", args=[co.pk]), {})
    assert response.status_code == 400  # nothing written yet: refused with the reason, no 500
    assert "协办意见尚未填写，不能送出" in response.content.decode()
    Opinion.objects.create(assignment=co, body="我局同意主办单位意见。")
    response = client.post(reverse("replies:issue", args=[co.pk]), {})
    assert response.status_code == 302
    co.refresh_from_db()
    assert co.state == S.ISSUED


# --- the review page ---------------------------------------------------------------------------


def test_review_shows_the_formatted_text_and_links_the_preview(world, client):
    a = item(world, S.DRAFTING)
    rs.draft_submit(assignment_id=a.pk, actor=world.clerk)
    html = page(client, world.supervisor, "replies:review", a)
    assert '<p class="h1">一、关于产业链招商</p>' in html
    assert "<strong>一是</strong>强化精准招商。" in html
    assert reverse("replies:preview", args=[a.pk]) in html


# --- satisfaction, labels, preview after issue ------------------------------------------------


def test_the_satisfaction_form_has_no_default_choice(world, client):
    assert "checked" not in str(FeedbackForm(prefix="feedback"))
    a = item(world, S.ISSUED)
    html = page(client, world.npc, "proposals:assignment", a)
    radios = re.findall(r'<input type="radio" name="feedback-satisfaction"[^>]*>', html)
    assert len(radios) == 3
    assert not any("checked" in r for r in radios)


def test_editor_labels_follow_the_body(world, client):
    cppcc = item(world, S.DRAFTING, session=world.cppcc_session)
    form = ReplyDraftForm(assignment=cppcc)
    assert (form.fields["leader_name"].label, form.fields["clerk_name"].label) == (
        "主办领导",
        "主办人",
    )
    npc = item(world, S.DRAFTING)
    form = ReplyDraftForm(assignment=npc)
    assert (form.fields["leader_name"].label, form.fields["clerk_name"].label) == (
        "承办领导",
        "承办人",
    )
    html = page(client, world.clerk, "proposals:assignment", cppcc)
    assert "<dt>主办领导</dt>" in html
    assert "主办领导：顾小晶" in html
    cppcc.reply.leader_name = ""
    cppcc.reply.save()
    html = page(client, world.clerk, "proposals:assignment", cppcc)
    assert "主办领导、主办人、联系电话均为必填" in html


def test_after_issue_the_draft_preview_link_goes_away(world, client):
    a = item(world, S.APPROVED)
    preview = reverse("replies:preview", args=[a.pk])
    assert preview in page(client, world.clerk, "proposals:assignment", a)
    rs.reply_issue(assignment_id=a.pk, actor=world.clerk)
    html = page(client, world.clerk, "proposals:assignment", a)
    assert preview not in html
    assert reverse("replies:letter_pdf", args=[IssuedLetter.objects.get().pk]) in html
    response = client.get(preview)
    assert response.status_code == 400
    assert "复函已印发" in response.content.decode()
    assert Assignment.objects.get(pk=a.pk).state == S.ISSUED
