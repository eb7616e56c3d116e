"""Co-units as Chinese platforms run them: the lead unit submits only once every co-unit has
sent its opinion (the page names the missing ones), its editor shows the opinions, the co-units
read the issued letter, and the letter is copied to them by default."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.exceptions import TransitionError
from notifications.models import Notification
from notifications.services import transition_notify
from proposals import services as ps
from proposals.access import transition_check
from proposals.models import Assignment
from replies import services as rs
from replies.models import Opinion
from tests.factories import AssignmentFactory
from tests.factories import BureauFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.factories import make_staff

S = AssignmentState
CO = AssignmentRole.CO_UNIT


@pytest.fixture
def item(world):
    """A lead unit drafting a complete letter, with two co-units that have not sent yet."""
    proposal = ProposalFactory(session=world.npc_session, number=7)
    lead = AssignmentFactory(proposal=proposal, bureau=world.bureau, state=S.DRAFTING)
    ReplyFactory(assignment=lead)
    kj = BureauFactory(full_name="杭州市临安区科学技术局", short_name="区科技局")
    co_sw = AssignmentFactory(
        proposal=proposal, bureau=world.other_bureau, role=CO, state=S.DRAFTING
    )
    co_kj = AssignmentFactory(proposal=proposal, bureau=kj, role=CO, state=S.ACCEPTED)
    kj_clerk = make_staff(role="clerk", bureau=kj, username="kj_clerk")
    return lead, co_sw, co_kj, kj_clerk


def send_opinion(world, co, clerk, supervisor, text):
    if co.state == S.ACCEPTED:
        ps.assignment_transition(name="start_drafting", assignment_id=co.pk, actor=clerk)
    rs.opinion_save_draft(assignment_id=co.pk, actor=clerk, body=text, leader_name="周建华")
    rs.draft_submit(assignment_id=co.pk, actor=clerk)
    ps.assignment_transition(name="approve", assignment_id=co.pk, actor=supervisor)
    rs.opinion_send(assignment_id=co.pk, actor=clerk)


def test_submit_blocked_until_every_opinion_is_in_and_the_page_names_the_missing(
    world, item, client
):
    lead, co_sw, co_kj, kj_clerk = item
    can = transition_check(assignment=lead, name="submit", user=world.clerk)
    assert not can.ok
    assert can.reason == "尚有协办单位未送出协办意见（区商务局、区科技局），收齐后才能提交审核"
    client.force_login(world.clerk)
    html = client.get(reverse("proposals:assignment", args=[lead.pk])).content.decode()
    assert re.search(r'<button type="button" disabled[^>]*>提交审核</button>', html)
    assert "（区商务局、区科技局），收齐后才能提交审核" in html
    response = client.post(
        reverse("replies:submit", args=[lead.pk]), {"submit-confirm": "on", "submit-comment": ""}
    )
    assert response.status_code == 400
    assert "区商务局、区科技局" in response.content.decode()
    with pytest.raises(TransitionError, match="区商务局、区科技局"):
        rs.draft_submit(assignment_id=lead.pk, actor=world.clerk)

    send_opinion(world, co_sw, world.other_clerk, world.other_supervisor, "我局同意主办单位意见。")
    can = transition_check(assignment=lead, name="submit", user=world.clerk)
    assert can.reason == "尚有协办单位未送出协办意见（区科技局），收齐后才能提交审核"
    kj_boss = make_staff(role="supervisor", bureau=co_kj.bureau, username="kj_boss")
    send_opinion(world, co_kj, kj_clerk, kj_boss, "我局将支持企业研发。")
    rs.draft_submit(assignment_id=lead.pk, actor=world.clerk)
    lead.refresh_from_db()
    assert lead.state == S.IN_REVIEW


def test_a_co_unit_moved_elsewhere_no_longer_holds_the_lead_back(world, item):
    lead, co_sw, co_kj, _ = item
    for co in (co_sw, co_kj):
        Assignment.objects.filter(pk=co.pk).update(state=S.REASSIGNED)
    assert transition_check(assignment=lead, name="submit", user=world.clerk).ok


def test_the_leads_editor_shows_sent_opinions_and_the_missing_ones(world, item, client):
    lead, co_sw, co_kj, _ = item
    send_opinion(world, co_sw, world.other_clerk, world.other_supervisor, "**一是**加大招商力度。")
    Opinion.objects.create(assignment=co_kj, body="科技局尚未定稿的意见")  # a draft: not shown
    client.force_login(world.clerk)
    html = client.get(reverse("replies:draft", args=[lead.pk])).content.decode()
    assert "协办单位意见" in html
    assert "<strong>一是</strong>加大招商力度。" in html
    assert "尚未送出" in html
    assert "科技局尚未定稿的意见" not in html


def test_co_units_read_the_issued_letter_and_others_do_not(world, item, client):
    lead, co_sw, co_kj, kj_clerk = item
    Assignment.objects.filter(pk__in=[co_sw.pk, co_kj.pk]).update(state=S.ISSUED)
    Assignment.objects.filter(pk=lead.pk).update(state=S.APPROVED)
    letter = rs.reply_issue(assignment_id=lead.pk, actor=world.clerk)
    url = reverse("replies:letter_pdf", args=[letter.pk])
    client.force_login(world.other_clerk)  # 区商务局, a co-unit
    page = client.get(reverse("proposals:assignment", args=[co_sw.pk])).content.decode()
    assert url in page
    assert "主办单位复函" in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    api = reverse("api:letter", args=[letter.pk])
    assert client.get(api).json()["doc_number"] == letter.doc_number  # the API agrees
    # a bureau that is not on the item
    outsider_bureau = BureauFactory()
    outsider = make_staff(role="clerk", bureau=outsider_bureau, username="outsider")
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(api).status_code == 404
    # a co-unit whose part moved to another bureau no longer reads it
    Assignment.objects.filter(pk=co_kj.pk).update(state=S.REASSIGNED)
    client.force_login(kj_clerk)
    assert client.get(url).status_code == 404


def test_default_cc_includes_the_co_units_and_they_are_told(world, item):
    lead, co_sw, co_kj, _ = item
    lead.reply.delete()
    reply = rs.reply_get_or_create_draft(assignment=lead)
    assert reply.cc_list == [*world.npc_session.default_cc, "区商务局", "区科技局"]
    reply.body = "您的建议收悉。"
    reply.answer_class = "A"
    reply.save()
    Assignment.objects.filter(pk__in=[co_sw.pk, co_kj.pk]).update(state=S.ISSUED)
    Assignment.objects.filter(pk=lead.pk).update(state=S.APPROVED)
    letter = rs.reply_issue(
        assignment_id=lead.pk, actor=world.clerk, issued_on=timezone.localdate()
    )
    assert letter.cc_list[-2:] == ["区商务局", "区科技局"]
    log = StateLog.objects.filter(transition="issue", object_id=lead.pk).latest("pk")
    transition_notify(assignment_id=lead.pk, transition="issue", statelog_id=log.pk)
    told = set(
        Notification.objects.filter(kind="issued").values_list("recipient__username", flat=True)
    )
    assert {"other_clerk", "kj_clerk", "npc", "duchashi"} <= told
