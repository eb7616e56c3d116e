"""The reply letter's PDF, written directly from the composed rows (replies.pdf_layout).

Why a writer of our own: by the time a letter reaches this module every row is decided (its
glyphs, fonts, indent and letter spacing, set by replies.typeset), so what is left is painting
text at known positions, a few rectangles and one image. An HTML engine (WeasyPrint) would
compute styles and lay out boxes for rows that need no layout, then subset each CFF face twice
and compress everything at zlib's slowest level: about 90 % of a letter's time went there
(README, 复函 PDF). The PDF objects themselves are written by pydyf, WeasyPrint's own low-level
PDF library; fonts are subset by HarfBuzz (uharfbuzz). What is ours is small: placing rows on
the page (the same geometry letter.css gives WeasyPrint, which stays the reference renderer:
tests compare both, glyph by glyph) and the font dictionaries.

Text: every glyph is shown by its glyph id in an embedded, subset Fandol face (Type0 /
CIDFontType0, Identity-H, the OpenType file kept whole as FontFile3), with a ToUnicode map, so
pdftotext and copy-and-paste give the letter's text exactly; a row's letter spacing is written as
the TJ array's adjustments between glyphs, so no character is added between them. A character
Fandol lacks is taken from Noto CJK, else from what fontconfig offers for it, else drawn as
.notdef with its text kept (ActualText).
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import shutil
import subprocess
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import pydyf
from django.conf import settings

from replies import pdf_layout as layout
from replies import typeset
from replies.typeset import Glyph

if TYPE_CHECKING:
    from replies.letter_model import Composed

MM = layout.MM
PAGE_WIDTH = 210 * MM
PAGE_HEIGHT = 297 * MM
LEFT = 28 * MM  # the text block's left edge
TOP = 37 * MM  # and its top
LETTER_TOP = 30 * MM  # 信函格式, page 1
RED = (0.901961, 0.0, 0.070588)  # #e60012
FONT_LEVEL = 1  # zlib level for font files: CFF hardly compresses, level 1 gets most of it
CONTENT_LEVEL = 6

# letter.css, in pt from the top of a page's text area
ORGAN_STRETCH = 1.4  # .organ: transform: scale(1, 1.4), origin at its top
DOCNUM_GAP = 57.98  # file.html: .docnum margin-top
RULE_GAP = 1.7 * MM  # .redline margin-top
RULE = 1.5  # .redline border
FOLIO_TOP = 232 * MM
FOLIO_PT = 14.0
WATERMARK_TOP = 70 * MM
WATERMARK_PT = 150.0
WATERMARK_SPACING = 20.0
WATERMARK_ANGLE = 30.0  # degrees, counter-clockwise
WATERMARK_RGB = (200 / 255, 0.0, 0.0)
WATERMARK_ALPHA = 0.13
DOUBLE_LEFT = 20 * MM  # 信函格式 red double lines: 170 mm, centred on the sheet
DOUBLE_WIDTH = 170 * MM

EM_ASCENT = 880  # Fandol's em box: 0.88 above the baseline, 0.12 below

# The PDF's font names (pdffonts shows them after the subset tag).
FONT_NAMES = {
    "fang": "FandolFang",
    "bold": "FandolSong-Bold",
    "hei": "FandolHei",
    "kai": "FandolKai",
    "song": "FandolSong",
}
FALLBACK = {"hei": "Noto Sans CJK SC"}  # what letter.css falls back to; the others: Serif
# tables a PDF reader never uses: layout, vertical metrics, bitmaps
DROP_TABLES: tuple[str, ...] = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "GDEF")
DROP_TABLES += ("JSTF", "LTSH", "PCLT", "SVG", "VORG", "vhea", "vmtx")


# --- fonts (one set per process) ------------------------------------------------------------------


class Face:
    """One font file, parsed once per process by HarfBuzz."""

    def __init__(self, path: Path, index: int, name: str) -> None:
        import uharfbuzz as hb

        self.path = path
        self.index = index
        self.name = name
        self.blob = hb.Blob.from_file_path(str(path))
        self.face = hb.Face(self.blob, index)
        self.font = hb.Font(self.face)
        self.upem = self.face.upem
        self.truetype = "glyf" in self.face.table_tags
        # The em box the layout centres in a row, for every face (FandolSong's own hhea says
        # 800 / +200; a fallback face's taller box would make text readers split the row).
        self.ascent, self.descent = EM_ASCENT, EM_ASCENT - 1000
        self._lock = threading.Lock()

    @functools.lru_cache(maxsize=16384)  # noqa: B019 - faces live as long as the process
    def glyph(self, char: str) -> int:
        """The glyph id of `char`, 0 when the face lacks it."""
        return self.font.get_nominal_glyph(ord(char)) or 0

    @functools.lru_cache(maxsize=16384)  # noqa: B019
    def width(self, gid: int) -> int:
        """Advance in thousandths of an em."""
        return round(self.font.get_glyph_h_advance(gid) * 1000 / self.upem)

    def subset(self, gids: Iterable[int]) -> bytes:
        """An OpenType file holding only `gids` (and .notdef), glyph ids kept."""
        import uharfbuzz as hb

        plan = hb.SubsetInput()
        for gid in gids:
            plan.glyph_set.add(gid)
        plan.flags = hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.NOTDEF_OUTLINE
        drop = plan.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
        for tag in DROP_TABLES:
            drop.add(int.from_bytes(tag.ljust(4).encode(), "big"))
        with self._lock:  # a HarfBuzz face is not to be subset from two threads at once
            subset = hb.subset(self.face, plan)
        if subset is None:
            raise ValueError(f"字体子集化失败：{self.name}")
        return bytes(subset.blob.data)


class Fonts:
    """The letter's faces: Fandol by role, its half-width punctuation faces, Noto CJK."""

    def __init__(self, font_dir: Path) -> None:
        self.font_dir = font_dir
        self._faces: dict[str, Face | None] = {}

    def face(self, key: str) -> Face | None:
        if key not in self._faces:
            self._faces[key] = self._load(key)
        return self._faces[key]

    def _load(self, key: str) -> Face | None:
        if key.startswith("noto:"):
            found = _fc_match(key.removeprefix("noto:"))
            if found is None:
                return None
            # one Face (and so one font in the PDF) per file, whatever pattern found it
            for face in self._faces.values():
                if face is not None and (face.path, face.index) == found[:2]:
                    return face
            return Face(*found)
        if key.endswith(typeset.HALF):
            role = key.removesuffix(typeset.HALF)
            path = typeset.half_font_path(self.font_dir, role)
            family, _, style = FONT_NAMES[role].partition("-")
            name = f"{family}{typeset.HALF_SUFFIX}" + (f"-{style}" if style else "")
        else:
            path = self.font_dir / typeset.FONT_FILES[key]
            name = FONT_NAMES[key]
        return Face(path, 0, name) if path.is_file() else None

    @functools.lru_cache(maxsize=16384)  # noqa: B019 - one instance per process (fonts())
    def resolve(self, char: str, font: str) -> tuple[str, int]:
        """(face key, glyph id) that prints `char` in `font`: the half-width face, the role's
        Fandol face, Noto CJK; .notdef of the Fandol face when none has it."""
        role = font.removesuffix(typeset.HALF)
        keys = [font, role] if font != role else [role]
        keys.append("noto:" + FALLBACK.get(role, "Noto Serif CJK SC"))
        for key in keys:
            face = self.face(key)
            if face is not None and (gid := face.glyph(char)):
                return key, gid
        # whatever fontconfig offers for it (an emoji, a rare letter), as WeasyPrint would
        key = f"noto:{'sans-serif' if role == 'hei' else 'serif'}:charset={ord(char):x}"
        face = self.face(key)
        if face is not None and (gid := face.glyph(char)):
            return key, gid
        return role, 0


def _fc_match(family: str) -> tuple[Path, int, str] | None:
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return None
    found = subprocess.run(  # noqa: S603 - fixed arguments
        [fc_match, "-f", "%{file}\n%{index}\n%{postscriptname}", family],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split("\n")
    if len(found) < 3 or not found[0]:
        return None
    if ":" not in family and family.split()[0] not in found[0]:
        return None  # fontconfig substituted another family
    return Path(found[0]), int(found[1] or 0), found[2] or family.replace(" ", "")


@functools.cache
def fonts(font_dir: str) -> Fonts:
    return Fonts(Path(font_dir))


# --- images -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    rgb: bytes  # deflated
    alpha: bytes | None  # deflated


@functools.lru_cache(maxsize=32)
def _image(png: bytes) -> Image:
    """A PNG (the seal) decoded and deflated once per process."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(png)) as im:
        im.load()
        alpha = None
        if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
            rgba = im.convert("RGBA")
            alpha = zlib.compress(rgba.getchannel("A").tobytes(), CONTENT_LEVEL)
            rgb = rgba.convert("RGB")
        else:
            rgb = im.convert("RGB")
        return Image(im.width, im.height, zlib.compress(rgb.tobytes(), CONTENT_LEVEL), alpha)


# --- drawing ---------------------------------------------------------------------------------


def _n(value: float) -> str:
    """A number as PDF prints it: up to 4 decimals, no trailing zeros."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass
class Document:
    """The objects one letter needs: the fonts with the glyphs used, the images."""

    fonts: Fonts
    metrics: typeset.FontMetrics
    used: dict[Face, dict[int, str]] = field(default_factory=dict)  # face -> gid -> text
    images: dict[bytes, str] = field(default_factory=dict)  # png -> resource name
    alpha_state: bool = False

    def font_name(self, face: Face) -> str:
        if face not in self.used:
            self.used[face] = {}
        return f"F{list(self.used).index(face)}"


class Canvas:
    """One page's content stream, in pt from the page's top-left corner."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.ops: list[str] = []

    def rect(self, x: float, top: float, width: float, height: float, rgb: tuple) -> None:
        y = PAGE_HEIGHT - top - height
        self.ops.append(
            f"{_n(rgb[0])} {_n(rgb[1])} {_n(rgb[2])} rg "
            f"{_n(x)} {_n(y)} {_n(width)} {_n(height)} re f"
        )

    def image(self, png: bytes, x: float, top: float, width: float) -> None:
        image = _image(png)
        height = width * image.height / image.width
        names = self.document.images
        name = names.setdefault(png, f"Im{len(names)}")
        y = PAGE_HEIGHT - top - height
        self.ops.append(f"q {_n(width)} 0 0 {_n(height)} {_n(x)} {_n(y)} cm /{name} Do Q")

    def text(
        self,
        glyphs: Iterable[Glyph],
        *,
        x: float,
        baseline: float,
        size: float,
        spacing: float = 0.0,
        rgb: tuple | None = None,
        matrix: str = "",
    ) -> None:
        """Glyphs from `x` on `baseline`, `spacing` pt after every glyph but the last. Each glyph
        advances by the typesetter's width plus the spacing, written as the TJ array's
        adjustments (not as Tc, which readers such as pdfminer drop between two TJ operators):
        a face that prints a glyph wider or narrower than measured is corrected the same way."""
        doc = self.document
        metrics = doc.metrics
        ops = ["q " + matrix if matrix else "q"]
        ops.append(f"{_n(rgb[0])} {_n(rgb[1])} {_n(rgb[2])} rg" if rgb else "0 g")
        ops.append(f"BT 1 0 0 1 {_n(x)} {_n(PAGE_HEIGHT - baseline)} Tm")
        current = None
        run: list[str] = []
        pending = 0.0  # the last glyph's adjustment, written before the next glyph

        def flush() -> None:
            if run:
                ops.append("[" + "".join(run) + "] TJ")
                run.clear()

        for glyph in glyphs:
            key, gid = doc.fonts.resolve(glyph.char, glyph.font)
            face = doc.fonts.face(key)
            if face is None:  # no Fandol face for this role at all (fonts not installed)
                raise ValueError(f"缺少字体：{key}（scripts/install_fonts.sh）")
            if face is not current:
                # a new font: the pending adjustment goes into this font's first array
                flush()
                ops.append(f"/{doc.font_name(face)} {_n(size)} Tf")
                current = face
            if abs(pending) > 0.0005:
                run.append(_n(pending * 1000 / size))
            used = doc.used[face]
            if gid == 0:
                # no font has it: .notdef, with the character kept for text extraction
                flush()
                actual_text = ("\ufeff" + glyph.char).encode("utf-16-be").hex()
                ops.append(f"/Span <</ActualText <{actual_text}>>> BDC [<0000>] TJ EMC")
                used.setdefault(0, "")
            else:
                used.setdefault(gid, glyph.char)
                run.append(f"<{gid:04x}>")
            expected = metrics.advance(glyph.char, glyph.font) * size
            actual = face.width(gid) * size / 1000
            pending = actual - expected - spacing  # TJ numbers move left, in 1/1000 em
        flush()
        ops.append("ET Q")
        self.ops.append(" ".join(ops))

    def watermark(self, text: str, font: str, *, top: float) -> None:
        """草稿 across the page area: centred in a box of the block's width and one line of
        150 pt, turned 30 degrees about the box's centre, 13 % opaque."""
        metrics = self.document.metrics
        width = sum(metrics.advance(c, font) * WATERMARK_PT + WATERMARK_SPACING for c in text)
        cx = LEFT + layout.BLOCK_WIDTH / 2
        cy = PAGE_HEIGHT - (top + WATERMARK_PT / 2)
        angle = math.radians(WATERMARK_ANGLE)
        cos, sin = math.cos(angle), math.sin(angle)
        # rotate about (cx, cy): translate, rotate, translate back
        e = cx - cos * cx + sin * cy
        f = cy - sin * cx - cos * cy
        self.document.alpha_state = True
        self.ops.append("q /GS0 gs")
        self.text(
            (Glyph(c, font) for c in text),
            x=LEFT + (layout.BLOCK_WIDTH - width) / 2,
            baseline=top + _baseline(WATERMARK_PT, WATERMARK_PT),
            size=WATERMARK_PT,
            spacing=WATERMARK_SPACING,
            rgb=WATERMARK_RGB,
            matrix=f"{_n(cos)} {_n(sin)} {_n(-sin)} {_n(cos)} {_n(e)} {_n(f)} cm",
        )
        self.ops.append("Q")

    def content(self) -> bytes:
        return "\n".join(self.ops).encode("ascii")


def _baseline(row_height: float, size: float) -> float:
    """A line's baseline below the top of its row: the em box (0.88 above the baseline and
    0.12 below, as every Fandol face has it) is centred in the row, as CSS does with a
    line-height larger than the font."""
    return (row_height - size) / 2 + EM_ASCENT / 1000 * size


def _width(glyphs: Iterable[Glyph], size: float, spacing: float = 0.0) -> float:
    metrics = typeset.metrics(str(settings.PDF_FONT_DIR))
    items = list(glyphs)
    return sum(metrics.advance(g.char, g.font) * size for g in items) + spacing * (len(items) - 1)


def _glyphs(text: str, font: str) -> tuple[Glyph, ...]:
    return tuple(Glyph(c, font) for c in text)


def _row(canvas: Canvas, row: layout.Row, top: float, height: float = layout.PITCH) -> None:
    line = row.line
    if line is None or not line.glyphs:
        return
    x = LEFT + line.indent
    if row.centred:
        x = LEFT + (layout.BLOCK_WIDTH - _width(line.glyphs, row.size)) / 2
    canvas.text(
        line.glyphs,
        x=x,
        baseline=top + _baseline(height, row.size),
        size=row.size,
        spacing=line.spacing if not row.centred else 0.0,
    )


def _masthead(canvas: Canvas, composed: Composed) -> None:
    """Page 1 above the grid: 发文机关标志, 文号, the red rule (文件格式) or the double lines
    (信函格式), the class mark."""
    c = composed.context
    size = composed.organ_size
    organ = _glyphs(composed.organ_mark, "bold")
    klass = _glyphs(f"{c.answer_class}类", "hei") if c.answer_class else ()
    number = _glyphs(composed.doc_number, "fang")
    if composed.letter_format:
        organ_top = LETTER_TOP - composed.organ_ink_top
    else:
        organ_top = TOP + composed.head_height
        if klass:
            canvas.text(
                klass,
                x=LEFT + layout.BLOCK_WIDTH - _width(klass, layout.BODY_PT),
                baseline=TOP + _baseline(layout.PITCH, layout.BODY_PT),
                size=layout.BODY_PT,
            )
    # the organ's name, stretched upwards from its top edge
    ty = (PAGE_HEIGHT - organ_top) * (1 - ORGAN_STRETCH)
    canvas.text(
        organ,
        x=LEFT + (layout.BLOCK_WIDTH - _width(organ, size)) / 2,
        baseline=organ_top + EM_ASCENT / 1000 * size,
        size=size,
        rgb=RED,
        matrix=f"1 0 0 {_n(ORGAN_STRETCH)} 0 {_n(ty)} cm",
    )
    below = organ_top + size * 1.45  # its box, padded by 0.45 em
    if composed.letter_format:
        top = below + 4 * MM
        canvas.rect(DOUBLE_LEFT, top, DOUBLE_WIDTH, 2.2, RED)
        canvas.rect(DOUBLE_LEFT, top + 3.2, DOUBLE_WIDTH, 0.8, RED)
        meta = top + 4.0 + 7.5
        # the number floats right in a box one em high (letter.css: .ln span line-height 1),
        # the class mark sits on the row's baseline
        canvas.text(
            number,
            x=LEFT + layout.BLOCK_WIDTH - _width(number, layout.BODY_PT),
            baseline=meta + EM_ASCENT / 1000 * layout.BODY_PT,
            size=layout.BODY_PT,
        )
        if klass:
            canvas.text(
                klass,
                x=LEFT,
                baseline=meta + _baseline(layout.PITCH, layout.BODY_PT),
                size=layout.BODY_PT,
            )
        # the lower double line, 20 mm above the bottom edge (上细下粗)
        canvas.rect(DOUBLE_LEFT, 276 * MM, DOUBLE_WIDTH, 0.3 * MM, RED)
        canvas.rect(DOUBLE_LEFT, 276.7 * MM, DOUBLE_WIDTH, 0.8 * MM, RED)
    else:
        top = below + DOCNUM_GAP
        canvas.text(
            number,
            x=LEFT + (layout.BLOCK_WIDTH - _width(number, layout.BODY_PT)) / 2,
            baseline=top + _baseline(layout.PITCH, layout.BODY_PT),
            size=layout.BODY_PT,
        )
        canvas.rect(LEFT, top + layout.PITCH + RULE_GAP, layout.BLOCK_WIDTH, RULE, RED)


def _banji(canvas: Canvas, composed: Composed, page_top: float) -> None:
    """版记 at the foot of the text block: 抄送, then 印发机关 and 印发日期, between rules."""
    pages = composed.pages
    height = pages.banji_row_height
    rules = not composed.letter_format
    count = len(pages.banji_rows) + (1 if rules else 0)
    thick, thin = 0.35 * MM, 0.25 * MM
    bottom = page_top + layout.BLOCK_HEIGHT
    top = bottom - count * height - ((2 * thick + thin) if rules else 0.0)
    if rules:
        canvas.rect(LEFT, top, layout.BLOCK_WIDTH, thick, (0, 0, 0))
        top += thick
    for row in pages.banji_rows:
        _row(canvas, row, top, height)
        top += height
    if not rules:
        return
    canvas.rect(LEFT, top, layout.BLOCK_WIDTH, thin, (0, 0, 0))
    top += thin
    baseline = top + _baseline(height, layout.BANJI_PT)
    canvas.text(
        _glyphs(composed.context.organ, "fang"),
        x=LEFT + layout.BANJI_PT,
        baseline=baseline,
        size=layout.BANJI_PT,
    )
    date = _glyphs(composed.issued_text, "fang")
    canvas.text(
        date,
        x=LEFT + layout.BLOCK_WIDTH - layout.BANJI_PT - _width(date, layout.BANJI_PT),
        baseline=baseline,
        size=layout.BANJI_PT,
    )
    canvas.rect(LEFT, top + height, layout.BLOCK_WIDTH, thick, (0, 0, 0))


def _folio(canvas: Canvas, page: layout.Page, page_top: float) -> None:
    """页码 "— n —", 4号 宋体, 7 mm under the block, one character in: odd right, even left."""
    glyphs = _glyphs(f"— {page.number} —", "song")
    x = LEFT + FOLIO_PT
    if page.odd:
        x = LEFT + layout.BLOCK_WIDTH - FOLIO_PT - _width(glyphs, FOLIO_PT)
    canvas.text(
        glyphs, x=x, baseline=page_top + FOLIO_TOP + EM_ASCENT / 1000 * FOLIO_PT, size=FOLIO_PT
    )


def _page(canvas: Canvas, composed: Composed, page: layout.Page) -> None:
    first = page.number == 1
    page_top = LETTER_TOP if (first and composed.letter_format) else TOP
    top = page_top
    if first:
        _masthead(canvas, composed)
        top += composed.masthead_rows * layout.PITCH
        if composed.letter_format:
            # the organ's negative top margin (its ink on the 30 mm line) carries the whole
            # masthead box up with it (CSS margin collapsing), and the rows below it
            top -= composed.organ_ink_top
    for row in page.rows:
        _row(canvas, row, top)
        top += layout.PITCH
    if page.seal_top is not None and composed.seal:
        canvas.image(
            composed.seal,
            LEFT + composed.pages.seal_left,
            page_top + page.seal_top,
            layout.SEAL_MM * MM,
        )
    if page.banji:
        _banji(canvas, composed, page_top)
    if page.folio:
        _folio(canvas, page, page_top)
    if composed.draft:
        canvas.watermark("草稿", "hei", top=page_top + WATERMARK_TOP)


# --- the file ----------------------------------------------------------------------------------


def _deflated(data: bytes, extra: dict[str, Any], level: int) -> pydyf.Stream:
    extra = {**extra, "Filter": "/FlateDecode"}
    return pydyf.Stream([zlib.compress(data, level)], extra)


def _tag(name: str, gids: Iterable[int]) -> str:
    """The subset's six-letter tag, from what it holds."""
    digest = hashlib.sha256(f"{name}:{sorted(gids)}".encode()).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])


def _to_unicode(used: dict[int, str]) -> bytes:
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <ffff> endcodespacerange",
    ]
    items = sorted((gid, text) for gid, text in used.items() if text)
    for start in range(0, len(items), 100):
        chunk = items[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{gid:04x}> <{text.encode('utf-16-be').hex()}>" for gid, text in chunk]
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode("ascii")


def _font(pdf: pydyf.PDF, face: Face, used: dict[int, str]) -> pydyf.Dictionary:
    gids = sorted(used)
    name = f"/{_tag(face.name, gids)}+{face.name}"
    data = face.subset(gids)
    if face.truetype:
        program = _deflated(data, {"Length1": len(data)}, FONT_LEVEL)
    else:
        program = _deflated(data, {"Subtype": "/OpenType"}, FONT_LEVEL)
    pdf.add_object(program)
    widths = {gid: face.width(gid) for gid in gids}
    descriptor = pydyf.Dictionary(
        {
            "Type": "/FontDescriptor",
            "FontName": name,
            "FontFamily": pydyf.String(face.name.split("-")[0]),
            "Flags": 4,
            "FontBBox": pydyf.Array([0, face.descent, max(widths.values()), face.ascent]),
            "ItalicAngle": 0,
            "Ascent": face.ascent,
            "Descent": face.descent,
            "CapHeight": face.ascent,
            "StemV": 80,
            "FontFile2" if face.truetype else "FontFile3": program.reference,
        }
    )
    pdf.add_object(descriptor)
    # W: runs of consecutive glyph ids, written as one string (thousands of tiny pydyf
    # objects would cost more than the rest of the dictionary)
    parts: list[str] = []
    for gid in gids:
        if gid - 1 not in widths:
            parts.append(f"] {gid} [" if parts else f"{gid} [")
        parts.append(f"{widths[gid]} ")
    w = ("[" + "".join(parts) + "]]").encode("ascii")
    cid_font = pydyf.Dictionary(
        {
            "Type": "/Font",
            "Subtype": "/CIDFontType2" if face.truetype else "/CIDFontType0",
            "BaseFont": name,
            "CIDSystemInfo": pydyf.Dictionary(
                {
                    "Registry": pydyf.String("Adobe"),
                    "Ordering": pydyf.String("Identity"),
                    "Supplement": 0,
                }
            ),
            "W": w,
            "CIDToGIDMap": "/Identity",
            "FontDescriptor": descriptor.reference,
        }
    )
    pdf.add_object(cid_font)
    to_unicode = _deflated(_to_unicode(used), {}, CONTENT_LEVEL)
    pdf.add_object(to_unicode)
    font = pydyf.Dictionary(
        {
            "Type": "/Font",
            "Subtype": "/Type0",
            "BaseFont": name,
            "Encoding": "/Identity-H",
            "DescendantFonts": pydyf.Array([cid_font.reference]),
            "ToUnicode": to_unicode.reference,
        }
    )
    pdf.add_object(font)
    return font


def _image_objects(pdf: pydyf.PDF, png: bytes) -> pydyf.Stream:
    image = _image(png)
    extra: dict[str, Any] = {
        "Type": "/XObject",
        "Subtype": "/Image",
        "Width": image.width,
        "Height": image.height,
        "ColorSpace": "/DeviceRGB",
        "BitsPerComponent": 8,
        "Filter": "/FlateDecode",
    }
    if image.alpha is not None:
        mask = pydyf.Stream(
            [image.alpha],
            {
                "Type": "/XObject",
                "Subtype": "/Image",
                "Width": image.width,
                "Height": image.height,
                "ColorSpace": "/DeviceGray",
                "BitsPerComponent": 8,
                "Filter": "/FlateDecode",
            },
        )
        pdf.add_object(mask)
        extra["SMask"] = mask.reference
    stream = pydyf.Stream([image.rgb], extra)
    pdf.add_object(stream)
    return stream


def write_letter(composed: Composed) -> bytes:
    """The composed letter as PDF bytes."""
    font_dir = str(settings.PDF_FONT_DIR)
    document = Document(fonts=fonts(font_dir), metrics=typeset.metrics(font_dir))
    contents = []
    for page in composed.pages.pages:
        canvas = Canvas(document)
        _page(canvas, composed, page)
        contents.append(canvas.content())

    pdf = pydyf.PDF()
    pdf.info["Title"] = pydyf.String("".join(composed.context.title_lines))
    pdf.info["Producer"] = pydyf.String("fuhan")
    font_refs = pydyf.Dictionary()
    for index, (face, used) in enumerate(document.used.items()):
        font_refs[f"F{index}"] = _font(pdf, face, used).reference
    images = pydyf.Dictionary()
    for png, name in document.images.items():
        images[name] = _image_objects(pdf, png).reference
    resources = pydyf.Dictionary({"Font": font_refs, "XObject": images})
    if document.alpha_state:
        resources["ExtGState"] = pydyf.Dictionary(
            {"GS0": pydyf.Dictionary({"Type": "/ExtGState", "ca": WATERMARK_ALPHA})}
        )
    pdf.add_object(resources)
    for content in contents:
        stream = _deflated(content, {}, CONTENT_LEVEL)
        pdf.add_object(stream)
        pdf.add_page(
            pydyf.Dictionary(
                {
                    "Type": "/Page",
                    "Parent": pdf.pages.reference,
                    "MediaBox": pydyf.Array([0, 0, _n(PAGE_WIDTH), _n(PAGE_HEIGHT)]),
                    "Resources": resources.reference,
                    "Contents": stream.reference,
                }
            )
        )
    output = io.BytesIO()
    pdf.write(output, version=b"1.7", identifier=True, compress=True)
    return output.getvalue()
