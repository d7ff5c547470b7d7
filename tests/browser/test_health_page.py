"""The health page in a real browser, after a real sync (R1-R4, R7).

A sync runs against both emulators with one record Salesforce refuses; the dashboard is
then served over HTTP and used as a person would: read the cards, save an allocation,
retry an error, follow the link to "How it works".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from crmsync.emulators.common.server import running
from crmsync.health.budget import ApiBudget
from crmsync.web.app import create_dashboard_app
from tests.e2e.conftest import World


@pytest.fixture
def dashboard(world: World, database_url: str) -> Iterator[str]:
    """The dashboard's URL, after a sync with one refused record."""
    world.hs_create(email="fine@acme.io", lastname="Fine")
    world.hs_create(email="long@acme.io", lastname="L" * 120)  # longer than LastName allows
    world.sync()
    config = world.config(database_url)
    with running(create_dashboard_app(config=config)) as server:
        yield server.url


def test_r1_r3_r4_the_page_shows_calls_the_user_and_the_refused_record(
    page: Page, dashboard: str
) -> None:
    page.goto(dashboard)

    assert int(page.locator("#calls-24h").inner_text()) > 0
    expect(page.locator("#integration-user")).to_contain_text("integration@crmsync.example")
    expect(page.locator("#sandbox")).to_have_text("Sandbox: no")
    card = page.locator("#card-property_values")
    expect(card.locator(".count")).to_have_text("1")
    expect(card.locator(".records")).to_have_text("1")
    expect(card.get_by_text("STRING_TOO_LONG")).to_be_hidden()  # folded until opened
    card.locator("summary").click()
    expect(card.get_by_text("STRING_TOO_LONG")).to_be_visible()
    expect(card).to_contain_text("Shorten it in HubSpot")
    expect(card.locator(".next-retry")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$"))


def test_r2_an_allocation_typed_in_the_form_is_saved_and_shown(
    page: Page, dashboard: str, world: World
) -> None:
    page.goto(dashboard)

    page.get_by_label("Calls allocated per 24 hours").fill("5000")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#message")).to_have_text("Allocation saved")
    expect(page.locator("#allocation")).to_have_text("5000")
    assert ApiBudget(world.store).allocation() == 5000

    page.get_by_label("Calls allocated per 24 hours").fill("")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#message")).to_have_text("The allocation must be a whole number")
    assert ApiBudget(world.store).allocation() == 5000


def test_r3_retrying_one_record_queues_it(page: Page, dashboard: str, world: World) -> None:
    with world.store.begin(world.engine().scope) as tx:
        (error,) = tx.open_errors()
        assert error.attempts == 1
    page.goto(dashboard)
    card = page.locator("#card-property_values")
    card.locator("summary").click()

    card.get_by_role("button", name="Retry", exact=True).click()

    expect(page.locator("#message")).to_have_text("1 error(s) queued for retry")
    with world.store.begin(world.engine().scope) as tx:
        (queued,) = tx.open_errors()
    assert queued.attempts == 0


def test_r7_how_it_works_is_one_click_away_and_covers_both_directions(
    page: Page, dashboard: str
) -> None:
    page.goto(dashboard)

    page.get_by_role("link", name="How it works").click()

    expect(page).to_have_url(f"{dashboard}/how-it-works")
    expect(page.get_by_role("heading", name="HubSpot to Salesforce")).to_be_visible()
    expect(page.get_by_role("heading", name="Salesforce to HubSpot")).to_be_visible()
    expect(page.get_by_text("Owners are matched by email")).to_be_visible()
