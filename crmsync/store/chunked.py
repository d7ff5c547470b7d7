"""The store's operations on a whole write chunk at once: a few statements, not one per record.

Recording a chunk of 1,000 written records one record at a time costs thousands of
queries (a lookup of each record's open errors, its link, its journal entry). These
methods take the chunk's records together: one ``UPDATE … WHERE … IN`` resolves the
errors of every source record, links and journal entries go in with one multi-row
``INSERT`` (``RETURNING`` their ids), audit entries with one ``executemany``. They are
mixed into :class:`~crmsync.store.state.StoreTransaction`, so they run inside the
chunk's one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from crmsync.store.models import AuditEntry, JournalEntry, Link, SyncErrorRecord, utc_now
from crmsync.store.text import MESSAGE_LENGTH, clean_json, clean_text

if TYPE_CHECKING:
    from crmsync.store.state import Scope

IN_CHUNK = 500
"""Values per ``IN (...)``, well inside SQLite's bound-parameter limit (999 before 3.32)."""


@dataclass(frozen=True, kw_only=True)
class NewLink:
    """A link to add (``add_links``): two records of one pair and their snapshot."""

    pair: str
    hubspot_type: str
    hubspot_id: str
    salesforce_type: str
    salesforce_id: str
    snapshot: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class NewIntent:
    """A create about to be sent (``journal_intents``), as :meth:`journal_intent` takes it."""

    pair: str
    target_system: str
    target_type: str
    key: str
    source_system: str
    source_type: str
    source_id: str


@dataclass(frozen=True, kw_only=True)
class IntentOutcome:
    """How a journal entry closed (``resolve_intents``)."""

    entry_id: int
    state: str
    result_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class AuditRow:
    """One audit entry (``audit_many``); ``link`` fills the link columns."""

    kind: str
    link: Link | None = None
    field: str | None = None
    direction: str | None = None
    old_value: Any = None
    new_value: Any = None
    rule: str | None = None
    losing_value: Any = None
    note: str | None = None


class ChunkedOperations:
    """Chunk-level store operations; needs ``session`` and ``scope`` from the transaction."""

    session: Session
    _scope: Scope | None

    def _bound(self) -> Scope:
        if self._scope is None:
            raise ValueError("this operation needs a transaction opened with a Scope")
        return self._scope

    # -- sync errors -----------------------------------------------------------------

    def resolve_errors_for(
        self, *, pair: str, source_system: str, source_ids: Iterable[str]
    ) -> int:
        """Mark resolved the open errors of every record in ``source_ids``; how many."""
        now = utc_now()
        resolved = 0
        for chunk in _chunks(list(dict.fromkeys(source_ids))):
            result = self.session.execute(
                update(SyncErrorRecord)
                .where(
                    SyncErrorRecord.salesforce_org_id == self._bound().salesforce_org_id,
                    SyncErrorRecord.hubspot_portal_id == self._bound().hubspot_portal_id,
                    SyncErrorRecord.pair == pair,
                    SyncErrorRecord.resolved_at.is_(None),
                    SyncErrorRecord.source_system == source_system,
                    SyncErrorRecord.source_id.in_(chunk),
                )
                .values(resolved_at=now)
                .execution_options(synchronize_session="fetch")
            )
            resolved += int(getattr(result, "rowcount", 0) or 0)
        return resolved

    def open_error_sources(
        self, *, pair: str, source_system: str, source_ids: Iterable[str]
    ) -> set[str]:
        """Which of ``source_ids`` have an open error (to skip the update when none do)."""
        found: set[str] = set()
        for chunk in _chunks(list(dict.fromkeys(source_ids))):
            found.update(
                self.session.scalars(
                    select(SyncErrorRecord.source_id).where(
                        SyncErrorRecord.salesforce_org_id == self._bound().salesforce_org_id,
                        SyncErrorRecord.hubspot_portal_id == self._bound().hubspot_portal_id,
                        SyncErrorRecord.pair == pair,
                        SyncErrorRecord.resolved_at.is_(None),
                        SyncErrorRecord.source_system == source_system,
                        SyncErrorRecord.source_id.in_(chunk),
                    )
                )
            )
        return found

    # -- links -----------------------------------------------------------------------

    def links_by_id(self, link_ids: Iterable[int]) -> dict[int, Link]:
        """Links of this scope by their ids, in one query per 500 ids."""
        found: dict[int, Link] = {}
        for chunk in _chunks(list(dict.fromkeys(link_ids))):
            query = select(Link).where(
                Link.salesforce_org_id == self._bound().salesforce_org_id,
                Link.hubspot_portal_id == self._bound().hubspot_portal_id,
                Link.id.in_(chunk),
            )
            found.update({link.id: link for link in self.session.scalars(query)})
        return found

    def add_links(self, links: Sequence[NewLink], *, note: str = "linked") -> list[Link]:
        """Add every link (a multi-row insert) and its ``link`` audit entry; links in order."""
        scope = self._bound()
        now = utc_now()
        inserted: dict[tuple[str, str], Link] = {}
        for chunk in _chunks(list(links)):
            # One multi-row INSERT … RETURNING the rows themselves: no second query to
            # load them. RETURNING order is not guaranteed (asking for it makes SQLite
            # insert row by row): rows are matched by the unique HubSpot record.
            returned = self.session.scalars(
                insert(Link).returning(Link),
                [
                    {
                        "salesforce_org_id": scope.salesforce_org_id,
                        "hubspot_portal_id": scope.hubspot_portal_id,
                        "pair": link.pair,
                        "hubspot_type": link.hubspot_type,
                        "hubspot_id": link.hubspot_id,
                        "salesforce_type": link.salesforce_type,
                        "salesforce_id": link.salesforce_id,
                        "snapshot": dict(link.snapshot),
                        "created_at": now,
                        "updated_at": now,
                    }
                    for link in chunk
                ],
            )
            inserted.update({(row.hubspot_type, row.hubspot_id): row for row in returned})
        rows = [inserted[(link.hubspot_type, link.hubspot_id)] for link in links]
        self.audit_many([AuditRow(kind="link", link=row, note=note) for row in rows])
        return rows

    # -- write journal ---------------------------------------------------------------

    def journal_intents(self, intents: Sequence[NewIntent]) -> list[int]:
        """Journal every create of a chunk before it is sent (R25); entry ids in order."""
        scope = self._bound()
        now = utc_now()
        ids: dict[tuple[str, str, str], list[int]] = {}
        for chunk in _chunks(list(intents)):
            inserted = self.session.execute(
                insert(JournalEntry).returning(
                    JournalEntry.id,
                    JournalEntry.target_system,
                    JournalEntry.source_id,
                    JournalEntry.key,
                ),
                [
                    {
                        "salesforce_org_id": scope.salesforce_org_id,
                        "hubspot_portal_id": scope.hubspot_portal_id,
                        "pair": intent.pair,
                        "target_system": intent.target_system,
                        "target_type": intent.target_type,
                        "key": clean_text(intent.key, _KEY_LENGTH),
                        "source_system": intent.source_system,
                        "source_type": intent.source_type,
                        "source_id": intent.source_id,
                        "state": "pending",
                        "created_at": now,
                    }
                    for intent in chunk
                ],
            )
            for row in inserted:
                ids.setdefault((row[1], row[2], row[3]), []).append(int(row[0]))
        for found in ids.values():
            found.sort()
        # Entries of one (target, source, key) are interchangeable: hand them out in id order.
        return [
            ids[(i.target_system, i.source_id, clean_text(i.key, _KEY_LENGTH))].pop(0)
            for i in intents
        ]

    def resolve_intents(self, outcomes: Sequence[IntentOutcome]) -> None:
        """Close many journal entries in one ``executemany`` by primary key."""
        if not outcomes:
            return
        now = utc_now()
        self.session.execute(
            update(JournalEntry),
            [
                {
                    "id": outcome.entry_id,
                    "state": outcome.state,
                    "result_id": outcome.result_id,
                    "resolved_at": now,
                }
                for outcome in outcomes
            ],
        )

    # -- audit log -------------------------------------------------------------------

    def audit_many(self, entries: Sequence[AuditRow]) -> None:
        """Append every entry with one ``executemany`` insert."""
        if not entries:
            return
        scope = self._scope
        now = utc_now()
        # A Core insert on the table (one executemany): the ORM's bulk path adds a
        # per-row cost and the audit log needs none of it.
        self.session.connection().execute(
            insert(_AUDIT_TABLE),
            [
                {
                    "at": now,
                    "kind": entry.kind,
                    "salesforce_org_id": None if scope is None else scope.salesforce_org_id,
                    "hubspot_portal_id": None if scope is None else scope.hubspot_portal_id,
                    "pair": None if entry.link is None else entry.link.pair,
                    "link_id": None if entry.link is None else entry.link.id,
                    "hubspot_id": None if entry.link is None else entry.link.hubspot_id,
                    "salesforce_type": None if entry.link is None else entry.link.salesforce_type,
                    "salesforce_id": None if entry.link is None else entry.link.salesforce_id,
                    "field": _clean_optional(entry.field, _FIELD_LENGTH),
                    "direction": entry.direction,
                    "old_value": clean_json(entry.old_value),
                    "new_value": clean_json(entry.new_value),
                    "rule": entry.rule,
                    "losing_value": clean_json(entry.losing_value),
                    "note": _clean_optional(entry.note, MESSAGE_LENGTH),
                }
                for entry in entries
            ],
        )


def _length(column: Any) -> int:
    """The declared length of a string column (the same limit the one-record path uses)."""
    return int(getattr(column.type, "length", 0) or 0) or MESSAGE_LENGTH


_KEY_LENGTH = _length(JournalEntry.__table__.c.key)
_AUDIT_TABLE = AuditEntry.metadata.tables[AuditEntry.__tablename__]
_FIELD_LENGTH = _length(AuditEntry.__table__.c.field)


def _clean_optional(value: str | None, limit: int) -> str | None:
    # Text is cleaned as the one-record operations clean it (NUL bytes, length).
    return None if value is None else clean_text(value, limit)


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


__all__ = ["AuditRow", "ChunkedOperations", "IntentOutcome", "NewIntent", "NewLink"]
