"""A first sync merges the leads it created without reading their HubSpot partners again,
and loses no HubSpot edit made while it runs (R25, R26)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import World

from crmsync.engine.hooks import Checkpoint

BATCH_READ = "POST /crm/v3/objects/contacts/batch/read"


class EditAfterTheHubSpotRead:
    """Edits one HubSpot contact once the run's HubSpot feed has been read and synced,
    before the Salesforce feed reads the leads it created."""

    def __init__(self, world: World, hubspot_id: str) -> None:
        self.world = world
        self.hubspot_id = hubspot_id
        self.edited = False

    def checkpoint(self, point: Checkpoint) -> None:
        """Nothing to do at checkpoints."""

    def progress(self, *, source: str, object_type: str, records: int) -> None:
        """After the HubSpot batch: a user edits the contact."""
        if source == "hubspot" and object_type == "contacts" and not self.edited:
            self.edited = True
            self.world.tick(5)
            self.world.hs_update(self.hubspot_id, firstname="Edited", phone="+48 600 100 200")


def test_r26_the_lead_status_goes_back_without_re_reading_the_contact(world: World) -> None:
    world.set("contacts.create_as", "Lead")
    ann = world.hs_create(email="ann@example.com", firstname="Ann", lastname="Lee", company="Acme")
    bo = world.hs_create(email="bo@example.com", firstname="Bo", lastname="Ng", company="Acme")
    world.clear_writes()

    world.sync()

    assert BATCH_READ not in world.servers.hubspot_log.requests
    for hubspot_id, email in ((ann, "ann@example.com"), (bo, "bo@example.com")):
        (lead,) = world.sf_by_email("Lead", email, "Status")
        assert lead.fields["Status"] == "Open - Not Contacted"  # Salesforce's default
        status = world.hubspot.read_by_ids("contacts", [hubspot_id], fields=("hs_lead_status",))
        assert status[0].fields["hs_lead_status"] == "NEW"
    world.clear_writes()
    world.sync()
    assert world.writes() == []  # the snapshot holds what both sides hold now


def test_r25_a_hubspot_edit_during_the_first_sync_reaches_salesforce_and_stays(
    world: World,
) -> None:
    world.set("contacts.create_as", "Lead")
    ann = world.hs_create(email="ann@example.com", firstname="Ann", lastname="Lee", company="Acme")
    hooks = EditAfterTheHubSpotRead(world, ann)

    world.sync(hooks=hooks)

    assert hooks.edited
    assert BATCH_READ not in world.servers.hubspot_log.requests
    during = world.hs_read(ann)
    assert during.fields["firstname"] == "Edited"  # not overwritten by the merge
    assert during.fields["phone"] == "+48 600 100 200"
    (lead,) = world.sf_by_email("Lead", "ann@example.com", "Status")
    assert lead.fields["FirstName"] == "Ann"  # not carried yet: the run read it before

    world.sync()

    (lead,) = world.sf_by_email("Lead", "ann@example.com", "Status")
    assert lead.fields["FirstName"] == "Edited"
    assert lead.fields["Phone"] == "+48 600 100 200"
    after = world.hs_read(ann)
    assert after.fields["firstname"] == "Edited"
    status = world.hubspot.read_by_ids("contacts", [ann], fields=("hs_lead_status",))
    assert status[0].fields["hs_lead_status"] == "NEW"
    world.clear_writes()
    world.sync()
    assert world.writes() == []


class DeleteAfterTheHubSpotRead(EditAfterTheHubSpotRead):
    """Deletes the contact instead of editing it."""

    def progress(self, *, source: str, object_type: str, records: int) -> None:
        """After the HubSpot batch: a user deletes the contact."""
        if source == "hubspot" and object_type == "contacts" and not self.edited:
            self.edited = True
            self.world.hs_archive(self.hubspot_id)


def test_r27_a_contact_deleted_during_the_first_sync_is_an_error_then_recreated(
    world: World,
) -> None:
    world.set("contacts.create_as", "Lead")
    ann = world.hs_create(email="ann@example.com", firstname="Ann", lastname="Lee", company="Acme")
    bo = world.hs_create(email="bo@example.com", firstname="Bo", lastname="Ng", company="Acme")

    report = world.sync(hooks=DeleteAfterTheHubSpotRead(world, ann))

    # The lead status update of the deleted contact fails on its own; the other goes.
    assert report.errors == 1
    status = world.hubspot.read_by_ids("contacts", [bo], fields=("hs_lead_status",))
    assert status[0].fields["hs_lead_status"] == "NEW"
    later = datetime.now(UTC) + timedelta(minutes=15)  # the next scheduled run

    world.sync(clock=lambda: later)

    (again,) = world.hs_by_email("ann@example.com")
    assert again.id != ann  # the lead's partner is gone: it is created again
    assert again.fields["firstname"] == "Ann"
