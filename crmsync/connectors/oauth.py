"""Access tokens that renew themselves: the token sources both adapters' transports ask.

Each transport asks its :class:`TokenSource` for the token before every call and, when
the CRM refuses a session (Salesforce ``401 INVALID_SESSION_ID``, HubSpot ``401``),
asks it once to :meth:`~TokenSource.renew` and sends the same request again. A 401
is answered before the CRM does any work, so the resent request (a write included)
is neither lost nor applied twice.

A grant the token endpoint refuses for good (revoked or expired refresh token, a
removed app, a bad certificate) raises :class:`ReconnectRequiredError`: retriable
for the run loop (it tries again next interval, never crash-loops), never retried
within a run, and shown once on the health page ("reconnect Salesforce").
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from pydantic import SecretStr

from crmsync.connectors.base import System
from crmsync.connectors.errors import ApiErrorMixin
from crmsync.errors import RetriableError

RENEW_MARGIN: Final = timedelta(minutes=2)
"""A token this close to its expiry is renewed before the next call."""

SYSTEM_NAMES: Final = {System.SALESFORCE: "Salesforce", System.HUBSPOT: "HubSpot"}


class ReconnectRequiredError(ApiErrorMixin, RetriableError):
    """The CRM refused the stored grant for good: a person must reconnect it.

    Retriable so ``crmsync run`` carries on and tries again next interval (an
    administrator may have reconnected meanwhile); :func:`crmsync.connectors.retry.
    should_retry` never retries it within a run.
    """

    safe_to_resend = False
    needs_person = True

    def __init__(self, system: System, *, reason: str) -> None:
        name = SYSTEM_NAMES[system]
        super().__init__(
            f"reconnect {name}: {reason} (run `crmsync connect {system.value}`)",
            retry_after=None,
        )
        self.system = system
        self.reason = reason

    @property
    def fix(self) -> str:
        """What to do, in one line."""
        return f"reconnect {SYSTEM_NAMES[self.system]}"


@dataclass(frozen=True, kw_only=True)
class AccessGrant:
    """One answer of a token endpoint, as crmsync keeps it."""

    access_token: SecretStr
    expires_at: datetime | None
    """When the token stops working, when the CRM says (HubSpot does, Salesforce not)."""
    instance_url: str | None = None
    identity_url: str | None = None
    scopes: tuple[str, ...] = ()
    refresh_token: SecretStr | None = None
    """A refresh token the answer carried (a rotated one replaces the stored one)."""

    def __repr__(self) -> str:
        return f"AccessGrant(expires_at={self.expires_at!r}, instance_url={self.instance_url!r})"


def rotated(grant: AccessGrant, used: SecretStr | None) -> bool:
    """True when ``grant`` brought a refresh token other than the one ``used``."""
    return (
        grant.refresh_token is not None
        and used is not None
        and grant.refresh_token.get_secret_value() != used.get_secret_value()
    )


class Rotation:
    """Refresh tokens replaced by rotation, so a source still naming the old one (an
    environment variable, say) uses the newest; ``keep`` saves each new one."""

    def __init__(self, keep: Callable[[SecretStr], None] | None = None) -> None:
        self._keep = keep
        self._newer: dict[str, SecretStr] = {}

    def __repr__(self) -> str:
        return f"Rotation(rotated={len(self._newer)})"

    def newest(self, token: SecretStr | None) -> SecretStr | None:
        """``token``, or what rotation replaced it with."""
        while token is not None and token.get_secret_value() in self._newer:
            token = self._newer[token.get_secret_value()]
        return token

    def note(self, grant: AccessGrant, used: SecretStr | None) -> None:
        """Remember (and keep) the refresh token ``grant`` brought, if it is a new one."""
        if rotated(grant, used):
            assert used is not None and grant.refresh_token is not None
            self._newer[used.get_secret_value()] = grant.refresh_token
            if self._keep is not None:
                self._keep(grant.refresh_token)


class TokenSource(Protocol):
    """Where a transport gets the bearer token of each call."""

    flow: str
    """The flow in use (``token``, ``refresh_token``, ``jwt``, ``client_credentials``...)."""

    @property
    def refreshable(self) -> bool:
        """True when :meth:`renew` can get a new token."""
        ...

    def access_token(self) -> str:
        """The token for the next call (renewed first when it is about to expire)."""
        ...

    def renew(self, stale: str) -> str:
        """A new token after the CRM refused ``stale`` (once, even from many threads)."""
        ...

    def current(self) -> AccessGrant | None:
        """The grant in use, if one was fetched."""
        ...


@dataclass
class StaticToken:
    """A token used as given (a private-app token, or an access token pasted in)."""

    token: SecretStr = field(repr=False)
    flow: str = "token"

    @property
    def refreshable(self) -> bool:
        """A static token cannot be renewed."""
        return False

    def access_token(self) -> str:
        """The token."""
        return self.token.get_secret_value()

    def renew(self, stale: str) -> str:
        """The same token: nothing to renew it with."""
        return self.token.get_secret_value()

    def current(self) -> AccessGrant | None:
        """A grant with no known expiry."""
        return AccessGrant(access_token=self.token, expires_at=None)


GrantFetcher = Callable[[], AccessGrant]
Listener = Callable[[System, "ReconnectRequiredError | None"], None]


class RefreshingToken:
    """A token fetched from a grant, renewed before expiry and after a refusal.

    ``fetch`` runs the grant (refresh token, JWT bearer, client credentials) and
    raises :class:`ReconnectRequiredError` when it is refused for good. ``listener``
    hears each outcome: ``None`` after a grant succeeded, the error after a refusal
    (the health page shows it until a later grant succeeds).
    """

    def __init__(
        self,
        *,
        system: System,
        flow: str,
        fetch: GrantFetcher,
        listener: Listener | None = None,
        lifetime: timedelta | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.system = system
        self.flow = flow
        self._fetch = fetch
        self._listener = listener
        self._lifetime = lifetime
        self._clock = clock or (lambda: datetime.now(UTC))
        self._grant: AccessGrant | None = None
        self._lock = threading.Lock()
        self.renewals = 0

    def __repr__(self) -> str:
        return f"RefreshingToken(system={self.system.value!r}, flow={self.flow!r})"

    @property
    def refreshable(self) -> bool:
        """A grant can always be run again."""
        return True

    def access_token(self) -> str:
        """The current token, fetched first when there is none or it is about to expire."""
        with self._lock:
            grant = self._grant
            if grant is None or self._expiring(grant):
                grant = self._refresh()
            return grant.access_token.get_secret_value()

    def renew(self, stale: str) -> str:
        """A new token, unless another call already replaced ``stale``."""
        with self._lock:
            grant = self._grant
            if grant is not None and grant.access_token.get_secret_value() != stale:
                return grant.access_token.get_secret_value()
            return self._refresh().access_token.get_secret_value()

    def current(self) -> AccessGrant | None:
        """The grant in use (None before the first call)."""
        return self._grant

    def _expiring(self, grant: AccessGrant) -> bool:
        return grant.expires_at is not None and self._clock() >= grant.expires_at - RENEW_MARGIN

    def _refresh(self) -> AccessGrant:
        try:
            grant = self._fetch()
        except ReconnectRequiredError as error:
            self._grant = None
            if self._listener is not None:
                self._listener(self.system, error)
            raise
        if grant.expires_at is None and self._lifetime is not None:
            grant = dataclasses.replace(grant, expires_at=self._clock() + self._lifetime)
        self._grant = grant
        self.renewals += 1
        if self._listener is not None:
            self._listener(self.system, None)
        return grant
