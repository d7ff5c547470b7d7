"""The on/off settings of the pages: lifecycle stages on the Salesforce → HubSpot tab
(R15-R19), deal and activity switches on their object tabs (R22, R24), saved as
``crmsync settings set`` saves them and refused with its message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crmsync.engine.settings import (
    DEAL_STAGES,
    DEALS_ENABLED,
    DELETE_DEAL_WITH_OPPORTUNITY,
    LIFECYCLE_FROM_OPPORTUNITIES,
    LIFECYCLE_TO_COMPANY_CONTACTS,
    activity_inbound_switch,
    activity_switch,
    contact_settings,
    switch,
)
from crmsync.store import StateStore
from tests.dashboard_client import DashboardClient

TO_HUBSPOT = "/settings/salesforce-to-hubspot"
POLICIES = {"contacts.salesforce_leads": "nothing", "same_rule": "on"}


@pytest.fixture
def store(store_url: str) -> Iterator[StateStore]:
    opened = StateStore.open(store_url)
    try:
        yield opened
    finally:
        opened.close()


def _checked(page: str, key: str) -> bool:
    """Whether the page's checkbox for ``key`` is ticked."""
    marker = f'name="{key}"'
    assert marker in page, f"no control for {key}"
    tag = page[page.index(marker) : page.index(">", page.index(marker))]
    return " checked" in tag


def test_r15_r19_lifecycle_settings_are_saved_read_back_and_switched_off(
    client: DashboardClient, store: StateStore
) -> None:
    page = client.get(TO_HUBSPOT).text
    assert not _checked(page, LIFECYCLE_FROM_OPPORTUNITIES)
    assert not _checked(page, LIFECYCLE_TO_COMPANY_CONTACTS)
    # The rules in plain words, each with its id.
    for words in ("Closed Won", "(R16)", "never changes anything in Salesforce", "(R18)"):
        assert words in page

    saved = client.post(
        TO_HUBSPOT,
        {**POLICIES, LIFECYCLE_FROM_OPPORTUNITIES: "on", LIFECYCLE_TO_COMPANY_CONTACTS: "on"},
    )
    assert saved.status_code == 200 and "Settings saved" in saved.text
    assert switch(store, LIFECYCLE_FROM_OPPORTUNITIES) is True
    assert switch(store, LIFECYCLE_TO_COMPANY_CONTACTS) is True
    assert _checked(saved.text, LIFECYCLE_FROM_OPPORTUNITIES)
    assert _checked(saved.text, LIFECYCLE_TO_COMPANY_CONTACTS)
    assert contact_settings(store).salesforce_leads.value == "nothing"  # saved with them

    # An unticked box is off (HTML sends nothing for it).
    client.post(TO_HUBSPOT, {**POLICIES, LIFECYCLE_FROM_OPPORTUNITIES: "on"})
    assert switch(store, LIFECYCLE_FROM_OPPORTUNITIES) is True
    assert switch(store, LIFECYCLE_TO_COMPANY_CONTACTS) is False
    assert not _checked(client.get(TO_HUBSPOT).text, LIFECYCLE_TO_COMPANY_CONTACTS)


def test_a_lifecycle_value_that_is_not_on_or_off_is_refused_and_nothing_is_saved(
    client: DashboardClient, store: StateStore
) -> None:
    refused = client.post(TO_HUBSPOT, {**POLICIES, LIFECYCLE_FROM_OPPORTUNITIES: "maybe"})

    assert refused.status_code == 400
    assert "Not saved" in refused.text
    assert "expected on or off (true/false)" in refused.text  # the CLI's message
    assert switch(store, LIFECYCLE_FROM_OPPORTUNITIES) is False
    # Nothing of the form is saved, not even its valid fields.
    assert contact_settings(store).salesforce_leads.value == "create_or_update"


def test_a_lifecycle_post_without_the_csrf_token_is_refused(
    client: DashboardClient, store: StateStore
) -> None:
    forged = client.http.post(
        TO_HUBSPOT,
        data={**POLICIES, LIFECYCLE_FROM_OPPORTUNITIES: "on"},
        headers={"Origin": client.base_url},
    )
    assert forged.status_code == 403
    wrong = client.http.post(
        TO_HUBSPOT,
        data={"csrf_token": "not-the-token", LIFECYCLE_FROM_OPPORTUNITIES: "on"},
        headers={"Origin": client.base_url},
    )
    assert wrong.status_code == 403
    assert switch(store, LIFECYCLE_FROM_OPPORTUNITIES) is False


def test_r22_the_deals_tab_switches_deal_sync_and_deletes_with_the_opportunity(
    client: DashboardClient, store: StateStore
) -> None:
    page = client.get("/objects/deals").text
    assert not _checked(page, DEALS_ENABLED)
    assert _checked(page, DELETE_DEAL_WITH_OPPORTUNITY)  # on by default, as HubSpot does
    assert "made on the first deal sync" in page

    saved = client.post("/objects/deals/switches", {DEALS_ENABLED: "on"})
    assert "Settings of deals saved" in saved.text
    assert switch(store, DEALS_ENABLED) is True
    assert switch(store, DELETE_DEAL_WITH_OPPORTUNITY) is False

    refused = client.post("/objects/deals/switches", {DEALS_ENABLED: "sometimes"})
    assert refused.status_code == 400
    assert "expected on or off" in refused.text
    assert switch(store, DELETE_DEAL_WITH_OPPORTUNITY) is False  # nothing saved


def test_r22_the_deals_tab_shows_the_stored_stage_table(
    client: DashboardClient, store: StateStore
) -> None:
    with store.begin() as tx:
        tx.set_setting(
            DEAL_STAGES,
            [
                {
                    "pipeline": "default",
                    "pipeline_label": "Sales Pipeline",
                    "stage": "closedwon",
                    "stage_label": "Closed Won",
                    "salesforce_stage": "Closed Won",
                },
                {
                    "pipeline": "default",
                    "pipeline_label": "Sales Pipeline",
                    "stage": "qualifiedtobuy",
                    "stage_label": "Qualified To Buy",
                    "salesforce_stage": "Needs <Analysis>",
                },
            ],
        )
    page = client.get("/objects/deals").text
    table = page[page.index('class="stage-table"') :]
    assert "<td>Sales Pipeline</td><td>Qualified To Buy</td>" in table
    assert "<td>Needs &lt;Analysis&gt;</td>" in table
    assert "made on the first deal sync" not in page


def test_r24_every_activity_type_is_switched_both_ways_on_the_activities_tab(
    client: DashboardClient, store: StateStore
) -> None:
    page = client.get("/objects/activities").text
    assert "always sync" not in page  # activities are off until switched on
    for name in ("emails", "calls", "meetings", "notes", "tasks"):
        assert not _checked(page, activity_switch(name))
    for name in ("emails", "calls", "meetings", "tasks"):
        assert not _checked(page, activity_inbound_switch(name))
    assert activity_inbound_switch("notes") not in page  # notes never come back

    client.post(
        "/objects/activities/switches",
        {activity_switch("calls"): "on", activity_inbound_switch("calls"): "on"},
    )

    assert switch(store, activity_switch("calls")) is True
    assert switch(store, activity_inbound_switch("calls")) is True
    assert switch(store, activity_switch("emails")) is False
    page = client.get("/objects/activities").text
    assert _checked(page, activity_inbound_switch("calls"))


def test_no_page_says_a_built_feature_is_not_built(client: DashboardClient) -> None:
    for path in (TO_HUBSPOT, "/settings/hubspot-to-salesforce", "/how-it-works"):
        text = client.get(path).text.lower()
        assert "not built" not in text, path
        assert "not yet" not in text, path
