"""Helpers for the reply-letter PDF tests: the two reference letters issued through the real
service, and readers for what a PDF contains (pdftotext, pdffonts, pdfplumber)."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

from core.choices import AssignmentState
from replies import services as rs
from replies.models import DocumentCounter
from replies.models import IssuedLetter
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "offices" / "demo"
REFERENCE = ROOT / "tests" / "data" / "reference"  # copies of ../shared/reference/ (golden letters)
MM = 72 / 25.4  # points per millimetre


@dataclass
class Issued:
    letter: IssuedLetter
    pdf: bytes


def issue_reference_letters(world) -> tuple[Issued, Issued]:
    """Items 50 (NPC) and 46 (CPPCC) with the demo bodies and the reference metadata, approved
    and issued on 2023-05-08 after 40 earlier letters: 临经信建复〔2023〕41号 and 提复 42号."""
    DocumentCounter.objects.get_or_create(
        bureau=world.bureau, year=2023, series="", defaults={"last_serial": 40}
    )
    items = [
        (world.npc_session, 50, "关于进一步加强五金工具产业发展的建议", "申卫康", 13, "npc_50"),
        (
            world.cppcc_session,
            46,
            "关于由行业协会牵头以企引企进行产业链精准招商的建议",
            "孙建文",
            1,
            "cppcc_46",
        ),
    ]
    issued = []
    for session, number, title, proposer, signers, demo in items:
        assignment = AssignmentFactory(
            proposal=ProposalFactory(
                session=session,
                number=number,
                title=title,
                lead_proposer=proposer,
                signer_count=signers,
            ),
            bureau=world.bureau,
            state=AssignmentState.APPROVED,
        )
        ReplyFactory(
            assignment=assignment,
            body=(DEMO / f"reply_{demo}.txt").read_text(encoding="utf-8"),
            answer_class="A",
            leader_name="顾小晶",
            clerk_name="楼伟荣",
            phone="89541421",
            cc_list=list(session.default_cc),
        )
        letter = rs.reply_issue(
            assignment_id=assignment.pk, actor=world.clerk, issued_on=dt.date(2023, 5, 8)
        )
        with letter.pdf.open("rb") as f:
            issued.append(Issued(letter, f.read()))
    return issued[0], issued[1]


def _poppler(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: poppler-utils (scripts/dev.sh installs it)"
    return path


def pdftotext(pdf: bytes, *, layout: bool = False) -> str:
    args = [_poppler("pdftotext"), "-enc", "UTF-8", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode()  # noqa: S603


def pdffonts(pdf: bytes) -> list[dict[str, str]]:
    args = [_poppler("pdffonts"), "-"]
    out = subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode()  # noqa: S603
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object ID: the flags are the 5th..3rd from the end
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def normalise(text: str) -> str:
    """Whitespace-insensitive comparison text."""
    return re.sub(r"\s+", "", text)


PAGE_NUMBER = re.compile(r"^\s*—\s*\d+\s*—\s*$", re.MULTILINE)


def letter_text(pdf: bytes) -> str:
    """The letter's text in reading order without page numbers (which fall inside paragraphs
    that run over a page break)."""
    return normalise(PAGE_NUMBER.sub("", pdftotext(pdf)))


def reference_paragraphs(name: str) -> list[str]:
    """The reference letter's paragraphs, markdown markers (#, **, ---) stripped."""
    text = (REFERENCE / name).read_text(encoding="utf-8")
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        block = re.sub(r"^\s*#+\s*", "", block.strip(), flags=re.MULTILINE).replace("**", "")
        if not block or set(block) <= {"-"}:
            continue
        paragraphs.append(normalise(block))
    return paragraphs


@dataclass
class Line:
    top: float  # mm from the top edge (glyph box)
    bottom: float
    x0: float  # mm from the left edge
    x1: float
    text: str
    font: str
    size: float
    fonts: tuple[str, ...] = ()  # every character's font
    chars: tuple[dict, ...] = ()  # pdfplumber's characters, left to right


def text_lines(pdf: bytes, page_no: int) -> list[Line]:
    """Lines of one page (1-based) from pdfplumber's character boxes, top to bottom."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        chars = doc.pages[page_no - 1].chars
    rows: dict[float, list] = {}
    for ch in chars:
        rows.setdefault(round(ch["top"], 0), []).append(ch)
    lines = []
    for _, cs in sorted(rows.items()):
        cs.sort(key=lambda c: c["x0"])
        lines.append(
            Line(
                top=min(c["top"] for c in cs) / MM,
                bottom=max(c["bottom"] for c in cs) / MM,
                x0=cs[0]["x0"] / MM,
                x1=max(c["x1"] for c in cs) / MM,
                text="".join(c["text"] for c in cs),
                font=cs[0]["fontname"],
                size=round(cs[0]["size"], 1),
                fonts=tuple(c["fontname"] for c in cs),
                chars=tuple(cs),
            )
        )
    return lines


def page_count(pdf: bytes) -> int:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def page_size_mm(pdf: bytes, page_no: int = 1) -> tuple[float, float]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[page_no - 1]
        return page.width / MM, page.height / MM


@dataclass
class Rule:
    top: float
    x0: float
    x1: float
    thickness: float
    colour: tuple


def rules(pdf: bytes, page_no: int) -> list[Rule]:
    """Horizontal rules of one page, in mm. WeasyPrint paints a box's borders as its outer
    rectangle minus its inner one (pdfplumber lists both), a lone border as a thin rectangle,
    and table cell borders as stroked line segments (merged here)."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[page_no - 1]
        boxes = {
            (
                round(r["top"] / MM, 3),
                round(r["bottom"] / MM, 3),
                round(r["x0"] / MM, 2),
                round(r["x1"] / MM, 2),
                tuple(r.get("non_stroking_color") or ()),
            )
            for r in page.rects
            if r["width"] > 20 * MM
        }
        segments = sorted(
            (
                round(ln["top"] / MM, 2),
                ln["x0"] / MM,
                ln["x1"] / MM,
                ln["linewidth"] / MM,
                tuple(ln.get("stroking_color") or ()),
            )
            for ln in page.lines
            if abs(ln["top"] - ln["bottom"]) < 0.5
        )
    found: list[Rule] = []
    paired = set()
    for outer in boxes:
        for inner in boxes:
            if (
                inner != outer
                and inner[2:] == outer[2:]
                and outer[0] <= inner[0]
                and inner[1] <= outer[1]
            ):
                paired.update({outer, inner})
                top, bottom, x0, x1, colour = outer
                for a, b in ((top, inner[0]), (inner[1], bottom)):
                    if b - a > 0.01:
                        found.append(Rule(a, x0, x1, b - a, colour))
    for box in boxes - paired:
        top, bottom, x0, x1, colour = box
        if bottom - top < 3:
            found.append(Rule(top, x0, x1, bottom - top, colour))
    for top, x0, x1, width, colour in segments:
        last = found[-1] if found else None
        if (
            last
            and abs(last.top - top) < 0.01
            and abs(last.x1 - x0) < 0.5
            and abs(last.thickness - width) < 0.01
        ):
            last.x1 = max(last.x1, x1)
        else:
            found.append(Rule(top, x0, x1, width, colour))
    return sorted(found, key=lambda r: r.top)
