"""Screenshots of the issue-9 pages at 1400 and 390 px (registration, holiday calendar, item page
with its text and originals, the draft editor, the inbox warning) into docs/ or a folder given.

    bash scripts/dev.sh run            # in another terminal (or any server with the demo data)
    .venv/bin/python scripts/screenshot_content.py [http://127.0.0.1:8000] [docs/]

Uses Debian's Chromium (never `playwright install`)."""

import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "docs")
WIDTHS = (1400, 390)


def login(page, user):
    page.goto(f"{BASE}/login/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "fuhan2026")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def item_url(page, number, session_hint):
    """The item page of number N in the list (first match whose row names the session)."""
    page.goto(f"{BASE}/items/")
    for row in page.locator("tr").all():
        text = row.inner_text()
        if session_hint in text and re.search(rf"第{number}号", text):
            return row.locator("a").first.get_attribute("href")
    raise SystemExit(f"没有找到第{number}号")


def shoot(page, name, width):
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    page.screenshot(path=str(OUT / f"{name}-{width}.png"), full_page=True)
    sys.stdout.write(f"{name}-{width}.png {'横向溢出' if overflow else '无横向溢出'}\n")


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    OUT.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        login(page, "cppcc")
        page.goto(f"{BASE}/office/register/")
        shoot(page, "register", width)
        page.goto(f"{BASE}/office/calendar/?year=2027")
        shoot(page, "calendar", width)
        page.goto(f"{BASE}/")
        shoot(page, "inbox-office", width)
        context.close()
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        login(page, "louwr")
        href = item_url(page, 23, "政协")
        page.goto(f"{BASE}{href}")
        shoot(page, "item-collective", width)
        page.goto(f"{BASE}{href}".replace("/assignments/", "/replies/").rstrip("/") + "/draft/")
        page.wait_for_timeout(1500)
        shoot(page, "editor-collective", width)
        context.close()
    browser.close()
