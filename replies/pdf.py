"""The reply letter (复函) as a PDF, laid out after GB/T 9704-2012. Renders and nothing else: no
database writes, no state changes (replies.services.reply_issue stores the issued file).

Every row is laid out here (replies.typeset breaks and justifies the lines, replies.pdf_layout
composes the pages); replies.pdf_writer then writes the PDF straight from those rows. The same
rows can be printed as HTML and drawn by WeasyPrint (``PDF_ENGINE = "weasyprint"``): the
reference renderer the writer is checked against, glyph by glyph.

Safety: the body is plain text plus **bold**. Each line becomes one paragraph; markdown-it (html
disabled, only the emphasis rule) splits it into plain and bold runs, and the typesetter escapes
every character it prints, so anything typed comes out as literal text (web pages get the same
runs as ``<strong>`` only, through nh3); the writer draws characters, never markup. WeasyPrint
may only fetch ``data:`` URLs and files
below ``settings.PDF_ASSET_ROOT`` (the stylesheet); the default fetcher would read and even
embed local files (``<a rel="attachment" href="file:///...">``).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import unquote
from urllib.parse import urlsplit

import nh3
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

from replies import pdf_layout as layout
from replies import typeset
from replies.letter_model import Composed
from replies.letter_model import LetterContext
from replies.letter_model import Paragraph
from replies.redaction import redact_phones
from replies.typeset import Glyph

if TYPE_CHECKING:
    from replies.models import IssuedLetter
    from replies.models import Reply

# --- body text -> safe paragraphs ----------------------------------------------------------------

_H1 = re.compile(r"^[一二三四五六七八九十百]+、")
_H2 = re.compile(r"^[（(][一二三四五六七八九十百]+[）)]")
_ITEM = re.compile(r"^\d{1,3}[.．、]")


def _strong(state: Any, silent: bool) -> bool:
    """``**x**`` as bold wherever it stands. CommonMark's flanking rules refuse ``。**为`` (a
    closing ``**`` after CJK punctuation), which Chinese text is full of."""
    src, pos = state.src, state.pos
    if not src.startswith("**", pos):
        return False
    end = src.find("**", pos + 2)
    if end <= pos + 2:
        return False
    if not silent:
        state.push("strong_open", "strong", 1).markup = "**"
        state.push("text", "", 0).content = src[pos + 2 : end]
        state.push("strong_close", "strong", -1).markup = "**"
    state.pos = end + 2
    return True


_MD = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False})
_MD.inline.ruler.before("text", "cjk_strong", _strong)


def inline_runs(text: str) -> tuple[tuple[str, bool], ...]:
    """Plain text with **bold** -> (text, bold) runs, by the same markdown-it rules as the HTML."""
    runs: list[tuple[str, bool]] = []
    bold = False
    for token in _MD.parseInline(text)[0].children or []:
        if token.type == "strong_open":
            bold = True
        elif token.type == "strong_close":
            bold = False
        elif token.content:
            runs.append((token.content, bold))
    return tuple(runs)


def inline_html(text: str) -> SafeString:
    """Plain text with **bold** -> HTML containing nothing but escaped text and <strong>."""
    rendered = _MD.renderInline(text)
    cleaned = nh3.clean(rendered, tags={"strong"}, attributes={}, url_schemes=set())
    return mark_safe(cleaned)  # noqa: S308 - markdown-it escaped everything, nh3 allows <strong> only


def body_paragraphs(body: str) -> tuple[Paragraph, ...]:
    paragraphs = []
    for raw in (body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        plain = line.replace("**", "")
        if _H1.match(plain):
            kind = "h1"
        elif _H2.match(plain):
            kind = "h2"
        elif _ITEM.match(plain):
            kind = "item"
        else:
            kind = "p"
        paragraphs.append(Paragraph(kind, inline_html(line), inline_runs(line)))
    return tuple(paragraphs)


# --- context ------------------------------------------------------------------------------------


def letter_context_from_reply(
    reply: Reply,
    *,
    letter: IssuedLetter | None = None,
    body: str | None = None,
    answer_class: str | None = None,
) -> LetterContext:
    """The printed letter for a reply: its issued version when `letter` is given, otherwise the
    draft (optionally with an unsaved body and answer class, for the live preview)."""
    assignment = reply.assignment
    proposal = assignment.proposal
    session = proposal.session
    bureau = assignment.bureau
    terms = session.terms
    series = terms["series"]
    if letter is not None:
        source: Any = letter
        text = letter.body
        klass = letter.answer_class
        cc = list(letter.cc_list)
        year = letter.doc_year
    else:
        source = reply
        text = reply.body if body is None else body
        klass = reply.answer_class if answer_class is None else answer_class
        cc = list(reply.cc_list or session.default_cc)
        year = timezone.localdate().year
    return LetterContext(
        letter_format=bureau.letter_format,
        organ=bureau.full_name,
        doc_number=letter.doc_number if letter else "",
        doc_number_blank=f"{bureau.doc_prefix}{series}复〔{year}〕\u3000\u3000号",
        answer_class=klass,
        title_lines=(
            f"{bureau.full_name}关于",
            f"{session.name}第{proposal.number}号{terms['item']}的复函",
        ),
        salutation=proposal.salutation,
        paragraphs=body_paragraphs(text),
        contact_term=terms["contact"],
        leader_name=source.leader_name,
        clerk_name=source.clerk_name,
        phone=source.phone,
        cc_list=tuple(cc),
        issued_date=letter.issued_date if letter else None,
        seal_png=_seal(bureau) if letter else None,
    )


def public_letter_context(letter: IssuedLetter) -> LetterContext:
    """The published copy of an issued letter (公开答复): rendered from the issued text with the
    contact block (承办领导, 承办人, phone) left out and every phone number in the text hidden.
    Not the stored, sealed and signed original: no seal either."""
    full = letter_context_from_reply(letter.reply, letter=letter)
    return dataclasses.replace(
        full,
        paragraphs=body_paragraphs(redact_phones(letter.body)),
        leader_name="",
        clerk_name="",
        phone="",
        seal_png=None,
        public=True,
    )


def _seal(bureau: Any) -> bytes | None:
    """The bureau's seal image (checked as a transparent PNG when it was uploaded)."""
    if not bureau.seal:
        return None
    with bureau.seal.open("rb") as f:
        return f.read()


def letter_filename(doc_number: str) -> str:
    """临经信建复〔2023〕41号.pdf (characters a file system refuses are replaced)."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", doc_number) + ".pdf"


# --- fetching: data: and the asset folder only ---------------------------------------------------


def _weasyprint() -> Any:
    _use_project_fonts()
    import weasyprint  # slow import: only where a PDF is made

    return weasyprint


def _use_project_fonts() -> None:
    """Point fontconfig at var/fonts/fonts.conf (written by scripts/install_fonts.sh): the system
    fonts plus Fandol and its half-width punctuation faces (made here once if missing). Without
    it the letter falls back to Noto CJK."""
    conf = Path(settings.PDF_FONT_DIR) / "fonts.conf"
    if conf.is_file() and (Path(settings.PDF_FONT_DIR) / typeset.FONT_FILES["fang"]).is_file():
        typeset.make_half_width_fonts(Path(settings.PDF_FONT_DIR))  # before fontconfig scans
    if "FONTCONFIG_FILE" not in os.environ and conf.is_file():
        os.environ["FONTCONFIG_FILE"] = str(conf)


def make_url_fetcher() -> Any:
    weasyprint = _weasyprint()

    class AssetOnlyURLFetcher(weasyprint.urls.URLFetcher):  # type: ignore[name-defined]
        """Allows data: URLs and files below PDF_ASSET_ROOT; refuses everything else."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
            self.root = Path(settings.PDF_ASSET_ROOT).resolve()

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file" and parts.netloc in ("", "localhost"):
                path = Path(unquote(parts.path)).resolve()
                if path.is_file() and path.is_relative_to(self.root):
                    return super().fetch(url, headers)
            raise ValueError(f"复函 PDF 不允许读取外部资源：{url[:80]}")

    return AssetOnlyURLFetcher()


# --- rendering ----------------------------------------------------------------------------------

_local = threading.local()
MASTHEADS = {"file": "replies/pdf/file.html", "letter": "replies/pdf/letter.html"}
PT_PER_MM = layout.MM
RULE_GAP_PT = 1.7 * PT_PER_MM  # file.html: .redline margin-top
RULE_PT = 1.5  # file.html: .redline border
LETTER_TOP_GAIN = 7 * PT_PER_MM  # 信函格式: page 1 starts 30 mm from the top, not 37


def _font_config() -> Any:
    """One FontConfiguration per thread: building it scans fontconfig each time."""
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _weasyprint().text.fonts.FontConfiguration()
        _local.font_config = config
    return config


def _stylesheet() -> Any:
    """letter.css parsed once per thread (WeasyPrint would parse it for every letter)."""
    sheet = getattr(_local, "stylesheet", None)
    if sheet is None:
        weasyprint = _weasyprint()
        path = Path(settings.PDF_ASSET_ROOT).resolve() / "letter.css"
        sheet = weasyprint.CSS(
            filename=str(path), url_fetcher=make_url_fetcher(), font_config=_font_config()
        )
        _local.stylesheet = sheet
    return sheet


def _organ_size_pt(organ_mark: str) -> float:
    """发文机关标志: as large as looks right (30 pt), never wider than the text block."""
    width_pt = layout.BLOCK_WIDTH * 0.97
    return round(min(30.0, width_pt / max(len(organ_mark), 1)), 2)


def _date_text(date: dt.date | None) -> str:
    if date is None:
        return "\u3000\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日"
    return f"{date.year}年{date.month}月{date.day}日"


def _paragraphs(context: LetterContext) -> list[layout.Paragraph]:
    base = layout.BASE_FONT
    return [
        layout.Paragraph(
            p.kind,
            tuple(
                Glyph(char, "bold" if bold else base.get(p.kind, "fang"))
                for text, bold in p.runs
                for char in text
            ),
        )
        for p in context.paragraphs
    ]


def compose_letter(context: LetterContext, *, draft: bool) -> Composed:
    """Masthead geometry and every page's rows, from the typesetter."""
    if not draft and not context.is_issued:
        raise ValueError("正式复函须有文号和印发日期")
    _use_project_fonts()  # the half-width faces exist before the typesetter looks for them
    letter_format = context.letter_format == "letter"
    organ_mark = context.organ + ("" if letter_format else "文件")
    size = _organ_size_pt(organ_mark)
    # Fandol's em box is 0.88 above and 0.12 below the baseline; the ink of a CJK glyph starts
    # about 0.11 em below the box top and ends 0.05 em under its bottom. The header is drawn 1.4
    # times as tall as wide, so its box is padded by 0.45 em below and its ink top (0.154 em
    # down) is what sits 35 mm under the text block's top edge.
    ink_top = round(size * 0.11 * 1.4, 2)
    head = 35 * PT_PER_MM - ink_top
    if letter_format:
        # name, red double line 4 mm under it, the number's row 7/8 of a character below
        masthead = size * 1.45 - ink_top + 4 * PT_PER_MM + 4 + 7.5 + layout.PITCH
    else:
        # header, number two lines below, red rule 4 mm under the number
        masthead = head + size * 1.45 + 2 * layout.PITCH + layout.PITCH + RULE_GAP_PT + RULE_PT
    masthead_rows = layout.whole_rows(masthead - (LETTER_TOP_GAIN if letter_format else 0.0))
    seal = context.seal_png if (context.seal_png and not draft) else None
    issued_date = context.issued_date if not draft else None
    metrics = typeset.metrics(str(settings.PDF_FONT_DIR))
    pages = layout.compose(
        masthead_rows=masthead_rows,
        # 信函格式: the masthead box is pulled up by the organ's ink top (its negative margin)
        masthead_extra=-ink_top if letter_format else 0.0,
        letter_format=letter_format,
        title=context.title_lines,
        salutation=context.salutation,
        paragraphs=_paragraphs(context),
        organ=context.organ,
        date=_date_text(issued_date),
        contacts=(
            ()
            if context.public
            else (
                f"{context.contact_term}领导：{context.leader_name}",
                f"{context.contact_term}人：{context.clerk_name}",
                f"联系电话：{context.phone}",
            )
        ),
        cc_text="、".join(context.cc_list) + "。",
        with_seal=seal is not None,
        metrics=metrics,
    )
    return Composed(
        context=context,
        draft=draft,
        letter_format=letter_format,
        organ_mark=organ_mark,
        organ_size=size,
        organ_ink_top=ink_top,
        head_height=head,
        masthead_rows=masthead_rows,
        pages=pages,
        seal=seal,
        issued_text=_date_text(issued_date).replace("\u3000\u3000", "\u3000") + "印发",
    )


def render_letter_html(context: LetterContext, *, draft: bool) -> str:
    """The composed letter as HTML for WeasyPrint (the reference renderer)."""
    composed = compose_letter(context, draft=draft)
    pages = composed.pages
    styles = layout.RowStyles()
    html_pages = [
        (page, [layout.row_html(row, styles) for row in page.rows]) for page in pages.pages
    ]
    banji_rows = [layout.row_html(row, styles) for row in pages.banji_rows]
    seal = composed.seal
    return render_to_string(
        "replies/pdf/document.html",
        {
            "masthead_template": MASTHEADS["letter" if composed.letter_format else "file"],
            "letter_format": composed.letter_format,
            "c": context,
            "draft": draft,
            "organ_mark": composed.organ_mark,
            "organ_size": composed.organ_size,
            "organ_stretch": round(composed.organ_size * 0.45, 2),
            "organ_ink_top": composed.organ_ink_top,
            "head_height": round(composed.head_height, 2),
            "masthead_height": round(composed.masthead_rows * layout.PITCH, 3),
            "pages": pages,
            "html_pages": html_pages,
            "banji_rows": banji_rows,
            "row_css": styles.css(),
            "issued_text": composed.issued_text,
            "seal_src": (
                "data:image/png;base64," + base64.b64encode(seal).decode() if seal else ""
            ),
            "seal_width_mm": layout.SEAL_MM,
        },
    )


ENGINES = ("direct", "weasyprint")


def render_letter_pdf(context: LetterContext, *, draft: bool, engine: str | None = None) -> bytes:
    """The letter as PDF bytes: watermarked 草稿 and without number when `draft`. The PDF is
    written directly from the composed rows (replies.pdf_writer); ``engine="weasyprint"`` (or
    the setting PDF_ENGINE) prints the same rows through HTML and WeasyPrint instead."""
    engine = engine or getattr(settings, "PDF_ENGINE", "direct")
    if engine == "weasyprint":
        return render_letter_pdf_weasyprint(context, draft=draft)
    if engine != "direct":
        raise ValueError(f"未知的 PDF 引擎：{engine}")
    from replies import pdf_writer

    return pdf_writer.write_letter(compose_letter(context, draft=draft))


def render_letter_pdf_weasyprint(context: LetterContext, *, draft: bool) -> bytes:
    weasyprint = _weasyprint()
    html = render_letter_html(context, draft=draft)
    document = weasyprint.HTML(
        string=html,
        base_url=Path(settings.PDF_ASSET_ROOT).resolve().as_uri() + "/",
        url_fetcher=make_url_fetcher(),
    )
    return bytes(
        document.write_pdf(
            stylesheets=[_stylesheet()], font_config=_font_config(), cache=_image_cache()
        )
    )


def _image_cache() -> dict:
    """Images (the seal) kept per thread, keyed by their data: URL: a bureau's seal is fetched
    and decoded once per process (WeasyPrint still re-encodes an image with transparency for
    every PDF it writes)."""
    cache = getattr(_local, "images", None)
    if cache is None or len(cache) > 64:
        cache = _local.images = {}
    return cache
