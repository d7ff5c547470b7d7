"""The contract every object pair passes, against both emulators (R25, R26, R3).

Each pair is described by a small harness (how to make a record on each side, edit one
mapped field, read it back); the same tests then check creates both ways, updates both
ways, no echo, no duplicate after a crash at any checkpoint, and that a reference to a
record that is not linked is reported, then retried until it resolves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from crmsync.connectors.base import System
from crmsync.engine.hooks import Checkpoint
from crmsync.store.state import Scope
from tests.e2e.conftest import CrashAt, CrashInRoles, SimulatedCrash, World


@dataclass(frozen=True)
class Harness:
    """One pair as the contract sees it."""

    name: str
    hubspot_object: str
    salesforce_object: str
    hubspot_field: str
    salesforce_field: str
    setup: Callable[[World], None]
    hs_new: Callable[[World, str], str]
    sf_new: Callable[[World, str], str]


def _contacts_hs_new(world: World, tag: str) -> str:
    return world.hs_create(email=f"{tag}@contract.example", lastname=f"HS {tag}")


def _contacts_sf_new(world: World, tag: str) -> str:
    return world.sf_create("Contact", LastName=f"SF {tag}", Email=f"{tag}@contract.example")


def _companies_hs_new(world: World, tag: str) -> str:
    # A company creates an account once one of its contacts becomes a Salesforce contact.
    company = world.hs_create_company(name=f"HS {tag}")
    person = world.hs_create(email=f"{tag}@contract.example", lastname=tag)
    world.hs_primary_company(person, company)
    return company


def _companies_sf_new(world: World, tag: str) -> str:
    return world.sf_create("Account", Name=f"SF {tag}")


def _deals_hs_new(world: World, tag: str) -> str:
    return world.hs_create_deal(
        dealname=f"HS {tag}", closedate="2026-06-30T00:00:00Z", dealstage="qualifiedtobuy"
    )


def _deals_sf_new(world: World, tag: str) -> str:
    return world.sf_create(
        "Opportunity", Name=f"SF {tag}", StageName="Prospecting", CloseDate="2026-06-30"
    )


PAIRS = [
    Harness(
        name="contacts",
        hubspot_object="contacts",
        salesforce_object="Contact",
        hubspot_field="lastname",
        salesforce_field="LastName",
        setup=lambda world: world.set("contacts.create_as", "contact"),
        hs_new=_contacts_hs_new,
        sf_new=_contacts_sf_new,
    ),
    Harness(
        name="companies",
        hubspot_object="companies",
        salesforce_object="Account",
        hubspot_field="name",
        salesforce_field="Name",
        setup=lambda world: world.enable_companies(),
        hs_new=_companies_hs_new,
        sf_new=_companies_sf_new,
    ),
    Harness(
        name="deals",
        hubspot_object="deals",
        salesforce_object="Opportunity",
        hubspot_field="dealname",
        salesforce_field="Name",
        setup=lambda world: world.enable_deals(),
        hs_new=_deals_hs_new,
        sf_new=_deals_sf_new,
    ),
]


@pytest.fixture(params=PAIRS, ids=lambda harness: harness.name)
def pair(request: pytest.FixtureRequest, world: World) -> Harness:
    harness: Harness = request.param
    harness.setup(world)
    return harness


def _scope(world: World) -> Scope:
    return Scope(
        salesforce_org_id=world.salesforce.account_id(),
        hubspot_portal_id=world.hubspot.account_id(),
    )


def _partner(world: World, pair: Harness, system: System, record_id: str) -> str | None:
    with world.store.begin(_scope(world)) as tx:
        if system is System.HUBSPOT:
            links = tx.links_by_hubspot(hubspot_type=pair.hubspot_object, ids=[record_id])
            return links[record_id].salesforce_id if record_id in links else None
        found = tx.links_by_salesforce(salesforce_types=[pair.salesforce_object], ids=[record_id])
        return found[record_id].hubspot_id if record_id in found else None


def _hs_value(world: World, pair: Harness, record_id: str) -> object:
    (record,) = world.hubspot.read_by_ids(
        pair.hubspot_object, [record_id], fields=(pair.hubspot_field,)
    )
    return record.fields.get(pair.hubspot_field)


def _sf_value(world: World, pair: Harness, record_id: str) -> object:
    (record,) = world.salesforce.read_by_ids(
        pair.salesforce_object, [record_id], fields=(pair.salesforce_field,)
    )
    return record.fields.get(pair.salesforce_field)


def _hs_ids(world: World, pair: Harness) -> list[str]:
    page = world.hubspot.read_changes(
        pair.hubspot_object, cursor=None, fields=(pair.hubspot_field,), page_size=200
    )
    return sorted({record.id for record in page.records if not record.deleted})


def _sf_ids(world: World, pair: Harness) -> list[str]:
    page = world.salesforce.read_changes(
        pair.salesforce_object, cursor=None, fields=(pair.salesforce_field,), page_size=200
    )
    return sorted({record.id for record in page.records if not record.deleted})


def test_contract_creates_both_ways(world: World, pair: Harness) -> None:
    from_hubspot = pair.hs_new(world, "one")
    from_salesforce = pair.sf_new(world, "two")

    world.sync()

    created_in_salesforce = _partner(world, pair, System.HUBSPOT, from_hubspot)
    created_in_hubspot = _partner(world, pair, System.SALESFORCE, from_salesforce)
    assert created_in_salesforce is not None and created_in_hubspot is not None
    assert _sf_value(world, pair, created_in_salesforce) == "HS one"
    assert _hs_value(world, pair, created_in_hubspot) == "SF two"


def test_contract_updates_both_ways_and_no_echo(world: World, pair: Harness) -> None:
    hubspot_id = pair.hs_new(world, "upd")
    world.sync()
    salesforce_id = _partner(world, pair, System.HUBSPOT, hubspot_id)
    assert salesforce_id is not None

    world.hs_control.advance_clock(seconds=30)
    world._write(world.hubspot, pair.hubspot_object, hubspot_id, {pair.hubspot_field: "from HS"})
    world.sync()
    assert _sf_value(world, pair, salesforce_id) == "from HS"

    world.sf_control.advance_clock(seconds=30)
    world.sf_update(pair.salesforce_object, salesforce_id, **{pair.salesforce_field: "from SF"})
    world.sync()
    assert _hs_value(world, pair, hubspot_id) == "from SF"

    world.sync()
    world.clear_writes()
    world.sync()
    assert world.writes() == [], "an idle run writes nothing (no echo)"


@pytest.mark.parametrize("point", list(Checkpoint))
def test_contract_crash_at_each_checkpoint_leaves_no_duplicate(
    world: World, pair: Harness, point: Checkpoint
) -> None:
    for tag in ("a", "b"):
        pair.hs_new(world, f"hs-{tag}")
        pair.sf_new(world, f"sf-{tag}")
    with pytest.raises(SimulatedCrash):
        world.sync(hooks=CrashAt(point))
    world.sync()
    world.sync()

    hubspot_ids, salesforce_ids = _hs_ids(world, pair), _sf_ids(world, pair)
    assert len(hubspot_ids) == len(salesforce_ids) == 4, (hubspot_ids, salesforce_ids)
    partners = {_partner(world, pair, System.HUBSPOT, record_id) for record_id in hubspot_ids}
    assert partners == set(salesforce_ids), "each record linked to exactly one partner"


def test_contract_unlinked_reference_is_reported_then_retried(world: World) -> None:
    """A contact's account that cannot sync yet: the contact syncs without it, an
    ``associations`` error names both ids, and a later retry resolves it (R3)."""
    world.enable_companies()
    account = world.sf_create("Account", Name="Refused for now")
    contact = world.sf_create("Contact", LastName="Waiting", Email="waiting@contract.example")
    world.sf_update("Contact", contact, AccountId=account)
    world.hs_control.inject_fault(
        kind="status", status=400, rate=1.0, path_contains="/companies/batch/create"
    )

    world.sync()

    (person,) = world.hs_by_email("waiting@contract.example")
    with world.store.begin(_scope(world)) as tx:
        errors = {row.api_code: row for row in tx.open_errors()}
    reference = errors["REFERENCE_NOT_LINKED"]
    assert reference.category == "associations"
    assert reference.salesforce_id == contact and account in reference.api_message

    world.hs_control.clear_faults()
    later = datetime.now(UTC) + timedelta(hours=1)
    world.sync(clock=lambda: later)
    world.sync(clock=lambda: later)

    with world.store.begin(_scope(world)) as tx:
        assert [row.api_code for row in tx.open_errors()] == []
    company = _partner_company(world, account)
    (record,) = world.hubspot.read_by_ids("contacts", [person.id], fields=("associatedcompanyid",))
    assert record.fields.get("associatedcompanyid") == company


def _partner_company(world: World, account: str) -> str:
    with world.store.begin(_scope(world)) as tx:
        return tx.links_by_salesforce(salesforce_types=["Account"], ids=[account])[
            account
        ].hubspot_id


# -- one-way pairs (HubSpot → Salesforce only): activities → tasks (R24) ----------------


@dataclass(frozen=True)
class OneWayHarness:
    """A pair that only creates and updates in Salesforce."""

    name: str
    hubspot_object: str
    hubspot_field: str
    salesforce_field: str
    setup: Callable[[World], None]
    hs_new: Callable[[World, str], str]


def _activities_setup(world: World) -> None:
    world.sf_control.add_field(
        object="Task", name="HubSpot_Activity_ID__c", type="string", length=80,
        external_id=True, unique=True,
    )  # fmt: skip
    world.set("contacts.create_as", "contact")
    world.set("activities.calls.enabled", True)


def _calls_hs_new(world: World, tag: str) -> str:
    person = world.hs_create(email=f"{tag}@contract.example", lastname=tag)
    properties = {"hs_call_title": f"HS {tag}", "hs_timestamp": "2026-05-04T15:30:00Z"}
    call = world._write(world.hubspot, "calls", None, properties)
    world.hs_associate("calls", call, "contacts", person, 194)
    return call


ONE_WAY = [
    OneWayHarness(
        name="activities.calls",
        hubspot_object="calls",
        hubspot_field="hs_call_title",
        salesforce_field="Subject",
        setup=_activities_setup,
        hs_new=_calls_hs_new,
    )
]


@pytest.fixture(params=ONE_WAY, ids=lambda harness: harness.name)
def one_way(request: pytest.FixtureRequest, world: World) -> OneWayHarness:
    harness: OneWayHarness = request.param
    harness.setup(world)
    return harness


def _task_of(world: World, pair: OneWayHarness, record_id: str) -> str | None:
    with world.store.begin(_scope(world)) as tx:
        links = tx.links_by_hubspot(hubspot_type=pair.hubspot_object, ids=[record_id])
        return links[record_id].salesforce_id if record_id in links else None


def _task_value(world: World, pair: OneWayHarness, task: str) -> object:
    (record,) = world.salesforce.read_by_ids("Task", [task], fields=(pair.salesforce_field,))
    return record.fields.get(pair.salesforce_field)


def test_contract_one_way_creates_updates_and_no_echo(world: World, one_way: OneWayHarness) -> None:
    record = one_way.hs_new(world, "one")
    world.sync()
    task = _task_of(world, one_way, record)
    assert task is not None and _task_value(world, one_way, task) == "HS one"

    world.hs_control.advance_clock(seconds=30)
    world._write(world.hubspot, one_way.hubspot_object, record, {one_way.hubspot_field: "edit"})
    world.sync()
    assert _task_of(world, one_way, record) == task
    assert _task_value(world, one_way, task) == "edit"

    world.sync()
    world.clear_writes()
    world.sync()
    assert world.writes() == [], "an idle run writes nothing (no echo)"


@pytest.mark.parametrize("point", list(Checkpoint))
def test_contract_one_way_crash_at_each_checkpoint_leaves_no_duplicate(
    world: World, one_way: OneWayHarness, point: Checkpoint
) -> None:
    records = [one_way.hs_new(world, f"hs-{tag}") for tag in ("a", "b")]
    with pytest.raises(SimulatedCrash):
        world.sync(hooks=CrashAt(point))
    world.sync()
    world.sync()

    page = world.salesforce.read_changes(
        "Task", cursor=None, fields=(one_way.salesforce_field,), page_size=200
    )
    tasks = sorted({r.id for r in page.records if not r.deleted})
    assert len(tasks) == 2
    assert {_task_of(world, one_way, record) for record in records} == set(tasks)


# -- contact roles: a run step, not a pair (R22, R25, R26, R3) ------------------------


@dataclass(frozen=True)
class RoleWorld:
    """Two linked deals, two linked contacts, ids on both sides."""

    opportunities: tuple[str, str]
    deals: tuple[str, str]
    contacts: tuple[str, str]
    people: tuple[str, str]


def _role_world(world: World) -> RoleWorld:
    world.enable_deals(with_companies=False)
    world.set("contacts.create_as", "contact")
    contacts = tuple(
        world.sf_create("Contact", LastName=f"Role {n}", Email=f"role{n}@contract.example")
        for n in range(2)
    )
    opportunity = _deals_sf_new(world, "roles")
    deal = _deals_hs_new(world, "roles")
    world.sync()
    people = tuple(world.hs_by_email(f"role{n}@contract.example")[0].id for n in range(2))
    return RoleWorld(
        opportunities=(opportunity, _partner_opportunity(world, deal)),
        deals=(_partner_deal(world, opportunity), deal),
        contacts=(contacts[0], contacts[1]),
        people=(people[0], people[1]),
    )


def _partner_deal(world: World, opportunity: str) -> str:
    with world.store.begin(_scope(world)) as tx:
        found = tx.links_by_salesforce(salesforce_types=["Opportunity"], ids=[opportunity])
        return found[opportunity].hubspot_id


def _partner_opportunity(world: World, deal: str) -> str:
    with world.store.begin(_scope(world)) as tx:
        return tx.links_by_hubspot(hubspot_type="deals", ids=[deal])[deal].salesforce_id


def _role_pairs(world: World, roles: RoleWorld) -> list[tuple[str, str]]:
    """Every (opportunity, contact) holding a role, duplicates kept."""
    found = world.salesforce.find_by(
        "OpportunityContactRole",
        "OpportunityId",
        list(roles.opportunities),
        fields=("OpportunityId", "ContactId"),
    )
    return sorted((str(r.fields["OpportunityId"]), str(r.fields["ContactId"])) for r in found)


def _deal_pairs(world: World, roles: RoleWorld) -> list[tuple[str, str]]:
    found = world.hubspot.associated_ids("deals", "contacts", list(roles.deals))
    return sorted((deal, person) for deal, people in found.items() for person in people)


def _role_links(world: World) -> int:
    with world.store.begin(_scope(world)) as tx:
        return tx.count_links(pair="contact_roles")


def _make_roles_both_ways(world: World, roles: RoleWorld) -> None:
    """A role in Salesforce on the first opportunity, an association in HubSpot on the
    second deal (each with both contacts)."""
    for contact in roles.contacts:
        world.sf_create(
            "OpportunityContactRole", OpportunityId=roles.opportunities[0], ContactId=contact
        )
    for person in roles.people:
        world.hs_associate("deals", roles.deals[1], "contacts", person, 3)
    world.hs_update_deal(roles.deals[1], description="contacts added")


def _expected(roles: RoleWorld) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    return (
        sorted((o, c) for o in roles.opportunities for c in roles.contacts),
        sorted((d, p) for d in roles.deals for p in roles.people),
    )


def test_contract_contact_roles_are_created_both_ways_and_do_not_echo(world: World) -> None:
    roles = _role_world(world)
    _make_roles_both_ways(world, roles)
    world.sync()

    assert (_role_pairs(world, roles), _deal_pairs(world, roles)) == _expected(roles)
    assert _role_links(world) == 4
    world.sync()
    world.clear_writes()
    world.sync()
    assert world.writes() == [], "an idle run writes nothing (no echo)"


def test_contract_contact_roles_are_removed_both_ways(world: World) -> None:
    roles = _role_world(world)
    _make_roles_both_ways(world, roles)
    world.sync()
    world.sync()

    # A role deleted in Salesforce, an association removed in HubSpot.
    found = world.salesforce.find_by(
        "OpportunityContactRole", "OpportunityId", [roles.opportunities[0]], fields=("ContactId",)
    )
    gone = next(r for r in found if r.fields["ContactId"] == roles.contacts[0])
    world.sf_delete("OpportunityContactRole", gone.id)
    world.hubspot.dissociate("deals", "contacts", [(roles.deals[1], roles.people[1])])
    world.hs_update_deal(roles.deals[1], description="one contact left")
    world.sync()

    assert _role_pairs(world, roles) == sorted(
        [(roles.opportunities[0], roles.contacts[1]), (roles.opportunities[1], roles.contacts[0])]
    )
    assert _deal_pairs(world, roles) == sorted(
        [(roles.deals[0], roles.people[1]), (roles.deals[1], roles.people[0])]
    )
    assert _role_links(world) == 2


@pytest.mark.parametrize("point", list(Checkpoint))
def test_contract_contact_roles_crash_at_each_checkpoint_leaves_no_duplicate(
    world: World, point: Checkpoint
) -> None:
    roles = _role_world(world)
    _make_roles_both_ways(world, roles)
    hooks = CrashInRoles(point)
    with pytest.raises(SimulatedCrash):
        world.sync(hooks=hooks)
    assert hooks.crashed
    world.sync()
    world.sync()

    assert (_role_pairs(world, roles), _deal_pairs(world, roles)) == _expected(roles)
    assert _role_links(world) == 4, "each role linked once to its association"
    world.clear_writes()
    world.sync()
    assert world.writes() == []


def test_contract_contact_role_with_an_unlinked_contact_is_reported_then_retried(
    world: World,
) -> None:
    """A role whose contact does not sync yet: the rest of the opportunity's roles sync,
    a ``CONTACT_ROLE_NOT_SYNCED`` error names the opportunity, and a later run links
    the role once the contact syncs, with no change to the opportunity (R3)."""
    roles = _role_world(world)
    world.set("contacts.salesforce_contacts", "nothing")
    later = world.sf_create("Contact", LastName="Later", Email="later@contract.example")
    for contact in (roles.contacts[0], later):
        world.sf_create(
            "OpportunityContactRole", OpportunityId=roles.opportunities[0], ContactId=contact
        )
    world.sync()

    assert _deal_pairs(world, roles) == [(roles.deals[0], roles.people[0])]
    with world.store.begin(_scope(world)) as tx:
        (error,) = tx.open_errors(pair="contact_roles")
    assert (error.api_code, error.source_id) == ("CONTACT_ROLE_NOT_SYNCED", roles.opportunities[0])
    assert later in error.api_message

    person = world.hs_create(email="later@contract.example", lastname="Later")
    world.sync()
    world.sync()
    assert _deal_pairs(world, roles) == sorted(
        [(roles.deals[0], roles.people[0]), (roles.deals[0], person)]
    )
    with world.store.begin(_scope(world)) as tx:
        assert tx.open_errors(pair="contact_roles") == []
