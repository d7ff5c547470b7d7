"""The state store on SQLite (and PostgreSQL in CI): migrations, links, cursors, journal."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crmsync.store import ErrorReport, Scope, StateStore

PROD = Scope(salesforce_org_id="00D000000000001AAA", hubspot_portal_id="101")
SANDBOX = Scope(salesforce_org_id="00D000000000002AAA", hubspot_portal_id="101")


def test_open_migrates_to_revision_0001(database_url: str) -> None:
    store = StateStore.open(database_url)
    try:
        with store.engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        assert version is not None
        assert version >= "0001"
        # Opening twice is harmless: migrations already applied are skipped.
        StateStore.open(database_url).close()
    finally:
        store.close()


def test_r6_links_of_one_org_are_invisible_to_another(database_url: str) -> None:
    store = StateStore.open(database_url)
    try:
        with store.begin(PROD) as tx:
            tx.add_link(
                pair="contacts",
                hubspot_type="contacts",
                hubspot_id="1",
                salesforce_type="Lead",
                salesforce_id="00Q1",
                snapshot={"email": {"hubspot": "a@x.io", "salesforce": "a@x.io"}},
            )
        with store.begin(SANDBOX) as tx:
            assert tx.links_by_hubspot(hubspot_type="contacts", ids=["1"]) == {}
            # The sandbox may link the same HubSpot record to its own lead.
            tx.add_link(
                pair="contacts",
                hubspot_type="contacts",
                hubspot_id="1",
                salesforce_type="Lead",
                salesforce_id="00Q9",
            )
        with store.begin(PROD) as tx:
            link = tx.links_by_salesforce(salesforce_types=["Lead"], ids=["00Q1"])["00Q1"]
            assert link.hubspot_id == "1"
            assert link.snapshot["email"]["salesforce"] == "a@x.io"
    finally:
        store.close()


def test_link_moves_and_snapshot_replaced_with_audit(database_url: str) -> None:
    store = StateStore.open(database_url)
    try:
        with store.begin(PROD) as tx:
            link = tx.add_link(
                pair="contacts",
                hubspot_type="contacts",
                hubspot_id="7",
                salesforce_type="Lead",
                salesforce_id="00Q7",
            )
            tx.move_link(link, salesforce_type="Contact", salesforce_id="0037", note="converted")
            tx.save_snapshot(link, {"firstname": {"hubspot": "Ann", "salesforce": "Ann"}})
        with store.begin(PROD) as tx:
            moved = tx.links_by_hubspot(hubspot_type="contacts", ids=["7"])["7"]
            assert (moved.salesforce_type, moved.salesforce_id) == ("Contact", "0037")
            assert moved.snapshot == {"firstname": {"hubspot": "Ann", "salesforce": "Ann"}}
            notes = [entry.note for entry in tx.audit_entries(kind="link", link_id=moved.id)]
            assert notes == ["linked", "converted"]
    finally:
        store.close()


def test_r6_cursor_is_per_org_portal_pair_and_feed(database_url: str) -> None:
    """A HubSpot cursor of one org never serves another (R6: sandbox and back)."""
    other_org = Scope(salesforce_org_id="00Dsandbox", hubspot_portal_id=PROD.hubspot_portal_id)
    store = StateStore.open(database_url)
    try:
        with store.begin(PROD) as tx:
            tx.set_cursor(pair="contacts", system="hubspot", object_type="contacts", value="c1")
            tx.set_cursor(pair="contacts", system="hubspot", object_type="contacts", value="c2")
            tx.set_cursor(pair="companies", system="hubspot", object_type="companies", value="x")
        with store.begin(other_org) as tx:
            assert tx.cursor(pair="contacts", system="hubspot", object_type="contacts") is None
            tx.set_cursor(pair="contacts", system="hubspot", object_type="contacts", value="s1")
        with store.begin(PROD) as tx:
            assert tx.cursor(pair="contacts", system="hubspot", object_type="contacts") == "c2"
            assert tx.cursor(pair="companies", system="hubspot", object_type="companies") == "x"
            assert tx.cursor(pair="companies", system="hubspot", object_type="contacts") is None
    finally:
        store.close()


def test_rolled_back_transaction_leaves_nothing(database_url: str) -> None:
    store = StateStore.open(database_url)
    try:
        with pytest.raises(RuntimeError), store.begin(PROD) as tx:
            tx.set_cursor(pair="contacts", system="hubspot", object_type="contacts", value="9")
            raise RuntimeError("crash before commit")
        with store.begin(PROD) as tx:
            assert tx.cursor(pair="contacts", system="hubspot", object_type="contacts") is None
    finally:
        store.close()


def test_r25_journal_keeps_pending_creates_until_resolved(database_url: str) -> None:
    store = StateStore.open(database_url)
    try:
        with store.begin(PROD) as tx:
            first = tx.journal_intent(
                pair="contacts",
                target_system="salesforce",
                target_type="Lead",
                key="ann@example.com",
                source_system="hubspot",
                source_type="contacts",
                source_id="1",
            )
            tx.journal_intent(
                pair="contacts",
                target_system="hubspot",
                target_type="contacts",
                key="bob@example.com",
                source_system="salesforce",
                source_type="Lead",
                source_id="00Q2",
            )
        with store.begin(PROD) as tx:
            tx.resolve_intent(first.id, state="done", result_id="00Q1")
        with store.begin(PROD) as tx:
            pending = tx.pending_intents(pair="contacts")
            assert [entry.key for entry in pending] == ["bob@example.com"]
    finally:
        store.close()


def test_r3_error_counts_attempts_and_resolves_itself(database_url: str) -> None:
    store = StateStore.open(database_url)
    report = ErrorReport(
        pair="contacts",
        object_type="contacts",
        source_system="hubspot",
        source_id="5",
        hubspot_id="5",
        direction="hubspot_to_salesforce",
        system="salesforce",
        api_code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
        api_message="Phone must have 10 digits",
        category="property_values",
        field="Phone",
    )
    try:
        with store.begin(PROD) as tx:
            tx.record_error(report)
        with store.begin(PROD) as tx:
            tx.record_error(report)
        with store.begin(PROD) as tx:
            (row,) = tx.open_errors(pair="contacts")
            assert row.attempts == 2
            assert row.api_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
            assert row.first_seen <= row.last_seen
        with store.begin(PROD) as tx:
            assert tx.resolve_errors(pair="contacts", source_system="hubspot", source_id="5") == 1
        with store.begin(PROD) as tx:
            assert tx.open_errors() == []
    finally:
        store.close()


def test_settings_are_json_with_history(database_url: str) -> None:
    store = StateStore.open(database_url)
    try:
        with store.begin() as tx:
            assert tx.set_setting("contacts.create_as", "Lead")
            assert tx.set_setting("contacts.create_as", "Contact")
            assert not tx.set_setting("contacts.create_as", "Contact")
            tx.set_setting("contacts.mappings", [{"hubspot_property": "email"}])
        with store.begin() as tx:
            settings = tx.settings()
            assert settings["contacts.create_as"] == "Contact"
            assert settings["contacts.mappings"] == [{"hubspot_property": "email"}]
            history = [
                (e.old_value, e.new_value)
                for e in tx.audit_entries(kind="setting")
                if e.field == "contacts.create_as"
            ]
            assert history == [(None, "Lead"), ("Lead", "Contact")]
    finally:
        store.close()
