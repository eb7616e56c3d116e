"""The letter's pages, composed row by row on the GB/T 9704 grid before WeasyPrint draws them.

Every row is one of the 22 lines of a page (225 mm / 22), set by replies.typeset: body lines
justified to both edges, the 署名 and 成文日期 rows placed by the standard (date four characters
in from the right, the organ centred over it, the seal over both), the contacts, and the 版记 at
the foot of the last even page (封四). Because the pages are decided here, WeasyPrint only paints
them: no widow control, no float, nothing left to its line breaker.

Page rules (GB/T 9704-2012 7.5 and 8): page numbers "— n —" under the text block, odd pages on the
right and even pages on the left; the 版记 stands on an even page, its last rule on the bottom of
the text block; when a blank page must come before it, neither page is numbered. The 信函格式
has no number on page 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.safestring import mark_safe

from replies import typeset
from replies.typeset import Glyph
from replies.typeset import Line

MM = 72 / 25.4
BLOCK_WIDTH = 156 * MM
BLOCK_HEIGHT = 225 * MM
ROWS = 22
PITCH = BLOCK_HEIGHT / ROWS  # 28.99 pt
CELL = BLOCK_WIDTH / 28  # 15.79 pt: a character of 3号 plus the grid's tracking
BODY_PT = 16.0
TRACKING = CELL - BODY_PT
TITLE_PT = 22.0
BANJI_PT = 14.0
BANJI_RULES_MM = 0.35 + 0.25 + 0.35
SEAL_MM = 42.0  # 印章: 4.2 cm, as issued to district-level organs
DATE_FROM_RIGHT = 4  # 成文日期右空四字
SIGNATURE_GAP = 2  # rows between the body and the 署名: the seal's top stays within one line
KEEP_WITH_SIGNATURE = 2  # body rows that move to the next page with the 署名 (never alone)


@dataclass(frozen=True)
class Row:
    """One row of the grid: a typeset line at `size` pt in `base_font` (the font of the row; a
    glyph may carry another), or nothing for a blank row. A centred row (the title) stands in
    the middle of the block whatever its indent."""

    line: Line | None = None
    base_font: str = "fang"
    size: float = BODY_PT
    classes: str = ""  # "signature", "date", "cc", "title": the HTML's classes
    centred: bool = False


BLANK = Row()


@dataclass(frozen=True)
class Paragraph:
    """What the typesetter needs of a body paragraph: its CSS class and its glyphs."""

    kind: str  # "p", "item", "h1" (黑体), "h2" (楷体)
    glyphs: tuple[Glyph, ...]


@dataclass(frozen=True)
class Page:
    number: int  # 1-based position in the document
    rows: tuple[Row, ...]
    folio: bool  # prints its page number
    banji: bool  # carries the 版记 at its foot
    seal_top: float | None  # pt from the top of the text block, on the signature page

    @property
    def odd(self) -> bool:
        return self.number % 2 == 1


@dataclass(frozen=True)
class Pages:
    pages: tuple[Page, ...]
    banji_rows: tuple[Row, ...]
    banji_row_height: float
    seal_left: float  # pt from the left of the text block


def _font_class(font: str) -> str:
    return f"f-{font}"


class RowStyles:
    """The letter-spacing and indent of each row, as one class per distinct pair in the
    document's style sheet. Inline style attributes would cost WeasyPrint a computed style per
    row (about a third of the rendering time); classes are shared by every row alike."""

    def __init__(self) -> None:
        self.names: dict[tuple[float, float], str] = {}

    def name(self, spacing: float, indent: float) -> str:
        key = (round(spacing, 4), round(indent, 4))
        if key not in self.names:
            self.names[key] = f"r{len(self.names)}"
        return self.names[key]

    def css(self) -> SafeString:
        rules = [
            f".{name}{{letter-spacing:{spacing:.4f}pt;padding-left:{indent:.4f}pt}}"
            for (spacing, indent), name in self.names.items()
        ]
        return mark_safe("\n".join(rules))  # noqa: S308 - numbers formatted here


def row_html(row: Row, styles: RowStyles) -> SafeString:
    """One row as HTML for the WeasyPrint reference renderer: the glyphs of its line in runs of
    one font. A row with compressed marks takes the half-width faces first in its font list
    (class "half"), so its marks need no markup of their own. Only escaped text and fixed
    markup come out."""
    line = row.line
    if line is None:
        return mark_safe('<div class="ln"></div>')
    if row.centred:
        return mark_safe(f'<div class="ln {row.classes}">{escape(line.text)}</div>')  # noqa: S308
    base_font = row.base_font
    half = any(g.font.endswith(typeset.HALF) for g in line.glyphs)
    runs: list[tuple[str, list[str]]] = []
    for glyph in line.glyphs:
        font = glyph.font.removesuffix(typeset.HALF)
        if runs and runs[-1][0] == font:
            runs[-1][1].append(glyph.char)
        else:
            runs.append((font, [glyph.char]))
    parts: list[str] = []
    for font, chars in runs:
        text = escape("".join(chars))
        if font == base_font:
            parts.append(text)
        else:
            parts.append(f'<span class="{_font_class(font)}">{text}</span>')
    css = " ".join(
        filter(
            None,
            [
                "ln",
                _font_class(base_font),
                "half" if half else "",
                styles.name(line.spacing, line.indent),
                row.classes,
            ],
        )
    )
    return mark_safe(f'<div class="{css}">{"".join(parts)}</div>')  # noqa: S308


def _glyphs(text: str, font: str) -> tuple[Glyph, ...]:
    return tuple(Glyph(c, font) for c in text)


def _text_width(metrics: typeset.FontMetrics, text: str, font: str, size: float) -> float:
    """Width of an unjustified run on the grid (advance plus tracking per character)."""
    tracking = TRACKING if size == BODY_PT else 0.0
    return sum(metrics.advance(c, font) * size + tracking for c in text) - tracking


BASE_FONT = {"p": "fang", "item": "fang", "h1": "hei", "h2": "kai"}


def grid_rows(
    glyphs: Sequence[Glyph],
    *,
    base_font: str,
    metrics: typeset.FontMetrics,
    first_indent: float = 0.0,
) -> list[Row]:
    """A paragraph in 3号 on the 28-cell grid, justified: the rows it takes."""
    return [
        Row(line, base_font)
        for line in typeset.break_lines(
            glyphs,
            metrics=metrics,
            size=BODY_PT,
            width=BLOCK_WIDTH,
            tracking=TRACKING,
            first_indent=first_indent,
        )
    ]


def body_rows(paragraphs: Sequence[Paragraph], metrics: typeset.FontMetrics) -> list[Row]:
    """正文: every paragraph indented two characters."""
    return [
        row
        for paragraph in paragraphs
        for row in grid_rows(
            paragraph.glyphs,
            base_font=BASE_FONT.get(paragraph.kind, "fang"),
            metrics=metrics,
            first_indent=2 * CELL,
        )
    ]


def plain_rows(text: str, metrics: typeset.FontMetrics, *, first_indent: float = 0.0) -> list[Row]:
    """A 仿宋 paragraph of plain text (salutation, contacts)."""
    return grid_rows(
        _glyphs(text, "fang"), base_font="fang", metrics=metrics, first_indent=first_indent
    )


def title_rows(lines: Sequence[str], metrics: typeset.FontMetrics) -> list[Row]:
    """标题: 2号 bold Song, centred; a line too long for the block wraps on the grid."""
    rows = []
    for text in lines:
        for line in typeset.break_lines(
            _glyphs(text, "bold"),
            metrics=metrics,
            size=TITLE_PT,
            width=BLOCK_WIDTH,
            justify=False,
        ):
            rows.append(Row(line, "bold", TITLE_PT, "title", centred=True))
    return rows


def signature_rows(organ: str, date: str, metrics: typeset.FontMetrics) -> tuple[list[Row], float]:
    """署名 over 成文日期: the date ends four characters from the right edge, the organ is
    centred on the date (kept inside the block). Returns the two rows and their common centre."""
    date_width = _text_width(metrics, date, "fang", BODY_PT)
    date_left = BLOCK_WIDTH - DATE_FROM_RIGHT * CELL - date_width
    centre = date_left + date_width / 2
    organ_width = _text_width(metrics, organ, "fang", BODY_PT)
    organ_left = max(0.0, min(centre - organ_width / 2, BLOCK_WIDTH - organ_width))
    rows = [
        Row(
            Line(glyphs=_glyphs(organ, "fang"), indent=organ_left, spacing=TRACKING),
            classes="signature",
        ),
        Row(
            Line(glyphs=_glyphs(date, "fang"), indent=date_left, spacing=TRACKING),
            classes="date",
        ),
    ]
    return rows, centre


def banji_cc_rows(cc_text: str, metrics: typeset.FontMetrics) -> list[Row]:
    """抄送 at 4号, one character in from both edges; a second line starts under the first
    name (after the colon)."""
    label = "抄送："
    inset = BANJI_PT
    label_width = sum(metrics.advance(c, "fang") * BANJI_PT for c in label)
    lines = typeset.break_lines(
        _glyphs(label + cc_text, "fang"),
        metrics=metrics,
        size=BANJI_PT,
        width=BLOCK_WIDTH - inset,
        first_indent=inset,
        indent=inset + label_width,
    )
    return [Row(line, "fang", BANJI_PT, "cc") for line in lines]


def paginate(
    *,
    first_capacity: int,
    rows: Sequence[Row],
    signature: Sequence[Row],
    contacts: Sequence[Row],
    banji_rows: int,
) -> tuple[list[list[Row]], int, int, bool]:
    """Rows into pages. Returns the pages (the 版记 page last, possibly empty), the index of the
    page and row of the 署名, and whether a blank page stands before the 版记 page."""
    pages: list[list[Row]] = [[]]

    def capacity(index: int) -> int:
        return first_capacity if index == 0 else ROWS

    def room() -> int:
        return capacity(len(pages) - 1) - len(pages[-1])

    for row in rows:
        if room() <= 0:
            pages.append([])
        pages[-1].append(row)

    block = [BLANK] * SIGNATURE_GAP + list(signature)
    if room() < len(block):
        page = pages[-1]
        carry = page[-KEEP_WITH_SIGNATURE:] if len(page) > KEEP_WITH_SIGNATURE else []
        del page[len(page) - len(carry) :]
        pages.append(list(carry))
    signature_page = len(pages) - 1
    signature_row = len(pages[-1]) + SIGNATURE_GAP
    pages[-1].extend(block)

    block = [BLANK, *contacts]
    if room() < len(block):
        pages.append([])
        block = list(contacts)
    pages[-1].extend(block)

    blank_before = False
    if len(pages) % 2 == 1:
        pages.append([])  # the 版记 alone on the next (even) page
    elif room() < banji_rows:
        pages.extend([[], []])  # a blank odd page, then the 版记 on the even one
        blank_before = True
    return pages, signature_page, signature_row, blank_before


def compose(
    *,
    masthead_rows: int,
    masthead_extra: float,
    letter_format: bool,
    title: Sequence[str],
    salutation: str,
    paragraphs: Sequence[Paragraph],
    organ: str,
    date: str,
    contacts: Sequence[str],
    cc_text: str,
    with_seal: bool,
    metrics: typeset.FontMetrics,
) -> Pages:
    """The letter's pages. Page 1 starts with the masthead (`masthead_rows` rows, moved by
    `masthead_extra` pt: the 信函格式's masthead is pulled up by its organ's ink top), then two
    blank rows, the title, one blank row and the salutation (GB/T 9704 7.2 and 7.3)."""
    titles = title_rows(title, metrics)
    rows = [
        BLANK,
        BLANK,
        *titles,
        BLANK,
        *plain_rows(salutation + "：", metrics),
        *body_rows(paragraphs, metrics),
    ]
    signature, centre = signature_rows(organ, date, metrics)
    contact_rows = [
        row for text in contacts for row in plain_rows(text, metrics, first_indent=2 * CELL)
    ]
    cc_rows = banji_cc_rows(cc_text, metrics)
    banji_count = len(cc_rows) + (0 if letter_format else 1)
    pages, signature_page, signature_row, blank_before = paginate(
        first_capacity=ROWS - masthead_rows,
        rows=rows,
        signature=signature,
        contacts=contact_rows,
        banji_rows=banji_count,
    )
    # The seal: centred on the 署名 and date, its centre a fifth of a line above the boundary
    # between them, so both sit a little below its centre and its top stays within one line of
    # the body (GB/T 9704 7.3.5.1). Positions are from the top of the page's text area.
    above = masthead_rows * PITCH + masthead_extra if signature_page == 0 else 0.0
    boundary = above + (signature_row + 1) * PITCH
    seal_top = boundary - 0.2 * PITCH - SEAL_MM * MM / 2
    unnumbered = {len(pages), len(pages) - 1} if blank_before else set()
    if letter_format:
        unnumbered.add(1)
    built = tuple(
        Page(
            number=i + 1,
            rows=tuple(page),
            folio=(i + 1) not in unnumbered,
            banji=i == len(pages) - 1,
            seal_top=seal_top if with_seal and i == signature_page else None,
        )
        for i, page in enumerate(pages)
    )
    rules = 0.0 if letter_format else BANJI_RULES_MM * MM
    return Pages(
        pages=built,
        banji_rows=tuple(cc_rows),
        banji_row_height=(banji_count * PITCH - rules) / banji_count,
        seal_left=centre - SEAL_MM * MM / 2,
    )


def whole_rows(height: float) -> int:
    """Rows a block of `height` pt takes on the grid."""
    return math.ceil(height / PITCH - 0.02)
