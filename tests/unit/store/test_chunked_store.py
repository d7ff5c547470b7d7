"""Chunk-level store operations on SQLite (and PostgreSQL in CI): a few statements a chunk."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from crmsync.store import ErrorReport, Scope, StateStore
from crmsync.store.chunked import AuditRow, IntentOutcome, NewIntent, NewLink

PROD = Scope(salesforce_org_id="00D000000000001AAA", hubspot_portal_id="101")
SANDBOX = Scope(salesforce_org_id="00D000000000002AAA", hubspot_portal_id="101")


@pytest.fixture
def store(database_url: str) -> Iterator[StateStore]:
    opened = StateStore.open(database_url)
    try:
        yield opened
    finally:
        opened.close()


@contextmanager
def statements(store: StateStore) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(str(args[2]))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def _error(source_id: str, *, direction: str = "hubspot_to_salesforce") -> ErrorReport:
    return ErrorReport(
        pair="contacts",
        object_type="contacts",
        source_system="hubspot",
        source_id=source_id,
        direction=direction,
        system="salesforce",
        api_code="REQUIRED_FIELD_MISSING",
        api_message="Required fields are missing: [LastName]",
        category="required_field",
    )


def _links(count: int, *, prefix: str = "") -> list[NewLink]:
    return [
        NewLink(
            pair="contacts",
            hubspot_type="contacts",
            hubspot_id=f"{prefix}{n}",
            salesforce_type="Lead",
            salesforce_id=f"00Q{prefix}{n}",
            snapshot={"email": {"hubspot": f"p{n}@x.io", "salesforce": f"p{n}@x.io"}},
        )
        for n in range(count)
    ]


def test_r3_resolve_errors_for_a_chunk_is_one_statement_and_only_touches_those_records(
    store: StateStore,
) -> None:
    with store.begin(PROD) as tx:
        for n in range(300):
            tx.record_error(_error(str(n)))
        tx.record_error(_error("0", direction="salesforce_to_hubspot"))
    with store.begin(SANDBOX) as tx:
        tx.record_error(_error("1"))

    with store.begin(PROD) as tx, statements(store) as sent:
        resolved = tx.resolve_errors_for(
            pair="contacts", source_system="hubspot", source_ids=[str(n) for n in range(200)]
        )

    assert resolved == 201  # both directions of record 0
    assert sum(statement.lstrip().upper().startswith("UPDATE") for statement in sent) == 1
    with store.begin(PROD) as tx:
        assert sorted(int(row.source_id) for row in tx.open_errors()) == list(range(200, 300))
    with store.begin(SANDBOX) as tx:
        assert [row.source_id for row in tx.open_errors()] == ["1"]


def test_open_error_sources_names_only_records_with_open_errors(store: StateStore) -> None:
    with store.begin(PROD) as tx:
        tx.record_error(_error("7"))
        tx.record_error(_error("8"))
        tx.resolve_errors(pair="contacts", source_system="hubspot", source_id="8")
    with store.begin(PROD) as tx:
        found = tx.open_error_sources(
            pair="contacts", source_system="hubspot", source_ids=["7", "8", "9"]
        )
    assert found == {"7"}


def test_add_links_inserts_a_chunk_with_ids_and_one_audit_entry_each(store: StateStore) -> None:
    with store.begin(PROD) as tx, statements(store) as sent:
        links = tx.add_links(_links(1000))

    assert [link.hubspot_id for link in links] == [str(n) for n in range(1000)]
    assert len({link.id for link in links}) == 1000
    # Not one statement per record: multi-row inserts of links and of audit entries.
    assert len(sent) < 20
    with store.begin(PROD) as tx:
        assert tx.count_links(pair="contacts") == 1000
        by_hubspot = tx.links_by_hubspot(hubspot_type="contacts", ids=["0", "999"])
        assert by_hubspot["999"].snapshot["email"]["salesforce"] == "p999@x.io"
        entries = tx.audit_entries(kind="link")
    assert len(entries) == 1000
    assert {entry.link_id for entry in entries} == {link.id for link in links}
    assert entries[0].salesforce_id == "00Q0"
    assert entries[0].salesforce_org_id == PROD.salesforce_org_id


def test_add_links_keeps_one_link_per_record(store: StateStore) -> None:
    with store.begin(PROD) as tx:
        tx.add_links(_links(2))
    with pytest.raises(sa.exc.IntegrityError), store.begin(PROD) as tx:
        tx.add_links(_links(1))


def test_r6_links_by_id_sees_only_its_own_scope(store: StateStore) -> None:
    with store.begin(PROD) as tx:
        prod = tx.add_links(_links(3))
    with store.begin(SANDBOX) as tx:
        sandbox = tx.add_links(_links(1, prefix="s"))
    with store.begin(PROD) as tx:
        found = tx.links_by_id([link.id for link in prod + sandbox])
    assert sorted(found) == sorted(link.id for link in prod)


def test_r25_journal_intents_and_resolve_intents_close_a_chunk(store: StateStore) -> None:
    intents = [
        NewIntent(
            pair="contacts",
            target_system="salesforce",
            target_type="Lead",
            key=f"p{n}@x.io",
            source_system="hubspot",
            source_type="contacts",
            source_id=str(n),
        )
        for n in range(400)
    ]
    with store.begin(PROD) as tx, statements(store) as inserts:
        entries = tx.journal_intents(intents)
    assert len(inserts) == 1
    with store.begin(PROD) as tx:
        keys = dict(tx.session.execute(sa.text("SELECT id, key FROM write_journal")).all())
    assert [keys[entry] for entry in entries] == [intent.key for intent in intents]
    with store.begin(PROD) as tx:
        assert len(tx.pending_intents(pair="contacts")) == 400

    outcomes = [
        IntentOutcome(entry_id=entry, state="done", result_id=f"00Q{n}")
        for n, entry in enumerate(entries[:399])
    ]
    outcomes.append(IntentOutcome(entry_id=entries[399], state="failed"))
    with store.begin(PROD) as tx, statements(store) as sent:
        tx.resolve_intents(outcomes)
    assert len(sent) <= 2  # one executemany (drivers may split it)

    with store.begin(PROD) as tx:
        assert tx.pending_intents(pair="contacts") == []
        rows = tx.session.execute(
            sa.text("SELECT state, result_id FROM write_journal ORDER BY id")
        ).all()
    assert rows[0] == ("done", "00Q0")
    assert rows[-1] == ("failed", None)


def test_audit_many_stores_field_changes_with_their_link(store: StateStore) -> None:
    with store.begin(PROD) as tx:
        [link] = tx.add_links(_links(1))
        tx.audit_many(
            [
                AuditRow(
                    kind="field",
                    link=link,
                    field="firstname",
                    direction="hubspot_to_salesforce",
                    old_value=None,
                    new_value="Ada",
                    rule="hubspot_wins:changed",
                    losing_value={"salesforce": "Eve"},
                    note="salesforce field FirstName",
                ),
                AuditRow(kind="field", link=link, field="lastname", new_value="Lovelace"),
            ]
        )
    with store.begin(PROD) as tx:
        entries = tx.audit_entries(kind="field", link_id=link.id)
    assert [(e.field, e.new_value) for e in entries] == [
        ("firstname", "Ada"),
        ("lastname", "Lovelace"),
    ]
    assert entries[0].losing_value == {"salesforce": "Eve"}
    assert entries[0].hubspot_id == "0"


def test_r27_a_nul_in_a_chunk_s_audit_values_or_keys_never_aborts_the_chunk(
    store: StateStore,
) -> None:
    with store.begin(PROD) as tx:
        [link] = tx.add_links(_links(1))
        tx.audit_many([AuditRow(kind="field", link=link, field="firstname", new_value="A\x00da")])
        [entry_id] = tx.journal_intents(
            [
                NewIntent(
                    pair="contacts",
                    target_system="salesforce",
                    target_type="Lead",
                    key="a\x00@x.io",
                    source_system="hubspot",
                    source_type="contacts",
                    source_id="1",
                )
            ]
        )
    with store.begin(PROD) as tx:
        [entry] = tx.audit_entries(kind="field", link_id=link.id)
        [pending] = tx.pending_intents(pair="contacts")
    assert entry.new_value == "A\ufffdda"
    assert (pending.id, pending.key) == (entry_id, "a\ufffd@x.io")
