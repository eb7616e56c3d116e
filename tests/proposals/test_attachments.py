"""Attachments: the type comes from the bytes, size and type are refused with the reason and
nothing stored; the office uploads, everyone who may see the item downloads, outsiders do not."""

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from proposals import services as ps
from proposals.models import Attachment
from proposals.models import AuditEvent
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.proposals.attachment_files import docx_bytes
from tests.proposals.attachment_files import image_bytes
from tests.proposals.attachment_files import pdf_bytes
from tests.proposals.attachment_files import xlsx_like_zip

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def nothing_stored(settings) -> bool:
    return (
        not Attachment.objects.exists()
        and not AuditEvent.objects.filter(verb="attachment_added").exists()
        and stored_files(settings) == []
    )


@pytest.fixture
def item(world):
    return AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau
    )


@pytest.mark.parametrize(
    ("name", "data", "kind", "shown_as"),
    [
        ("原件.pdf", pdf_bytes(), "application/pdf", "原件.pdf"),
        ("扫描件.PNG", image_bytes("PNG"), "image/png", "扫描件.png"),
        ("照片.jpeg", image_bytes("JPEG"), "image/jpeg", "照片.jpeg"),
        ("建议.docx", docx_bytes(), DOCX, "建议.docx"),
        # the bytes decide, not the name: a PDF called .docx is a PDF, and is offered as .pdf
        ("建议.docx", pdf_bytes(), "application/pdf", "建议.docx.pdf"),
        ("无扩展名", image_bytes("JPEG"), "image/jpeg", "无扩展名.jpg"),
    ],
)
def test_type_is_detected_from_the_bytes(name, data, kind, shown_as):
    checked = ps.attachment_check(ps.Upload(name, data))
    assert checked.kind == kind
    assert checked.name == shown_as
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("页面.pdf", b"<html><script>alert(1)</script></html>", "只接受PDF、PNG/JPEG 图片或 Word"),
        ("程序.png", b"MZ\x90\x00" + b"\x00" * 100, "只接受PDF、PNG/JPEG 图片或 Word"),
        ("坏图.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "图片文件已损坏"),
        ("截断.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "PDF 文件不完整"),
        ("宏.docx", docx_bytes(macro=True), "不接受含宏的 Word 文档"),
        ("表格.docx", xlsx_like_zip(), "不是 Word（.docx）文档"),
        ("空.pdf", b"", "文件是空的"),
        ("gif.png", b"GIF89a" + b"\x00" * 20, "只接受"),
    ],
)
def test_refused_types_say_why_and_store_nothing(world, item, settings, name, data, message):
    with pytest.raises(ApplicationError, match=message) as refused:
        ps.attachment_add(
            proposal_id=item.proposal_id, actor=world.npc, uploads=[ps.Upload(name, data)]
        )
    assert name[:4] in refused.value.message  # the message names the file
    assert nothing_stored(settings)


def test_one_bad_file_refuses_the_whole_upload(world, item, settings):
    settings.FUHAN_ATTACHMENT_MAX_BYTES = 1000
    uploads = [ps.Upload("好.pdf", pdf_bytes()), ps.Upload("大.pdf", pdf_bytes("x" * 2000))]
    with pytest.raises(ApplicationError, match=r"“大\.pdf”过大"):
        ps.attachment_add(proposal_id=item.proposal_id, actor=world.npc, uploads=uploads)
    assert nothing_stored(settings)


def test_office_uploads_on_the_item_page_and_everyone_who_sees_the_item_downloads(
    world, item, client, settings
):
    client.force_login(world.npc)
    page = client.get(reverse("proposals:assignment", args=[item.pk])).content.decode()
    assert "上传原件" in page
    response = client.post(
        reverse("proposals:attachment_upload", args=[item.pk]),
        {
            "att-upload": [
                SimpleUploadedFile("原件.pdf", pdf_bytes(), content_type="text/plain"),
                SimpleUploadedFile("照片.png", image_bytes("PNG")),
            ]
        },
    )
    assert response.status_code == 302
    pdf, png = Attachment.objects.order_by("pk")
    assert (pdf.original_name, pdf.content_type, pdf.uploaded_by) == (
        "原件.pdf",
        "application/pdf",
        world.npc,
    )
    assert pdf.size == len(pdf_bytes())
    assert pdf.sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    assert png.content_type == "image/png"
    assert len(stored_files(settings)) == 2
    assert not pdf.file.name.endswith("原件.pdf")  # stored under a random name
    assert AuditEvent.objects.filter(verb="attachment_added").count() == 2

    url = reverse("proposals:attachment", args=[pdf.pk])
    for user in (world.clerk, world.supervisor, world.npc, world.cppcc, world.duchashi):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == pdf_bytes()
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        page = client.get(reverse("proposals:assignment", args=[item.pk])).content.decode()
        assert "原件.pdf" in page
    # the bureau sees the files but may not add or remove any
    client.force_login(world.clerk)
    page = client.get(reverse("proposals:assignment", args=[item.pk])).content.decode()
    assert "上传原件" not in page


def test_outsiders_are_refused_on_download_and_upload(world, item, client, settings):
    attachment = ps.attachment_add(
        proposal_id=item.proposal_id, actor=world.npc, uploads=[ps.Upload("原件.pdf", pdf_bytes())]
    )[0]
    url = reverse("proposals:attachment", args=[attachment.pk])
    for outsider in (world.other_clerk, world.other_supervisor):
        client.force_login(outsider)
        response = client.get(url)
        assert response.status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    before = (Attachment.objects.count(), stored_files(settings))
    upload = {"att-upload": SimpleUploadedFile("x.pdf", pdf_bytes())}
    client.force_login(world.clerk)  # sees the item, may not add to it
    assert (
        client.post(reverse("proposals:attachment_upload", args=[item.pk]), upload).status_code
        == 403
    )
    client.force_login(world.cppcc)  # the other body's office
    upload = {"att-upload": SimpleUploadedFile("x.pdf", pdf_bytes())}
    assert (
        client.post(reverse("proposals:attachment_upload", args=[item.pk]), upload).status_code
        == 403
    )
    remove = reverse("proposals:attachment_remove", args=[item.pk, attachment.pk])
    assert client.post(remove).status_code == 403
    client.force_login(world.other_clerk)
    assert client.post(remove).status_code == 404
    assert (Attachment.objects.count(), stored_files(settings)) == before
    with pytest.raises(AccessDenied):
        ps.attachment_add(
            proposal_id=item.proposal_id,
            actor=world.clerk,
            uploads=[ps.Upload("x.pdf", pdf_bytes())],
        )


def test_refused_upload_on_the_page_keeps_the_reason_and_stores_nothing(
    world, item, client, settings
):
    client.force_login(world.npc)
    response = client.post(
        reverse("proposals:attachment_upload", args=[item.pk]),
        {"att-upload": SimpleUploadedFile("说明.pdf", b"<html>not a pdf</html>")},
    )
    assert response.status_code == 400
    assert "“说明.pdf”：只接受PDF、PNG/JPEG 图片或 Word（.docx）文件" in response.content.decode()
    assert nothing_stored(settings)


def test_office_removes_an_attachment(
    world, item, client, settings, django_capture_on_commit_callbacks
):
    attachment = ps.attachment_add(
        proposal_id=item.proposal_id, actor=world.npc, uploads=[ps.Upload("错传.pdf", pdf_bytes())]
    )[0]
    client.force_login(world.npc)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("proposals:attachment_remove", args=[item.pk, attachment.pk])
        )
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []
    assert AuditEvent.objects.filter(verb="attachment_removed", message="错传.pdf").exists()


def test_a_tampered_file_is_not_served(world, item, client):
    attachment = ps.attachment_add(
        proposal_id=item.proposal_id, actor=world.npc, uploads=[ps.Upload("原件.pdf", pdf_bytes())]
    )[0]
    Path(attachment.file.path).write_bytes(pdf_bytes("changed"))
    client.force_login(world.clerk)
    response = client.get(reverse("proposals:attachment", args=[attachment.pk]))
    assert response.status_code == 500
    assert "校验失败" in response.content.decode()
