"""Reply-letter PDF rendering speed (not a test). Needs no database: the letters are built from
the demo bodies as the renderer's plain context.

    .venv/bin/python bench/bench_pdf.py [--runs 15] [--batch 200] [--workers 2]

Prints the median and spread of rendering one 3-page letter, then letters per second for a
batch rendered in one process and in --workers processes (this machine has 2 cores).
Target: under 200 ms per letter.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from replies.pdf import LetterContext  # noqa: E402
from replies.pdf import body_paragraphs  # noqa: E402
from replies.pdf import render_letter_pdf  # noqa: E402

DEMO = ROOT / "offices" / "demo"


def base_context(body: str, number: int) -> LetterContext:
    return LetterContext(
        letter_format="file",
        organ="杭州市临安区经济和信息化局",
        doc_number=f"临经信提复〔2023〕{number}号",
        doc_number_blank="临经信提复〔2023〕\u3000\u3000号",
        answer_class="A",
        title_lines=("杭州市临安区经济和信息化局关于", "区政协十届二次会议第46号提案的复函"),
        salutation="孙建文委员",
        paragraphs=body_paragraphs(body),
        contact_term="主办",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
        cc_list=("区政协办公室", "区政协提案委员会", "区政府督查室"),
        issued_date=dt.date(2023, 5, 8),
    )


def pages(pdf: bytes) -> int:
    import pypdfium2  # comes with pdfplumber (dev dependencies)

    return len(pypdfium2.PdfDocument(pdf))


def three_page_body() -> str:
    """The CPPCC demo reply (item 46), cut to the paragraphs that make a 3-page letter."""
    lines = (DEMO / "reply_cppcc_46.txt").read_text(encoding="utf-8").splitlines()
    for n in range(len(lines), 0, -1):
        body = "\n".join(lines[:n])
        if pages(render_letter_pdf(base_context(body, 42), draft=False)) == 3:
            return body
    raise SystemExit("no 3-page cut of the demo body found")


def render_many(args: tuple[str, int, int]) -> int:
    body, start, count = args
    for i in range(count):
        render_letter_pdf(base_context(body, start + i), draft=False)
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    opts = parser.parse_args()

    t0 = time.perf_counter()
    render_letter_pdf(base_context("一、预热\n正文。", 1), draft=False)
    first = (time.perf_counter() - t0) * 1000
    body = three_page_body()
    context = base_context(body, 42)
    pdf = render_letter_pdf(context, draft=False)
    times, cpu = [], []
    for _ in range(opts.runs):
        t, c = time.perf_counter(), time.process_time()
        render_letter_pdf(context, draft=False)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    # Other work on the machine inflates wall-clock times; CPU time per letter does not.
    print(f"cpu cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print(f"first render in a fresh process (imports, fonts): {first:.0f} ms")
    print(f"letter: {pages(pdf)} pages, {len(body)} characters, {len(pdf) / 1024:.0f} KiB")
    print(
        f"render one 3-page letter: median {statistics.median(times):.0f} ms, "
        f"min {min(times):.0f} ms, max {max(times):.0f} ms ({opts.runs} runs); "
        f"CPU time median {statistics.median(cpu):.0f} ms"
    )
    print(f"target < 200 ms: {'met' if statistics.median(times) < 200 else 'NOT met'}")

    t, c = time.perf_counter(), time.process_time()
    render_many((body, 1, opts.batch))
    elapsed, cpu_s = time.perf_counter() - t, time.process_time() - c
    print(
        f"batch of {opts.batch}, 1 process: {elapsed:.1f} s, "
        f"{opts.batch / elapsed:.1f} letters/s, {elapsed / opts.batch * 1000:.0f} ms/letter "
        f"(CPU {cpu_s / opts.batch * 1000:.0f} ms/letter)"
    )

    if opts.workers > 1:
        share = opts.batch // opts.workers
        jobs = [(body, 1 + i * share, share) for i in range(opts.workers)]
        with ProcessPoolExecutor(opts.workers) as pool:
            list(pool.map(render_many, [(body, 1, 1)] * opts.workers))  # warm each worker
            t = time.perf_counter()
            done = sum(pool.map(render_many, jobs))
            elapsed = time.perf_counter() - t
        print(
            f"batch of {done}, {opts.workers} processes: {elapsed:.1f} s, "
            f"{done / elapsed:.1f} letters/s, load average now {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
