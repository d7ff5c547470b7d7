"""The health page in a real browser, after a real sync (R1-R4, R7).

A sync runs against both emulators with one record Salesforce refuses; the dashboard is
then served over HTTP and used as a person would: log in, read the cards, save an
allocation, retry an error, follow the link to "How it works".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from crmsync.health.budget import ApiBudget
from tests.browser.conftest import Dashboard, log_in


@pytest.fixture
def synced(dashboard: Dashboard) -> Iterator[Dashboard]:
    """The dashboard after a sync with one refused record."""
    dashboard.world.hs_create(email="fine@acme.io", lastname="Fine")
    dashboard.world.hs_create(email="long@acme.io", lastname="L" * 120)  # too long for LastName
    dashboard.world.sync()
    yield dashboard


def test_login_is_required_and_a_wrong_password_is_refused(page: Page, synced: Dashboard) -> None:
    page.goto(synced.url + "/records")

    expect(page).to_have_url(synced.url + "/login")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#message")).to_have_text("That password is not right.")

    log_in(page, synced.url)
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(synced.url + "/login")
    page.goto(synced.url + "/")
    expect(page).to_have_url(synced.url + "/login")


def test_r1_r3_r4_the_page_shows_calls_the_user_and_the_refused_record(
    page: Page, synced: Dashboard
) -> None:
    log_in(page, synced.url)

    assert int(page.locator("#calls-24h").inner_text().replace(",", "")) > 0
    expect(page.locator("#integration-user")).to_contain_text("integration@crmsync.example")
    expect(page.locator("#sandbox")).to_have_text("Sandbox: no")
    expect(page.locator("svg.chart rect.bar")).to_have_count(24)
    card = page.locator("#card-property_values")
    expect(card.locator(".count")).to_have_text("1")
    expect(card.locator(".records")).to_have_text("1")
    expect(card.get_by_text("STRING_TOO_LONG")).to_be_hidden()  # folded until opened
    card.locator("summary").click()
    expect(card.get_by_text("STRING_TOO_LONG")).to_be_visible()
    expect(card).to_contain_text("Shorten it in HubSpot")
    expect(card.locator(".next-retry")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$"))


def test_r2_an_allocation_typed_in_the_form_is_saved_and_shown(
    page: Page, synced: Dashboard
) -> None:
    store = synced.world.store
    log_in(page, synced.url)

    page.get_by_label("Calls allocated per 24 hours").fill("5000")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#message")).to_have_text("Allocation saved: 5,000 calls per 24 hours")
    expect(page.locator("#allocation")).to_have_text("5,000")
    assert ApiBudget(store).allocation() == 5000

    for typed in ("", "²", "1" * 30):
        page.get_by_label("Calls allocated per 24 hours").fill(typed)
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#message")).to_contain_text("The allocation")
        expect(page.locator("#message")).not_to_contain_text("saved")
        assert ApiBudget(store).allocation() == 5000


def test_r3_retrying_one_record_queues_it(page: Page, synced: Dashboard) -> None:
    world = synced.world
    with world.store.begin(world.engine().scope) as tx:
        (error,) = tx.open_errors()
        assert error.attempts == 1
    log_in(page, synced.url)
    card = page.locator("#card-property_values")
    card.locator("summary").click()

    card.get_by_role("button", name="Retry", exact=False).last.click()

    expect(page.locator("#message")).to_have_text("1 error(s) queued for retry")
    with world.store.begin(world.engine().scope) as tx:
        (queued,) = tx.open_errors()
    assert queued.attempts == 0


def test_r3_the_errors_export_as_csv(page: Page, synced: Dashboard) -> None:
    log_in(page, synced.url)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()

    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("id,category,")
    assert "STRING_TOO_LONG" in text


def test_r7_how_it_works_is_one_click_away_and_covers_both_directions(
    page: Page, synced: Dashboard
) -> None:
    log_in(page, synced.url)

    page.get_by_role("link", name="Connection", exact=True).click()

    expect(page).to_have_url(f"{synced.url}/connection")
    expect(page.get_by_role("heading", name="HubSpot to Salesforce")).to_be_visible()
    expect(page.get_by_role("heading", name="Salesforce to HubSpot")).to_be_visible()
    expect(page.get_by_text("Owners are matched by email")).to_be_visible()
