"""The health report of the configured integration, asking the CRMs who we are (R4, R6).

Who the integration acts as is first taken from the identity the last run (or
``crmsync connect``) saved for this very connection: no API call. Only a connection no
run has seen yet is asked (two calls: Salesforce ``userinfo``, HubSpot account
details); a dashboard keeps the answer in an :class:`IdentityCache` for a few
minutes per connection, so reloading the page does not spend the org's API calls; a
re-connect (another user, token or sandbox) is a new connection and is asked at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from crmsync.config import CrmsyncConfig
from crmsync.connection import (
    cached_identity,
    call_accounts,
    connection_key,
    with_saved_connection,
)
from crmsync.errors import CrmsyncError
from crmsync.health.budget import ApiBudget
from crmsync.health.report import HealthReport, IntegrationUserView, health_report
from crmsync.store import Scope, StateStore

DEFAULT_IDENTITY_TTL_SECONDS = 300.0
UNREACHABLE_TTL_SECONDS = 30.0
"""A connection that just failed is not asked again for this long (each try can take
seconds of retries), so a dashboard with a CRM down stays quick to browse."""


@dataclass(frozen=True, kw_only=True)
class Identity:
    """The integration user and the (org, portal) scope of one connection."""

    user: IntegrationUserView
    scope: Scope


@dataclass
class IdentityCache:
    """Identities by connection, each kept for ``ttl_seconds`` (thread-safe)."""

    ttl_seconds: float = DEFAULT_IDENTITY_TTL_SECONDS
    unreachable_ttl_seconds: float = UNREACHABLE_TTL_SECONDS
    _entries: dict[str, tuple[float, Identity]] = field(default_factory=dict)
    _failures: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str) -> Identity | None:
        """The identity saved for ``key`` unless it has expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= time.monotonic():
                self._entries.pop(key, None)
                return None
            return entry[1]

    def put(self, key: str, identity: Identity) -> None:
        """Keep ``identity`` for ``key`` for the next ``ttl_seconds``."""
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl_seconds, identity)
            self._failures.pop(key, None)

    def failed(self, key: str) -> None:
        """Remember that asking ``key``'s CRMs just failed."""
        with self._lock:
            self._failures[key] = time.monotonic() + self.unreachable_ttl_seconds

    def recently_failed(self, key: str) -> bool:
        """True while a failure of ``key`` is fresh."""
        with self._lock:
            until = self._failures.get(key)
            if until is None or until <= time.monotonic():
                self._failures.pop(key, None)
                return False
            return True


def build_report(config: CrmsyncConfig, *, identities: IdentityCache | None = None) -> HealthReport:
    """The health report, asking Salesforce who we are when credentials are configured."""
    identity = _identity(config, identities)
    store = StateStore.open(config.database_url)
    try:
        return health_report(
            store,
            # The calls of this connection's org and portal only (R1, R6).
            budget=ApiBudget(store, accounts=call_accounts(with_saved_connection(config, store))),
            scope=identity.scope if identity else None,
            integration_user=identity.user if identity else None,
            # The org's own identity says sandbox or not; the setting is the fallback (R6).
            sandbox=config.salesforce_sandbox if identity is None else identity.user.is_sandbox,
        )
    finally:
        store.close()


def _identity(config: CrmsyncConfig, identities: IdentityCache | None) -> Identity | None:
    # The CLI's connector wiring is the one place credentials become connectors.
    from crmsync.runtime import connected

    store = StateStore.open(config.database_url)
    try:
        key = connection_key(with_saved_connection(config, store))
        # What the last run (or ``crmsync connect``) saw for this very connection: no call.
        saved = cached_identity(store, key=key)
    finally:
        store.close()
    if saved is not None and saved.get("hubspot_portal_id"):
        return Identity(
            user=IntegrationUserView.model_validate(saved["user"]),
            scope=Scope(
                salesforce_org_id=str(saved["salesforce_org_id"]),
                hubspot_portal_id=str(saved["hubspot_portal_id"]),
            ),
        )
    if identities is not None:
        cached = identities.get(key)
        if cached is not None:
            return cached
        if identities.recently_failed(key):
            return None
    try:
        with connected(config) as opened:
            found = opened.salesforce.whoami()  # type: ignore[attr-defined]
            scope = Scope(
                salesforce_org_id=opened.salesforce.account_id(),
                hubspot_portal_id=opened.hubspot.account_id(),
            )
    except CrmsyncError:
        # Not connected yet, or a CRM is unreachable: health still shows what it knows.
        if identities is not None and key is not None:
            identities.failed(key)
        return None
    identity = Identity(
        user=IntegrationUserView(
            username=found.username,
            name=found.name,
            email=found.email,
            user_id=found.user_id,
            org_id=found.org_id,
            is_sandbox=found.is_sandbox,
        ),
        scope=scope,
    )
    if identities is not None:
        identities.put(key, identity)
    return identity
