"""Peak memory and time of reading an uploaded assignment list, hostile files next to a normal one.

    .venv/bin/python bench/bench_import.py [--no-compare] [--timeout 60]

The files are built first (tests/office/hostile_xlsx.py) and written to a temporary folder.
Each measurement runs in a fresh Python process (so one file's garbage cannot hide another's):
the process loads Django and the file, records its peak RSS (ru_maxrss), reads the workbook the
way the import does (offices.importing._open_sheet + _rows: the checks, then openpyxl read-only
and streaming, rows kept in a list as the preview keeps them), and prints the growth of the peak
RSS and the wall time of the read. With --compare (the default) it also reads each file the way
the import did before issue 12, which is what a developer writes by default (openpyxl
load_workbook(read_only=True) + list(iter_rows())), in another fresh process killed after
--timeout seconds or at about 3 GB of address space.

Left out: the database part of the preview (sessions, bureaus, duplicates: the same for every
file), the upload itself (Django spools anything above 5 MB to disk) and the HTTP layer."""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

CASES = [
    "normal 2,000 rows",
    "dimension A1:XFD10001",
    "300 MB inline string",
    "billion laughs",
    "DOCTYPE only",
    "zip bomb 1 GB",
    "lying zip header",
    "200,000 cells in one row",
]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: str, how: str) -> None:
    """Runs in the fresh process: read the file the way `how` says, print one line."""
    import django

    django.setup()
    from core.exceptions import ApplicationError
    from offices import importing

    data = Path(path).read_bytes()
    before = rss_mb()
    started = time.perf_counter()
    if how == "bounded":
        try:
            sheet = importing._open_sheet(data=data, filename="list.xlsx")
            rows = list(importing._rows(sheet))  # the preview keeps the rows too
            outcome = f"read {len(rows)} rows"
        except ApplicationError as exc:
            outcome = "refused: " + exc.message
    else:
        import io

        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            rows = list(sheet.iter_rows(values_only=True))  # what the import did before
            outcome = f"read {len(rows)} rows"
        except Exception as exc:
            outcome = f"{type(exc).__name__}: {str(exc)[:60]}"
    seconds = time.perf_counter() - started
    print(f"{len(data) / 1024:.0f}\t{rss_mb() - before:.1f}\t{seconds:.2f}\t{outcome}")


def _address_space_limit() -> None:
    """About 3 GB of address space for the unbounded read: it fails instead of swapping."""
    resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))


def measure(path: Path, how: str, timeout: float) -> tuple[str, str, str, str]:
    command = [sys.executable, __file__, "--child", str(path), "--how", how]
    try:
        done = subprocess.run(  # noqa: S603 (this script, with its own arguments)
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=ROOT,
            preexec_fn=_address_space_limit if how == "plain" else None,
        )
    except subprocess.TimeoutExpired:
        return "", "-", f">{timeout:.0f}", f"killed after {timeout:.0f} s"
    line = done.stdout.strip().splitlines()[-1:] or [f"\t-\t-\tfailed: {done.stderr[-200:]}"]
    size, grown, seconds, outcome = [*line[0].split("\t"), "", "", "", ""][:4]
    if done.returncode and "MemoryError" in done.stderr:
        outcome = "MemoryError (over about 3 GB)"
    return size, grown, seconds, outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--how", default="bounded")
    parser.add_argument("--no-compare", action="store_true")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.how)
        return
    import tempfile

    import django

    django.setup()
    from tests.office import hostile_xlsx

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("file | size KB | bounded: +RSS MB | s | outcome | plain openpyxl: +RSS MB | s | outcome")
    with tempfile.TemporaryDirectory() as folder:
        for case in CASES:
            path = Path(folder) / "list.xlsx"
            path.write_bytes(hostile_xlsx.CASES[case]())
            size, grown, seconds, outcome = measure(path, "bounded", args.timeout)
            row = [case, size, grown, seconds, outcome]
            if not args.no_compare:
                _, p_grown, p_seconds, p_outcome = measure(path, "plain", args.timeout)
                row += [p_grown, p_seconds, p_outcome]
            print(" | ".join(row), flush=True)


if __name__ == "__main__":
    main()
