"""The letter as plain values: what the templates and both renderers print (replies.pdf builds
it, replies.pdf_writer draws it). Kept apart so that the writer needs nothing from replies.pdf."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.safestring import SafeString

from replies import pdf_layout as layout


@dataclass(frozen=True)
class Paragraph:
    kind: str  # "p" body text, "h1" 一、 heading (黑体), "h2" （一） heading (楷体), "item" 1.
    html: SafeString  # escaped text with <strong> only (web pages)
    runs: tuple[tuple[str, bool], ...] = ()  # (text, bold), what the PDF typesets


@dataclass(frozen=True)
class LetterContext:
    """Everything the templates print, as plain values (no model access while rendering)."""

    letter_format: str  # "file" (文件格式) or "letter" (信函格式)
    organ: str  # 杭州市临安区经济和信息化局
    doc_number: str  # 临经信建复〔2023〕41号, "" for a draft
    doc_number_blank: str  # 临经信建复〔2026〕　号, printed on drafts
    answer_class: str  # A
    title_lines: tuple[str, ...]
    salutation: str  # 申卫康等13位代表
    paragraphs: tuple[Paragraph, ...]
    contact_term: str  # 承办 (NPC) / 主办 (CPPCC)
    leader_name: str
    clerk_name: str
    phone: str
    cc_list: tuple[str, ...]
    issued_date: dt.date | None  # None for a draft
    seal_png: bytes | None = None  # the bureau's seal, printed on issued letters only
    public: bool = False  # the public copy: no contact block, phone numbers hidden

    @property
    def is_issued(self) -> bool:
        return bool(self.doc_number and self.issued_date)


@dataclass(frozen=True)
class Composed:
    """The letter decided down to every row: what both renderers draw."""

    context: LetterContext
    draft: bool
    letter_format: bool  # 信函格式
    organ_mark: str  # 发文机关标志: the organ (+ 文件)
    organ_size: float  # pt
    organ_ink_top: float  # pt from the organ's box top to its ink
    head_height: float  # pt from the block's top to the organ's box (文件格式)
    masthead_rows: int
    pages: layout.Pages
    seal: bytes | None
    issued_text: str  # 2023年5月8日印发

    @property
    def doc_number(self) -> str:
        return self.context.doc_number_blank if self.draft else self.context.doc_number
