"""Run modes over real HTTP: dry runs write nothing, ``resync`` re-evaluates one record,
and a crash mid-update neither loses the change nor echoes it (R25, R26)."""

from __future__ import annotations

import pytest

from crmsync.engine.hooks import Checkpoint
from crmsync.store.state import Scope
from tests.e2e.conftest import CrashAt, SimulatedCrash, World


def test_dry_run_lists_planned_writes_and_writes_nothing(world: World) -> None:
    world.hs_create(email="dry@example.com", lastname="Dry")
    world.sf_create("Contact", Email="wet@example.com", LastName="Wet")
    world.clear_writes()

    report = world.engine().run_once(dry_run=True)

    assert world.writes() == []
    assert {(write.system, write.field) for write in report.planned} >= {
        ("salesforce", "LastName"),
        ("hubspot", "lastname"),
    }
    # Nothing was recorded either: a real run afterwards does the whole job.
    world.sync()
    assert len(world.sf_by_email("Contact", "dry@example.com")) == 1
    assert len(world.hs_by_email("wet@example.com")) == 1


def _skip_pending_salesforce_changes(world: World, object_type: str) -> None:
    """Move the stored cursor past every change made so far, as a lost batch would."""
    scope = _scope(world)
    with world.store.begin(scope) as tx:
        cursor = tx.cursor(pair="contacts", system="salesforce", object_type=object_type)
    page = world.salesforce.read_changes(
        object_type, cursor=cursor, fields=("Email",), page_size=200
    )
    assert page.next_cursor is not None
    with world.store.begin(scope) as tx:
        tx.set_cursor(
            pair="contacts",
            system="salesforce",
            object_type=object_type,
            value=page.next_cursor,
        )


def _scope(world: World) -> Scope:
    return Scope(
        salesforce_org_id=world.salesforce.account_id(),
        hubspot_portal_id=world.hubspot.account_id(),
    )


def test_resync_by_email_carries_a_change_the_cursor_skipped(world: World) -> None:
    hubspot_id = world.hs_create(email="re@example.com", lastname="Before")
    world.sync()
    (contact,) = world.sf_by_email("Contact", "re@example.com")
    world.sync()
    world.sf_update("Contact", contact.id, LastName="Missed")
    world.tick()
    _skip_pending_salesforce_changes(world, "Contact")
    world.sync()
    assert world.hs_read(hubspot_id).fields["lastname"] == "Before"

    world.engine().resync("re@example.com")

    assert world.hs_read(hubspot_id).fields["lastname"] == "Missed"
    assert len(world.sf_all("Contact")) == 1
    assert len(world.hs_all()) == 1


def test_r26_resync_of_a_hubspot_change_never_writes_the_old_value_back(world: World) -> None:
    """resync writes HubSpot's newer value to Salesforce, then looks at Salesforce as it
    is now: not at the record it read before that write."""
    hubspot_id = world.hs_create(email="back@example.com", lastname="Old")
    world.sync()
    world.sync()
    world.hs_update(hubspot_id, lastname="New in HubSpot")
    world.tick()

    world.engine().resync("back@example.com")

    (contact,) = world.sf_by_email("Contact", "back@example.com")
    assert contact.fields["LastName"] == "New in HubSpot"
    assert world.hs_read(hubspot_id).fields["lastname"] == "New in HubSpot"
    world.clear_writes()
    world.sync()
    assert world.writes() == [], "both sides already agree"


def test_r25_crash_after_an_update_before_recording_loses_nothing_and_settles(
    world: World,
) -> None:
    hubspot_id = world.hs_create(email="upd@example.com", lastname="One")
    world.sync()
    (contact,) = world.sf_by_email("Contact", "upd@example.com")
    world.sync()
    world.hs_update(hubspot_id, lastname="Two")

    with pytest.raises(SimulatedCrash):
        world.engine(hooks=CrashAt(Checkpoint.AFTER_WRITE_BEFORE_RECORD)).run_once()
    world.tick()
    world.sync()
    world.clear_writes()
    world.sync()

    assert world.sf_read("Contact", contact.id).fields["LastName"] == "Two"
    assert world.hs_read(hubspot_id).fields["lastname"] == "Two"
    assert world.writes() == []


def test_r26_no_writes_after_a_conflict_or_a_conversion_has_settled(world: World) -> None:
    world.set("contacts.create_as", "Lead")
    hubspot_id = world.hs_create(email="set@example.com", lastname="A", company="Acme")
    world.sync()
    (lead,) = world.sf_by_email("Lead", "set@example.com")
    world.sync()
    world.hs_update(hubspot_id, lastname="B")
    world.tick(30)
    world.sf_update("Lead", lead.id, LastName="C")
    world.sync()
    world.sf_control.convert_lead(lead.id, create_opportunity=False)
    world.tick()
    world.sync()
    world.clear_writes()

    world.sync()
    world.sync()

    assert world.writes() == []
