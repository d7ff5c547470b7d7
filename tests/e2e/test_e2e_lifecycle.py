"""Lifecycle stages from opportunity contact roles, end to end (R15-R19).

The Salesforce side is made through its API; the HubSpot contact is the one the contacts
pair linked. Deal sync is off: the rule reads contact roles, not deals.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crmsync.store.models import AuditEntry
from tests.e2e.conftest import World


@pytest.fixture
def lifecycle(world: World) -> Iterator[World]:
    world.set("contacts.create_as", "contact")
    world.set("lifecycle.update_from_opportunities", True)
    yield world


def _person(world: World, email: str) -> tuple[str, str]:
    """A Salesforce contact synced to HubSpot: (Salesforce id, HubSpot id)."""
    contact = world.sf_create("Contact", LastName=email.split("@", maxsplit=1)[0], Email=email)
    world.sync()
    (person,) = world.hs_by_email(email)
    return contact, person.id


def _opportunity(world: World, stage: str = "Prospecting", **fields: str) -> str:
    return world.sf_create(
        "Opportunity", Name="Big one", StageName=stage, CloseDate="2026-09-30", **fields
    )


def _role(world: World, opportunity: str, contact: str) -> str:
    return world.sf_create(
        "OpportunityContactRole", OpportunityId=opportunity, ContactId=contact, Role="Evaluator"
    )


def _stage(world: World, object_type: str, record_id: str) -> object:
    (record,) = world.hubspot.read_by_ids(object_type, [record_id], fields=("lifecyclestage",))
    return record.fields.get("lifecyclestage")


def _lifecycle_entries(world: World) -> list[AuditEntry]:
    with world.store.begin() as tx:
        return tx.audit_entries(kind="lifecycle")


def test_r15_a_role_on_an_open_opportunity_then_its_win(lifecycle: World) -> None:
    world = lifecycle
    contact, person = _person(world, "ann@r15.example")
    opportunity = _opportunity(world)
    _role(world, opportunity, contact)

    world.sync()
    assert _stage(world, "contacts", person) == "opportunity"

    world.sf_update("Opportunity", opportunity, StageName="Closed Won")
    world.sync()
    assert _stage(world, "contacts", person) == "customer"

    entries = _lifecycle_entries(world)
    assert [(e.old_value, e.new_value) for e in entries][-1] == ("opportunity", "customer")
    assert all(opportunity in (entry.note or "") for entry in entries), "names the opportunity"


def test_r15_a_role_added_after_the_win_counts(lifecycle: World) -> None:
    world = lifecycle
    contact, person = _person(world, "late@r15.example")
    won = _opportunity(world, "Closed Won")
    world.sync()
    assert _stage(world, "contacts", person) != "customer"

    _role(world, won, contact)
    world.sync()

    assert _stage(world, "contacts", person) == "customer"


def test_r16_a_customer_stays_a_customer_and_a_later_stage_stays(lifecycle: World) -> None:
    world = lifecycle
    customer_sf, customer = _person(world, "kept@r16.example")
    evangelist_sf, evangelist = _person(world, "fan@r16.example")
    world.hs_update(customer, lifecyclestage="customer")
    world.hs_update(evangelist, lifecyclestage="evangelist")
    world.tick()

    opportunity = _opportunity(world)
    _role(world, opportunity, customer_sf)
    _role(world, opportunity, evangelist_sf)
    world.sync()

    assert _stage(world, "contacts", customer) == "customer"
    assert _stage(world, "contacts", evangelist) == "evangelist"
    assert _lifecycle_entries(world) == []


def test_r17_a_hubspot_lifecycle_change_writes_nothing_to_salesforce(world: World) -> None:
    world.set("lifecycle.update_from_opportunities", True)
    world.set("contacts.create_as", "lead")
    person = world.hs_create(email="lead@r17.example", lastname="Lead", company="Acme")
    world.sync()
    (lead,) = world.sf_by_email("Lead", "lead@r17.example", "IsConverted")

    world.hs_update(person, lifecyclestage="customer")
    world.clear_writes()
    world.sync()

    assert world.servers.salesforce_log.writes == []
    assert world.sf_read("Lead", lead.id, "IsConverted").fields["IsConverted"] is False


def test_r18_an_opportunity_without_contact_roles_changes_nothing(lifecycle: World) -> None:
    world = lifecycle
    account = world.sf_create("Account", Name="No roles Inc")
    contact = world.sf_create(
        "Contact", LastName="Bystander", Email="by@r18.example", AccountId=account
    )
    world.sync()
    (person,) = world.hs_by_email("by@r18.example")
    before = _stage(world, "contacts", person.id)

    _opportunity(world, "Closed Won", AccountId=account)
    world.sf_update("Contact", contact, Description="related, but not through a role")
    world.sync()

    assert _stage(world, "contacts", person.id) == before
    assert _lifecycle_entries(world) == []


def test_r15_is_off_by_default(world: World) -> None:
    world.set("contacts.create_as", "contact")
    contact, person = _person(world, "off@r15.example")
    _role(world, _opportunity(world), contact)
    world.sync()
    assert _stage(world, "contacts", person) != "opportunity"


def test_r19_the_company_and_its_other_contacts_follow_forward_only(lifecycle: World) -> None:
    world = lifecycle
    world.set("lifecycle.sync_company_stage_to_contacts", True)
    buyer_sf, buyer = _person(world, "buyer@r19.example")
    _colleague_sf, colleague = _person(world, "colleague@r19.example")
    _fan_sf, fan = _person(world, "fan@r19.example")
    company = world.hs_create_company(name="Propagated")
    for person in (buyer, colleague, fan):
        world.hs_primary_company(person, company)
    world.hs_update(fan, lifecyclestage="evangelist")
    world.tick()

    _role(world, _opportunity(world, "Closed Won"), buyer_sf)
    world.sync()

    assert _stage(world, "contacts", buyer) == "customer"
    assert _stage(world, "companies", company) == "customer"
    assert _stage(world, "contacts", colleague) == "customer"
    assert _stage(world, "contacts", fan) == "evangelist", "never backwards (R16)"
    rules = {entry.rule for entry in _lifecycle_entries(world)}
    assert rules == {"R15", "R19"}
