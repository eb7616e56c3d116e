"""The two real items, from registration (交办) to cc_sent, through the services only."""

import datetime as dt
from pathlib import Path

import pytest
from django_fsm_log.models import StateLog

from core.choices import AssignmentState
from proposals import services as ps
from replies import services as rs
from replies.models import DocumentCounter
from replies.models import IssuedLetter

S = AssignmentState
DEMO = Path(__file__).resolve().parents[2] / "offices" / "demo"


def walk_to_cc_sent(world, *, session, number, title, proposer, signers, body_file):
    office = world.npc if session.body == "npc" else world.cppcc
    proposal = ps.proposal_register(
        session=session,
        number=number,
        title=title,
        lead_proposer=proposer,
        signer_count=signers,
        assigned_date=dt.date(2023, 3, 10),
        lead_bureaus=[world.bureau],
        actor=office,
    )
    a = proposal.assignments.get()
    assert a.state == S.ASSIGNED
    # 3 months under the session policy: Saturday 06-10, moved to the next working day
    assert a.due_date == dt.date(2023, 6, 12)
    ps.assignment_transition(name="accept", assignment_id=a.pk, actor=world.clerk)
    ps.assignment_transition(name="start_drafting", assignment_id=a.pk, actor=world.clerk)
    rs.reply_save_draft(
        assignment_id=a.pk,
        actor=world.clerk,
        body=(DEMO / body_file).read_text(),
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
    )
    rs.draft_submit(assignment_id=a.pk, actor=world.clerk)
    ps.assignment_transition(
        name="return_for_revision", assignment_id=a.pk, actor=world.supervisor, comment="请核对数据"
    )
    rs.draft_submit(assignment_id=a.pk, actor=world.clerk)
    ps.assignment_transition(name="approve", assignment_id=a.pk, actor=world.supervisor)
    letter = rs.reply_issue(assignment_id=a.pk, actor=world.clerk, issued_on=dt.date(2023, 5, 8))
    ps.assignment_transition(name="send_cc", assignment_id=a.pk, actor=world.clerk)
    a.refresh_from_db()
    return a, letter


@pytest.mark.django_db
def test_items_50_and_46_reach_cc_sent_with_the_reference_numbers(world):
    DocumentCounter.objects.create(bureau=world.bureau, year=2023, last_serial=40)
    a50, l50 = walk_to_cc_sent(
        world,
        session=world.npc_session,
        number=50,
        title="关于进一步加强五金工具产业发展的建议",
        proposer="申卫康",
        signers=13,
        body_file="reply_npc_50.txt",
    )
    a46, l46 = walk_to_cc_sent(
        world,
        session=world.cppcc_session,
        number=46,
        title="关于由行业协会牵头以企引企进行产业链精准招商的建议",
        proposer="孙建文",
        signers=1,
        body_file="reply_cppcc_46.txt",
    )
    assert (a50.state, a46.state) == (S.CC_SENT, S.CC_SENT)
    assert l50.doc_number == "临经信建复〔2023〕41号"
    assert l46.doc_number == "临经信提复〔2023〕42号"
    assert a50.proposal.salutation == "申卫康等13位代表"
    assert a46.proposal.salutation == "孙建文委员"
    assert l46.cc_list == ["区政协办公室", "区政协提案委员会", "区政府督查室"]
    assert a50.reply.versions.count() == 2  # submitted twice: once returned, once approved
    trail = list(
        StateLog.objects.for_(a50).order_by("pk").values_list("transition", "by__username")
    )
    assert trail == [
        ("accept", "clerk"),
        ("start_drafting", "clerk"),
        ("submit", "clerk"),
        ("return_for_revision", "supervisor"),
        ("submit", "clerk"),
        ("approve", "supervisor"),
        ("issue", "clerk"),
        ("send_cc", "clerk"),
    ]


@pytest.mark.django_db
def test_unsatisfied_feedback_reopens_and_reissue_gets_a_new_number(world):
    DocumentCounter.objects.create(bureau=world.bureau, year=2023, last_serial=40)
    a, first = walk_to_cc_sent(
        world,
        session=world.npc_session,
        number=50,
        title="关于进一步加强五金工具产业发展的建议",
        proposer="申卫康",
        signers=13,
        body_file="reply_npc_50.txt",
    )
    rs.reply_record_feedback(
        assignment_id=a.pk, actor=world.npc, satisfaction="unsatisfied", comment="希望明确时间表"
    )
    a.refresh_from_db()
    assert a.state == S.DRAFTING
    rs.draft_submit(assignment_id=a.pk, actor=world.clerk)
    ps.assignment_transition(name="approve", assignment_id=a.pk, actor=world.supervisor)
    second = rs.reply_issue(assignment_id=a.pk, actor=world.clerk, issued_on=dt.date(2023, 8, 1))
    assert second.doc_number == "临经信建复〔2023〕42号"
    assert IssuedLetter.objects.get(pk=first.pk).doc_number == "临经信建复〔2023〕41号"


@pytest.mark.django_db
def test_demo_command_builds_the_reference_letters_and_every_state():
    from django.core.management import call_command

    from proposals.models import Assignment

    call_command("seed_demo")
    numbers = set(IssuedLetter.objects.values_list("doc_number", flat=True))
    assert {"临经信建复〔2023〕41号", "临经信提复〔2023〕42号"} <= numbers
    states = set(Assignment.objects.values_list("state", flat=True))
    assert states == set(S.values) - {S.REASSIGNED}
    call_command("seed_demo")  # a second run changes nothing
    assert IssuedLetter.objects.count() == len(numbers)
