"""Credentials at rest: refresh tokens, client secrets and tokens, encrypted with Fernet.

The key is ``CRMSYNC_SECRET_KEY`` (a Fernet key: ``python -c "from cryptography.fernet
import Fernet; print(Fernet.generate_key().decode())"``) or, when that is unset, a key
file created with mode 0600 at first use: ``crmsync.key`` beside a SQLite store, else
``$XDG_CONFIG_HOME/crmsync/secret.key`` (``~/.config/crmsync/secret.key``).

Each credential is one row of the store's ``settings`` table holding only
``{"fernet": <token>}``; its history in the audit log says that it changed, never
what it is. ``settings show`` lists integration settings only, so none appears there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from crmsync.errors import ConfigurationError
from crmsync.store import StateStore
from crmsync.store.models import Setting, utc_now

CREDENTIALS: Final = (
    "salesforce.token",
    "salesforce.refresh_token",
    "salesforce.client_secret",
    "hubspot.token",
    "hubspot.refresh_token",
    "hubspot.client_secret",
)
"""Every credential key the store may hold (``salesforce.token`` predates encryption)."""

_REDACTED: Final = "***"
KEY_FILE_NAME: Final = "crmsync.key"


def key_file_for(database_url: str, *, environ: dict[str, str] | None = None) -> Path:
    """Where the key file lives for ``database_url`` when no key is configured."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).resolve().parent / KEY_FILE_NAME
    env = os.environ if environ is None else environ
    base = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "crmsync" / "secret.key"


def load_fernet(*, secret_key: SecretStr | None, database_url: str) -> Fernet:
    """The cipher from ``CRMSYNC_SECRET_KEY``, or from the key file (created if absent)."""
    if secret_key is not None and secret_key.get_secret_value():
        try:
            return Fernet(secret_key.get_secret_value().encode())
        except (ValueError, TypeError) as error:
            raise ConfigurationError(
                "CRMSYNC_SECRET_KEY is not a Fernet key (32 url-safe base64-encoded bytes)"
            ) from error
    path = key_file_for(database_url)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(Fernet.generate_key())
    try:
        return Fernet(path.read_bytes().strip())
    except (ValueError, OSError) as error:
        raise ConfigurationError(
            f"the key file {path} is unreadable or not a Fernet key"
        ) from error


class Vault:
    """Encrypted credentials in the state store."""

    def __init__(self, store: StateStore, fernet: Fernet) -> None:
        self._store = store
        self._fernet = fernet

    def __repr__(self) -> str:
        return "Vault(<encrypted>)"

    def get(self, name: str) -> SecretStr | None:
        """The credential ``name``, decrypted."""
        self._check(name)
        with self._store.begin() as tx:
            row = tx.session.get(Setting, name)
            value = None if row is None else row.value
        if isinstance(value, str):
            # Saved in clear by an older crmsync (open_vault encrypts these at once).
            return SecretStr(value)
        if not isinstance(value, dict) or "fernet" not in value:
            return None
        try:
            clear = self._fernet.decrypt(str(value["fernet"]).encode()).decode()
        except InvalidToken as error:
            raise ConfigurationError(
                f"the stored {name} was encrypted with another key: set the CRMSYNC_SECRET_KEY "
                "it was saved with, or connect again"
            ) from error
        return SecretStr(clear)

    def put(self, name: str, value: SecretStr | None, *, note: str) -> None:
        """Store (or, with None, forget) a credential; the audit log says only that it changed."""
        self._check(name)
        with self._store.begin() as tx:
            row = tx.session.get(Setting, name)
            old = self._clear(row.value) if row is not None else None
            new = None if value is None else value.get_secret_value()
            if old == new:
                return
            if new is None:
                tx.session.delete(row)
            else:
                row = row or Setting(key=name)
                row.value = {"fernet": self._encrypt(new)}
                row.updated_at = utc_now()
                tx.session.add(row)
            tx.audit(
                kind="setting",
                field=name,
                old_value=None if old is None else _REDACTED,
                new_value=None if new is None else _REDACTED,
                note=note,
            )

    def migrate(self) -> int:
        """Encrypt every credential still stored in clear; returns how many."""
        moved = 0
        with self._store.begin() as tx:
            for name in CREDENTIALS:
                row = tx.session.get(Setting, name)
                if row is not None and isinstance(row.value, str):
                    row.value = {"fernet": self._encrypt(row.value)}
                    row.updated_at = utc_now()
                    moved += 1
        return moved

    def _encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def _clear(self, stored: object) -> str | None:
        if isinstance(stored, str):
            return stored
        if isinstance(stored, dict) and "fernet" in stored:
            try:
                return self._fernet.decrypt(str(stored["fernet"]).encode()).decode()
            except InvalidToken:
                return None
        return None

    @staticmethod
    def _check(name: str) -> None:
        if name not in CREDENTIALS:
            raise ValueError(f"not a credential key: {name}")


def open_vault(store: StateStore, *, secret_key: SecretStr | None, database_url: str) -> Vault:
    """The vault of ``store``, with every legacy clear-text credential encrypted."""
    vault = Vault(store, load_fernet(secret_key=secret_key, database_url=database_url))
    vault.migrate()
    return vault
