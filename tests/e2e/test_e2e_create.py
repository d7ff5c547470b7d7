"""Creation both ways over real HTTP: R9/R20 (HubSpot → lead or contact), R13 (Salesforce
→ HubSpot per object policy), R12 (invalid email), R8/R14 (inclusion list)."""

from __future__ import annotations

from hubspot import HubSpot

from crmsync.engine.contacts import INVALID_EMAIL_CODE
from crmsync.store.state import Scope
from tests.e2e.conftest import HUBSPOT_TOKEN, World


def _open_errors(world: World) -> list[tuple[str, str, str]]:
    scope = Scope(
        salesforce_org_id=world.salesforce.account_id(),
        hubspot_portal_id=world.hubspot.account_id(),
    )
    with world.store.begin(scope) as tx:
        return [(row.source_id, row.api_code, row.api_message) for row in tx.open_errors()]


def test_r9_new_hubspot_contact_becomes_a_salesforce_lead(world: World) -> None:
    world.set("contacts.create_as", "Lead")
    world.hs_create(email="ann@example.com", firstname="Ann", lastname="Lee", company="Acme")

    report = world.sync()

    (lead,) = world.sf_by_email("Lead", "ann@example.com", "Company")
    assert (lead.fields["FirstName"], lead.fields["LastName"]) == ("Ann", "Lee")
    assert lead.fields["Company"] == "Acme"
    assert world.sf_by_email("Contact", "ann@example.com") == []
    assert report.created["salesforce"] == 1


def test_r20_new_hubspot_contact_becomes_a_salesforce_contact_when_create_as_contact(
    world: World,
) -> None:
    world.set("contacts.create_as", "Contact")
    world.hs_create(email="bob@example.com", firstname="Bob", lastname="Ray")

    world.sync()

    (contact,) = world.sf_by_email("Contact", "bob@example.com")
    assert contact.fields["LastName"] == "Ray"
    assert world.sf_by_email("Lead", "bob@example.com") == []


def test_r9_linked_contact_updates_its_record_whatever_create_as_says(world: World) -> None:
    world.set("contacts.create_as", "Lead")
    hubspot_id = world.hs_create(email="cy@example.com", lastname="Old", company="Acme")
    world.sync()
    (lead,) = world.sf_by_email("Lead", "cy@example.com")

    world.set("contacts.create_as", "Contact")
    world.hs_update(hubspot_id, lastname="New")
    world.sync()

    assert world.sf_read("Lead", lead.id).fields["LastName"] == "New"
    assert world.sf_by_email("Contact", "cy@example.com") == []


def test_r13_salesforce_lead_and_contact_create_hubspot_contacts_by_default(
    world: World,
) -> None:
    world.sf_create("Lead", Email="lead@example.com", LastName="Lead", Company="Acme")
    world.sf_create("Contact", Email="contact@example.com", LastName="Contact")

    world.sync()

    (from_lead,) = world.hs_by_email("lead@example.com")
    (from_contact,) = world.hs_by_email("contact@example.com")
    assert from_lead.fields["lastname"] == "Lead"
    assert from_contact.fields["lastname"] == "Contact"


def test_r13_leads_policy_nothing_creates_nothing_but_contacts_still_sync(world: World) -> None:
    world.set("contacts.salesforce_leads", "nothing")
    world.set("contacts.salesforce_contacts", "create_or_update")
    world.sf_create("Lead", Email="lead@example.com", LastName="Lead", Company="Acme")
    world.sf_create("Contact", Email="contact@example.com", LastName="Contact")

    world.sync()

    assert world.hs_by_email("lead@example.com") == []
    assert len(world.hs_by_email("contact@example.com")) == 1


def test_r13_contacts_policy_nothing_creates_nothing_but_leads_still_sync(world: World) -> None:
    world.set("contacts.salesforce_leads", "create_or_update")
    world.set("contacts.salesforce_contacts", "nothing")
    world.sf_create("Lead", Email="lead@example.com", LastName="Lead", Company="Acme")
    world.sf_create("Contact", Email="contact@example.com", LastName="Contact")

    world.sync()

    assert len(world.hs_by_email("lead@example.com")) == 1
    assert world.hs_by_email("contact@example.com") == []


def test_r12_invalid_salesforce_email_is_skipped_with_a_stored_error(world: World) -> None:
    # Salesforce itself refuses malformed addresses, so the invalid one here is blank.
    bad_id = world.sf_create("Contact", LastName="NoEmail")
    world.sf_create("Contact", Email="good@example.com", LastName="Good")

    world.sync()

    assert len(world.hs_by_email("good@example.com")) == 1
    assert [record.fields["lastname"] for record in world.hs_all()] == ["Good"]
    errors = _open_errors(world)
    assert [(source_id, code) for source_id, code, _ in errors] == [(bad_id, INVALID_EMAIL_CODE)]

    world.sf_update("Contact", bad_id, Email="fixed@example.com")
    world.sync()

    assert len(world.hs_by_email("fixed@example.com")) == 1
    assert _open_errors(world) == []


def _inclusion_list(world: World, *member_ids: str, name: str = "Sync to Salesforce") -> str:
    """A manual HubSpot list made through the emulator's Lists API, with ``member_ids``."""
    url = world.servers.hubspot.url
    client = HubSpot(access_token=HUBSPOT_TOKEN, host=url, base_url=url)
    created = client.crm.lists.lists_api.create(
        {"name": name, "objectTypeId": "0-1", "processingType": "MANUAL"}
    )
    list_id = str(created.list.list_id)
    if member_ids:
        client.crm.lists.memberships_api.add(list_id, list(member_ids))
    return list_id


def test_r8_only_contacts_on_the_inclusion_list_reach_salesforce(world: World) -> None:
    on_list = world.hs_create(email="in@example.com", lastname="In")
    world.hs_create(email="out@example.com", lastname="Out")
    world.set("contacts.inclusion_list_id", _inclusion_list(world, on_list))

    report = world.sync()

    assert len(world.sf_by_email("Contact", "in@example.com")) == 1
    assert world.sf_by_email("Contact", "out@example.com") == []
    assert report.skipped["not on the inclusion list (R8)"] == 1


def test_r8_joining_the_inclusion_list_syncs_an_unchanged_contact(world: World) -> None:
    """Joining the list is a sync trigger, though the contact itself does not change."""
    waiting = world.hs_create(email="joins@example.com", lastname="Joins")
    list_id = _inclusion_list(world)
    world.set("contacts.inclusion_list_id", list_id)
    world.sync()
    world.sync()
    assert world.sf_by_email("Contact", "joins@example.com") == []

    world.tick(3600)  # far past the change feed's overlap window
    url = world.servers.hubspot.url
    HubSpot(access_token=HUBSPOT_TOKEN, host=url, base_url=url).crm.lists.memberships_api.add(
        list_id, [waiting]
    )
    world.tick()
    world.sync()

    (created,) = world.sf_by_email("Contact", "joins@example.com")
    assert created.fields["LastName"] == "Joins"
    world.clear_writes()
    world.sync()
    assert world.writes() == [], "a member is triggered once, not on every run"


def test_r8_an_inclusion_list_chosen_later_syncs_its_members(world: World) -> None:
    member = world.hs_create(email="later@example.com", lastname="Later")
    world.set("contacts.inclusion_list_id", _inclusion_list(world))
    world.sync()
    world.tick(3600)
    world.set("contacts.inclusion_list_id", _inclusion_list(world, member, name="Chosen later"))

    world.sync()

    assert len(world.sf_by_email("Contact", "later@example.com")) == 1


def test_r14_creation_from_salesforce_bypasses_the_inclusion_list(world: World) -> None:
    world.set("contacts.inclusion_list_id", _inclusion_list(world))
    world.sf_create("Contact", Email="fromsf@example.com", LastName="FromSf")

    world.sync()

    (created,) = world.hs_by_email("fromsf@example.com")
    assert created.fields["lastname"] == "FromSf"


def test_r8_linked_contact_taken_off_the_list_stops_updating_salesforce(world: World) -> None:
    hubspot_id = world.hs_create(email="was@example.com", lastname="Before")
    list_id = _inclusion_list(world, hubspot_id)
    world.set("contacts.inclusion_list_id", list_id)
    world.sync()
    (contact,) = world.sf_by_email("Contact", "was@example.com")
    client = HubSpot(
        access_token=HUBSPOT_TOKEN,
        host=world.servers.hubspot.url,
        base_url=world.servers.hubspot.url,
    )
    client.crm.lists.memberships_api.remove(list_id, [hubspot_id])

    world.hs_update(hubspot_id, lastname="AfterRemoval")
    world.sync()

    assert world.sf_read("Contact", contact.id).fields["LastName"] == "Before"


def test_r14_contact_created_from_salesforce_then_follows_r8_for_its_updates(
    world: World,
) -> None:
    world.set("contacts.inclusion_list_id", _inclusion_list(world))
    salesforce_id = world.sf_create("Contact", Email="r14@example.com", LastName="FromSf")
    world.sync()
    (created,) = world.hs_by_email("r14@example.com")

    world.hs_update(created.id, lastname="ChangedInHubSpot")
    world.sync()

    assert world.sf_read("Contact", salesforce_id).fields["LastName"] == "FromSf"


def test_r13_lead_only_fields_reach_the_new_hubspot_contact(world: World) -> None:
    world.sf_create(
        "Lead",
        Email="fields@example.com",
        LastName="Fields",
        Company="Acme",
        Status="Working - Contacted",
        Industry="Banking",
        Website="acme.example",
    )

    report = world.sync()

    wanted = ("hs_lead_status", "industry", "website", "company")
    (contact,) = world.hubspot.find_by("contacts", "email", ["fields@example.com"], fields=wanted)
    assert report.errors == 0
    assert {name: contact.fields[name] for name in wanted} == {
        "hs_lead_status": "ATTEMPTED_TO_CONTACT",
        "industry": "Banking",
        "website": "acme.example",
        "company": "Acme",
    }
