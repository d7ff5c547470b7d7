"""A real Chromium, driven by Playwright, for the dashboard's browser tests.

Debian's Chromium (``/usr/bin/chromium``) is launched, not Playwright's download (which
needs the internet). Without it the browser tests skip, unless
``CRMSYNC_REQUIRE_BROWSER=1`` (set by CI) makes a missing browser a failure.

The end-to-end fixtures (both emulators, a fresh store, ``world``) are shared with
``tests/e2e``. Screenshots go to ``$CRMSYNC_SCREENSHOTS`` or, without it, to
``screenshots/`` under pytest's base temporary directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pydantic import SecretStr

from crmsync.emulators.common.server import running
from crmsync.web.app import create_dashboard_app
from tests.dashboard_client import PASSWORD
from tests.e2e.conftest import World, hubspot_control, salesforce_control, servers, world

CHROMIUM = Path(os.environ.get("CRMSYNC_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
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
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}

__all__ = [
    "browser",
    "dashboard",
    "hubspot_control",
    "page",
    "salesforce_control",
    "servers",
    "world",
]


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
    """A fresh page at desktop width; its last state is kept as ``page.png`` in tmp_path.

    CSP is bypassed only so the accessibility checker can be injected into the page.
    """
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    opened.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where page screenshots are saved."""
    chosen = os.environ.get("CRMSYNC_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class Dashboard:
    """The served dashboard and the world behind it."""

    url: str
    world: World
    database_url: str


@pytest.fixture
def dashboard(world: World, database_url: str) -> Iterator[Dashboard]:
    """The dashboard over the emulators and the test store, with a known password."""
    config = world.config(database_url).model_copy(
        update={"dashboard_password": SecretStr(PASSWORD)}
    )
    with running(create_dashboard_app(config=config)) as server:
        yield Dashboard(url=server.url, world=world, database_url=database_url)


def log_in(page: Page, url: str) -> None:
    """Log in through the login form, as a person would."""
    page.goto(url + "/")
    expect(page).to_have_url(url + "/login")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Sync health")).to_be_visible()


def serious_accessibility_problems(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page (WCAG 2 A/AA)."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations'],
        })"""
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
