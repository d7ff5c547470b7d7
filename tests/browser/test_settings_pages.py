"""Every setting changed in the browser is honoured by the next sync (R8-R15, R19-R24).

The next sync is the one ``crmsync sync --once`` runs (the CLI, over the same store),
so what the dashboard saved is exactly what the CLI reads.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect
from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.core.geography import PicklistSetup
from crmsync.engine.settings import (
    DEALS_ENABLED,
    DELETE_DEAL_WITH_OPPORTUNITY,
    LIFECYCLE_FROM_OPPORTUNITIES,
    LIFECYCLE_TO_COMPANY_CONTACTS,
    activity_inbound_switch,
    activity_switch,
    contact_mappings,
    contact_settings,
    switch,
)
from tests.browser.conftest import Dashboard, log_in
from tests.e2e.conftest import HUBSPOT_TOKEN, SALESFORCE_TOKEN

VIP_ID = 9001
OTHER_ID = 9002


def _sync_with_the_cli(dashboard: Dashboard) -> None:
    result = CliRunner().invoke(
        app, ["sync", "--once"], env=dashboard.world.cli_env(dashboard.database_url)
    )
    assert result.exit_code == 0, result.output
    dashboard.world.tick()


def test_r8_r9_r10_r11_hubspot_to_salesforce_settings_steer_the_next_sync(
    page: Page, dashboard: Dashboard
) -> None:
    world = dashboard.world
    world.hs_control.seed(
        {
            "records": {
                "contacts": [
                    {
                        "id": VIP_ID,
                        "properties": {
                            "email": "vip@acme.io",
                            "lastname": "Vip",
                            "company": "Acme",
                            "country": "Polska",
                        },
                    },
                    {"id": OTHER_ID, "properties": {"email": "other@acme.io", "lastname": "O"}},
                ]
            },
            "lists": [
                {
                    "name": "VIP customers",
                    "objectTypeId": "0-1",
                    "processingType": "MANUAL",
                    "recordIds": [VIP_ID],
                }
            ],
        }
    )
    log_in(page, dashboard.url)
    page.get_by_role("link", name="HubSpot → Salesforce").click()

    page.get_by_label("Inclusion list").select_option(label="VIP customers")  # R8, by name
    page.get_by_label("Leads").check()  # R9
    page.get_by_label("Salesforce's state and country picklists are").select_option(
        label="Enabled and customised"
    )
    page.get_by_label("Sync HubSpot's values as they are").check()  # R11
    page.get_by_label("HubSpot automatically creates and associates companies").check()
    page.get_by_role("button", name="Save HubSpot → Salesforce settings").click()

    expect(page.locator("#message")).to_have_text("Settings saved")
    # R10: leads while HubSpot auto-creates companies → the warning, beside the choice.
    expect(page.locator("#lead-warning")).to_contain_text("duplicate company")
    page.get_by_label("HubSpot automatically creates and associates companies").uncheck()
    page.get_by_label("Salesforce's state and country picklists are").select_option(
        label="Disabled"
    )
    page.get_by_role("button", name="Save HubSpot → Salesforce settings").click()
    expect(page.locator("#message")).to_have_text("Settings saved")
    expect(page.locator("#lead-warning")).to_have_count(0)
    settings = contact_settings(world.store)
    assert settings.state_country_picklists is PicklistSetup.DISABLED

    _sync_with_the_cli(dashboard)

    (lead,) = world.sf_by_email("Lead", "vip@acme.io", "Country")  # created as a Lead (R9)
    assert lead.fields["Country"] == "Polska"  # sent as typed (R11)
    assert world.sf_by_email("Contact", "vip@acme.io") == []
    assert world.sf_by_email("Lead", "other@acme.io") == []  # not on the list (R8)
    assert world.sf_by_email("Contact", "other@acme.io") == []

    # The org turns state/country picklists on; the page is told so (R11).
    world.sf_control.update_settings(picklist_mode="enabled")
    page.get_by_label("Salesforce's state and country picklists are").select_option(label="Enabled")
    page.get_by_label("Match Salesforce's values").check()
    page.get_by_role("button", name="Save HubSpot → Salesforce settings").click()
    expect(page.locator("#message")).to_have_text("Settings saved")
    world.sf_create("Contact", Email="code@acme.io", LastName="Code", MailingCountryCode="PL")

    _sync_with_the_cli(dashboard)

    (coded,) = world.hs_by_email("code@acme.io")
    assert coded.fields["country"] == "Poland"  # the code read as the org's picklist value


def test_r13_salesforce_to_hubspot_policies_with_their_own_rule_for_contacts(
    page: Page, dashboard: Dashboard
) -> None:
    world = dashboard.world
    log_in(page, dashboard.url)
    page.get_by_role("link", name="Salesforce → HubSpot").click()

    page.get_by_label("Salesforce leads", exact=True).select_option(label="Do nothing in HubSpot")
    page.get_by_role("checkbox", name="Same rule for contacts").uncheck()
    page.get_by_label("Salesforce contacts", exact=True).select_option(
        label="Create or update the HubSpot contact"
    )
    page.get_by_role("button", name="Save Salesforce → HubSpot settings").click()
    expect(page.locator("#message")).to_have_text("Settings saved")
    expect(page.get_by_role("checkbox", name="Same rule for contacts")).not_to_be_checked()

    world.sf_create("Lead", LastName="Lead", Company="Acme", Email="lead@acme.io")
    world.sf_create("Contact", LastName="Contact", Email="contact@acme.io")
    _sync_with_the_cli(dashboard)

    assert world.hs_by_email("lead@acme.io") == []  # leads: do nothing (R13)
    assert len(world.hs_by_email("contact@acme.io")) == 1  # contacts: their own rule


def test_r15_r19_lifecycle_boxes_exist_save_and_steer_the_next_sync(
    page: Page, dashboard: Dashboard
) -> None:
    world = dashboard.world
    world.set("contacts.create_as", "contact")
    contact = world.sf_create("Contact", LastName="Buyer", Email="buyer@life.example")
    _sync_with_the_cli(dashboard)
    log_in(page, dashboard.url)
    page.get_by_role("link", name="Salesforce → HubSpot").click()

    from_opportunities = page.get_by_role(
        "checkbox", name="Update lifecycle stages from opportunities"
    )
    company_contacts = page.get_by_role("checkbox", name="Move the company's other contacts too")
    expect(from_opportunities).not_to_be_checked()
    expect(company_contacts).not_to_be_checked()
    expect(page.locator("#lifecycle")).to_contain_text("(R16)")  # the rules, in words
    from_opportunities.check()
    company_contacts.check()
    page.get_by_role("button", name="Save Salesforce → HubSpot settings").click()

    expect(page.locator("#message")).to_have_text("Settings saved")
    expect(from_opportunities).to_be_checked()
    expect(company_contacts).to_be_checked()
    assert switch(world.store, LIFECYCLE_FROM_OPPORTUNITIES) is True
    assert switch(world.store, LIFECYCLE_TO_COMPANY_CONTACTS) is True

    opportunity = world.sf_create(
        "Opportunity", Name="Big one", StageName="Closed Won", CloseDate="2026-09-30"
    )
    world.sf_create("OpportunityContactRole", OpportunityId=opportunity, ContactId=contact)
    _sync_with_the_cli(dashboard)
    (person,) = world.hs_by_email("buyer@life.example")
    (read,) = world.hubspot.read_by_ids("contacts", [person.id], fields=("lifecyclestage",))
    assert read.fields["lifecyclestage"] == "customer"  # R15, saved in the browser

    company_contacts.uncheck()
    page.get_by_role("button", name="Save Salesforce → HubSpot settings").click()
    expect(page.locator("#message")).to_have_text("Settings saved")
    expect(company_contacts).not_to_be_checked()
    assert switch(world.store, LIFECYCLE_TO_COMPANY_CONTACTS) is False


def test_r22_r24_deal_and_activity_switches_are_on_their_tabs_and_save(
    page: Page, dashboard: Dashboard
) -> None:
    world = dashboard.world
    log_in(page, dashboard.url)
    page.get_by_role("link", name="Deals").click()
    page.get_by_role("checkbox", name="Sync deals").check()
    page.get_by_role("checkbox", name="Deleting an opportunity deletes its deal").uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#message")).to_have_text("Settings of deals saved")
    assert switch(world.store, DEALS_ENABLED) is True
    assert switch(world.store, DELETE_DEAL_WITH_OPPORTUNITY) is False

    page.get_by_role("link", name="Activities").click()
    page.get_by_role("checkbox", name="HubSpot calls become Salesforce tasks").check()
    page.get_by_role("checkbox", name="Salesforce calls become HubSpot calls").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#message")).to_have_text("Settings of activities saved")
    expect(
        page.get_by_role("checkbox", name="Salesforce calls become HubSpot calls")
    ).to_be_checked()
    assert switch(world.store, activity_switch("calls")) is True
    assert switch(world.store, activity_inbound_switch("calls")) is True
    assert switch(world.store, activity_switch("notes")) is False


def test_r23_the_mapping_editor_changes_rules_refuses_a_mismatch_and_adds_and_removes_rows(
    page: Page, dashboard: Dashboard
) -> None:
    world = dashboard.world
    log_in(page, dashboard.url)
    page.get_by_role("link", name="Contacts").click()
    table = page.locator("#mapping-Lead")

    table.get_by_label("Sync rule for jobtitle").select_option(label="Not synced")
    table.get_by_label("New: HubSpot property").fill("firstname")
    table.get_by_label("Salesforce field").last.fill("NumberOfEmployees")
    table.get_by_role("button", name="Save Lead mapping").click()

    # A text property into a number field is refused next to its row; nothing is saved.
    expect(page.locator("#message")).to_have_text("Not saved: fix the rows marked below.")
    refused = page.locator("#mapping-Lead tr.problem-row")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("NumberOfEmployees")
    stored = {
        row.hubspot_property: row.rule.value for row in contact_mappings(world.store)["Lead"].fields
    }
    assert stored["jobtitle"] == "two_way"

    # Fix it: drop the refused row, add a compatible one, remove website.
    table = page.locator("#mapping-Lead")
    table.locator("tr.has-problem").get_by_label("Remove firstname").check()
    table.get_by_label("New: HubSpot property").fill("salutation")
    table.get_by_label("Salesforce field").last.fill("Description")
    table.get_by_label("Remove website").check()
    table.get_by_role("button", name="Save Lead mapping").click()

    expect(page.locator("#message")).to_have_text("Mapping of Lead saved")
    rows = {row.hubspot_property: row for row in contact_mappings(world.store)["Lead"].fields}
    assert rows["jobtitle"].rule.value == "dont_sync"
    assert rows["salutation"].salesforce_field == "Description"
    assert "website" not in rows
    assert rows["country"].transform is not None  # untouched rows keep their transform
    expect(page.locator("#mapping-Lead").get_by_label("Sync rule for jobtitle")).to_have_value(
        "dont_sync"
    )

    # The next sync honours it: a new lead gets no Title, its salutation goes across.
    world.set("contacts.create_as", "Lead")
    world.hs_create(
        email="mapped@acme.io",
        lastname="Mapped",
        company="Acme",
        jobtitle="CEO",
        salutation="Dr.",
    )
    _sync_with_the_cli(dashboard)
    (lead,) = world.sf_by_email("Lead", "mapped@acme.io", "Title", "Description")
    assert lead.fields["Title"] is None
    assert lead.fields["Description"] == "Dr."


def test_a_record_is_found_by_email_and_id_with_its_history_and_resyncs(
    page: Page, dashboard: Dashboard
) -> None:
    world = dashboard.world
    hubspot_id = world.hs_create(email="story@acme.io", firstname="Ann", lastname="Old")
    _sync_with_the_cli(dashboard)
    world.hs_update(hubspot_id, lastname="New")
    _sync_with_the_cli(dashboard)
    (contact,) = world.sf_by_email("Contact", "story@acme.io")
    log_in(page, dashboard.url)
    page.get_by_role("link", name="Records").click()

    page.get_by_label("Email, name, or a HubSpot or Salesforce id").fill("story@acme.io")
    page.get_by_role("button", name="Look up").click()

    record = page.locator("article.record")
    expect(record).to_have_count(1)
    expect(record.locator(".status")).to_have_text("in sync")
    expect(record).to_contain_text(contact.id)
    history = record.locator("table.history tbody tr")
    change = history.filter(has_text="lastname").first
    expect(change).to_contain_text("HubSpot")  # which side won
    expect(change).to_contain_text("Old")
    expect(change).to_contain_text("New")

    page.get_by_label("Email, name, or a HubSpot or Salesforce id").fill(contact.id)
    page.get_by_role("button", name="Look up").click()
    expect(page.locator("article.record")).to_contain_text(hubspot_id)

    page.get_by_label("Email, name, or a HubSpot or Salesforce id").fill("ann")  # a first name
    page.get_by_role("button", name="Look up").click()
    expect(page.locator("article.record h2")).to_have_text("story@acme.io")

    world.sf_update("Contact", contact.id, Title="Changed in Salesforce")
    world.tick()
    page.get_by_role("button", name="Resync").click()
    expect(page.locator("#message")).to_contain_text("Resynced story@acme.io")
    (read,) = world.hubspot.read_by_ids("contacts", [hubspot_id], fields=("jobtitle",))
    assert read.fields["jobtitle"] == "Changed in Salesforce"


def test_r5_r6_connecting_a_sandbox_from_the_connection_tab_keeps_production_links(
    page: Page, dashboard: Dashboard
) -> None:
    world = dashboard.world
    world.hs_create(email="kept@acme.io", lastname="Kept")
    _sync_with_the_cli(dashboard)
    log_in(page, dashboard.url)
    page.get_by_role("link", name="Connection", exact=True).click()
    expect(page.locator("#sandbox")).to_have_text("Production")

    page.get_by_label("Access token of the Salesforce user").fill("not-a-token")
    page.get_by_label("Instance or login address").fill(world.servers.salesforce.url)
    page.get_by_role("button", name="Connect Salesforce").click()
    expect(page.locator("#message")).to_contain_text("Not connected")
    expect(page.locator("#sandbox")).to_have_text("Production")

    page.get_by_label("Access token of the Salesforce user").fill(SALESFORCE_TOKEN)
    page.get_by_label("Instance or login address").fill(world.servers.salesforce.url)
    page.get_by_label("It is a sandbox").check()
    page.get_by_role("button", name="Connect Salesforce").click()

    expect(page.locator("#message")).to_contain_text("to sandbox")
    expect(page.locator("#message")).to_contain_text("1 links made with another org are kept")
    expect(page.locator("#sandbox")).to_have_text("Sandbox")
    assert SALESFORCE_TOKEN not in page.content()

    page.get_by_label("Private app access token").fill(HUBSPOT_TOKEN)
    page.get_by_label("HubSpot API address").fill(world.servers.hubspot.url)
    page.get_by_role("button", name="Connect HubSpot").click()
    portal = world.hubspot.account_id()
    expect(page.locator("#message")).to_have_text(f"Connected to HubSpot portal {portal}")
    expect(page.locator("#hubspot-portal")).to_have_text(portal)
    assert HUBSPOT_TOKEN not in page.content()
