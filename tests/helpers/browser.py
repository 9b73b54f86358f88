"""A real headless browser for the web console's tests: Debian's Chromium driven by Playwright.

Playwright's wheel brings its driver; the browser is the system's (``apt-get install
chromium``: `.ci/run` and `make test` install it), never one Playwright downloads
(``playwright install`` is not used). Each :func:`chromium` start gets a fresh profile
(Playwright makes a temporary user-data directory per launch) and no network of its own
besides what a page asks for: no sync, no component updates, no QUIC.

Without ``/usr/bin/chromium`` the browser tests are skipped with the reason — on a
developer's machine only: with ``JMD_REQUIRE_BROWSER=1`` (CI sets it) they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from jmd.shared.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# screens of the main pages, written by every run (README: reports/ is not committed)
SCREENS = PROJECT_ROOT / "reports" / "screens"
MISSING = (f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
           " (apt-get install chromium); the browser tests need it")


def required() -> bool:
    """CI must run the browser tests: there a missing Chromium is a failure, not a skip."""
    return os.environ.get("JMD_REQUIRE_BROWSER", "") not in ("", "0")


# on a developer's machine without Chromium: skipped, with the reason
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists() and not required(), reason=MISSING)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Chromium from the system packages, headless, with a fresh profile; closed on exit."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(MISSING)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Page, name: str) -> Path:
    """The whole page as ``reports/screens/<name>.png`` (overwritten by the next run)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Page, base_url: str, username: str, password: str) -> int:
    """Fill in and send the login form, as a person does; the answer's HTTP status (the
    login's own, before a redirect)."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url == f"{base_url}/login") as answer, \
            page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    return answer.value.status


def log_out(page: Page) -> None:
    """The header's "Abmelden" button."""
    with page.expect_navigation():
        page.click("form.logout button[type=submit]")


def csrf_token(page: Page) -> str:
    """The session's CSRF token, as the page's forms carry it."""
    token = page.get_attribute("input[name=csrf_token]", "value")
    assert token, "no form with a CSRF token on the page"
    return token
