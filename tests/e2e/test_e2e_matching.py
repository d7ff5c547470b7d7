"""Matching existing records by email over real HTTP, paging through more than one page
and one write batch, and address values coming back from Salesforce (R11, R13)."""

from __future__ import annotations

from crmsync.store.state import Scope
from tests.e2e.conftest import World


def test_r13_salesforce_contact_updates_the_hubspot_contact_with_the_same_email(
    world: World,
) -> None:
    hubspot_id = world.hs_create(email="Same@Example.com", lastname="HubSpotName")
    world.tick(30)
    world.sf_create("Contact", Email="same@example.com", LastName="SalesforceName")

    world.sync()

    assert [record.id for record in world.hs_all()] == [hubspot_id]
    assert len(world.sf_all("Contact")) == 1
    assert world.hs_read(hubspot_id).fields["lastname"] == "SalesforceName"


def test_r9_hubspot_contact_links_to_an_existing_lead_instead_of_creating(world: World) -> None:
    world.set("contacts.create_as", "Contact")
    lead_id = world.sf_create("Lead", Email="known@example.com", LastName="Known", Company="A")
    world.tick(30)
    world.hs_create(email="known@example.com", lastname="Known", phone="+48 1")

    world.sync()

    assert world.sf_all("Contact") == []
    assert world.sf_read("Lead", lead_id).fields["Phone"] == "+48 1"
    assert len(world.hs_all()) == 1


def test_many_records_page_and_batch_without_loss_or_duplicates(world: World) -> None:
    for number in range(230):
        world.hs_create(email=f"bulk{number}@example.com", lastname=f"Bulk{number}")

    world.sync()
    world.clear_writes()
    world.sync()

    assert len(world.sf_all("Contact")) == 230
    assert len(world.hs_all()) == 230
    assert world.writes() == []


def test_r11_salesforce_country_code_reaches_hubspot_as_a_name(world: World) -> None:
    world.sf_control.update_settings(picklist_mode="enabled")
    world.set("contacts.state_country.picklists", "enabled")
    world.sf_create("Contact", Email="code@example.com", LastName="Code", MailingCountryCode="PL")

    world.sync()

    (contact,) = world.hs_by_email("code@example.com")
    assert contact.fields["country"] == "Poland"


def test_r11_as_is_value_refused_by_enabled_picklists_is_a_stored_error(world: World) -> None:
    world.sf_control.update_settings(picklist_mode="enabled")
    world.set("contacts.state_country.picklists", "enabled")
    world.set("contacts.state_country.mode", "as_is")
    world.hs_create(email="asis@example.com", lastname="AsIs", country="Polska")

    report = world.sync()

    assert report.errors == 1
    assert world.sf_by_email("Contact", "asis@example.com") == []
    scope = Scope(
        salesforce_org_id=world.salesforce.account_id(),
        hubspot_portal_id=world.hubspot.account_id(),
    )
    with world.store.begin(scope) as tx:
        (error,) = tx.open_errors()
    assert (error.api_code, error.field) == ("FIELD_INTEGRITY_EXCEPTION", "MailingCountry")


def test_r11_customized_picklists_match_the_orgs_own_labels_and_states(world: World) -> None:
    world.sf_control.update_settings(
        picklist_mode="customized",
        custom_countries={"XK": "Kosovo"},
        custom_states={"PL": {"MZ": "Mazowsze"}},
    )
    world.set("contacts.state_country.picklists", "customized")
    world.set("contacts.state_country.mode", "match_salesforce")
    world.hs_create(email="xk@example.com", lastname="Krasniqi", country="Kosovo")
    world.hs_create(email="mz@example.com", lastname="Nowak", country="Polska", state="Mazowsze")

    world.sync()

    fields = ("MailingCountryCode", "MailingStateCode")
    (kosovo,) = world.sf_by_email("Contact", "xk@example.com", *fields)
    (poland,) = world.sf_by_email("Contact", "mz@example.com", *fields)
    assert kosovo.fields["MailingCountryCode"] == "XK"  # only the org's label says so
    assert (poland.fields["MailingCountryCode"], poland.fields["MailingStateCode"]) == ("PL", "MZ")
    with world.store.begin(world.engine().scope) as tx:
        assert tx.open_errors() == []


def test_r11_unknown_state_is_an_error_and_the_rest_of_the_record_syncs(world: World) -> None:
    world.sf_control.update_settings(picklist_mode="enabled")
    world.set("contacts.state_country.picklists", "enabled")
    world.set("contacts.state_country.mode", "match_salesforce")
    world.hs_create(email="nowhere@example.com", lastname="Smith", country="USA", state="Atlantis")

    world.sync()

    fields = ("MailingCountryCode", "MailingStateCode")
    (contact,) = world.sf_by_email("Contact", "nowhere@example.com", *fields)
    assert (contact.fields["MailingCountryCode"], contact.fields["MailingStateCode"]) == (
        "US",
        None,
    )
    with world.store.begin(world.engine().scope) as tx:
        (error,) = tx.open_errors()
    assert (error.api_code, error.category, error.field) == (
        "STATE_NOT_MATCHED",
        "picklists",
        "MailingStateCode",
    )
    assert "Atlantis" in error.api_message
