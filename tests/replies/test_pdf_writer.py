"""The PDF writer (replies/pdf_writer.py) against the WeasyPrint reference renderer: the same
rows drawn both ways give the same text, fonts, glyph positions, rules and seal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pdfplumber
import pytest
from django.core.files.base import ContentFile

from proposals.seals import demo_seal_png
from replies import pdf as letter_pdf
from replies.models import Reply
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.replies.pdf_support import DEMO
from tests.replies.pdf_support import pdffonts
from tests.replies.pdf_support import pdftotext

pytestmark = pytest.mark.django_db

POSITION_PT = 0.5  # pt (0.18 mm): WeasyPrint rounds sizes and spacing to its own units


def _context(world, *, letter_format: str = "file", body: str | None = None):
    world.bureau.letter_format = letter_format
    world.bureau.seal.save("seal.png", ContentFile(demo_seal_png()))
    world.bureau.save()
    assignment = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session, number=50), bureau=world.bureau
    )
    reply = Reply(
        assignment=assignment,
        body=body or (DEMO / "reply_npc_50.txt").read_text(encoding="utf-8"),
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
        cc_list=["区人大常委会办公室", "区人大代表工委", "区政府督查室"],
    )
    return dataclasses.replace(
        letter_pdf.letter_context_from_reply(reply),
        doc_number="临经信建复〔2023〕41号",
        issued_date=dt.date(2023, 5, 8),
        seal_png=demo_seal_png(),
    )


def _content(pdf: bytes):
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        pages = []
        for page in doc.pages:
            chars = sorted(
                (
                    (
                        c["text"],
                        c["fontname"].split("+")[-1],
                        round(c["size"], 1),
                        c["x0"],
                        c["top"],
                        c["x1"],
                    )
                    for c in page.chars
                ),
                key=lambda c: (round(c[4]), c[3]),
            )
            rects = sorted((r["x0"], r["top"], r["x1"], r["bottom"]) for r in page.rects)
            images = [(i["x0"], i["top"], i["x1"], i["bottom"]) for i in page.images]
            pages.append((chars, rects, images))
        return pages


def _assert_same_letter(direct: bytes, reference: bytes) -> None:
    assert pdftotext(direct) == pdftotext(reference)
    ours, theirs = _content(direct), _content(reference)
    assert len(ours) == len(theirs)
    for (chars, rects, images), (ref_chars, ref_rects, ref_images) in zip(
        ours, theirs, strict=True
    ):
        assert len(chars) == len(ref_chars)
        for ch, ref in zip(chars, ref_chars, strict=True):
            assert ch[:3] == ref[:3], (ch, ref)
            assert max(abs(a - b) for a, b in zip(ch[3:], ref[3:], strict=True)) < POSITION_PT, (
                ch,
                ref,
            )
        # WeasyPrint paints a box with two borders as its outer and inner rectangles; the
        # writer paints the two rules: compare the rules' edges
        edges = sorted({round(v, 1) for r in rects for v in (r[1], r[3])})
        ref_edges = sorted({round(v, 1) for r in ref_rects for v in (r[1], r[3])})
        assert edges == ref_edges
        assert len(images) == len(ref_images)
        for box, ref_box in zip(images, ref_images, strict=True):
            assert max(abs(a - b) for a, b in zip(box, ref_box, strict=True)) < POSITION_PT


@pytest.mark.parametrize(
    ("letter_format", "draft"), [("file", False), ("letter", False), ("file", True)]
)
def test_the_writer_draws_what_weasyprint_draws(world, letter_format, draft):
    context = _context(world, letter_format=letter_format)
    direct = letter_pdf.render_letter_pdf(context, draft=draft, engine="direct")
    reference = letter_pdf.render_letter_pdf(context, draft=draft, engine="weasyprint")
    _assert_same_letter(direct, reference)


def _producer(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return str(doc.metadata.get("Producer"))


def test_the_default_engine_is_the_writer_and_its_output_is_reproducible(world, settings):
    context = _context(world)
    first = letter_pdf.render_letter_pdf(context, draft=False)
    assert first == letter_pdf.render_letter_pdf(context, draft=False, engine="direct")
    assert _producer(first) == "fuhan"
    settings.PDF_ENGINE = "weasyprint"
    assert _producer(letter_pdf.render_letter_pdf(context, draft=False)).startswith("WeasyPrint")
    with pytest.raises(ValueError, match="未知的 PDF 引擎"):
        letter_pdf.render_letter_pdf(context, draft=False, engine="chromium")


def test_fonts_are_subset_embedded_and_mapped_to_unicode(world):
    pdf = letter_pdf.render_letter_pdf(_context(world), draft=False)
    fonts = pdffonts(pdf)
    assert {f["name"].split("+")[-1] for f in fonts} >= {
        "FandolFang",
        "FandolSong-Bold",
        "FandolHei",
        "FandolSong",
        "FandolFangHalf",
    }
    for font in fonts:
        assert (font["emb"], font["sub"], font["uni"]) == ("yes", "yes", "yes"), font
    assert len(pdf) < 600_000  # subsets, not whole fonts (FandolFang alone is 6.9 MB)


def test_a_character_no_font_has_keeps_its_text(world):
    """Fandol, Noto CJK and fontconfig's best match lack a private-use character: it prints as
    .notdef, and pdftotext still reads it."""
    body = "甲\ue000乙，𠀀丙。"
    pdf = letter_pdf.render_letter_pdf(_context(world, body=body), draft=False)
    assert body in pdftotext(pdf).replace("\n", "")
