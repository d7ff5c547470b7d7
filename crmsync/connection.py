"""The Salesforce connection saved by ``crmsync connect salesforce`` (R5, R6).

``connect`` stores the org, user, sandbox flag and URL as the audit-logged setting
``salesforce.connection``; the access token given with ``--token`` is kept apart, as
the setting ``salesforce.token``, whose audit entries never hold the value.

Precedence when commands build the Salesforce connector: an explicitly set
``CRMSYNC_SALESFORCE_URL`` / ``CRMSYNC_SALESFORCE_TOKEN`` / ``CRMSYNC_SALESFORCE_SANDBOX``
environment variable wins, then the saved connection, then ``crmsync.toml``, then the
defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from crmsync.config import CrmsyncConfig
from crmsync.store import StateStore
from crmsync.store.models import Setting, utc_now
from crmsync.store.state import StoreTransaction

CONNECTION_SETTING = "salesforce.connection"
"""The stored record of the Salesforce org and user the integration is connected as."""

TOKEN_SETTING = "salesforce.token"
"""The saved access token (a secret: never printed, never written to the audit log)."""

_REDACTED = "***"

_ENV_OVERRIDES = {
    "salesforce_url": "CRMSYNC_SALESFORCE_URL",
    "salesforce_token": "CRMSYNC_SALESFORCE_TOKEN",
    "salesforce_sandbox": "CRMSYNC_SALESFORCE_SANDBOX",
}


def save_connection(
    store: StateStore, *, connection: Mapping[str, Any], token: SecretStr | None
) -> Mapping[str, Any] | None:
    """Save the connection (and its token, or forget a saved one); return the previous one."""
    with store.begin() as tx:
        previous = tx.settings().get(CONNECTION_SETTING)
        tx.set_setting(CONNECTION_SETTING, dict(connection), note="crmsync connect salesforce")
        _store_token(tx, token)
    return previous if isinstance(previous, dict) else None


def _store_token(tx: StoreTransaction, token: SecretStr | None) -> None:
    # Written beside set_setting, not through it: its audit entry would hold the value.
    session = tx.session
    row = session.get(Setting, TOKEN_SETTING)
    old = None if row is None else row.value
    value = None if token is None else token.get_secret_value()
    if old == value:
        return
    if value is None:
        session.delete(row)
    else:
        row = row or Setting(key=TOKEN_SETTING)
        row.value = value
        row.updated_at = utc_now()
        session.add(row)
    # The history says that the token changed, never what it is.
    tx.audit(
        kind="setting",
        field=TOKEN_SETTING,
        old_value=None if old is None else _REDACTED,
        new_value=None if value is None else _REDACTED,
        note="crmsync connect salesforce",
    )


def with_saved_connection(
    config: CrmsyncConfig, store: StateStore, *, environ: Mapping[str, str] | None = None
) -> CrmsyncConfig:
    """``config`` with the saved Salesforce connection applied, unless env vars set a field."""
    env = os.environ if environ is None else environ
    with store.begin() as tx:
        settings = tx.settings()
    connection = settings.get(CONNECTION_SETTING)
    if not isinstance(connection, dict):
        return config
    saved: dict[str, Any] = {
        "salesforce_url": connection.get("url"),
        "salesforce_sandbox": connection.get("sandbox"),
    }
    token = settings.get(TOKEN_SETTING)
    if isinstance(token, str):
        saved["salesforce_token"] = SecretStr(token)
    update = {
        name: value
        for name, value in saved.items()
        if value is not None and _ENV_OVERRIDES[name] not in env
    }
    return config.model_copy(update=update) if update else config
