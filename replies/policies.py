"""The policy library (政策文件库) the clerks cite in letters: writes (`policy_document_*`
services), reads (`policy_document_list`) and the demo loader. Text is plain: HTML is refused."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError
from django.db import transaction
from django.db.models import F
from django.db.models import Q
from django.db.models import QuerySet

from core.exceptions import ApplicationError
from core.validation import clean_text
from replies.models import PolicyDocument

DEMO_DIR = Path(__file__).resolve().parent / "demo" / "policies"
FULL_TEXT_MAX_CHARS = 200_000

# A pinyin gloss after a character, as in 產(chǎn): Latin letters (with tone marks) only.
_PINYIN_GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ]+\)")
_DOC_NUMBER = re.compile(r"^\S{1,20}〔\d{4}〕\d{1,5}号$")


def strip_pinyin_glosses(text: str) -> str:
    """產(chǎn)業(yè) → 產業: drops parenthesised pinyin, keeps real parentheses (认定类)."""
    return _PINYIN_GLOSS.sub("", text)


def clean_title(title: str) -> str:
    title = clean_text(title, label="标题", required=True, max_length=200)
    return title.removeprefix("《").removesuffix("》").strip()


def clean_doc_number(doc_number: str) -> str:
    doc_number = clean_text(doc_number, label="文号", max_length=60).replace(" ", "")
    if doc_number and not _DOC_NUMBER.match(doc_number):
        raise ApplicationError("文号格式应为：发文字号〔年份〕序号号，如 临经信综〔2021〕14号")
    return doc_number


@transaction.atomic
def policy_document_create(
    *,
    title: str,
    issuer: str,
    doc_number: str = "",
    issued_date: dt.date | None = None,
    summary: str = "",
    full_text: str = "",
    source: str = "",
    actor: Any = None,
) -> PolicyDocument:
    """Add a policy to the library. Raises ApplicationError (Chinese) and writes nothing on bad
    input: HTML or script, a malformed or duplicate document number, missing title or issuer."""
    title = clean_title(title)
    doc_number = clean_doc_number(doc_number)
    document = PolicyDocument(
        title=title,
        doc_number=doc_number,
        issuer=clean_text(issuer, label="发文机关", required=True, max_length=100),
        issued_date=issued_date,
        summary=clean_text(summary, label="摘要", max_length=5000),
        full_text=clean_text(full_text, label="全文", max_length=FULL_TEXT_MAX_CHARS),
        source=clean_text(source, label="来源", max_length=300),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if doc_number and PolicyDocument.objects.filter(doc_number=doc_number).exists():
        raise ApplicationError(f"文号 {doc_number} 已在政策文件库中")
    document.full_clean()
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError as exc:  # the same number added concurrently
        raise ApplicationError(f"文号 {doc_number} 已在政策文件库中") from exc
    return document


def policy_document_list(*, query: str = "", limit: int = 50) -> QuerySet[PolicyDocument]:
    """Search by title, number, issuer or summary; every word must match somewhere."""
    qs = PolicyDocument.objects.all()
    for word in (query or "").split()[:5]:
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(doc_number__icontains=word)
            | Q(issuer__icontains=word)
            | Q(summary__icontains=word)
        )
    return qs.order_by(F("issued_date").desc(nulls_last=True), "title")[:limit]


@dataclass(frozen=True)
class DemoLoadResult:
    created: int
    skipped: int


def policy_documents_load_demo(*, directory: Path = DEMO_DIR) -> DemoLoadResult:
    """Load the demo policies (index.json + text files). Idempotent: a policy whose number (or,
    without a number, whose title) is already in the library is skipped."""
    entries = json.loads((directory / "index.json").read_text(encoding="utf-8"))
    created = skipped = 0
    for entry in entries:
        exists = PolicyDocument.objects.filter(
            Q(doc_number=entry["doc_number"]) if entry["doc_number"] else Q(title=entry["title"])
        ).exists()
        if exists:
            skipped += 1
            continue
        text = ""
        if entry.get("text_file"):
            text = (directory / entry["text_file"]).read_text(encoding="utf-8")
        policy_document_create(
            title=entry["title"],
            doc_number=entry["doc_number"],
            issuer=entry["issuer"],
            issued_date=dt.date.fromisoformat(entry["issued_date"])
            if entry["issued_date"]
            else None,
            summary=entry["summary"],
            full_text=strip_pinyin_glosses(text),
            source=entry["source"],
        )
        created += 1
    return DemoLoadResult(created=created, skipped=skipped)
