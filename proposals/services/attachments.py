"""Attachments: the original suggestion as the office received it (PDF, PNG/JPEG, .docx).

The type is decided from the bytes (magic numbers, the image decoder, the .docx zip structure),
never from the file name. Every file of an upload is checked before anything is written, so a
refused upload stores nothing: no row, no file, no audit entry."""

from __future__ import annotations

import contextlib
import hashlib
import io
import zipfile
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from core.choices import AttachmentKind
from core.choices import AuditVerb
from core.exceptions import ApplicationError
from core.validation import clean_text
from proposals.access import may_add_attachment
from proposals.models import Attachment
from proposals.models import Proposal
from proposals.services.common import audit

ACCEPTED = "PDF、PNG/JPEG 图片或 Word（.docx）"
_EXTENSIONS = {
    AttachmentKind.PDF: (".pdf",),
    AttachmentKind.PNG: (".png",),
    AttachmentKind.JPEG: (".jpg", ".jpeg"),
    AttachmentKind.DOCX: (".docx",),
}
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_ZIP_MEMBER_MAX = 1024 * 1024  # [Content_Types].xml is a few KB; more is not a Word file


@dataclass(frozen=True)
class Upload:
    """One uploaded file as the form hands it over: the name the user's computer gave it and
    its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class CheckedUpload:
    name: str  # shown and offered on download; its extension matches the detected type
    data: bytes
    kind: AttachmentKind
    sha256: str


def _docx(data: bytes) -> AttachmentKind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise ApplicationError(f"该压缩文件不是 Word（.docx）文档；只接受{ACCEPTED}文件")
            if "word/vbaProject.bin" in names:
                raise ApplicationError("不接受含宏的 Word 文档，请另存为普通的 .docx 后上传")
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _ZIP_MEMBER_MAX:
                raise ApplicationError("Word 文档结构异常，无法识别")
            types = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError) as exc:
        raise ApplicationError("Word 文档已损坏，无法读取") from exc
    if _DOCX_MAIN not in types:
        raise ApplicationError(f"该文件不是 Word（.docx）文档；只接受{ACCEPTED}文件")
    return AttachmentKind.DOCX


def _image(data: bytes) -> AttachmentKind:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ApplicationError("图片尺寸过大，请缩小后上传") from exc
    except Exception as exc:  # any decoder error: a broken image
        raise ApplicationError("图片文件已损坏，无法识别") from exc
    if fmt == "PNG":
        return AttachmentKind.PNG
    if fmt == "JPEG":
        return AttachmentKind.JPEG
    raise ApplicationError(f"只接受{ACCEPTED}文件")


def attachment_detect(data: bytes) -> AttachmentKind:
    """The file's type from its content; ApplicationError (in Chinese) when it is none we take."""
    if not data:
        raise ApplicationError("文件是空的")
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise ApplicationError("PDF 文件不完整（缺少文件结束标记），请重新导出后上传")
        return AttachmentKind.PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff"):
        return _image(data)
    if data.startswith(b"PK\x03\x04"):
        return _docx(data)
    raise ApplicationError(f"只接受{ACCEPTED}文件（按文件内容判断，不看扩展名）")


def _display_name(name: str, kind: AttachmentKind) -> str:
    """The user's file name, cleaned, with the extension of the detected type."""
    base = PurePath(name.replace("\\", "/")).name.strip() or "附件"
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"/\\|?*')
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem:
        stem, ext = base, ""
    if f".{ext.lower()}" not in _EXTENSIONS[kind]:
        stem, ext = base, kind.extension.lstrip(".")  # keep the whole name, add the real type
    stem = clean_text(stem, label="文件名") or "附件"
    return f"{stem[:150]}.{ext.lower()}"


def attachment_check(upload: Upload) -> CheckedUpload:
    """Size and type of one file; raises ApplicationError naming the file."""
    limit = settings.FUHAN_ATTACHMENT_MAX_BYTES
    label = PurePath(upload.name.replace("\\", "/")).name[:80] or "附件"
    if len(upload.data) > limit:
        raise ApplicationError(
            f"“{label}”过大（{len(upload.data) / 1024 / 1024:.1f} MB），"
            f"附件不能超过 {limit / 1024 / 1024:.0f} MB"
        )
    try:
        kind = attachment_detect(upload.data)
        name = _display_name(upload.name, kind)
    except ApplicationError as exc:
        raise ApplicationError(f"“{label}”：{exc.message}") from exc
    return CheckedUpload(name, upload.data, kind, hashlib.sha256(upload.data).hexdigest())


def attachments_check(uploads: Sequence[Upload]) -> list[CheckedUpload]:
    """Every file of an upload, before anything is written."""
    most = settings.FUHAN_ATTACHMENTS_PER_UPLOAD
    if len(uploads) > most:
        raise ApplicationError(f"一次最多上传 {most} 个附件")
    return [attachment_check(u) for u in uploads]


@contextlib.contextmanager
def _files_removed_on_error(stored: list[Attachment]) -> Iterator[None]:
    """Files written so far are deleted again when the transaction does not get through."""
    try:
        yield
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise


def attachments_store(
    *, proposal: Proposal, checked: Sequence[CheckedUpload], actor: Any
) -> list[Attachment]:
    """Write checked files (inside the caller's transaction: registration or attachment_add),
    one audit row each. A failure removes the files already written and re-raises."""
    stored: list[Attachment] = []
    with _files_removed_on_error(stored):
        for item in checked:
            attachment = Attachment(
                proposal=proposal,
                original_name=item.name,
                size=len(item.data),
                content_type=item.kind.value,
                sha256=item.sha256,
                uploaded_by=actor,
            )
            attachment.file.save(item.name, ContentFile(item.data), save=False)
            stored.append(attachment)
            attachment.save()
            audit(
                proposal=proposal,
                actor=actor,
                verb=AuditVerb.ATTACHMENT_ADDED,
                message=f"{item.name}（{attachment.size_label}）",
                data={"sha256": item.sha256, "attachment": attachment.pk},
            )
    return stored


def attachment_add(*, proposal_id: int, actor: Any, uploads: Sequence[Upload]) -> list[Attachment]:
    """The office adds originals to a registered item (the item page)."""
    proposal = Proposal.objects.select_related("session").get(pk=proposal_id)
    may_add_attachment(user=actor, proposal=proposal).require()
    if not uploads:
        raise ApplicationError("请选择要上传的文件")
    checked = attachments_check(uploads)
    stored: list[Attachment] = []
    with _files_removed_on_error(stored), transaction.atomic():
        stored.extend(attachments_store(proposal=proposal, checked=checked, actor=actor))
    return stored


@transaction.atomic
def attachment_remove(*, attachment_id: int, actor: Any) -> None:
    """The office removes a wrongly uploaded file; the file goes once the removal commits."""
    attachment = (
        Attachment.objects.select_for_update()
        .select_related("proposal__session")
        .get(pk=attachment_id)
    )
    may_add_attachment(user=actor, proposal=attachment.proposal).require()
    audit(
        proposal=attachment.proposal,
        actor=actor,
        verb=AuditVerb.ATTACHMENT_REMOVED,
        message=attachment.original_name,
        data={"sha256": attachment.sha256},
    )
    file = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: file.delete(save=False))
