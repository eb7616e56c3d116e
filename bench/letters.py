"""The two demo letters as the renderer's plain context (no database): shared by
bench/bench_pdf.py and its Celery worker (bench/pdf_celery.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "offices" / "demo"
LETTERS = {
    "50": {
        "body": "reply_npc_50.txt",
        "number": "临经信建复〔2023〕41号",
        "title": ("杭州市临安区经济和信息化局关于", "区十七届人大二次会议第50号建议的复函"),
        "salutation": "申卫康等13位代表",
        "term": "承办",
        "cc": ("区人大常委会办公室", "区人大代表工委", "区政府督查室"),
    },
    "46": {
        "body": "reply_cppcc_46.txt",
        "number": "临经信提复〔2023〕42号",
        "title": ("杭州市临安区经济和信息化局关于", "区政协十届二次会议第46号提案的复函"),
        "salutation": "孙建文委员",
        "term": "主办",
        "cc": ("区政协办公室", "区政协提案委员会", "区政府督查室"),
    },
}
ORGAN = "杭州市临安区经济和信息化局"
ISSUED = dt.date(2023, 5, 8)


def context(which: str, serial: int | None = None):
    from proposals.seals import demo_seal_png
    from replies.pdf import LetterContext
    from replies.pdf import body_paragraphs

    spec = LETTERS[which]
    number = spec["number"]
    if serial is not None:
        number = number.split("〕")[0] + f"〕{serial}号"
    return LetterContext(
        letter_format="file",
        organ=ORGAN,
        doc_number=number,
        doc_number_blank="",
        answer_class="A",
        title_lines=spec["title"],
        salutation=spec["salutation"],
        paragraphs=body_paragraphs((DEMO / spec["body"]).read_text(encoding="utf-8")),
        contact_term=spec["term"],
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
        cc_list=spec["cc"],
        issued_date=ISSUED,
        seal_png=_seal(demo_seal_png),
    )


_SEAL: bytes | None = None


def _seal(make) -> bytes:
    global _SEAL
    if _SEAL is None:
        _SEAL = make()
    return _SEAL


def render(which: str, serial: int | None = None) -> bytes:
    from replies.pdf import render_letter_pdf

    return render_letter_pdf(context(which, serial), draft=False)
