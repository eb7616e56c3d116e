import io

import pdfplumber
import pytest
from django.urls import reverse

from core.exceptions import AccessDenied
from proposals import services as ps
from replies.redaction import redact_phones
from tests.portal.support import issue
from tests.portal.support import register

BODY = (
    "您的建议收悉。\n一、关于产业发展\n"
    "如有疑问请致电区经信局产业科0571-63712345，或联系王科长13906781234、"
    "手机 139 0678 4321，电话：63711111。\n"
    "近三年投入8000万元，2022年增长15.9%，联系人见文末。"
)
PHONES = ("63712345", "13906781234", "139 0678 4321", "63711111", "89541421")


def test_phone_numbers_are_hidden_but_other_numbers_stay():
    text = redact_phones(BODY)
    for phone in PHONES[:4]:
        assert phone not in text
    assert "8000万元" in text
    assert "2022年增长15.9%" in text
    assert text.count("（号码已隐去）") == 4


def published(world, publicity="public"):
    proposal = register(world)
    letter = issue(world, proposal, body=BODY)
    ps.proposal_set_publicity(proposal_id=proposal.pk, publicity=publicity, actor=world.npc)
    return proposal, letter


def test_public_page_lists_published_replies_without_phones_or_staff(world, client):
    proposal, letter = published(world)
    hidden = register(world, number=51, lead="王五", cosigners="")
    issue(world, hidden)  # 不公开 by default
    index = client.get(reverse("portal:public")).content.decode()
    assert world.npc_session.name in index
    page = client.get(reverse("portal:public_session", args=[world.npc_session.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert proposal.title in html
    assert hidden.title not in html
    detail = client.get(reverse("portal:public_letter", args=[letter.pk])).content.decode()
    assert "一、关于产业发展" in detail
    for text in (html, detail):
        for phone in PHONES:
            assert phone not in text
        for staff in ("楼伟荣", "顾小晶", "承办人", "联系电话"):
            assert staff not in text


def test_public_pdf_has_no_contact_block_or_phone(world, client):
    _, letter = published(world)
    response = client.get(reverse("portal:public_letter_pdf", args=[letter.pk]))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    compact = text.replace(" ", "").replace("\n", "")
    assert "关于产业发展" in compact
    assert letter.doc_number in compact
    for phone in PHONES:
        assert phone.replace(" ", "") not in compact
    for staff in ("楼伟荣", "顾小晶", "承办人", "承办领导", "联系电话"):
        assert staff not in compact
    # the stored original keeps them (it is the bureau's letter to the proposer)
    with pdfplumber.open(letter.pdf.path) as pdf:
        original = "".join(p.extract_text() or "" for p in pdf.pages).replace(" ", "")
    assert "89541421" in original.replace("\n", "")


def test_search_and_on_request_and_unpublished(world, client):
    proposal, letter = published(world)
    other = register(world, number=51, lead="王五", cosigners="")
    other_letter = issue(world, other)
    ps.proposal_set_publicity(proposal_id=other.pk, publicity="on_request", actor=world.npc)
    url = reverse("portal:public_session", args=[world.npc_session.pk])
    html = client.get(url).content.decode()
    assert "依申请公开" in html
    assert other.title in html
    assert client.get(reverse("portal:public_letter", args=[other_letter.pk])).status_code == 404
    pdf_url = reverse("portal:public_letter_pdf", args=[other_letter.pk])
    assert client.get(pdf_url).status_code == 404
    found = client.get(url, {"q": "产业发展"}).content.decode()
    assert proposal.title in found
    assert other.title not in found
    assert "没有符合条件" in client.get(url, {"q": "无此内容"}).content.decode()
    # back to 不公开: gone from the page and its letter refused
    ps.proposal_set_publicity(proposal_id=proposal.pk, publicity="private", actor=world.npc)
    assert client.get(reverse("portal:public_letter", args=[letter.pk])).status_code == 404


@pytest.mark.parametrize("who", ["clerk", "supervisor", "cppcc", "duchashi"])
def test_only_the_handling_office_sets_publicity(world, who):
    proposal = register(world)
    with pytest.raises(AccessDenied):
        ps.proposal_set_publicity(
            proposal_id=proposal.pk, publicity="public", actor=world.role(who)
        )
    proposal.refresh_from_db()
    assert proposal.publicity == "private"
