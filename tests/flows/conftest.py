"""Fixtures of the browser tests (test_browser.py, test_browser_import.py)."""

import os

import pytest

from tests.flows.browsing import ARGS
from tests.flows.browsing import CHROMIUM
from tests.flows.browsing import ROOT

# Playwright's sync API runs an asyncio event loop in this thread; Django sees the running loop
# and refuses ORM calls made here (fixtures, assertions) with SynchronousOnlyOperation, although
# nothing runs concurrently: the browser is driven step by step. So the browser tests, and only
# they (the `browser` fixture asks for this one; the variable is restored afterwards), tell Django
# that this is safe.
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="module")
def _orm_allowed_beside_playwright():
    before = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    yield
    if before is None:
        os.environ.pop(ASYNC_UNSAFE, None)
    else:
        os.environ[ASYNC_UNSAFE] = before


@pytest.fixture(scope="module")
def browser(_orm_allowed_beside_playwright):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path):
    """Where screenshots go: docs/ when FUHAN_SCREENSHOTS=1 (the README shows them), otherwise
    pytest's tmp_path."""
    if os.environ.get("FUHAN_SCREENSHOTS") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        return ROOT / "docs"
    return tmp_path
