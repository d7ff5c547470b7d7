"""Fixtures shared by every test directory.

``database_url`` gives each test a fresh, empty database: a SQLite file always, and
PostgreSQL too when ``CRMSYNC_TEST_POSTGRES_URL`` names a server (CI starts one).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get("CRMSYNC_TEST_POSTGRES_URL", "")
DATABASE_KINDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def _fresh_postgres_database(server_url: str) -> tuple[str, str]:
    import sqlalchemy as sa

    name = f"crmsync_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}", name


def _drop_postgres_database(server_url: str, name: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The per-user data directory (the default store's home) points into a temp folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
        yield


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database (SQLite, and PostgreSQL in CI)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crmsync.sqlite'}"
        return
    url, name = _fresh_postgres_database(POSTGRES_URL)
    try:
        yield url
    finally:
        _drop_postgres_database(POSTGRES_URL, name)


@pytest.fixture(autouse=True)
def _own_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Key files a store without a directory of its own would create stay in the test's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
