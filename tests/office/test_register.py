"""The office registers one item on a page: Django form validation with Chinese errors next to
the fields, attachments checked before anything is written, a collective proposer addressed by
name only on the pages and in the letter."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proposals.models import Assignment
from proposals.models import Attachment
from proposals.models import AuditEvent
from proposals.models import Proposal
from replies import pdf as letter_pdf
from replies import services as rs
from tests.proposals.attachment_files import docx_bytes
from tests.proposals.attachment_files import pdf_bytes
from tests.replies.pdf_support import letter_text

CONTENT = "一、问题\n乡村振兴需要民营企业参与。\n二、建议\n1. 出台扶持政策。\n2. 搭建对接平台。"


def form_data(world, **overrides):
    data = {
        "session": world.cppcc_session.pk,
        "number": 47,
        "title": "《关于支持民营企业参与乡村振兴的提案》",
        "lead_proposer": "民建临安区基层委员会",
        "signer_count": 1,
        "cosigners": "",
        "is_collective": "on",
        "content": CONTENT,
        "lead_bureaus": [world.bureau.pk],
        "co_bureaus": [world.other_bureau.pk],
        "assigned_date": "2026-11-20",
    }
    data.update(overrides)
    return data


def snapshot(settings):
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    return (
        Proposal.objects.count(),
        Assignment.objects.count(),
        Attachment.objects.count(),
        AuditEvent.objects.count(),
        sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else [],
    )


@time_machine.travel(dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC), tick=False)
def test_office_registers_a_collective_proposal_with_its_text_and_originals(world, client):
    client.force_login(world.cppcc)
    page = client.get(reverse("office:register"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/office/register/"' in html  # the menu offers it
    assert world.npc_session.name not in html  # only the office's own sessions
    data = form_data(world)
    data["attachments"] = [
        SimpleUploadedFile("提案原件.pdf", pdf_bytes()),
        SimpleUploadedFile("附表.docx", docx_bytes()),
    ]
    response = client.post(reverse("office:register"), data)
    assert response.status_code == 302
    p = Proposal.objects.get()
    assert (p.session, p.number, p.title) == (
        world.cppcc_session,
        47,
        "关于支持民营企业参与乡村振兴的提案",
    )
    assert p.is_collective
    assert p.content == CONTENT
    assert p.salutation == "民建临安区基层委员会"
    assert p.you == "您们"
    lead = p.assignments.get(role="lead")
    assert response["Location"] == reverse("proposals:assignment", args=[lead.pk])
    assert lead.assigned_date == dt.date(2026, 11, 20)
    assert lead.due_date == dt.date(2027, 2, 22)  # 2027-02-20 is a Saturday: moved (policy)
    assert p.assignments.get(role="co_unit").bureau == world.other_bureau
    assert sorted(p.attachments.values_list("original_name", flat=True)) == [
        "提案原件.pdf",
        "附表.docx",
    ]
    assert AuditEvent.objects.filter(verb="registered").count() == 1

    # the bureau's clerk sees the text, the originals and the name alone, never “…委员”
    client.force_login(world.clerk)
    page = client.get(reverse("proposals:assignment", args=[lead.pk])).content.decode()
    assert "乡村振兴需要民营企业参与。" in page
    assert "提案原件.pdf" in page
    assert "附表.docx" in page
    assert "民建临安区基层委员会" in page
    assert "委员会委员" not in page
    assert "尚未登记与民建临安区基层委员会的面商沟通" in page


def test_collective_salutation_in_the_letter_and_the_editor(world, client):
    from proposals import services as ps

    p = ps.proposal_register(
        session=world.cppcc_session,
        number=47,
        title="关于支持民营企业参与乡村振兴的提案",
        lead_proposer="民建临安区基层委员会",
        assigned_date=dt.date(2026, 3, 2),
        lead_bureaus=[world.bureau],
        is_collective=True,
        content=CONTENT,
        actor=world.cppcc,
    )
    a = p.assignments.get()
    for name in ("accept", "start_drafting"):
        ps.assignment_transition(name=name, assignment_id=a.pk, actor=world.clerk)
    reply = rs.reply_save_draft(
        assignment_id=a.pk,
        actor=world.clerk,
        body=f"{p.you}提出的《{p.title}》收悉。现答复如下：\n一、关于扶持政策\n正文。",
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
    )
    context = letter_pdf.letter_context_from_reply(reply)
    assert context.salutation == "民建临安区基层委员会"
    text = letter_text(letter_pdf.render_letter_pdf(context, draft=True))
    assert "民建临安区基层委员会：您们提出的" in text
    assert "委员会委员" not in text
    client.force_login(world.clerk)
    editor = client.get(reverse("replies:draft", args=[a.pk])).content.decode()
    assert "称呼：民建临安区基层委员会：" in editor
    assert "乡村振兴需要民营企业参与。" in editor  # the item's text beside the draft


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "该字段是必填项"),
        ({"title": "<b>标题</b>"}, "title", "HTML"),
        ({"lead_bureaus": []}, "lead_bureaus", "该字段是必填项"),
        ({"co_bureaus": ["LEAD"]}, "co_bureaus", "不能既是主办单位又是协办单位"),
        ({"number": 0}, "number", "大于或等于1"),
        ({"assigned_date": "2099-01-01"}, "assigned_date", "交办日期不能晚于今天"),
        ({"assigned_date": "昨天"}, "assigned_date", "有效的日期"),
        ({"content": "<script>x</script>"}, "content", "HTML"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_changes_nothing(
    world, client, settings, overrides, field, message
):
    if overrides.get("co_bureaus") == ["LEAD"]:
        overrides = {"co_bureaus": [world.bureau.pk]}
    client.force_login(world.cppcc)
    before = snapshot(settings)
    data = form_data(world, **overrides)
    data["attachments"] = [SimpleUploadedFile("原件.pdf", pdf_bytes())]
    response = client.post(reverse("office:register"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert "民建临安区基层委员会" in response.content.decode()  # the input is kept
    assert snapshot(settings) == before


def test_duplicate_number_and_bad_attachment_are_refused(world, client, settings):
    client.force_login(world.cppcc)
    assert client.post(reverse("office:register"), form_data(world)).status_code == 302
    before = snapshot(settings)
    response = client.post(reverse("office:register"), form_data(world, title="另一件"))
    assert response.status_code == 400
    assert "第47号已存在" in " ".join(response.context["form"].errors["number"])
    data = form_data(world, number=48)
    data["attachments"] = [
        SimpleUploadedFile("原件.pdf", pdf_bytes()),
        SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00 not a pdf"),
    ]
    response = client.post(reverse("office:register"), data)
    assert response.status_code == 400
    assert "“病毒.pdf”：只接受" in " ".join(response.context["form"].errors["attachments"])
    assert snapshot(settings) == before


def test_outsiders_are_refused_the_registration_page(world, client, settings):
    before = snapshot(settings)
    for user in (world.clerk, world.supervisor, world.duchashi):
        client.force_login(user)
        assert client.get(reverse("office:register")).status_code == 403
        assert client.post(reverse("office:register"), form_data(world)).status_code == 403
        assert (
            'href="/office/register/"'
            not in client.get(reverse("proposals:inbox")).content.decode()
        )
    # the NPC office may not register into a CPPCC session: the choice is not offered
    client.force_login(world.npc)
    response = client.post(reverse("office:register"), form_data(world))
    assert response.status_code == 400
    assert "session" in response.context["form"].errors
    assert snapshot(settings) == before
