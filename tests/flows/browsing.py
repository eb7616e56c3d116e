"""What the browser tests share: Debian's Chromium, one user's window, keyboard activation.

The fixtures (`browser`, `shots`, and the ORM switch they need) are in tests/flows/conftest.py."""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]

# The marks of every browser test module (`pytestmark = BROWSER_MARKS`).
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium 不存在：请安装 Debian 的 chromium（dev.sh test 会安装）",
    ),
]


class Session:
    """One user's browser window."""

    def __init__(self, browser, live_server, user):
        self.context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        self.page = self.context.new_page()
        self.base = live_server.url
        self.page.goto(f"{self.base}/login/")
        self.page.fill("input[name=username]", user.username)
        self.page.fill("input[name=password]", "pw-12345")
        self.page.click("form button[type=submit]")
        # The inbox, exactly: a pattern that /login/ matches too would return before the login
        # has gone through, and the next goto would cancel it.
        self.page.wait_for_url(f"{self.base}/")

    def open(self, path):
        self.page.goto(f"{self.base}{path}")
        return self.page

    def close(self):
        self.context.close()


def press(page, selector):
    """Activate a button from the keyboard (focus + Enter), as a keyboard user does. Headless
    Chromium's PDF viewer in the preview frame swallows mouse clicks on the page while it loads
    (the click is lost and the frame ends up focused), which made mouse clicks here flaky."""
    page.locator(selector).focus()
    page.keyboard.press("Enter")


def body_lines(page):
    return page.locator("#id_body").input_value().splitlines()


def open_editor(page):
    """From the item's page to the reply editor, once its preview frame has loaded the saved
    draft (the page's load event waits for the frame)."""
    page.click("text=编辑复函草稿")
    page.wait_for_selector("#id_body")
    page.wait_for_load_state("load")


def edit_with_preview(page, edit):
    """Run `edit` (text into the body, a click on an answer class) and return once the live
    preview it sets off (about 0.8 s later) has loaded in the frame. A frame that is loading can
    take the keyboard focus from the page, so buttons are pressed only once it has settled."""
    frame = page.frame(name="preview-frame")
    with frame.expect_navigation(wait_until="load"):
        edit()


def show_pdf_in_frame(page, pdf: bytes, frame_selector: str = "#preview-frame") -> None:
    """For the README screenshot only: headless Chromium paints a PDF frame as an empty grey box,
    where a desktop browser shows the page. Put page 1 of the very PDF the frame received,
    rasterised by pdftoppm, into the frame so the picture shows what a clerk sees."""
    import base64
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "preview.pdf").write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-singlefile", "preview.pdf", "page1"],  # noqa: S607
            cwd=tmp,
            check=True,
        )
        png = (Path(tmp) / "page1.png").read_bytes()
    src = "data:image/png;base64," + base64.b64encode(png).decode()
    page.evaluate(
        """([sel, src]) => {
            const frame = document.querySelector(sel);
            frame.srcdoc = `<body style="margin:0;background:#525659;text-align:center">
              <img src="${src}" style="max-width:96%;margin:12px auto"></body>`;
        }""",
        [frame_selector, src],
    )
    page.wait_for_function(
        "sel => document.querySelector(sel).contentDocument?.querySelector('img')?.complete",
        arg=frame_selector,
    )
