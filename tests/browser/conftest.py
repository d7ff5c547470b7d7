"""A real Chromium, driven by Playwright, for the dashboard's browser tests.

Debian's Chromium (``/usr/bin/chromium``) is launched, not Playwright's download (which
needs the internet). Without it the browser tests skip, unless
``CRMSYNC_REQUIRE_BROWSER=1`` (set by CI) makes a missing browser a failure.

The end-to-end fixtures (both emulators, a fresh store, ``world``) are shared with
``tests/e2e``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.conftest import hubspot_control, salesforce_control, servers, world

CHROMIUM = Path(os.environ.get("CRMSYNC_CHROMIUM", "/usr/bin/chromium"))
QUIET_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying to reach the internet.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

__all__ = ["browser", "hubspot_control", "page", "salesforce_control", "servers", "world"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run."""
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CRMSYNC_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=QUIET_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    """A fresh page; its last state is kept as ``page.png`` in the test's tmp_path."""
    context = browser.new_context()
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    opened.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    context.close()
