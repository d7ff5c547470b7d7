"""A record deleted on one side unlinks its partner, which is kept (R25, R27).

Without this, every later change of the HubSpot contact would fail against the deleted
Salesforce record (``ENTITY_IS_DELETED``) for ever. HubSpot's own integration keeps the
HubSpot contact when its Salesforce record is deleted ("do nothing"); so does crmsync,
and the contact is matched or created again on its next change.
"""

from __future__ import annotations

from simple_salesforce.api import Salesforce

from crmsync.connectors.salesforce.loopback import loopback_session
from crmsync.store.models import AuditEntry
from tests.e2e.conftest import SALESFORCE_TOKEN, World


def _salesforce(world: World) -> Salesforce:
    return Salesforce(
        instance_url="https://crmsync.my.salesforce.com",
        session_id=SALESFORCE_TOKEN,
        session=loopback_session(world.servers.salesforce.url),
    )


def _unlink_entries(world: World) -> list[AuditEntry]:
    with world.store.begin() as tx:
        return [
            entry for entry in tx.audit_entries(kind="link") if "was deleted" in (entry.note or "")
        ]


def test_deleted_salesforce_record_unlinks_and_the_hubspot_contact_is_synced_anew(
    world: World,
) -> None:
    contact = world.hs_create(email="gone@example.com", firstname="Gone", lastname="Soon")
    world.sync()
    (first,) = world.sf_by_email("Contact", "gone@example.com")
    _salesforce(world).Contact.delete(first.id)
    world.tick()

    report = world.sync()
    world.hs_update(contact, firstname="Back")
    world.sync()

    assert report.unlinked == 1
    assert world.hs_read(contact).fields["email"] == "gone@example.com"  # HubSpot kept it
    (second,) = world.sf_by_email("Contact", "gone@example.com")
    assert second.id != first.id
    assert second.fields["FirstName"] == "Back"
    with world.store.begin(world.engine().scope) as tx:
        assert tx.open_errors() == []
    (entry,) = _unlink_entries(world)
    assert first.id in (entry.old_value or "")


def test_a_dry_run_keeps_the_link_of_a_deleted_record(world: World) -> None:
    world.hs_create(email="kept@example.com", lastname="Kept")
    world.sync()
    (record,) = world.sf_by_email("Contact", "kept@example.com")
    _salesforce(world).Contact.delete(record.id)
    world.tick()

    report = world.engine().run_once(dry_run=True)

    assert report.unlinked == 0
    assert _unlink_entries(world) == []
    with world.store.begin(world.engine().scope) as tx:
        assert tx.count_links() == 1


def test_a_salesforce_change_whose_hubspot_contact_was_deleted_creates_it_again(
    world: World,
) -> None:
    contact = world.hs_create(email="archived@example.com", lastname="Archived")
    world.sync()
    (record,) = world.sf_by_email("Contact", "archived@example.com")
    world.hs_archive(contact)
    world.sf_update("Contact", record.id, LastName="Still a customer")
    world.tick()

    report = world.sync()

    assert report.unlinked == 1
    (again,) = world.hs_by_email("archived@example.com")
    assert again.id != contact
    assert again.fields["lastname"] == "Still a customer"
    with world.store.begin(world.engine().scope) as tx:
        assert tx.open_errors() == []
        (link,) = tx.links_by_salesforce(salesforce_types=["Contact"], ids=[record.id]).values()
    assert link.hubspot_id == again.id
