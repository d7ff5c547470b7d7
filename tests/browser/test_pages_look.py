"""Every page at desktop and phone widths: screenshots, and no serious accessibility
problem found by axe-core (WCAG 2.1 A/AA: labels, contrast, names, structure).

The screenshots are saved for a person to look at (see ``screenshots`` in conftest).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from typer.testing import CliRunner

from crmsync.cli.main import app
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    Dashboard,
    log_in,
    serious_accessibility_problems,
)


def _prepare(dashboard: Dashboard) -> None:
    """A sync (through the CLI, so it is in Activity) with refused records and history."""
    world = dashboard.world
    hubspot_id = world.hs_create(email="ada@acme.io", firstname="Ada", lastname="Lovelace")
    for number in range(3):
        world.hs_create(email=f"long{number}@acme.io", lastname="L" * 120)
    env = world.cli_env(dashboard.database_url)
    assert CliRunner().invoke(app, ["sync", "--once"], env=env).exit_code == 0
    world.tick()
    world.hs_update(hubspot_id, lastname="King")
    assert CliRunner().invoke(app, ["sync", "--once"], env=env).exit_code == 0


def _pages(page: Page, url: str) -> list[tuple[str, str]]:
    """(name, path) of every page; some need a click to show their content."""
    return [
        ("health", "/"),
        ("errors", "/errors/property_values"),
        ("connection", "/connection"),
        ("hubspot-to-salesforce", "/settings/hubspot-to-salesforce"),
        ("salesforce-to-hubspot", "/settings/salesforce-to-hubspot"),
        ("contacts", "/objects/contacts"),
        ("companies", "/objects/companies"),
        ("deals", "/objects/deals"),
        ("activities", "/objects/activities"),
        ("records", "/records?q=ada%40acme.io"),
        ("activity", "/activity"),
    ]


def _show(page: Page, url: str, name: str, path: str) -> None:
    page.goto(url + path)
    if name == "health":
        page.locator("#card-property_values summary").click()
    if name == "contacts":
        # The mapping editor as it looks with a refused row.
        table = page.locator("#mapping-Lead")
        table.get_by_label("New: HubSpot property").fill("firstname")
        table.get_by_label("Salesforce field").last.fill("NumberOfEmployees")
        table.get_by_role("button", name="Save Lead mapping").click()
        expect(page.locator("#mapping-Lead tr.problem-row")).to_have_count(1)


def test_every_page_at_desktop_and_phone_width_has_no_serious_accessibility_problem(
    page: Page, dashboard: Dashboard, screenshots: Path
) -> None:
    _prepare(dashboard)
    page.goto(dashboard.url + "/login")
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(screenshots / f"login-{size}.png"), full_page=True)
        assert serious_accessibility_problems(page) == [], f"login at {size}"
    page.set_viewport_size(DESKTOP)
    log_in(page, dashboard.url)

    found: dict[str, list[object]] = {}
    for name, path in _pages(page, dashboard.url):
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            _show(page, dashboard.url, name, path)
            page.screenshot(path=str(screenshots / f"{name}-{size}.png"), full_page=True)
            problems = serious_accessibility_problems(page)
            if problems:
                found[f"{name} at {size}"] = problems
            # Nothing may be wider than a phone's screen but the tables that scroll.
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= viewport["width"] + 1, f"{name} at {size} scrolls sideways"

    assert found == {}


def test_the_pages_can_be_used_from_the_keyboard(page: Page, dashboard: Dashboard) -> None:
    log_in(page, dashboard.url)

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Log out")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Sync health")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(dashboard.url + "/connection")

    page.goto(dashboard.url + "/")
    page.get_by_label("Calls allocated per 24 hours").focus()
    page.keyboard.type("1234")
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("Allocation saved: 1,234")
