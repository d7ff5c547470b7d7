"""Alembic environment: runs migrations on the connection or URL it is handed."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from crmsync.store import models  # noqa: F401  (registers every table on Base.metadata)
from crmsync.store.api_calls import ApiCallRecord  # noqa: F401  (revision 0002)
from crmsync.store.base import Base
from crmsync.store.dashboard_secrets import DashboardSecret  # noqa: F401  (revision 0007)
from crmsync.store.runs import RunRecord  # noqa: F401  (revision 0004)

TARGET_METADATA = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=TARGET_METADATA,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate the connection given in ``attributes`` or the configured URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


run_migrations_online()
