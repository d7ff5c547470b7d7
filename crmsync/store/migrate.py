"""The state store's schema: Alembic migrations applied as one explicit, locked step.

``crmsync db upgrade`` brings a store to the newest schema this version ships. The
first command on an empty store does the same by itself; a store with an older schema
asks for ``crmsync db upgrade`` and a store newer than this version of crmsync is refused
with one line, rather than each command migrating on the fly (two first starts at once
used to race on ``alembic_version``). Upgrades hold the store's ``migrate`` lock
(:mod:`crmsync.store.lock`), so concurrent starts apply them one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine

from crmsync.errors import ConfigurationError
from crmsync.store.lock import store_lock

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class SchemaState(StrEnum):
    """How a store's schema compares with the migrations this version ships."""

    EMPTY = "empty"
    CURRENT = "current"
    OLDER = "older"
    NEWER = "newer"


@dataclass(frozen=True, kw_only=True)
class SchemaStatus:
    """The store's revision, this version's newest revision, and how they compare."""

    state: SchemaState
    revision: str | None
    head: str


class SchemaMismatchError(ConfigurationError):
    """The store's schema is not the one this version of crmsync works with."""


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` using the migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; URLs may contain escaped characters.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def schema_status(url: str, *, engine: Engine) -> SchemaStatus:
    """Read the store's revision (one query, no write) and compare it with ours."""
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head() or ""
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    if revision is None:
        state = SchemaState.EMPTY
    elif revision == head:
        state = SchemaState.CURRENT
    elif revision in {rev.revision for rev in script.walk_revisions()}:
        state = SchemaState.OLDER
    else:
        state = SchemaState.NEWER
    return SchemaStatus(state=state, revision=revision, head=head)


def upgrade_to_head(url: str, *, engine: Engine | None = None) -> SchemaStatus:
    """Apply every migration not yet applied, under the store's migrate lock.

    Returns the status found before upgrading; a store newer than this version is
    refused with :class:`SchemaMismatchError`, never touched.
    """
    own_engine = engine is None
    bind = engine if engine is not None else create_engine(url)
    try:
        with store_lock(url, purpose="migrate", wait=None):
            status = schema_status(url, engine=bind)
            if status.state is SchemaState.NEWER:
                raise _newer(status)
            if status.state is not SchemaState.CURRENT:
                with bind.begin() as connection:
                    config = alembic_config(url)
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
            return status
    finally:
        if own_engine:
            bind.dispose()


def ensure_schema(url: str, *, engine: Engine, create: bool = True) -> None:
    """Make the store usable: migrate an empty one, refuse an older or newer one.

    ``create=False`` (a read-only probe) refuses an empty store instead of migrating it.
    """
    status = schema_status(url, engine=engine)
    if status.state is SchemaState.CURRENT:
        return
    if status.state is SchemaState.EMPTY and not create:
        raise SchemaMismatchError(
            "the store is empty: run `crmsync db upgrade` or a first `crmsync sync`"
        )
    if status.state is SchemaState.EMPTY:
        # The first command on a new store creates it (another first start may be
        # doing the same: the lock lets one of them do it, the other finds it done).
        upgrade_to_head(url, engine=engine)
        return
    if status.state is SchemaState.NEWER:
        raise _newer(status)
    raise SchemaMismatchError(
        f"the store's schema (revision {status.revision}) is older than this crmsync's "
        f"({status.head}); run `crmsync db upgrade` first"
    )


def _newer(status: SchemaStatus) -> SchemaMismatchError:
    return SchemaMismatchError(
        f"the store was last used by a newer crmsync (schema revision {status.revision}, "
        f"this version knows up to {status.head}); upgrade crmsync to use it"
    )
