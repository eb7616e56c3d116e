"""Preview, issuance, download and session export of reply-letter PDFs: who may, and that an
issued letter is rendered exactly once."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

import pytest
from django.core.cache import cache
from django.urls import reverse

from core.choices import AssignmentState
from proposals.models import AuditEvent
from replies import pdf as letter_pdf
from replies import services as rs
from replies.models import DocumentCounter
from replies.models import IssuedLetter
from replies.models import Reply
from replies.models import ReplyVersion
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.replies.pdf_support import issue_reference_letters
from tests.replies.pdf_support import letter_text
from tests.replies.pdf_support import normalise
from tests.replies.pdf_support import pdftotext

pytestmark = pytest.mark.django_db
S = AssignmentState


def drafting(world, *, body="一、关于测试\n已保存的正文。", role="lead", with_reply=True):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        state=S.DRAFTING,
        role=role,
    )
    if with_reply:
        ReplyFactory(assignment=a, body=body)
    return a


def counts():
    return (
        Reply.objects.count(),
        ReplyVersion.objects.count(),
        IssuedLetter.objects.count(),
        AuditEvent.objects.count(),
        list(Reply.objects.values_list("body", "answer_class", "updated_at")),
    )


# --- draft preview --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["clerk", "supervisor"])
def test_bureau_previews_the_saved_draft(client, world, who):
    a = drafting(world)
    client.force_login(world.role(who))
    before = counts()
    response = client.get(reverse("replies:preview", args=[a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # the live editor embeds it
    text = normalise(pdftotext(response.content))
    assert "已保存的正文。" in text
    assert "草" in text
    assert "稿" in text
    assert "〔2023〕41号" not in text
    assert counts() == before


def test_post_renders_the_unsaved_text_and_writes_nothing(client, world):
    a = drafting(world)
    client.force_login(world.clerk)
    before = counts()
    response = client.post(
        reverse("replies:preview", args=[a.pk]),
        {"body": "一、关于新写的标题\n新写的**正文**。", "answer_class": "C"},
    )
    assert response.status_code == 200
    text = normalise(pdftotext(response.content))
    assert "一、关于新写的标题" in text
    assert "新写的正文。" in text
    assert "C类" in text
    assert "已保存的正文" not in text
    assert counts() == before


def test_post_prints_html_literally_instead_of_refusing(client, world):
    a = drafting(world)
    client.force_login(world.clerk)
    response = client.post(
        reverse("replies:preview", args=[a.pk]),
        {"body": '<img src="file:///etc/passwd">', "answer_class": "A"},
    )
    assert response.status_code == 200
    assert b"/EmbeddedFile" not in response.content
    assert '<imgsrc="file:///etc/passwd">' in normalise(pdftotext(response.content))


def test_identical_preview_content_is_served_from_the_cache(client, world, monkeypatch):
    """The editor posts after every pause in typing: the same text is rendered once, a change
    renders again (the cache key is the hash of everything the draft prints)."""
    cache.clear()
    a = drafting(world)
    client.force_login(world.clerk)
    rendered = []
    real = letter_pdf.render_letter_pdf

    def counting(context, **kwargs):
        rendered.append(context.paragraphs)
        return real(context, **kwargs)

    monkeypatch.setattr(letter_pdf, "render_letter_pdf", counting)
    url = reverse("replies:preview", args=[a.pk])
    form = {"body": "一、关于缓存\n同样的正文。", "answer_class": "A"}
    first = client.post(url, form)
    second = client.post(url, form)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert len(rendered) == 1
    changed = client.post(url, {**form, "body": "一、关于缓存\n改过的正文。"})
    assert len(rendered) == 2
    assert "改过的正文。" in normalise(pdftotext(changed.content))
    client.post(url, {**form, "answer_class": "B"})  # the class mark prints too
    assert len(rendered) == 3
    cache.clear()


def test_preview_without_any_draft_creates_nothing(client, world):
    a = drafting(world, with_reply=False)
    client.force_login(world.clerk)
    response = client.get(reverse("replies:preview", args=[a.pk]))
    assert response.status_code == 200
    assert not Reply.objects.filter(assignment=a).exists()


def test_preview_refuses_a_bad_answer_class_and_an_overlong_body(client, world):
    a = drafting(world)
    client.force_login(world.clerk)
    url = reverse("replies:preview", args=[a.pk])
    bad = client.post(url, {"body": "正文", "answer_class": "Z"})
    assert bad.status_code == 400
    assert "答复分类须为以下之一：A、B、C" in bad.content.decode()
    long = client.post(url, {"body": "字" * (rs.BODY_MAX_CHARS + 1), "answer_class": "A"})
    assert long.status_code == 400
    assert "不能超过" in long.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("other_clerk", 404),  # another bureau does not even see the item
        ("other_supervisor", 404),
        ("npc", 403),  # offices see issued letters, not drafts
        ("cppcc", 403),
        ("duchashi", 403),
    ],
)
def test_outsiders_may_not_preview(client, world, who, status):
    a = drafting(world)
    client.force_login(world.role(who))
    url = reverse("replies:preview", args=[a.pk])
    assert client.get(url).status_code == status
    assert client.post(url, {"body": "x", "answer_class": "A"}).status_code == status


def test_anonymous_is_sent_to_login_and_co_unit_has_no_letter(client, world):
    a = drafting(world)
    response = client.get(reverse("replies:preview", args=[a.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    co = drafting(world, role="co_unit", with_reply=False)
    client.force_login(world.clerk)
    response = client.get(reverse("replies:preview", args=[co.pk]))
    assert response.status_code == 400
    assert "协办单位" in response.content.decode()


# --- issuance and download ------------------------------------------------------------------


def test_issuance_stores_the_pdf_and_its_hash(world):
    l50, _ = issue_reference_letters(world)
    letter = IssuedLetter.objects.get(pk=l50.letter.pk)
    assert letter.pdf.name.startswith("letters/")
    assert letter.pdf_sha256 == hashlib.sha256(l50.pdf).hexdigest()
    assert "临经信建复〔2023〕41号" in letter_text(l50.pdf)


def test_download_returns_the_stored_bytes_and_never_renders_again(client, world, monkeypatch):
    l50, _l46 = issue_reference_letters(world)

    def must_not_render(*args, **kwargs):
        raise AssertionError("an issued letter must never be rendered again")

    monkeypatch.setattr(letter_pdf, "render_letter_pdf", must_not_render)
    monkeypatch.setattr(letter_pdf, "render_letter_html", must_not_render)
    url = reverse("replies:letter_pdf", args=[l50.letter.pk])
    bodies = []
    for who in ["clerk", "supervisor", "npc", "cppcc", "duchashi", "clerk"]:
        client.force_login(world.role(who))
        response = client.get(url)
        assert response.status_code == 200, who
        assert response["Content-Type"] == "application/pdf"
        bodies.append(response.content)
    assert {hashlib.sha256(b).hexdigest() for b in bodies} == {l50.letter.pdf_sha256}
    assert "filename*=utf-8''%E4%B8%B4" in response["Content-Disposition"]  # 临经信…


def test_other_bureau_and_anonymous_cannot_download(client, world):
    l50, _ = issue_reference_letters(world)
    url = reverse("replies:letter_pdf", args=[l50.letter.pk])
    assert client.get(url).status_code == 302
    for who in ["other_clerk", "other_supervisor"]:
        client.force_login(world.role(who))
        assert client.get(url).status_code == 404
    assert client.get(reverse("replies:letter_pdf", args=[99999])).status_code == 404


def test_a_tampered_file_is_not_served(client, world):
    l50, _ = issue_reference_letters(world)
    with l50.letter.pdf.open("wb") as f:
        f.write(l50.pdf.replace(b"41", b"43", 1))
    client.force_login(world.npc)
    response = client.get(reverse("replies:letter_pdf", args=[l50.letter.pk]))
    assert response.status_code == 500
    assert "校验失败" in response.content.decode()


def test_a_rendering_failure_aborts_issuance_and_keeps_the_number(world, monkeypatch):
    DocumentCounter.objects.create(bureau=world.bureau, year=2023, last_serial=40)
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.APPROVED
    )
    ReplyFactory(assignment=a)

    def broken(*args, **kwargs):
        raise OSError("字体缺失")

    monkeypatch.setattr(letter_pdf, "render_letter_pdf", broken)
    with pytest.raises(OSError, match="字体缺失"):
        rs.reply_issue(assignment_id=a.pk, actor=world.clerk, issued_on=dt.date(2023, 5, 8))
    a.refresh_from_db()
    assert a.state == S.APPROVED
    assert not IssuedLetter.objects.exists()
    assert DocumentCounter.objects.get(bureau=world.bureau, year=2023).last_serial == 40


# --- session export -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["npc", "cppcc", "duchashi"])
def test_offices_export_a_session_as_one_zip(client, world, who):
    l50, _l46 = issue_reference_letters(world)
    client.force_login(world.role(who))
    response = client.get(reverse("replies:session_zip", args=[world.npc_session.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == ["临经信建复〔2023〕41号.pdf"]  # only this session's letters
    content = archive.read("临经信建复〔2023〕41号.pdf")
    assert hashlib.sha256(content).hexdigest() == l50.letter.pdf_sha256
    cppcc = client.get(reverse("replies:session_zip", args=[world.cppcc_session.pk]))
    names = zipfile.ZipFile(io.BytesIO(b"".join(cppcc.streaming_content))).namelist()
    assert names == ["临经信提复〔2023〕42号.pdf"]


@pytest.mark.parametrize("who", ["clerk", "supervisor", "other_clerk"])
def test_bureaus_may_not_export_sessions(client, world, who):
    issue_reference_letters(world)
    client.force_login(world.role(who))
    assert client.get(reverse("replies:session_zip", args=[world.npc_session.pk])).status_code == (
        403
    )
    assert client.get(reverse("replies:sessions")).status_code == 403


def test_session_page_lists_counts_and_links_for_offices(client, world):
    issue_reference_letters(world)
    client.force_login(world.npc)
    page = client.get(reverse("replies:sessions")).content.decode()
    assert reverse("replies:session_zip", args=[world.npc_session.pk]) in page
    assert "1 件" in page
    listing = client.get(reverse("proposals:list")).content.decode()
    assert reverse("replies:sessions") in listing


def test_item_page_links_preview_and_download(client, world):
    l50, _ = issue_reference_letters(world)
    a = l50.letter.reply.assignment
    download = reverse("replies:letter_pdf", args=[l50.letter.pk])
    preview = reverse("replies:preview", args=[a.pk])
    client.force_login(world.clerk)
    page = client.get(reverse("proposals:assignment", args=[a.pk])).content.decode()
    assert download in page
    assert preview not in page  # issued: no draft left to preview, the letter is the PDF
    client.force_login(world.npc)
    page = client.get(reverse("proposals:assignment", args=[a.pk])).content.decode()
    assert download in page
    assert preview not in page  # offices do not preview drafts
