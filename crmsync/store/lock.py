"""One runner per state store: a lock held while a run changes the store or the CRMs.

Two runs over one store at once each see a record as new and each create it (R26). So
every command that writes (``sync``, ``run``, ``resync``, error retries from the CLI or the
dashboard) first takes the store's runner lock:

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a connection
  kept open for the run; the server drops it when that connection ends, even on a kill.
- SQLite: an exclusive lock on ``<database>.lock`` beside the file (``filelock``, an
  ``flock`` the kernel drops when the process dies).
- An in-memory SQLite database is private to its process: nothing to lock.

Schema migrations take a second lock of the same kind (``purpose="migrate"``) so that
first starts at once apply them one after the other.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from crmsync.errors import CrmsyncError
from crmsync.store.location import prepare_sqlite_file, sqlite_path

POLL_SECONDS = 0.2
"""How often a waiting runner asks PostgreSQL again for the advisory lock."""


RETRY_LOCK_WAIT_SECONDS = 5.0
"""How long a retry request (CLI or dashboard) waits for a run under way."""


class StoreBusyError(CrmsyncError):
    """Another crmsync process holds this store's lock: wait for it or try again later."""


def lock_key(url: str, purpose: str) -> int:
    """A stable signed 64-bit advisory-lock key for one store and purpose."""
    digest = hashlib.sha256(f"crmsync:{purpose}:{make_url(url).database}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_path(url: str, purpose: str) -> Path | None:
    """The lock file of a SQLite store, or ``None`` when there is no file to lock."""
    database = sqlite_path(url)
    if database is None:
        return None
    suffix = ".lock" if purpose == "runner" else f".{purpose}.lock"
    return database.with_name(database.name + suffix)


@contextmanager
def store_lock(url: str, *, purpose: str = "runner", wait: float | None = 0) -> Iterator[None]:
    """Hold the store's ``purpose`` lock for the block.

    ``wait`` is how many seconds to wait for another holder (``None``: as long as it
    takes, ``0``: not at all); when it runs out :class:`StoreBusyError` is raised.
    """
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        with _advisory_lock(url, purpose=purpose, wait=wait):
            yield
        return
    if backend != "sqlite":
        raise CrmsyncError(f"unsupported database for crmsync's store: {backend}")
    path = lock_path(url, purpose)
    if path is None:
        yield
        return
    # The store's folder may not exist yet on a first start.
    prepare_sqlite_file(url)
    file_lock = FileLock(path, timeout=-1 if wait is None else wait, mode=0o600)
    try:
        file_lock.acquire()
    except Timeout as error:
        raise _busy(purpose) from error
    try:
        yield
    finally:
        file_lock.release()


@contextmanager
def _advisory_lock(url: str, *, purpose: str, wait: float | None) -> Iterator[None]:
    key = lock_key(url, purpose)
    # A pool of one connection kept for the block: the lock lives as long as it does.
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            deadline = None if wait is None else time.monotonic() + wait
            while not connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
            ).scalar_one():
                connection.rollback()
                if deadline is not None and time.monotonic() >= deadline:
                    raise _busy(purpose)
                time.sleep(POLL_SECONDS)
            connection.commit()
            try:
                yield
            finally:
                # A connection lost meanwhile took the lock with it: nothing to release,
                # and the run's own outcome must not be hidden behind that error.
                with suppress(SQLAlchemyError):
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    connection.commit()
    finally:
        engine.dispose()


def _busy(purpose: str) -> StoreBusyError:
    if purpose == "runner":
        return StoreBusyError("another crmsync run is using this store")
    return StoreBusyError(f"another crmsync process holds this store's {purpose} lock")
