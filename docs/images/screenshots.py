"""Regenerate the README's dashboard images from the demo's data: ``make images``.

Runs what ``crmsync demo`` runs (both emulators, the seed, two syncs around a lead
conversion) in a temporary store, serves the dashboard over it and photographs three
pages with Debian's Chromium (``/usr/bin/chromium``, or ``$CRMSYNC_CHROMIUM``) through
Playwright, as the browser tests do:

- ``dashboard-health.png``: Sync health with the allocation saved and an error card open;
- ``dashboard-mapping.png``: the Lead mapping table with a refused row (R23);
- ``dashboard-deals.png``: the Deals tab with its stage table (R22).

The demo's data set is fixed, so the images change only when the pages or the demo do.
``$CRMSYNC_IMAGES`` writes them to another folder (to compare before replacing).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright
from pydantic import SecretStr
from rich.console import Console

from crmsync.demo.runner import demo_config, emulators, run_demo
from crmsync.emulators.common.server import running
from crmsync.web.app import create_dashboard_app

HERE = Path(os.environ.get("CRMSYNC_IMAGES", Path(__file__).parent))
CHROMIUM = Path(os.environ.get("CRMSYNC_CHROMIUM", "/usr/bin/chromium"))
PASSWORD = "readme-images"
WIDTH = 1400
QUIET_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def main() -> int:
    """Run the demo, serve the dashboard, write the images next to this file."""
    console = Console(stderr=True)
    if not CHROMIUM.exists():
        console.print(f"No Chromium at {CHROMIUM} (apt-get install chromium)")
        return 1
    # A fixed name: the health page shows the store's address.
    database = Path(tempfile.gettempdir()) / "crmsync-readme-images.sqlite"
    database.unlink(missing_ok=True)
    with emulators(salesforce_port=None, hubspot_port=None) as emulated:
        config = demo_config(emulated, database_url=f"sqlite:///{database}")
        console.print("Running the demo's syncs…")
        run_demo(emulated, config, console=Console(quiet=True))
        config = config.model_copy(update={"dashboard_password": SecretStr(PASSWORD)})
        with running(create_dashboard_app(config=config)) as dashboard, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=QUIET_FLAGS)
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            page.set_default_timeout(20_000)
            _log_in(page, dashboard.url)
            for name, take in (
                ("dashboard-health.png", _health),
                ("dashboard-mapping.png", _mapping),
                ("dashboard-deals.png", _deals),
            ):
                take(page, dashboard.url, HERE / name)
                console.print(f"Wrote {HERE / name}")
            browser.close()
    database.unlink(missing_ok=True)
    return 0


def _log_in(page: Page, url: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Sync health")).to_be_visible()


def _health(page: Page, url: str, path: Path) -> None:
    """The top of Sync health, an allocation just saved and the first error card open."""
    page.goto(url + "/")
    page.get_by_label("Calls allocated per 24 hours").fill("15000")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#message")).to_contain_text("Allocation saved")
    card = page.locator("details.error-card").first
    card.locator("summary").click()
    # Down to the open card's first two errors.
    rows = card.locator("tbody tr")
    page.evaluate("window.scrollTo(0, 0)")  # boxes are measured from the top of the page
    last = rows.nth(min(1, rows.count() - 1)).bounding_box()
    assert last is not None, "the error card shows no error"
    bottom = last["y"] + last["height"] + 16
    page.screenshot(
        path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": bottom}
    )


def _mapping(page: Page, url: str, path: Path) -> None:
    """The Lead mapping table with a text property refused in a number field (R23)."""
    page.goto(url + "/objects/contacts")
    table = page.locator("#mapping-Lead")
    table.get_by_label("New: HubSpot property").fill("salutation")
    table.get_by_label("Salesforce field").last.fill("NumberOfEmployees")
    table.get_by_role("button", name="Save Lead mapping").click()
    expect(page.locator("#mapping-Lead tr.problem-row")).to_have_count(1)
    page.locator("#mapping-Lead").screenshot(path=str(path))


def _deals(page: Page, url: str, path: Path) -> None:
    """The top of the Deals tab: its switches and the pipeline and stage table (R22)."""
    page.goto(url + "/objects/deals")
    box = page.locator("#stage-table").bounding_box()
    assert box is not None, "the Deals tab shows no stage table"
    bottom = box["y"] + box["height"] + 24
    page.screenshot(
        path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": bottom}
    )


if __name__ == "__main__":
    sys.exit(main())
