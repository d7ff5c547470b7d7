"""Updates both ways, echo suppression and conflicts over real HTTP (R23, R26), and
state/country translation against the org's picklist setup (R11)."""

from __future__ import annotations

import pytest

from crmsync.store.state import Scope
from tests.e2e.conftest import World


def _linked_pair(world: World) -> tuple[str, str]:
    """A HubSpot contact synced to a new Salesforce contact; returns both ids."""
    hubspot_id = world.hs_create(email="dee@example.com", firstname="Dee", lastname="Start")
    world.sync()
    (contact,) = world.sf_by_email("Contact", "dee@example.com")
    world.sync()
    return hubspot_id, contact.id


def test_r26_a_second_run_without_changes_writes_nothing(world: World) -> None:
    world.hs_create(email="hs@example.com", lastname="FromHubSpot")
    world.sf_create("Contact", Email="sf@example.com", LastName="FromSalesforce")
    world.sync()
    assert world.writes(), "the first run must have written something"

    world.clear_writes()
    world.sync()
    world.sync()

    assert world.writes() == []


def test_r26_an_update_is_carried_once_and_not_echoed_back(world: World) -> None:
    hubspot_id, salesforce_id = _linked_pair(world)
    world.hs_update(hubspot_id, lastname="Changed")
    world.clear_writes()

    world.sync()
    first = world.writes()
    world.clear_writes()
    world.sync()

    assert world.sf_read("Contact", salesforce_id).fields["LastName"] == "Changed"
    assert len(first) == 1 and "/services/data/" in first[0]
    assert world.writes() == []


def test_r23_hubspot_update_reaches_salesforce(world: World) -> None:
    hubspot_id, salesforce_id = _linked_pair(world)

    world.hs_update(hubspot_id, phone="+48 600 100 200")
    world.sync()

    assert world.sf_read("Contact", salesforce_id).fields["Phone"] == "+48 600 100 200"


def test_r23_salesforce_update_reaches_hubspot(world: World) -> None:
    hubspot_id, salesforce_id = _linked_pair(world)

    world.sf_update("Contact", salesforce_id, FirstName="Dorothy")
    world.sync()

    assert world.hs_read(hubspot_id).fields["firstname"] == "Dorothy"


def test_r23_conflict_newer_change_wins_and_the_audit_log_keeps_the_loser(
    world: World,
) -> None:
    hubspot_id, salesforce_id = _linked_pair(world)

    world.hs_update(hubspot_id, lastname="OlderHubSpot")
    world.tick(30)
    world.sf_update("Contact", salesforce_id, LastName="NewerSalesforce")
    report = world.sync()

    assert world.hs_read(hubspot_id).fields["lastname"] == "NewerSalesforce"
    assert world.sf_read("Contact", salesforce_id).fields["LastName"] == "NewerSalesforce"
    assert report.conflicts == 1
    scope = Scope(
        salesforce_org_id=world.salesforce.account_id(),
        hubspot_portal_id=world.hubspot.account_id(),
    )
    with world.store.begin(scope) as tx:
        entries = [
            (entry.field, entry.new_value, entry.losing_value)
            for entry in tx.audit_entries(kind="field")
            if entry.losing_value is not None
        ]
    assert entries == [("lastname", "NewerSalesforce", "OlderHubSpot")]


def test_r23_conflict_newer_hubspot_change_wins_over_older_salesforce_change(
    world: World,
) -> None:
    hubspot_id, salesforce_id = _linked_pair(world)

    world.sf_update("Contact", salesforce_id, LastName="OlderSalesforce")
    world.tick(30)
    world.hs_update(hubspot_id, lastname="NewerHubSpot")
    report = world.sync()

    assert world.sf_read("Contact", salesforce_id).fields["LastName"] == "NewerHubSpot"
    assert world.hs_read(hubspot_id).fields["lastname"] == "NewerHubSpot"
    assert report.conflicts == 1


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (("disabled", "disabled", "match_salesforce", "MailingCountry"), "Poland"),
        (("enabled", "enabled", "match_salesforce", "MailingCountryCode"), "PL"),
        (("disabled", "disabled", "as_is", "MailingCountry"), "Polska"),
    ],
)
def test_r11_hubspot_country_is_translated_per_picklist_setup(
    world: World, case: tuple[str, str, str, str], expected: str
) -> None:
    org_mode, picklists, mode, field = case
    world.sf_control.update_settings(picklist_mode=org_mode)
    world.set("contacts.state_country.picklists", picklists)
    world.set("contacts.state_country.mode", mode)
    hubspot_id = world.hs_create(
        email="pl@example.com", lastname="Nowak", country="Polska", state="mazowieckie"
    )

    world.sync()
    world.clear_writes()
    world.sync()

    (contact,) = world.sf_by_email("Contact", "pl@example.com", field)
    assert contact.fields[field] == expected
    # The translated value read back is not a change: nothing echoes to HubSpot (R26).
    assert world.writes() == []
    assert world.hs_read(hubspot_id).fields["country"] == "Polska"


def test_r26_mixed_case_salesforce_email_is_not_rewritten_by_hubspot_lowercasing(
    world: World,
) -> None:
    salesforce_id = world.sf_create("Contact", Email="Mixed.Case@Example.COM", LastName="M")
    world.sync()
    world.clear_writes()

    world.sync()
    world.sync()

    assert world.writes() == []
    assert world.sf_read("Contact", salesforce_id).fields["Email"] == "Mixed.Case@Example.COM"
    assert [record.fields["email"] for record in world.hs_all()] == ["mixed.case@example.com"]
