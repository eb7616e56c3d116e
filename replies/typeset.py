"""Line breaking for the reply letter, as Word and WPS set 公文 on the 22 x 28 grid.

WeasyPrint justifies only at spaces, so Chinese lines came out ragged. Here every line is laid out
before WeasyPrint sees it: glyph advances come from the Fandol fonts themselves (fontTools), each
character takes its advance plus the grid's tracking (a full-width character is exactly one of
the 28 cells), lines break only where the Chinese rules allow (避头尾: no closing punctuation at
a line start, no opening punctuation at a line end; 文号, numbers with their units and 《》 titles
under 8 characters stay whole), and a line that is one closing mark too long is fitted by
compressing punctuation marks to half width (推入) before its last unit is pushed to the next
line (推出). Every line but a paragraph's last is then justified: the space left over is shared
by all its gaps, so both ends are flush. The renderer prints each line with that spacing as CSS
letter-spacing; no character is added, so pdftotext still reads the text exactly.
"""

from __future__ import annotations

import functools
import itertools
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Fonts by role; the names are the CSS font classes the renderer prints.
FONT_FILES = {
    "fang": "FandolFang-Regular.otf",  # 仿宋: body
    "bold": "FandolSong-Bold.otf",  # bold Song: **lead-ins**, title (no free 小标宋)
    "hei": "FandolHei-Bold.otf",  # 黑体: 一、 headings, class mark, watermark
    "kai": "FandolKai-Regular.otf",  # 楷体: （一） headings
    "song": "FandolSong-Bold.otf",  # 宋体: page numbers
}
# Both FandolHei files (and both FandolSong files) say weight 80, and fontconfig resolves the
# family names "FandolHei" and "FandolSong" to the Bold files: that is what the letters have
# always printed for 黑体 and the page numbers, so those are the files named here.

# 避头尾 (GB/T 15834 and CLREQ): never at the start / never at the end of a line.
NO_START = frozenset("，。、；：？！）》”’〕】」』〉〗…·%‰％,.;:?!)]}-")
NO_END = frozenset("（《“‘〔【「『〈〖([{")
# Together they never split: 文号 (临经信综〔2021〕14号, 临政函〔2021〕21 号), a number with its
# unit (2022年, 155.9亿元, 60 万元, 50%), 《》 titles under 8 characters, —— and …….
UNIT = "年月日号时分秒个家条款项次场名位人岁元万亿千百倍度天周批届期件台套所户亩吨米%‰％"
PROTECTED = re.compile(
    r"[\u4e00-\u9fff]{1,6}[〔\[［]\d{4}[〕\]］]\s?\d+\s?号"
    rf"|\d[\d.,:]*\s?[{UNIT}]{{1,2}}"
    r"|《[^《》\n]{1,7}》"
    r"|——+|…+"
)
LATIN = re.compile(r"[A-Za-z0-9.,:/+\-_'&@#%]")


@dataclass(frozen=True)
class Glyph:
    char: str
    font: str  # a key of FONT_FILES


@dataclass(frozen=True)
class Line:
    """One laid-out line: `spacing` follows every glyph but the last. A compressed mark is a
    glyph of a half-width font (its font key ends in "-half")."""

    glyphs: tuple[Glyph, ...]
    indent: float  # pt from the block's left edge
    spacing: float  # pt

    @property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)


class FontMetrics:
    """Advances (in em) of the Fandol fonts, read once with fontTools. A character Fandol lacks
    is set by fontconfig in Noto CJK (its fallback): measured there when Noto is installed."""

    def __init__(self, font_dir: Path) -> None:
        self.font_dir = Path(font_dir)
        self._fonts: dict[str, tuple[dict[int, str], dict[str, int], float, object]] = {}

    def _font(self, key: str) -> tuple[dict[int, str], dict[str, int], float, object]:
        if key not in self._fonts:
            from fontTools.ttLib import TTFont

            if key.endswith(HALF):
                path = half_font_path(self.font_dir, key.removesuffix(HALF))
            else:
                path = self.font_dir / FONT_FILES[key]
            font = TTFont(path, lazy=True)
            self._fonts[key] = (
                font.getBestCmap(),
                {name: adv for name, (adv, _) in font["hmtx"].metrics.items()},
                float(font["head"].unitsPerEm),
                font,
            )
        return self._fonts[key]

    @functools.lru_cache(maxsize=8192)  # noqa: B019 - one instance per process (metrics())
    def advance(self, char: str, font: str) -> float:
        cmap, widths, upm, _ = self._font(font)
        name = cmap.get(ord(char))
        if name is not None:
            return widths[name] / upm
        return _fallback_advance(char)

    @functools.lru_cache(maxsize=8192)  # noqa: B019 - one instance per process (metrics())
    def blank_half(self, char: str, font: str) -> str:
        """'right' for a mark drawn in the left half of its em box (，。）》”), 'left' for one
        drawn in the right half (（《“), '' otherwise: the half that compression removes."""
        if not half_font_path(self.font_dir, font).is_file():
            return ""  # no half-width face made (scripts/install_fonts.sh): no compression
        return self.blank_side(char, font)

    def blank_side(self, char: str, font: str) -> str:
        """The empty half of a compressible mark in the full-width face, whether or not its
        half-width face exists yet (make_half_width_fonts asks before it makes the face)."""
        if (char not in NO_START and char not in NO_END) or font.endswith(HALF):
            return ""
        cmap, widths, upm, font_obj = self._font(font)
        name = cmap.get(ord(char))
        if name is None or widths[name] != upm:
            return ""
        from fontTools.pens.boundsPen import BoundsPen

        glyphs = font_obj.getGlyphSet()  # type: ignore[attr-defined]
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
        if pen.bounds is None:
            return ""
        x_min, _, x_max, _ = pen.bounds
        if x_max <= upm / 2:
            return "right"
        if x_min >= upm / 2:
            return "left"
        return ""


@functools.cache
def _fallback_font() -> tuple[dict[int, str], dict[str, int], float] | None:
    """Noto Serif CJK SC, where fontconfig finds it."""
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return None
    found = subprocess.run(  # noqa: S603 - fixed arguments
        [fc_match, "-f", "%{file}\n%{index}", "Noto Serif CJK SC"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split("\n")
    if len(found) < 2 or "Noto" not in found[0]:
        return None
    from fontTools.ttLib import TTFont

    font = TTFont(found[0], fontNumber=int(found[1] or 0), lazy=True)
    widths = {name: adv for name, (adv, _) in font["hmtx"].metrics.items()}
    return font.getBestCmap(), widths, float(font["head"].unitsPerEm)


def _fallback_advance(char: str) -> float:
    if unicodedata.east_asian_width(char) in "WF":
        return 1.0
    fallback = _fallback_font()
    if fallback is not None:
        cmap, widths, upm = fallback
        if ord(char) in cmap:
            return widths[cmap[ord(char)]] / upm
    return 0.5


@functools.cache
def metrics(font_dir: str) -> FontMetrics:
    return FontMetrics(Path(font_dir))


# --- break opportunities --------------------------------------------------------------------------


def break_allowed(text: str) -> list[bool]:
    """allowed[i]: a line may start at character i (0 < i < len(text))."""
    n = len(text)
    allowed = [True] * (n + 1)
    allowed[0] = False
    for i in range(1, n):
        a, b = text[i - 1], text[i]
        if b in NO_START or a in NO_END or b in " \u3000":
            allowed[i] = False  # a space ends the line it stands on
        elif a in " \u3000":
            allowed[i] = True
        elif LATIN.match(a) and LATIN.match(b):
            allowed[i] = False  # inside a word or a number
    for match in PROTECTED.finditer(text):
        for i in range(match.start() + 1, match.end()):
            allowed[i] = False
    return allowed


# --- breaking -------------------------------------------------------------------------------------

EPSILON = 1e-6
PUSH_IN_EM = 1.0
PUSH_IN_LONG_EM = 2.0


def break_lines(
    glyphs: Sequence[Glyph],
    *,
    metrics: FontMetrics,
    size: float,
    width: float,
    tracking: float = 0.0,
    first_indent: float = 0.0,
    indent: float = 0.0,
    justify: bool = True,
) -> list[Line]:
    """Lines for one paragraph. `tracking` is added to every glyph's advance (the grid: a
    full-width character plus tracking is one cell); `width` is the block's width."""
    text = "".join(g.char for g in glyphs)
    n = len(glyphs)
    allowed = break_allowed(text)
    advance = [metrics.advance(g.char, g.font) * size for g in glyphs]
    blank = [metrics.blank_half(g.char, g.font) for g in glyphs]
    prefix = [0.0, *itertools.accumulate(advance)]
    lines: list[Line] = []
    start = 0
    while start < n:
        while start < n and text[start] in " \u3000" and lines:
            start += 1  # a space at a break belongs to neither line
        if start >= n:
            break
        left = first_indent if not lines else indent
        available = width - left
        end, squeezed = _fit(
            start, n, text, advance, prefix, blank, allowed, tracking, available, size
        )
        stop = end
        while stop > start + 1 and text[stop - 1] == " ":
            stop -= 1  # trailing spaces are not printed at a break
        last = end >= n
        count = stop - start
        line_glyphs = [
            Glyph(g.char, g.font + HALF) if i in squeezed else g
            for i, g in enumerate(glyphs[start:stop], start)
        ]
        natural = prefix[stop] - prefix[start] - sum(advance[i] / 2 for i in squeezed)
        if last or not justify or count < 2:
            spacing = tracking
        else:
            spacing = (available - natural) / (count - 1)
        lines.append(
            Line(
                glyphs=tuple(line_glyphs),
                indent=left,
                spacing=spacing,
            )
        )
        start = end
    return lines


def _fit(
    start: int,
    n: int,
    text: str,
    advance: list[float],
    prefix: list[float],
    blank: list[str],
    allowed: list[bool],
    tracking: float,
    available: float,
    em: float,
) -> tuple[int, set[int]]:
    """End of the line that starts at `start`, and the marks it compresses."""

    def natural(end: int) -> float:
        stop = end
        while stop > start + 1 and text[stop - 1] == " ":
            stop -= 1
        return prefix[stop] - prefix[start] + (stop - start) * tracking

    fit = None
    end = start + 1
    while end <= n:
        if end == n or allowed[end]:
            if natural(end) > available + EPSILON:
                break
            fit = end
        end += 1
    if fit == n:
        return n, set()
    # 推入 before 推出: when the next unit overflows by at most one em (two for an unbreakable
    # unit of three or more characters: a number with its unit, a 文号, a short title),
    # compressed punctuation pulls it into this line. Measured against the two original
    # letters, this keeps their page breaks (tests/replies/test_pdf_typesetting.py).
    following = end
    while following < n and not allowed[following]:
        following += 1
    unit = following - (fit if fit is not None else start)
    excess = natural(following) - available
    limit = (PUSH_IN_LONG_EM if unit >= 3 else PUSH_IN_EM) * em
    if excess <= limit + EPSILON:
        squeezed = _compressions(start, following, advance, blank, excess)
        if squeezed is not None:
            return following, squeezed
    if fit is not None:
        return fit, set()  # 推出: the unit moves to the next line, this one is spread out
    # One unit wider than the line (a long Latin word): break it where it must.
    end = start + 1
    while end < n and natural(end + 1) <= available + EPSILON:
        end += 1
    return end, set()


def _compressions(
    start: int, end: int, advance: list[float], blank: list[str], excess: float
) -> set[int] | None:
    """A compressed row sets every compressible mark in it at half width (the renderer gives the
    row the half-width faces first in its font list, so that is what the PDF holds); None when
    all of them together cannot absorb `excess` points."""
    marks = {i for i in range(start, end) if blank[i]}
    if sum(advance[i] / 2 for i in marks) + EPSILON < excess:
        return None
    return marks


# --- half-width punctuation -------------------------------------------------------------------

HALF_SUFFIX = "Half"
HALF = "-half"  # font key suffix of the half-width faces


def half_font_path(font_dir: Path, font: str) -> Path:
    return Path(font_dir) / "half" / FONT_FILES[font].replace("-", f"{HALF_SUFFIX}-", 1)


def make_half_width_fonts(font_dir: Path) -> list[Path]:
    """For every Fandol face, a small font ("FandolFangHalf" ...) holding its compressible
    punctuation at half width: a closing mark keeps its glyph on a 500-unit advance, an opening
    mark's glyph is moved left by 500. A compressed mark is printed in it, so the PDF itself says
    the mark is half as wide: no glyph box overlaps its neighbour and pdftotext reads the line as
    one (it splits lines where boxes overlap by more than a fifth of an em). Idempotent."""
    if all(half_font_path(font_dir, font).is_file() for font in FONT_FILES):
        return []  # the usual case: made once, before (fontTools' subsetter is slow to import)
    from fontTools import subset
    from fontTools.pens.t2CharStringPen import T2CharStringPen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.ttLib import TTFont

    made = []
    marks = sorted(NO_START | NO_END)
    for font in FONT_FILES:
        target = half_font_path(font_dir, font)
        if target.is_file():
            continue
        source = Path(font_dir) / FONT_FILES[font]
        probe = FontMetrics(Path(font_dir))
        chosen = {m: probe.blank_side(m, font) for m in marks}
        chosen = {m: side for m, side in chosen.items() if side}
        tt = TTFont(source)
        options = subset.Options()
        options.layout_features = []
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.drop_tables += ["GPOS", "GSUB", "GDEF"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(m) for m in chosen])
        subsetter.subset(tt)
        upm = tt["head"].unitsPerEm
        half = upm // 2
        cmap = tt.getBestCmap()
        top = tt["CFF "].cff.topDictIndex[0]
        glyph_set = tt.getGlyphSet()
        for char, side in chosen.items():
            name = cmap[ord(char)]
            original = top.CharStrings[name]
            pen = T2CharStringPen(half, glyph_set)
            shift = -half if side == "left" else 0
            glyph_set[name].draw(TransformPen(pen, (1, 0, 0, 1, shift, 0)))
            charstring = pen.getCharString(
                private=original.private, globalSubrs=original.globalSubrs
            )
            top.CharStrings[name] = charstring
            _, lsb = tt["hmtx"].metrics[name]
            tt["hmtx"].metrics[name] = (half, lsb + shift)
        family = tt["name"].getBestFamilyName() + HALF_SUFFIX
        style = tt["name"].getBestSubFamilyName()
        for record in tt["name"].names:
            if record.nameID in (1, 16):
                record.string = family
            elif record.nameID == 4:
                record.string = f"{family} {style}"
            elif record.nameID == 6:
                record.string = f"{family}-{style}".replace(" ", "")
        tt["CFF "].cff.fontNames = [f"{family}-{style}".replace(" ", "")]
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".tmp")
        tt.save(partial)
        partial.replace(target)
        made.append(target)
    return made
