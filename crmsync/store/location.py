"""Where the state store lives by default, and how a new SQLite file is created.

The default store is one file in the user's data directory (``platformdirs``: on Linux
``$XDG_DATA_HOME/crmsync`` or ``~/.local/share/crmsync``), never a path relative to
the working directory: running crmsync from another folder must not silently start a
fresh store with no links, cursors or settings. A SQLite file crmsync creates is
readable by its owner only (it holds the integration's settings and record ids).
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path
from sqlalchemy.engine import make_url

STORE_FILE = "crmsync.sqlite"


def default_database_url() -> str:
    """``sqlite:///`` URL of the per-user default store."""
    return f"sqlite:///{user_data_path('crmsync', appauthor=False) / STORE_FILE}"


def describe_store(url: str) -> str:
    """The store's URL as it can be shown (a password is masked)."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or ``None`` (another database, or in memory)."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database)


def prepare_sqlite_file(url: str) -> None:
    """Create a missing SQLite store file (and folder) readable by its owner only."""
    path = sqlite_path(url)
    if path is None or path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # O_EXCL: if another first start created it meanwhile, keep theirs.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(descriptor)
