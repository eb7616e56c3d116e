"""Reply-letter PDF speed, side by side with LibreOffice (not a test). Renders the real demo
letters (区十七届人大二次会议第50号建议 and 区政协十届二次会议第46号提案, issued with the demo seal)
from the renderer's plain context, so it needs no database.

    .venv/bin/python bench/bench_pdf.py [--runs 20] [--batch 50] [--zip 200]
                                        [--broker redis://127.0.0.1:6379/11] [--no-libreoffice]
                                        [--engine direct|weasyprint]

Prints, for each letter: process start + first render (a fresh Python process: interpreter,
Django, the PDF writer and fonts, one letter), warm median and p95 (one process, the same letter
again and again), a batch of --batch letters in one process and across all cores, the same
letter as an equivalent .docx converted by LibreOffice headless (one soffice process for the
whole batch, and one soffice start + one conversion) with the ratios; then signing one letter
(PAdES, a throw-away certificate) and the session ZIP of --zip letters rendered across all
cores by a Celery worker (prefork, one process per core) through --broker.

Setup (here, never in the tests): LibreOffice comes from Debian (apt-get install
--no-install-recommends libreoffice-writer-nogui) and python-docx (the bench extra of
pyproject.toml) is installed into this virtualenv when missing.

--engine weasyprint times the reference renderer instead of the writer (FUHAN_PDF_ENGINE, which
the child processes and the Celery worker inherit).

For whole-process timings side by side (the README's ratio), two single commands:

    .venv/bin/python bench/bench_pdf.py --child-render 50 --copies 20   # 20 letters, one process
    .venv/bin/python bench/bench_pdf.py --write-docx /tmp/lo --copies 20  # then, for LibreOffice:
    FONTCONFIG_FILE=var/fonts/fonts.conf soffice -env:UserInstallation=file:///tmp/lo/profile \
        --headless --norestore --convert-to pdf --outdir /tmp/lo/out /tmp/lo/*.docx

Left out: the database (issuance, storing the file), the web request, the Django template's
share of a live preview; LibreOffice gets a .docx built beforehand (building it is not timed)
and its own fonts setup (the same Fandol fonts through fontconfig); the Celery figure includes
the broker round trips and writing the ZIP, not worker start-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

from bench.letters import DEMO  # noqa: E402
from bench.letters import LETTERS  # noqa: E402
from bench.letters import ORGAN  # noqa: E402
from bench.letters import render  # noqa: E402


def _django() -> None:
    import django

    django.setup()


def render_many(args: tuple[str, int, int]) -> int:
    which, start, count = args
    _django()
    for i in range(count):
        render(which, start + i)
    return count


def pages(pdf: bytes) -> int:
    import pypdfium2  # comes with pdfplumber (dev dependencies)

    return len(pypdfium2.PdfDocument(pdf))


# --- setup of the other side ----------------------------------------------------------------


def setup_libreoffice() -> str | None:
    """soffice and python-docx, installed here when missing (Debian package, bench extra)."""
    if not shutil.which("soffice"):
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        print("installing LibreOffice (libreoffice-writer-nogui) ...", flush=True)
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [
                *sudo,
                "apt-get",
                "install",
                "-y",
                "-qq",
                "--no-install-recommends",
                "libreoffice-writer-nogui",
            ],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    try:
        import docx  # noqa: F401
    except ImportError:
        print("installing python-docx into the virtualenv ...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "python-docx>=1.2,<1.3"], check=True
        )
    return shutil.which("soffice")


def build_docx(which: str, path: Path) -> None:
    """The same letter as a Word document: A4, GB/T 9704 margins, 16 pt FandolFang on 28.99 pt
    lines with a two-character first-line indent, justified; red header and rule, 22 pt title,
    黑体 headings, bold lead-ins, 署名 and date, contacts, 版记 between rules, page numbers."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm
    from docx.shared import Pt
    from docx.shared import RGBColor

    from replies.pdf import body_paragraphs

    spec = LETTERS[which]
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    def run(
        paragraph,
        text: str,
        *,
        font: str = "FandolFang",
        size: float = 16,
        bold: bool = False,
        colour: RGBColor | None = None,
    ) -> None:
        r = paragraph.add_run(text)
        r.font.size = Pt(size)
        r.font.bold = bold
        r.font.name = font
        r._element.rPr.rFonts.set(qn("w:eastAsia"), font)
        if colour is not None:
            r.font.color.rgb = colour

    def para(align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = True):
        p = doc.add_paragraph()
        p.alignment = align
        fmt = p.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(28.99)
        fmt.space_before = fmt.space_after = Pt(0)
        if indent:
            fmt.first_line_indent = Pt(31.58)
        return p

    def border(p, side: str, size: int, colour: str = "000000") -> None:
        ppr = p._p.get_or_add_pPr()
        bdr = OxmlElement("w:pBdr")
        edge = OxmlElement(f"w:{side}")
        for key, value in (("val", "single"), ("sz", str(size)), ("space", "1"), ("color", colour)):
            edge.set(qn(f"w:{key}"), value)
        bdr.append(edge)
        ppr.append(bdr)

    red = RGBColor(0xE6, 0x00, 0x12)
    run(para(WD_ALIGN_PARAGRAPH.RIGHT, False), "A类", font="FandolHei")
    for _ in range(2):
        para(indent=False)
    run(
        para(WD_ALIGN_PARAGRAPH.CENTER, False),
        ORGAN + "文件",
        font="FandolSong",
        size=28.6,
        bold=True,
        colour=red,
    )
    para(indent=False)
    number = para(WD_ALIGN_PARAGRAPH.CENTER, False)
    run(number, spec["number"])
    border(number, "bottom", 12, "E60012")
    para(indent=False)
    for line in spec["title"]:
        run(para(WD_ALIGN_PARAGRAPH.CENTER, False), line, font="FandolSong", size=22, bold=True)
    para(indent=False)
    run(para(indent=False), spec["salutation"] + "：")
    for paragraph in body_paragraphs((DEMO / spec["body"]).read_text(encoding="utf-8")):
        p = para()
        for text, bold in paragraph.runs:
            font = "FandolHei" if paragraph.kind == "h1" else "FandolFang"
            run(p, text, font="FandolSong" if bold else font, bold=bold)
    for _ in range(2):
        para(indent=False)
    run(para(WD_ALIGN_PARAGRAPH.RIGHT, False), ORGAN + "\u3000")
    run(para(WD_ALIGN_PARAGRAPH.RIGHT, False), "2023年5月8日\u3000\u3000\u3000\u3000")
    para(indent=False)
    for text in (f"{spec['term']}领导：顾小晶", f"{spec['term']}人：楼伟荣", "联系电话：89541421"):
        run(para(), text)
    cc = para(indent=False)
    run(cc, "\u3000抄送：" + "、".join(spec["cc"]) + "。", size=14)
    border(cc, "top", 8)
    issuer = para(indent=False)
    run(issuer, f"\u3000{ORGAN}\u3000\u3000\u3000\u3000\u3000\u30002023年5月8日印发", size=14)
    border(issuer, "top", 6)
    border(issuer, "bottom", 8)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    footer._p.append(field)
    doc.save(str(path))


def libreoffice_convert(soffice: str, files: list[Path], outdir: Path, profile: Path) -> float:
    """Seconds for one soffice process converting every file to PDF."""
    start = time.perf_counter()
    subprocess.run(  # noqa: S603
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "FONTCONFIG_FILE": str(_fonts_conf())},
    )
    return time.perf_counter() - start


def _fonts_conf() -> Path:
    from django.conf import settings

    return Path(settings.PDF_FONT_DIR) / "fonts.conf"


# --- the parts ------------------------------------------------------------------------------


def first_render_in_fresh_process(which: str) -> float:
    start = time.perf_counter()
    subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--child-render", which], check=True, capture_output=True
    )
    return time.perf_counter() - start


def warm(which: str, runs: int) -> tuple[float, float, float]:
    render(which)
    times, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        render(which)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    return statistics.median(times), p95, statistics.median(cpu)


def batch_all_cores(which: str, count: int, workers: int) -> float:
    share = [count // workers + (1 if i < count % workers else 0) for i in range(workers)]
    jobs, start = [], 1
    for n in share:
        jobs.append((which, start, n))
        start += n
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(render_many, [(which, 1, 1)] * workers))  # warm each worker
        t = time.perf_counter()
        done = sum(pool.map(render_many, jobs))
        elapsed = time.perf_counter() - t
    assert done == count
    return elapsed


def sign_one(pdf: bytes) -> float:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    from proposals.credentials import SigningCredentials
    from replies.signing import sign_pdf

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ORGAN)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=9))
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"bench", key, cert, None, serialization.BestAvailableEncryption(b"pw")
    )
    credentials = SigningCredentials("bench", data, b"pw", ORGAN, cert.not_valid_after_utc)
    sign_pdf(pdf, credentials=credentials, reason="bench")
    times = []
    for _ in range(5):
        t = time.perf_counter()
        sign_pdf(pdf, credentials=credentials, reason="bench")
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def celery_zip(count: int, broker: str, workers: int) -> tuple[float, int] | None:
    """Seconds from queuing `count` renders to a finished ZIP, with a prefork worker of
    `workers` processes; None when the broker cannot be reached."""
    import redis

    try:
        redis.Redis.from_url(broker, socket_connect_timeout=1).ping()
    except Exception as exc:
        print(f"session ZIP through Celery: skipped, broker {broker} unreachable ({exc})")
        return None
    out = Path(tempfile.mkdtemp(prefix="bench-pdf-celery-"))
    env = {**os.environ, "BENCH_BROKER": broker, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bench.pdf_celery",
            "worker",
            "-P",
            "prefork",
            "--concurrency",
            str(workers),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench-pdf-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        os.environ["BENCH_BROKER"] = broker
        from bench.pdf_celery import app
        from bench.pdf_celery import render_to_file

        app.control.purge()
        # Wait until every worker process has rendered once (imports and fonts loaded).
        warmups = [render_to_file.delay("46", 900 + i, str(out)) for i in range(workers * 2)]
        for result in warmups:
            result.get(timeout=300)
        start = time.perf_counter()
        results = [
            render_to_file.delay("50" if i % 2 else "46", i + 1, str(out)) for i in range(count)
        ]
        paths = [r.get(timeout=600) for r in results]
        zip_path = out / "session.zip"
        with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_STORED) as archive:
            for path in paths:
                archive.write(path, Path(path).name)
        elapsed = time.perf_counter() - start
        size = zip_path.stat().st_size
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        shutil.rmtree(out, ignore_errors=True)
    return elapsed, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--zip", type=int, default=200)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--no-libreoffice", action="store_true")
    parser.add_argument("--no-celery", action="store_true")
    parser.add_argument("--engine", choices=("direct", "weasyprint"), default=None)
    parser.add_argument("--child-render", metavar="LETTER", help="render LETTER (50 or 46), exit")
    parser.add_argument("--write-docx", metavar="DIR", help="write the .docx of --letter, exit")
    parser.add_argument("--letter", default="50", choices=tuple(LETTERS))
    parser.add_argument("--copies", type=int, default=1)
    opts = parser.parse_args()
    if opts.engine:
        os.environ["FUHAN_PDF_ENGINE"] = opts.engine  # before Django reads its settings
    if opts.child_render:
        _django()
        for i in range(opts.copies):
            render(opts.child_render, 100 + i if opts.copies > 1 else None)
        return
    if opts.write_docx:
        _django()
        folder = Path(opts.write_docx)
        folder.mkdir(parents=True, exist_ok=True)
        first = folder / f"{opts.letter}-000.docx"
        build_docx(opts.letter, first)
        for i in range(1, opts.copies):
            shutil.copyfile(first, folder / f"{opts.letter}-{i:03d}.docx")
        return

    _django()
    cores = os.cpu_count() or 1
    from django.conf import settings

    print(
        f"cpu cores: {cores}, load average at start: {os.getloadavg()[0]:.1f}, "
        f"engine: {settings.PDF_ENGINE}"
    )
    soffice = None if opts.no_libreoffice else setup_libreoffice()
    work = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    try:
        for which in LETTERS:
            pdf = render(which)
            print(
                f"\n== letter {which} ({LETTERS[which]['number']}): {pages(pdf)} pages, "
                f"{len(pdf) / 1024:.0f} KiB"
            )
            first = first_render_in_fresh_process(which)
            print(f"process start + first render: {first * 1000:.0f} ms")
            median, p95, cpu = warm(which, opts.runs)
            print(
                f"warm: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
                f"({opts.runs} runs; CPU median {cpu * 1000:.0f} ms)"
            )
            t = time.perf_counter()
            render_many((which, 1, opts.batch))
            one = (time.perf_counter() - t) / opts.batch
            print(f"batch of {opts.batch}, 1 process: {one * 1000:.0f} ms/letter")
            spread = batch_all_cores(which, opts.batch, cores) / opts.batch
            print(
                f"batch of {opts.batch}, {cores} processes: {spread * 1000:.0f} ms/letter "
                f"({1 / spread:.1f} letters/s)"
            )
            if soffice:
                docx_files = []
                for i in range(opts.batch):
                    path = work / f"{which}-{i:03d}.docx"
                    if i == 0:
                        build_docx(which, path)
                    else:
                        shutil.copyfile(docx_files[0], path)
                    docx_files.append(path)
                profile = work / "lo-profile"
                libreoffice_convert(soffice, docx_files[:1], work / "warmup", profile)
                start_one = libreoffice_convert(soffice, docx_files[:1], work / "one", profile)
                lo_batch = libreoffice_convert(soffice, docx_files, work / "lo", profile)
                lo_one = lo_batch / opts.batch
                lo_pages = pages((work / "lo" / f"{which}-000.pdf").read_bytes())
                print(
                    f"LibreOffice {lo_pages}-page .docx: start + one conversion "
                    f"{start_one * 1000:.0f} ms; batch of {opts.batch} in one process "
                    f"{lo_one * 1000:.0f} ms/letter"
                )
                print(
                    f"ratio LibreOffice / ours, per letter: warm {lo_one / median:.2f}x, "
                    f"batch {lo_one / one:.2f}x; process start + first: "
                    f"{start_one / first:.2f}x (target: warm >= 1.5x)"
                )
        print(f"\nsign one letter (PAdES, no time stamp): {sign_one(render('50')) * 1000:.0f} ms")
        if not opts.no_celery:
            done = celery_zip(opts.zip, opts.broker, cores)
            if done:
                elapsed, size = done
                print(
                    f"session ZIP of {opts.zip} letters (46 and 50 alternating) rendered by "
                    f"Celery, {cores} worker processes: {elapsed:.1f} s, "
                    f"{opts.zip / elapsed:.1f} letters/s, {size / 1024 / 1024:.1f} MiB"
                )
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
