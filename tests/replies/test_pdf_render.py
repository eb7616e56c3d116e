"""The issued reply letter as PDF: the text of the two real letters in order, the fonts, the
GB/T 9704 geometry measured from the file, and the renderer's own defence against injection."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import re
from pathlib import Path

import pdfplumber
import pytest
from django.conf import settings

from replies import pdf as letter_pdf
from replies.models import Reply
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.replies.pdf_support import issue_reference_letters
from tests.replies.pdf_support import letter_text
from tests.replies.pdf_support import normalise
from tests.replies.pdf_support import page_count
from tests.replies.pdf_support import page_size_mm
from tests.replies.pdf_support import pdffonts
from tests.replies.pdf_support import pdftotext
from tests.replies.pdf_support import reference_paragraphs
from tests.replies.pdf_support import rules
from tests.replies.pdf_support import text_lines

pytestmark = pytest.mark.django_db

# GB/T 9704-2012, in mm.
TOP, LEFT, WIDTH, HEIGHT = 37.0, 28.0, 156.0, 225.0
TOL = 1.0


@pytest.fixture
def letters(world):
    return issue_reference_letters(world)


@pytest.mark.parametrize(
    ("index", "reference"),
    [(0, "reply-npc-suggestion-50.md"), (1, "reply-cppcc-proposal-46.md")],
)
def test_every_reference_paragraph_appears_in_order(letters, index, reference):
    issued = letters[index]
    text = letter_text(issued.pdf)
    paragraphs = reference_paragraphs(reference)
    # The reference's first three paragraphs are the header, the number and the class mark;
    # on paper the class mark sits at the top right, above the header, so those three are
    # checked on page 1 before the title, and everything from the title on strictly in order.
    header, number, class_mark, *rest = paragraphs
    assert header.endswith("文件")
    assert number == issued.letter.doc_number
    assert class_mark == "A类"
    title_at = text.index(rest[0])
    for part in (header, number, class_mark):
        assert 0 <= text.find(part) < title_at, part
    position = 0
    for paragraph in rest:
        found = text.find(paragraph, position)
        assert found >= 0, f"缺少或顺序不对：{paragraph[:40]}…（自第 {position} 个字符起）"
        position = found + len(paragraph)
    assert len(rest) > 20 if index == 0 else len(rest) > 15


def test_reference_metadata_is_printed(letters):
    l50, l46 = letters
    t50, t46 = letter_text(l50.pdf), letter_text(l46.pdf)
    assert "临经信建复〔2023〕41号" in t50
    assert "临经信提复〔2023〕42号" in t46
    assert "杭州市临安区经济和信息化局关于区十七届人大二次会议第50号建议的复函" in t50
    assert "杭州市临安区经济和信息化局关于区政协十届二次会议第46号提案的复函" in t46
    assert "申卫康等13位代表：您们" in t50
    assert "孙建文委员：您在" in t46
    assert "承办领导：顾小晶承办人：楼伟荣联系电话：89541421" in t50
    assert "主办领导：顾小晶主办人：楼伟荣联系电话：89541421" in t46
    assert "抄送：区人大常委会办公室、区人大代表工委、区政府督查室。" in t50
    assert "抄送：区政协办公室、区政协提案委员会、区政府督查室。" in t46
    assert t50.endswith("杭州市临安区经济和信息化局2023年5月8日印发")
    assert "草稿" not in t50


def test_every_font_is_embedded_and_fandol_is_used(letters):
    for issued in letters:
        fonts = pdffonts(issued.pdf)
        assert fonts
        assert all(f["emb"] == "yes" for f in fonts), fonts
        names = {re.sub(r"^[A-Z]{6}\+", "", f["name"]) for f in fonts}
        assert {"FandolFang", "FandolSong-Bold", "FandolHei"} <= names, names


def _body_lines(pdf: bytes, page: int):
    """Body text lines: 3号 (16 pt) 仿宋 / 黑体 / 楷体 / bold lead-ins, not the page number."""
    return [ln for ln in text_lines(pdf, page) if ln.size == 16.0 and "—" not in ln.text]


def test_page_size_and_text_block_follow_gb_t_9704(letters):
    pdf = letters[0].pdf
    pages = page_count(pdf)
    assert pages >= 3
    for page in range(1, pages + 1):
        width, height = page_size_mm(pdf, page)
        assert abs(width - 210) < TOL
        assert abs(height - 297) < TOL
    full = _body_lines(pdf, 2)  # page 2 is all body text
    pitch = (full[-1].top - full[0].top) / (len(full) - 1)
    glyph = full[0].bottom - full[0].top
    # The first line box starts at the top of the text block (glyph top minus half leading).
    assert abs(full[0].top - (pitch - glyph) / 2 - TOP) < TOL
    assert abs(pitch * 22 - HEIGHT) < TOL  # 22 lines fill the 225 mm block
    for page in range(1, pages + 1):
        lines = [ln for ln in text_lines(pdf, page) if "—" not in ln.text]
        assert min(ln.x0 for ln in lines) >= LEFT - TOL
        assert max(ln.x1 for ln in lines) <= LEFT + WIDTH + 0.5
        assert max(ln.bottom for ln in lines) <= TOP + HEIGHT
        body = _body_lines(pdf, page)
        if body:
            assert abs(min(ln.x0 for ln in body) - LEFT) < TOL  # flush with the left edge


def test_22_lines_of_28_characters(letters):
    pdf = letters[0].pdf
    counted = []
    for page in range(2, page_count(pdf)):
        lines = _body_lines(pdf, page)
        gaps = [b.top - a.top for a, b in itertools.pairwise(lines)]
        # A page of running text: filled to the bottom, no blank lines (signature, contacts).
        if lines and lines[-1].bottom > TOP + HEIGHT - 10 and max(gaps) < 1.5 * min(gaps):
            assert len(lines) == 22, [ln.text for ln in lines]
            counted.append(page)
    assert len(counted) >= 3, counted
    # Rows of full-width characters at full width (no compressed mark: those are printed in the
    # half-width faces) that start at the left edge: 28 of them fill the 156 mm row, one cell
    # (5.571 mm) each; a row never holds more than 28 such characters.
    full_lines = [
        ln
        for page in range(1, page_count(pdf) + 1)
        for ln in _body_lines(pdf, page)
        if abs(ln.x0 - LEFT) < 0.5
        and not re.search(r"[\x00-\x7f]", ln.text)
        and "Half" not in "".join(ln.fonts)
    ]
    assert len(full_lines) > 20
    assert max(len(ln.text) for ln in full_lines) == 28
    for ln in full_lines:
        if len(ln.text) == 28:
            assert abs((ln.x1 - ln.x0) - WIDTH) < 0.3, ln.text


def test_page_one_header_number_rule_and_page_numbers(letters):
    pdf = letters[0].pdf
    lines = text_lines(pdf, 1)
    header = next(ln for ln in lines if ln.text.endswith("文件"))
    number = next(ln for ln in lines if ln.text == "临经信建复〔2023〕41号")
    mark = next(ln for ln in lines if ln.text == "A类")
    assert mark.top < header.top
    assert mark.x1 > LEFT + WIDTH - 2
    assert header.font.endswith("FandolSong-Bold")
    # The header's top edge (its ink, 0.11 em below the glyph box of the vertically stretched
    # header) 35 mm below the top of the text block.
    assert abs(header.top + 0.11 * header.size / (72 / 25.4) - (TOP + 35)) < TOL
    assert abs((number.x0 + number.x1) / 2 - (LEFT + WIDTH / 2)) < TOL  # centred
    red = [r for r in rules(pdf, 1) if r.colour and r.colour[0] > 0.8 and r.colour[1] < 0.2]
    assert len(red) == 1
    assert abs(red[0].x0 - LEFT) < TOL
    assert abs(red[0].x1 - (LEFT + WIDTH)) < TOL
    assert abs(red[0].top - (number.bottom + 4)) < TOL  # 4 mm under the number
    # Title and body sit on the 22-line grid of the full pages: page 1 is filled to line 22.
    grid = _body_lines(pdf, 2)
    pitch = (grid[-1].top - grid[0].top) / (len(grid) - 1)
    below_title = [ln for ln in _body_lines(pdf, 1) if ln.top > number.bottom]
    slots = [(ln.top - grid[0].top) / pitch for ln in below_title]
    assert all(abs(x - round(x)) < 0.05 for x in slots), slots
    assert round(slots[-1]) == 21
    # 页码: "— 1 —" on the right of odd pages, "— 2 —" on the left of even pages, 7 mm under
    # the text block, one character (14 pt) in from the edge.
    one = next(ln for ln in lines if ln.text.replace(" ", "") == "—1—")
    two = next(ln for ln in text_lines(pdf, 2) if ln.text.replace(" ", "") == "—2—")
    assert one.size == 14.0
    assert abs(one.x1 - (LEFT + WIDTH - 4.94)) < TOL
    assert abs(two.x0 - (LEFT + 4.94)) < TOL
    assert abs(one.top - (TOP + HEIGHT + 7)) < TOL


def test_banji_rules_on_the_last_page(letters):
    for issued in letters:
        pdf = issued.pdf
        last = page_count(pdf)
        black = [r for r in rules(pdf, last) if not r.colour or max(r.colour) < 0.2]
        assert len(black) == 3, black
        first, middle, end = black
        assert abs(first.thickness - 0.35) < 0.05
        assert abs(middle.thickness - 0.25) < 0.05
        assert abs(end.thickness - 0.35) < 0.05
        for r in black:
            assert abs(r.x0 - LEFT) < TOL
            assert abs(r.x1 - (LEFT + WIDTH)) < TOL
        assert end.top <= TOP + HEIGHT + 0.5  # at the foot of the text block
        assert end.top > TOP + HEIGHT - 40
        cc = next(ln for ln in text_lines(pdf, last) if ln.text.startswith("抄送"))
        assert first.top < cc.top < middle.top
        assert cc.size == 14.0


def _context(world, body: str, **changes) -> letter_pdf.LetterContext:
    assignment = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau
    )
    reply = Reply(
        assignment=assignment,
        body=body,
        answer_class="B",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
        cc_list=["区政府督查室"],
    )
    context = letter_pdf.letter_context_from_reply(reply)
    return dataclasses.replace(context, **changes)


INJECTIONS = [
    '<img src="file:///etc/passwd">',
    "<script>alert(1)</script>",
    '<a rel="attachment" href="file:///etc/passwd">附件</a>',
    '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
    "<style>@import url(file:///etc/passwd);</style>",
]


def test_injection_in_the_body_is_printed_as_literal_text(world):
    # reply_save_draft refuses HTML, so this goes straight into the renderer's context.
    body = "\n".join([*INJECTIONS, "**<b>x</b>**", "一、<i>标题</i>"])
    context = _context(
        world, body, doc_number="临经信建复〔2026〕9号", issued_date=dt.date(2026, 5, 8)
    )
    pdf = letter_pdf.render_letter_pdf(context, draft=False)
    text = normalise(pdftotext(pdf))
    for literal in [*INJECTIONS, "<b>x</b>", "一、<i>标题</i>"]:
        assert normalise(literal) in text, literal
    assert b"/EmbeddedFile" not in pdf
    assert b"/Filespec" not in pdf
    assert "root:" not in text
    html = letter_pdf.render_letter_html(context, draft=False)
    assert "<img" not in html
    assert "<script" not in html
    assert "<b>" not in html
    assert '<span class="f-bold">&lt;b&gt;x&lt;/b&gt;</span>' in html


def test_injection_through_every_field_stays_text(world):
    context = _context(
        world,
        "正文",
        salutation='<img src="file:///etc/passwd">',
        leader_name="<script>x</script>",
        cc_list=('<a rel="attachment" href="file:///etc/passwd">抄送</a>',),
        organ="<b>局</b>",
    )
    html = letter_pdf.render_letter_html(context, draft=True)
    assert "<img" not in html
    assert "<script" not in html
    assert 'rel="attachment"' not in html
    pdf = letter_pdf.render_letter_pdf(context, draft=True)
    assert b"/EmbeddedFile" not in pdf
    assert '<imgsrc="file:///etc/passwd">' in normalise(pdftotext(pdf))


def test_url_fetcher_allows_data_and_the_asset_folder_only(tmp_path):
    fetcher = letter_pdf.make_url_fetcher()
    css = Path(settings.PDF_ASSET_ROOT) / "letter.css"
    assert fetcher.fetch(css.resolve().as_uri()).read().startswith(b"/*")
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    refused = [
        "file:///etc/passwd",
        secret.as_uri(),
        (Path(settings.PDF_ASSET_ROOT) / ".." / "pdf.py").as_uri(),
        "http://127.0.0.1:9/x.css",
        "https://example.org/x.css",
        "ftp://127.0.0.1/x",
    ]
    for url in refused:
        with pytest.raises(ValueError, match="不允许"):
            fetcher.fetch(url)


def test_fetcher_stops_an_attachment_even_in_raw_html():
    """Defence in depth: even HTML that reached WeasyPrint cannot embed a local file."""
    weasyprint = letter_pdf._weasyprint()
    html = '<a rel="attachment" href="file:///etc/passwd">x</a><img src="file:///etc/passwd">'
    pdf = weasyprint.HTML(string=html, url_fetcher=letter_pdf.make_url_fetcher()).write_pdf()
    assert b"/EmbeddedFile" not in pdf
    unsafe = weasyprint.HTML(string=html).write_pdf()  # the default fetcher would embed it
    assert b"/EmbeddedFile" in unsafe


def test_draft_is_watermarked_and_has_no_number(world):
    context = _context(world, "一、关于测试\n正文。")
    pdf = letter_pdf.render_letter_pdf(context, draft=True)
    text = pdftotext(pdf)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:  # the watermark, large and on every page
            assert {c["text"] for c in page.chars if c["size"] > 100} == {"草", "稿"}
    number = next(ln for ln in text_lines(pdf, 1) if ln.text.startswith("临经信建复"))
    assert re.fullmatch(r"临经信建复〔\d{4}〕[\s\u3000]*号", number.text)  # blank serial
    assert "年月日印发" in normalise(text.replace("\u3000", ""))
    with pytest.raises(ValueError, match="文号"):
        letter_pdf.render_letter_pdf(context, draft=False)


def test_headings_are_classified_and_bold_is_kept():
    paragraphs = letter_pdf.body_paragraphs(
        "开头。\n\n一、关于甲\n（一）关于乙\n1. 事项\n**一是**做法。**二是加强。**其次"
    )
    assert [p.kind for p in paragraphs] == ["p", "h1", "h2", "item", "p"]
    assert paragraphs[-1].html == "<strong>一是</strong>做法。<strong>二是加强。</strong>其次"


def test_headings_use_hei_and_kai(world):
    context = _context(
        world,
        "一、关于甲\n（一）关于乙\n**加粗**",
        doc_number="临经信建复〔2026〕9号",
        issued_date=dt.date(2026, 5, 8),
    )
    pdf = letter_pdf.render_letter_pdf(context, draft=False)
    fonts = {ln.text: ln.font for ln in text_lines(pdf, 1)}
    assert fonts["一、关于甲"].endswith("FandolHei")
    assert fonts["（一）关于乙"].endswith("FandolKai")
    assert fonts["加粗"].endswith("FandolSong-Bold")


def test_letter_format(world):
    world.bureau.letter_format = "letter"
    world.bureau.save()
    context = _context(
        world,
        "\n".join(["正文段落。" * 30] * 12),
        doc_number="临经信建复〔2026〕9号",
        issued_date=dt.date(2026, 5, 8),
    )
    pdf = letter_pdf.render_letter_pdf(context, draft=False)
    assert page_count(pdf) >= 2
    page1 = text_lines(pdf, 1)
    organ = next(ln for ln in page1 if "经济和信息化局" in ln.text and ln.size > 20)
    assert organ.text == "杭州市临安区经济和信息化局"  # no 文件 in the letter format
    assert abs(organ.top + 0.11 * organ.size / (72 / 25.4) - 30) < TOL  # 30 mm
    number = next(ln for ln in page1 if "临经信建复〔2026〕9号" in ln.text)
    assert abs(number.x1 - (LEFT + WIDTH)) < TOL  # flush right
    assert not any(re.fullmatch(r"—\s*1\s*—", ln.text) for ln in page1)  # no number on page 1
    assert any(re.fullmatch(r"—\s*2\s*—", ln.text) for ln in text_lines(pdf, 2))
    red = [r for r in rules(pdf, 1) if r.colour and r.colour[0] > 0.8 and r.colour[1] < 0.2]
    widths = {round(r.x1 - r.x0) for r in red}
    assert widths == {170}
    assert len(red) == 4  # two double lines
    for r in red:  # centred on the sheet: 20 mm from either edge
        assert abs(r.x0 - 20) < 0.3, r
    assert abs(max(r.top + r.thickness for r in red) - (297 - 20)) < TOL  # 20 mm from the bottom
