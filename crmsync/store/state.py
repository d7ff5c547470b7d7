"""The state store: one object to open, one transaction per unit of durable work.

Usage::

    store = StateStore.open("sqlite:///crmsync.sqlite")
    with store.begin(scope) as tx:
        link = tx.add_link(...)
        tx.set_cursor(...)

Everything written inside one ``begin()`` block commits together or not at all; the
engine relies on that to record a write, its link, snapshot and audit entries atomically.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from crmsync.store.chunked import ChunkedOperations
from crmsync.store.location import prepare_sqlite_file, sqlite_path
from crmsync.store.migrate import SchemaMismatchError, ensure_schema
from crmsync.store.models import (
    AuditEntry,
    Cursor,
    JournalEntry,
    Link,
    Setting,
    SyncErrorRecord,
    utc_now,
)
from crmsync.store.text import MESSAGE_LENGTH, clean_json, clean_text

FIELD_LENGTH = 255
CODE_LENGTH = 128
KEY_LENGTH = 320
"""Lengths of the ``field``, ``api_code`` and journal ``key`` columns."""

LOOKUP_CHUNK = 500
"""How many ids go into one ``IN (...)`` (SQLite allows 999 bound parameters)."""


@dataclass(frozen=True, kw_only=True)
class Scope:
    """The connected pair of accounts every link, journal entry and error belongs to (R6)."""

    salesforce_org_id: str
    hubspot_portal_id: str


@dataclass(frozen=True, kw_only=True)
class ErrorReport:
    """What to store about a record that could not sync (R27)."""

    pair: str
    object_type: str
    source_system: str
    source_id: str
    direction: str
    system: str
    api_code: str
    api_message: str
    category: str
    salesforce_id: str | None = None
    hubspot_id: str | None = None
    field: str | None = None
    hint: str | None = None


class StateStore:
    """The database behind crmsync: links, snapshots, cursors, journal, audit, errors."""

    def __init__(self, *, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, create: bool = True) -> StateStore:
        """Open the database at ``url``; an empty one is given the newest schema first.

        A store with an older or newer schema is refused with one line
        (:class:`crmsync.store.migrate.SchemaMismatchError`): ``crmsync db upgrade``.
        ``create=False`` opens only an existing store and writes nothing.
        """
        if create:
            prepare_sqlite_file(url)
        else:
            path = sqlite_path(url)
            if path is not None and not path.exists():
                raise SchemaMismatchError(
                    f"no store at {path}: run `crmsync db upgrade` or a first `crmsync sync`"
                )
        engine = create_engine(url)
        try:
            ensure_schema(url, engine=engine, create=create)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine=engine)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    @contextmanager
    def begin(self, scope: Scope | None = None) -> Iterator[StoreTransaction]:
        """One transaction; commits on leaving the block, rolls back on an exception."""
        with self._sessions.begin() as session:
            yield StoreTransaction(session=session, scope=scope)


class StoreTransaction(ChunkedOperations):
    """The store's operations inside one transaction, bound to a :class:`Scope`.

    The chunk-level operations (many records in a few statements) come from
    :class:`~crmsync.store.chunked.ChunkedOperations`.
    """

    def __init__(self, *, session: Session, scope: Scope | None) -> None:
        self.session = session
        self._scope = scope

    @property
    def scope(self) -> Scope:
        """The scope; operations on links, journal and errors need one."""
        if self._scope is None:
            raise ValueError("this operation needs a transaction opened with a Scope")
        return self._scope

    # -- links ----------------------------------------------------------------------

    def links_by_hubspot(self, *, hubspot_type: str, ids: Iterable[str]) -> dict[str, Link]:
        """Links of the given HubSpot records, by HubSpot id."""
        found: dict[str, Link] = {}
        for chunk in _chunks(list(ids)):
            query = select(Link).where(
                *self._link_scope(),
                Link.hubspot_type == hubspot_type,
                Link.hubspot_id.in_(chunk),
            )
            found.update({link.hubspot_id: link for link in self.session.scalars(query)})
        return found

    def links_by_salesforce(
        self, *, salesforce_types: Sequence[str], ids: Iterable[str]
    ) -> dict[str, Link]:
        """Links of the given Salesforce records (any of ``salesforce_types``), by id."""
        found: dict[str, Link] = {}
        for chunk in _chunks(list(ids)):
            query = select(Link).where(
                *self._link_scope(),
                Link.salesforce_type.in_(list(salesforce_types)),
                Link.salesforce_id.in_(chunk),
            )
            found.update({link.salesforce_id: link for link in self.session.scalars(query)})
        return found

    def link(self, link_id: int) -> Link | None:
        """One link by its id, if it belongs to this scope."""
        link = self.session.get(Link, link_id)
        if link is None or link.salesforce_org_id != self.scope.salesforce_org_id:
            return None
        return link if link.hubspot_portal_id == self.scope.hubspot_portal_id else None

    def add_link(
        self,
        *,
        pair: str,
        hubspot_type: str,
        hubspot_id: str,
        salesforce_type: str,
        salesforce_id: str,
        snapshot: Mapping[str, Any] | None = None,
    ) -> Link:
        """Link two records (the caller has checked neither is linked already)."""
        link = Link(
            salesforce_org_id=self.scope.salesforce_org_id,
            hubspot_portal_id=self.scope.hubspot_portal_id,
            pair=pair,
            hubspot_type=hubspot_type,
            hubspot_id=hubspot_id,
            salesforce_type=salesforce_type,
            salesforce_id=salesforce_id,
            snapshot=dict(snapshot or {}),
        )
        self.session.add(link)
        self.session.flush()
        self.audit(kind="link", link=link, note="linked")
        return link

    def move_link(self, link: Link, *, salesforce_type: str, salesforce_id: str, note: str) -> None:
        """Point a link at another Salesforce record (a converted lead's contact)."""
        self.audit(
            kind="link",
            link=link,
            old_value=f"{link.salesforce_type}/{link.salesforce_id}",
            new_value=f"{salesforce_type}/{salesforce_id}",
            note=note,
        )
        link.salesforce_type = salesforce_type
        link.salesforce_id = salesforce_id
        link.updated_at = utc_now()
        self.session.add(link)

    def remove_link(self, link: Link, *, note: str) -> None:
        """Forget a link (its history stays in the audit log under the link's id)."""
        self.audit(
            kind="link",
            link=link,
            old_value=f"{link.hubspot_type}/{link.hubspot_id} ⇄ "
            f"{link.salesforce_type}/{link.salesforce_id}",
            new_value=None,
            note=note,
        )
        self.session.delete(link)
        self.session.flush()

    def save_snapshot(self, link: Link, snapshot: Mapping[str, Any]) -> None:
        """Replace the last-synced values of a link."""
        # A new dict so SQLAlchemy sees the JSON column change.
        link.snapshot = dict(snapshot)
        link.updated_at = utc_now()
        self.session.add(link)

    def count_links(self, *, pair: str | None = None) -> int:
        """How many links this scope holds (all pairs, or one)."""
        query = select(Link.id).where(*self._link_scope())
        if pair is not None:
            query = query.where(Link.pair == pair)
        return len(self.session.scalars(query).all())

    def links_per_org(self) -> dict[str, int]:
        """How many links each Salesforce org holds, across every scope (R6)."""
        rows = self.session.execute(
            select(Link.salesforce_org_id, func.count(Link.id)).group_by(Link.salesforce_org_id)
        ).all()
        return {str(org_id): int(count) for org_id, count in rows}

    def _link_scope(self) -> tuple[Any, ...]:
        return (
            Link.salesforce_org_id == self.scope.salesforce_org_id,
            Link.hubspot_portal_id == self.scope.hubspot_portal_id,
        )

    # -- cursors --------------------------------------------------------------------

    def cursor(self, *, pair: str, system: str, object_type: str) -> str | None:
        """The saved cursor of one feed in this scope, or ``None`` when never read."""
        row = self._cursor_row(pair=pair, system=system, object_type=object_type)
        return None if row is None else row.value

    def set_cursor(self, *, pair: str, system: str, object_type: str, value: str | None) -> None:
        """Save the cursor (call only once the work before it is durable, R25)."""
        row = self._cursor_row(pair=pair, system=system, object_type=object_type)
        if row is None:
            row = Cursor(
                salesforce_org_id=self.scope.salesforce_org_id,
                hubspot_portal_id=self.scope.hubspot_portal_id,
                pair=pair,
                system=system,
                object_type=object_type,
            )
        row.value = value
        row.updated_at = utc_now()
        self.session.add(row)

    def _cursor_row(self, *, pair: str, system: str, object_type: str) -> Cursor | None:
        query = select(Cursor).where(
            Cursor.salesforce_org_id == self.scope.salesforce_org_id,
            Cursor.hubspot_portal_id == self.scope.hubspot_portal_id,
            Cursor.pair == pair,
            Cursor.system == system,
            Cursor.object_type == object_type,
        )
        return self.session.scalars(query).first()

    # -- write journal ---------------------------------------------------------------

    def journal_intent(
        self,
        *,
        pair: str,
        target_system: str,
        target_type: str,
        key: str,
        source_system: str,
        source_type: str,
        source_id: str,
    ) -> JournalEntry:
        """Record that a create is about to be sent (before sending it)."""
        entry = JournalEntry(
            salesforce_org_id=self.scope.salesforce_org_id,
            hubspot_portal_id=self.scope.hubspot_portal_id,
            pair=pair,
            target_system=target_system,
            target_type=target_type,
            key=clean_text(key, KEY_LENGTH),
            source_system=source_system,
            source_type=source_type,
            source_id=source_id,
        )
        self.session.add(entry)
        self.session.flush()
        return entry

    def mark_sent(self, entry_ids: Sequence[int], *, sent: bool = True) -> None:
        """The creates of these entries are going out now (a crash before this sent none);
        ``sent=False`` takes that back when the API refused them before doing any work."""
        # One UPDATE a chunk of ids, not a load of every entry.
        for chunk in _chunks([str(entry_id) for entry_id in entry_ids]):
            self.session.execute(
                update(JournalEntry)
                .where(JournalEntry.id.in_([int(i) for i in chunk]))
                .values(state="sent" if sent else "pending")
                .execution_options(synchronize_session="fetch")
            )

    def resolve_intent(self, entry_id: int, *, state: str, result_id: str | None) -> None:
        """Close a journal entry: ``done`` (created), ``recovered`` or ``abandoned``."""
        entry = self.session.get(JournalEntry, entry_id)
        if entry is None:
            return
        entry.state = state
        entry.result_id = result_id
        entry.resolved_at = utc_now()

    def pending_intents(self, *, pair: str) -> list[JournalEntry]:
        """Creates that were sent (``sent``) or about to be (``pending``) but never recorded:
        crash leftovers."""
        query = (
            select(JournalEntry)
            .where(
                JournalEntry.salesforce_org_id == self.scope.salesforce_org_id,
                JournalEntry.hubspot_portal_id == self.scope.hubspot_portal_id,
                JournalEntry.pair == pair,
                JournalEntry.state.in_(["pending", "sent"]),
            )
            .order_by(JournalEntry.id)
        )
        return list(self.session.scalars(query))

    # -- audit log -------------------------------------------------------------------

    def audit(
        self,
        *,
        kind: str,
        link: Link | None = None,
        field: str | None = None,
        direction: str | None = None,
        old_value: Any = None,
        new_value: Any = None,
        rule: str | None = None,
        losing_value: Any = None,
        note: str | None = None,
    ) -> None:
        """Append one entry to the audit log."""
        scope = self._scope
        self.session.add(
            AuditEntry(
                kind=kind,
                salesforce_org_id=None if scope is None else scope.salesforce_org_id,
                hubspot_portal_id=None if scope is None else scope.hubspot_portal_id,
                pair=None if link is None else link.pair,
                link_id=None if link is None else link.id,
                hubspot_id=None if link is None else link.hubspot_id,
                salesforce_type=None if link is None else link.salesforce_type,
                salesforce_id=None if link is None else link.salesforce_id,
                field=_clean_optional(field, FIELD_LENGTH),
                direction=direction,
                old_value=clean_json(old_value),
                new_value=clean_json(new_value),
                rule=rule,
                losing_value=clean_json(losing_value),
                note=_clean_optional(note, MESSAGE_LENGTH),
            )
        )

    def audit_entries(
        self, *, kind: str | None = None, link_id: int | None = None
    ) -> list[AuditEntry]:
        """Audit entries, oldest first, optionally of one kind or one link."""
        query = select(AuditEntry).order_by(AuditEntry.id)
        if kind is not None:
            query = query.where(AuditEntry.kind == kind)
        if link_id is not None:
            query = query.where(AuditEntry.link_id == link_id)
        return list(self.session.scalars(query))

    # -- sync errors -----------------------------------------------------------------

    def record_error(self, report: ErrorReport) -> SyncErrorRecord:
        """Store a sync error, or bump the open one for the same record and direction."""
        row = self._open_error(
            pair=report.pair,
            source_system=report.source_system,
            source_id=report.source_id,
            direction=report.direction,
        )
        now = utc_now()
        if row is None:
            row = SyncErrorRecord(
                salesforce_org_id=self.scope.salesforce_org_id,
                hubspot_portal_id=self.scope.hubspot_portal_id,
                pair=report.pair,
                source_system=report.source_system,
                source_id=report.source_id,
                direction=report.direction,
                first_seen=now,
                attempts=0,
            )
        # An API message may echo the record's value: PostgreSQL refuses a NUL in it and
        # would abort the whole batch, so every text is cleaned (and cut to a sane
        # length) here, where all of them are stored (R27).
        row.object_type = clean_text(report.object_type)
        row.salesforce_id = report.salesforce_id
        row.hubspot_id = report.hubspot_id
        row.field = _clean_optional(report.field, FIELD_LENGTH)
        row.system = report.system
        row.api_code = clean_text(report.api_code, CODE_LENGTH)
        row.api_message = clean_text(report.api_message, MESSAGE_LENGTH)
        row.category = report.category
        row.hint = _clean_optional(report.hint, MESSAGE_LENGTH)
        row.last_seen = now
        row.attempts = (row.attempts or 0) + 1
        self.session.add(row)
        return row

    def resolve_errors(self, *, pair: str, source_system: str, source_id: str) -> int:
        """Mark the open errors of one source record resolved; returns how many."""
        query = select(SyncErrorRecord).where(
            *self._error_scope(pair),
            SyncErrorRecord.source_system == source_system,
            SyncErrorRecord.source_id == source_id,
        )
        rows = list(self.session.scalars(query))
        now = utc_now()
        for row in rows:
            row.resolved_at = now
        return len(rows)

    def open_errors(self, *, pair: str | None = None) -> list[SyncErrorRecord]:
        """Errors not yet resolved, oldest first."""
        query = select(SyncErrorRecord).where(
            SyncErrorRecord.salesforce_org_id == self.scope.salesforce_org_id,
            SyncErrorRecord.hubspot_portal_id == self.scope.hubspot_portal_id,
            SyncErrorRecord.resolved_at.is_(None),
        )
        if pair is not None:
            query = query.where(SyncErrorRecord.pair == pair)
        return list(self.session.scalars(query.order_by(SyncErrorRecord.id)))

    def _open_error(
        self, *, pair: str, source_system: str, source_id: str, direction: str
    ) -> SyncErrorRecord | None:
        query = select(SyncErrorRecord).where(
            *self._error_scope(pair),
            SyncErrorRecord.source_system == source_system,
            SyncErrorRecord.source_id == source_id,
            SyncErrorRecord.direction == direction,
        )
        return self.session.scalars(query).first()

    def _error_scope(self, pair: str) -> tuple[Any, ...]:
        return (
            SyncErrorRecord.salesforce_org_id == self.scope.salesforce_org_id,
            SyncErrorRecord.hubspot_portal_id == self.scope.hubspot_portal_id,
            SyncErrorRecord.pair == pair,
            SyncErrorRecord.resolved_at.is_(None),
        )

    # -- settings --------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        """Every stored setting, by key."""
        return {row.key: row.value for row in self.session.scalars(select(Setting))}

    def set_setting(self, key: str, value: Any, *, note: str | None = None) -> bool:
        """Store one setting and its history; returns False when the value is unchanged."""
        row = self.session.get(Setting, key)
        old = None if row is None else row.value
        if row is not None and old == value:
            return False
        if row is None:
            row = Setting(key=key)
        row.value = value
        row.updated_at = utc_now()
        self.session.add(row)
        self.audit(kind="setting", field=key, old_value=old, new_value=value, note=note)
        return True


def _clean_optional(value: str | None, limit: int) -> str | None:
    return None if value is None else clean_text(value, limit)


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), LOOKUP_CHUNK):
        yield ids[start : start + LOOKUP_CHUNK]


__all__ = ["ErrorReport", "Scope", "StateStore", "StoreTransaction"]
