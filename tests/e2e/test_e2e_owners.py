"""Owners sync both ways, matched by the user's email (R23; HubSpot's owner rules).

HubSpot owners are seeded into the HubSpot emulator; the Salesforce emulator has its
standard users (integration, admin, sales). The engine reads both owner lists through
the connectors, as ``crmsync sync`` does.
"""

from __future__ import annotations

from typing import Any

import pytest

from crmsync.engine.owners import OwnersOnDemand, load_owner_directory
from crmsync.engine.registry import pairs_from_settings
from crmsync.engine.sync import SyncEngine
from crmsync.store.models import SyncErrorRecord
from tests.e2e.conftest import World

SALES_OWNER = "501"
ADMIN_OWNER = "502"
STRANGER_OWNER = "503"


def _owner(owner_id: str, email: str) -> dict[str, Any]:
    return {
        "id": owner_id,
        "email": email,
        "firstName": email.split("@", maxsplit=1)[0].title(),
        "lastName": "Owner",
        "userId": int(owner_id),
        "userIdIncludingInactive": int(owner_id),
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z",
        "archived": False,
    }


@pytest.fixture
def owners_world(world: World) -> World:
    world.hs_control.seed(
        {
            "owners": [
                _owner(SALES_OWNER, "sales@crmsync.example"),
                _owner(ADMIN_OWNER, "Admin@CRMSync.example"),  # emails compare case-blind
                _owner(STRANGER_OWNER, "nobody@elsewhere.example"),
            ]
        }
    )
    return world


def _sync(world: World) -> Any:
    owners = load_owner_directory(hubspot=world.hubspot, salesforce=world.salesforce)
    pairs = pairs_from_settings(world.store, owners=owners, allow_test_domains=True)
    report = SyncEngine(
        hubspot=world.hubspot, salesforce=world.salesforce, store=world.store, pairs=pairs
    ).run_once()
    world.tick()
    return report


def _user_id(world: World, email: str) -> str:
    (user_id,) = [uid for uid, mail in world.salesforce.owner_emails().items() if mail == email]
    return user_id


def _sf_owner(world: World, email: str) -> str:
    (record,) = world.sf_by_email("Contact", email, "OwnerId")
    return str(record.fields["OwnerId"])


def _hs_owner(world: World, record_id: str) -> str | None:
    (record,) = world.hubspot.read_by_ids("contacts", [record_id], fields=["hubspot_owner_id"])
    owner = record.fields.get("hubspot_owner_id")
    return str(owner) if owner else None


def _open_errors(world: World) -> list[SyncErrorRecord]:
    with world.store.begin(world.engine().scope) as tx:
        return tx.open_errors()


def test_r23_hubspot_owner_becomes_the_salesforce_user_with_the_same_email(
    owners_world: World,
) -> None:
    world = owners_world
    world.hs_create(email="owned@example.com", lastname="Owned", hubspot_owner_id=SALES_OWNER)

    _sync(world)

    assert _sf_owner(world, "owned@example.com") == _user_id(world, "sales@crmsync.example")
    assert _open_errors(world) == []


def test_r23_owner_changed_in_hubspot_moves_in_salesforce_and_does_not_echo(
    owners_world: World,
) -> None:
    world = owners_world
    contact = world.hs_create(email="moved@example.com", lastname="M", hubspot_owner_id=SALES_OWNER)
    _sync(world)

    world.hs_update(contact, hubspot_owner_id=ADMIN_OWNER)
    _sync(world)
    world.clear_writes()
    _sync(world)

    assert _sf_owner(world, "moved@example.com") == _user_id(world, "admin@crmsync.example")
    assert world.writes() == []


def test_r23_salesforce_owner_becomes_the_hubspot_owner(owners_world: World) -> None:
    world = owners_world
    world.sf_create(
        "Contact",
        Email="sfowned@example.com",
        LastName="Sf",
        OwnerId=_user_id(world, "sales@crmsync.example"),
    )

    _sync(world)

    (contact,) = world.hs_by_email("sfowned@example.com")
    assert _hs_owner(world, contact.id) == SALES_OWNER


def test_r23_r27_hubspot_owner_with_no_salesforce_user_is_an_error_and_the_rest_syncs(
    owners_world: World,
) -> None:
    world = owners_world
    world.hs_create(
        email="stranger@example.com", lastname="Stranger", hubspot_owner_id=STRANGER_OWNER
    )
    world.hs_create(email="fine@example.com", lastname="Fine", hubspot_owner_id=SALES_OWNER)

    _sync(world)

    # Salesforce keeps its own owner (the integration user creating it), as HubSpot does.
    integration = _user_id(world, "integration@crmsync.example")
    assert _sf_owner(world, "stranger@example.com") == integration
    assert world.sf_by_email("Contact", "stranger@example.com")[0].fields["LastName"] == "Stranger"
    assert _sf_owner(world, "fine@example.com") == _user_id(world, "sales@crmsync.example")
    errors = _open_errors(world)
    (error,) = errors
    assert error.api_code == "OWNER_NOT_MATCHED"
    assert error.field == "OwnerId"
    assert STRANGER_OWNER in error.api_message
    assert (error.source_system, error.object_type) == ("hubspot", "contacts")


def test_r23_salesforce_owner_with_no_hubspot_owner_leaves_hubspot_alone(
    owners_world: World,
) -> None:
    world = owners_world
    world.sf_create("Contact", Email="integ@example.com", LastName="Integ")  # owned by integration

    _sync(world)

    (contact,) = world.hs_by_email("integ@example.com")
    assert _hs_owner(world, contact.id) is None
    assert _open_errors(world) == []


def _sync_on_demand(world: World) -> OwnersOnDemand:
    owners = OwnersOnDemand(hubspot=world.hubspot, salesforce=world.salesforce)
    pairs = pairs_from_settings(world.store, owners=owners, allow_test_domains=True)
    SyncEngine(
        hubspot=world.hubspot, salesforce=world.salesforce, store=world.store, pairs=pairs
    ).run_once()
    world.tick()
    return owners


def test_r1_r23_owner_lists_are_read_only_when_a_run_has_an_owner_to_match(
    owners_world: World,
) -> None:
    world = owners_world
    world.hs_create(email="lazy@example.com", lastname="Lazy", hubspot_owner_id=SALES_OWNER)

    busy = _sync_on_demand(world)
    _sync_on_demand(world)  # reads back its own writes
    idle = _sync_on_demand(world)

    assert busy.loaded
    assert not idle.loaded  # nothing changed: no calls spent on owner lists
    assert _sf_owner(world, "lazy@example.com") == _user_id(world, "sales@crmsync.example")
