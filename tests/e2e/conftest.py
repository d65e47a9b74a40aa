"""Browser tests: Playwright for Python driving Debian's chromium (never ``playwright install``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests make next to it
# (creating the organization, checking rows) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402
from playwright.sync_api import Page  # noqa: E402

CHROMIUM = Path(os.environ.get("AIMS_E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch the system chromium; fail (never skip) with the fix when it is missing."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        pytest.fail(
            f"e2e tests need Chromium at {CHROMIUM} (found on PATH: {found or 'none'}). "
            "Install it with `apt-get install -y chromium` (never `playwright install`), "
            "or point AIMS_E2E_CHROMIUM at the binary.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(pytestconfig):
    """The same as pytest-playwright's fallback ``base_url``, which pytest 9 refuses (with filterwarnings=error):
    it is a session-scoped fixture defined as an instance method (PytestRemovedIn10Warning)."""
    return pytestconfig.getoption("--base-url", None) or pytestconfig.getini("base_url") or None


@pytest.fixture
def watched_page(page: Page):
    """The page, with its console errors and uncaught exceptions collected; fails on any CSP violation.

    Yields ``(page, errors)``; the page's default timeout is 10 s, for a loaded two-core machine.
    """
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    yield page, errors
    csp = [e for e in errors if "content security policy" in e.lower()]
    assert not csp, f"Content-Security-Policy violations in the browser console: {csp}"
    uncaught = [e for e in errors if e.startswith("uncaught:")]
    assert not uncaught, f"JavaScript errors on the pages: {uncaught}"
