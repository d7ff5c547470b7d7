"""Connections saved by ``crmsync connect`` (R5, R6), and what needs reconnecting.

``connect salesforce`` stores the org, user, sandbox flag, URL, flow and client id as the
audit-logged setting ``salesforce.connection``; ``connect hubspot`` the portal, user,
scopes and flow as ``hubspot.connection``. Their credentials (tokens, refresh tokens,
client secrets) go to the :class:`~crmsync.vault.Vault`, encrypted, and their history
records only that they changed.

Precedence when commands build a connector: a credential or URL set explicitly in the
environment (``CRMSYNC_SALESFORCE_*`` / ``CRMSYNC_HUBSPOT_*``) wins, then the saved
connection, then ``crmsync.toml``, then the defaults.

A grant the CRM refused for good is kept as ``<crm>.reconnect`` (not a setting: never
audit-logged, never in ``settings show``) until a later grant succeeds; the health
page and ``crmsync health`` show it once, as "reconnect Salesforce".
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel, SecretStr

from crmsync.config import CrmsyncConfig
from crmsync.connectors.base import System
from crmsync.connectors.oauth import SYSTEM_NAMES, ReconnectRequiredError
from crmsync.store import Scope, StateStore
from crmsync.store.models import Setting, utc_now
from crmsync.vault import Vault

CONNECTION_SETTING: Final = "salesforce.connection"
"""The stored record of the Salesforce org and user the integration is connected as."""

HUBSPOT_CONNECTION_SETTING: Final = "hubspot.connection"
"""The stored record of the HubSpot portal, user and scopes."""

TOKEN_SETTING: Final = "salesforce.token"
"""The saved access token (a secret: encrypted, never printed, never audit-logged)."""

IDENTITY_SETTING = "connection.identity"
"""Who the current connection acts as, learnt by the last run or ``crmsync connect``.

``crmsync health`` reads it instead of asking the CRMs (a probe makes no API calls); it
is kept with a digest of the connection, so a new token, user or sandbox is never shown
another connection's identity. Written without an audit entry: it is a cache.
"""

_CONNECTIONS: Final = {
    System.SALESFORCE: CONNECTION_SETTING,
    System.HUBSPOT: HUBSPOT_CONNECTION_SETTING,
}

# Saved field → (config field, the environment variable that overrides it).
_SALESFORCE_FIELDS: Final = {
    "url": ("salesforce_url", "CRMSYNC_SALESFORCE_URL"),
    "sandbox": ("salesforce_sandbox", "CRMSYNC_SALESFORCE_SANDBOX"),
    "client_id": ("salesforce_client_id", "CRMSYNC_SALESFORCE_CLIENT_ID"),
    "login_url": ("salesforce_login_url", "CRMSYNC_SALESFORCE_LOGIN_URL"),
}
_HUBSPOT_FIELDS: Final = {
    "url": ("hubspot_url", "CRMSYNC_HUBSPOT_URL"),
    "client_id": ("hubspot_client_id", "CRMSYNC_HUBSPOT_CLIENT_ID"),
}
# Credentials: set explicitly in the environment, any of them replaces the saved ones.
_SALESFORCE_SECRETS: Final = {
    "salesforce.token": ("salesforce_token", "CRMSYNC_SALESFORCE_TOKEN"),
    "salesforce.refresh_token": ("salesforce_refresh_token", "CRMSYNC_SALESFORCE_REFRESH_TOKEN"),
    "salesforce.client_secret": ("salesforce_client_secret", "CRMSYNC_SALESFORCE_CLIENT_SECRET"),
}
_HUBSPOT_SECRETS: Final = {
    "hubspot.token": ("hubspot_token", "CRMSYNC_HUBSPOT_TOKEN"),
    "hubspot.refresh_token": ("hubspot_refresh_token", "CRMSYNC_HUBSPOT_REFRESH_TOKEN"),
    "hubspot.client_secret": ("hubspot_client_secret", "CRMSYNC_HUBSPOT_CLIENT_SECRET"),
}
_EXPLICIT_SALESFORCE_AUTH: Final = (
    "CRMSYNC_SALESFORCE_TOKEN",
    "CRMSYNC_SALESFORCE_REFRESH_TOKEN",
    "CRMSYNC_SALESFORCE_JWT_KEY_FILE",
    "CRMSYNC_SALESFORCE_AUTH",
)
_EXPLICIT_HUBSPOT_AUTH: Final = ("CRMSYNC_HUBSPOT_TOKEN", "CRMSYNC_HUBSPOT_REFRESH_TOKEN")


class ConnectionProblem(BaseModel):
    """A CRM that refused the stored grant: a person must reconnect it."""

    system: str
    fix: str
    """"Reconnect Salesforce" / "Reconnect HubSpot"."""
    message: str
    """The CRM's own answer (``invalid_grant: expired access/refresh token``)."""
    since: datetime

    @property
    def command(self) -> str:
        """The command that fixes it."""
        return f"crmsync connect {self.system}"


def save_connection(
    store: StateStore,
    vault: Vault,
    *,
    system: System = System.SALESFORCE,
    connection: Mapping[str, Any],
    secrets: Mapping[str, SecretStr | None],
) -> Mapping[str, Any] | None:
    """Save a connection and its credentials (None forgets one); return the previous one.

    Saving a connection clears the CRM's "reconnect" problem.
    """
    key = _CONNECTIONS[system]
    note = f"crmsync connect {system.value}"
    with store.begin() as tx:
        previous = tx.settings().get(key)
        tx.set_setting(key, dict(connection), note=note)
    for name, value in secrets.items():
        vault.put(name, value, note=note)
    clear_problem(store, system)
    return previous if isinstance(previous, dict) else None


def saved_connection(store: StateStore, system: System) -> Mapping[str, Any] | None:
    """The connection ``crmsync connect`` saved for ``system``, if any."""
    with store.begin() as tx:
        found = tx.settings().get(_CONNECTIONS[system])
    return found if isinstance(found, dict) else None


def with_saved_connection(
    config: CrmsyncConfig,
    store: StateStore,
    vault: Vault | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> CrmsyncConfig:
    """``config`` with the saved connections applied, unless env vars set a field."""
    env = os.environ if environ is None else environ
    update: dict[str, Any] = {}
    for system, fields, secrets, explicit in (
        (System.SALESFORCE, _SALESFORCE_FIELDS, _SALESFORCE_SECRETS, _EXPLICIT_SALESFORCE_AUTH),
        (System.HUBSPOT, _HUBSPOT_FIELDS, _HUBSPOT_SECRETS, _EXPLICIT_HUBSPOT_AUTH),
    ):
        connection = saved_connection(store, system)
        if connection is None:
            continue
        for saved_name, (field, variable) in fields.items():
            value = connection.get(saved_name)
            if value is not None and variable not in env:
                update[field] = value
        if vault is None or any(variable in env for variable in explicit):
            continue
        if system is System.SALESFORCE and connection.get("flow"):
            update["salesforce_auth"] = connection["flow"]
        for name, (field, variable) in secrets.items():
            if variable in env:
                continue
            secret = vault.get(name)
            if secret is not None:
                update[field] = secret
    return config.model_copy(update=update) if update else config


# -- problems that need a person -------------------------------------------------------


def _problem_key(system: System) -> str:
    return f"{system.value}.reconnect"


def record_problem(store: StateStore, error: ReconnectRequiredError) -> None:
    """Remember that ``error.system`` needs reconnecting (once: the first time is kept)."""
    key = _problem_key(error.system)
    with store.begin() as tx:
        if tx.session.get(Setting, key) is not None:
            return
        # Status, not a setting: written without an audit entry.
        tx.session.add(
            Setting(
                key=key,
                value={"message": error.reason, "since": utc_now().isoformat()},
                updated_at=utc_now(),
            )
        )


def clear_problem(store: StateStore, system: System) -> None:
    """Forget a "reconnect" problem (a grant succeeded, or the CRM was connected again)."""
    with store.begin() as tx:
        row = tx.session.get(Setting, _problem_key(system))
        if row is not None:
            tx.session.delete(row)


def connection_problems(store: StateStore) -> list[ConnectionProblem]:
    """Every CRM that needs reconnecting, Salesforce first."""
    problems = []
    with store.begin() as tx:
        for system in System:
            row = tx.session.get(Setting, _problem_key(system))
            if row is None or not isinstance(row.value, dict):
                continue
            problems.append(
                ConnectionProblem(
                    system=system.value,
                    fix=f"Reconnect {SYSTEM_NAMES[system]}",
                    message=str(row.value.get("message", "")),
                    since=datetime.fromisoformat(str(row.value["since"])),
                )
            )
    return problems


def connection_key(config: CrmsyncConfig) -> str:
    """A digest naming the connection ``config`` describes (tokens never kept in clear)."""
    parts = (
        config.salesforce_url,
        config.salesforce_token.get_secret_value() if config.salesforce_token else "",
        str(config.salesforce_sandbox),
        config.hubspot_url,
        config.hubspot_token.get_secret_value() if config.hubspot_token else "",
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def save_identity(store: StateStore, *, key: str, identity: Mapping[str, Any]) -> None:
    """Remember who connection ``key`` acts as (a cache: no audit entry).

    ``crmsync connect salesforce`` knows only the Salesforce side: a missing HubSpot
    portal id keeps the one saved before (the HubSpot connection did not change).
    """
    value = {"key": key, **identity}
    with store.begin() as tx:
        row = tx.session.get(Setting, IDENTITY_SETTING)
        if value.get("hubspot_portal_id") is None and row is not None:
            previous = row.value if isinstance(row.value, dict) else {}
            value["hubspot_portal_id"] = previous.get("hubspot_portal_id")
        if row is not None and row.value == value:
            return
        row = row or Setting(key=IDENTITY_SETTING)
        row.value = value
        row.updated_at = utc_now()
        tx.session.add(row)


def cached_identity(store: StateStore, *, key: str) -> Mapping[str, Any] | None:
    """The identity saved for connection ``key``, or ``None`` (another or no connection)."""
    with store.begin() as tx:
        row = tx.session.get(Setting, IDENTITY_SETTING)
        value = None if row is None else row.value
    if not isinstance(value, dict) or value.get("key") != key:
        return None
    return value


def cached_scope(config: CrmsyncConfig, store: StateStore) -> Scope | None:
    """The (org, portal) of the current connection as last seen, without an API call."""
    identity = cached_identity(store, key=connection_key(with_saved_connection(config, store)))
    if identity is None or not identity.get("hubspot_portal_id"):
        return None
    return Scope(
        salesforce_org_id=str(identity["salesforce_org_id"]),
        hubspot_portal_id=str(identity["hubspot_portal_id"]),
    )


def call_accounts(config: CrmsyncConfig) -> dict[System, str]:
    """Digests naming the org and the portal ``config`` calls, for the call log (R1, R6).

    Known before any call and without the credentials (which may be kept encrypted): the
    Salesforce URL with the sandbox flag (a sandbox is another org), the HubSpot URL.
    """
    parts = {
        System.SALESFORCE: f"{config.salesforce_url}\0{config.salesforce_sandbox}",
        System.HUBSPOT: config.hubspot_url,
    }
    return {
        system: hashlib.sha256(text.encode()).hexdigest()[:32] for system, text in parts.items()
    }
