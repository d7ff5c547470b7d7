"""The emulator's state: both orgs, sessions, API usage, query cursors, jobs, clock, faults."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from crmsync.emulators.common.clock import MovableClock
from crmsync.emulators.common.faults import FaultInjector
from crmsync.emulators.salesforce.oauth_apps import OAuthRegistry
from crmsync.emulators.salesforce.org import Caller, Org, OrgKind
from crmsync.emulators.salesforce.persistence import DataFile
from crmsync.emulators.salesforce.usage import ApiUsage

SANDBOX_HOST_MARKERS = ("test.salesforce.com", ".sandbox.", "--")


@dataclass(frozen=True, slots=True)
class Session:
    """An access token's org and user, when it was issued and the refresh token behind it."""

    org: OrgKind
    user_id: str
    issued_at: datetime | None = None
    refresh_token: str | None = None


@dataclass
class QueryCursor:
    """Rows of a query still to be paged through ``nextRecordsUrl``."""

    rows: list[dict[str, Any]]
    total_size: int
    batch_size: int


@dataclass
class OrgRuntime:
    """Per-org state that is not persisted: API usage, cursors and Bulk 2.0 jobs."""

    usage: ApiUsage = field(default_factory=ApiUsage)
    cursors: dict[str, QueryCursor] = field(default_factory=dict)
    jobs: dict[str, Any] = field(default_factory=dict)

    def reset(self) -> None:
        """Forget usage, cursors and jobs."""
        self.usage.reset()
        self.cursors.clear()
        self.jobs.clear()


class Emulator:
    """Everything one emulator process serves."""

    MAX_CURSORS = 200

    def __init__(self, *, token: str, data: Path | None = None) -> None:
        self.token = token
        self.clock = MovableClock()
        self.faults = FaultInjector()
        self.data_file = DataFile(data) if data is not None else None
        self.orgs: dict[OrgKind, Org] = {
            kind: Org(kind=kind, clock=self.clock, data_file=self.data_file)
            for kind in ("production", "sandbox")
        }
        self.runtime: dict[OrgKind, OrgRuntime] = {kind: OrgRuntime() for kind in self.orgs}
        self.sessions: dict[str, Session] = {}
        self.refresh_tokens: dict[str, Session] = {}
        self.session_lifetime_seconds: float | None = None
        """Sessions die this long after they were issued (emulator clock); None: never."""
        self.oauth = OAuthRegistry()

    def org_for_host(self, host: str) -> OrgKind:
        """The org a client means by the host it called (sandbox hosts → sandbox)."""
        lowered = host.lower()
        return "sandbox" if any(m in lowered for m in SANDBOX_HOST_MARKERS) else "production"

    def authenticate(self, token: str, *, original_host: str) -> tuple[Org, Caller] | None:
        """The org and caller of a bearer token, or None when the session is invalid.

        The fixed token (``--token``) is the integration user's; it reaches the sandbox
        when the client called a sandbox host.
        """
        session = self.sessions.get(token)
        if session is not None and self._expired(session):
            del self.sessions[token]
            session = None
        if session is None:
            if not token or not secrets.compare_digest(token, self.token):
                return None
            org = self.orgs[self.org_for_host(original_host)]
            return org, Caller(user_id=org.integration_user_id, restricted=True)
        org = self.orgs[session.org]
        return org, Caller(
            user_id=session.user_id, restricted=session.user_id == org.integration_user_id
        )

    def _expired(self, session: Session) -> bool:
        lifetime = self.session_lifetime_seconds
        if lifetime is None or session.issued_at is None:
            return False
        return self.clock.now() >= session.issued_at + timedelta(seconds=lifetime)

    def issue_session(self, org: Org, user_id: str, *, refresh_token: str | None = None) -> str:
        """A new access token for ``user_id`` (shaped like Salesforce's ``00D…!…``)."""
        token = f"{org.org_id[:15]}!{secrets.token_urlsafe(48)}"
        self.sessions[token] = Session(
            org=org.kind, user_id=user_id, issued_at=self.clock.now(), refresh_token=refresh_token
        )
        return token

    def session(self, token: str) -> Session | None:
        """The live session of an access token (None when unknown or expired)."""
        session = self.sessions.get(token)
        return None if session is None or self._expired(session) else session

    def revoke(self, token: str) -> bool:
        """Revoke an access token, or a refresh token and every session issued from it."""
        if self.sessions.pop(token, None) is not None:
            return True
        if self.refresh_tokens.pop(token, None) is None:
            return False
        for access, session in list(self.sessions.items()):
            if session.refresh_token == token:
                del self.sessions[access]
        return True

    def issue_refresh_token(self, org: Org, user_id: str) -> str:
        """A refresh token for ``user_id`` (as the web-server flow would hand out)."""
        token = f"5Aep{secrets.token_urlsafe(60)}"
        self.refresh_tokens[token] = Session(
            org=org.kind, user_id=user_id, issued_at=self.clock.now()
        )
        return token

    def expire_sessions(self) -> int:
        """Invalidate every issued access token; returns how many there were."""
        count = len(self.sessions)
        self.sessions.clear()
        return count

    def reset(self, kind: OrgKind | None = None) -> None:
        """Empty one org (or both), forget sessions and faults, reset the clock."""
        for org_kind in (kind,) if kind else tuple(self.orgs):
            self.orgs[org_kind].reset()
            self.runtime[org_kind].reset()
        self.sessions.clear()
        self.refresh_tokens.clear()
        self.session_lifetime_seconds = None
        self.oauth.reset()
        self.faults.clear()
        self.clock.reset()

    def remember_cursor(self, kind: OrgKind, locator: str, cursor: QueryCursor) -> None:
        """Keep a cursor, dropping the oldest when too many are open (as SF expires them)."""
        cursors = self.runtime[kind].cursors
        cursors[locator] = cursor
        while len(cursors) > self.MAX_CURSORS:
            cursors.pop(next(iter(cursors)))


OrgChoice = Literal["production", "sandbox"]
