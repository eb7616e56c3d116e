"""Screenshot of the tracking board for the README (docs/board.png).

    bash scripts/dev.sh run            # in another terminal (or any server with the demo data)
    .venv/bin/python scripts/screenshot_board.py [http://127.0.0.1:8000] [docs/board.png]

Logs in as the NPC office demo user and saves a full-page PNG with Debian's Chromium."""

import sys

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = sys.argv[2] if len(sys.argv) > 2 else "docs/board.png"
PAGE = sys.argv[3] if len(sys.argv) > 3 else "/office/board/"

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{BASE}/login/")
    page.fill("input[name=username]", "npc")
    page.fill("input[name=password]", "fuhan2026")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{BASE}{PAGE}")
    page.screenshot(path=OUT, full_page=True)
    browser.close()
