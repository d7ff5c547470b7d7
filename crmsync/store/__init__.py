"""The state store: links, snapshots, cursors, write journal, audit log, sync errors, settings.

SQLAlchemy 2 tables with Alembic migrations shipped in ``crmsync/store/migrations``;
SQLite by default, PostgreSQL too.
"""

from __future__ import annotations

from crmsync.store.migrate import upgrade_to_head
from crmsync.store.state import ErrorReport, Scope, StateStore, StoreTransaction

__all__ = ["ErrorReport", "Scope", "StateStore", "StoreTransaction", "upgrade_to_head"]
