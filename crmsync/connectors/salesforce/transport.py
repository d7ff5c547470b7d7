"""The one place every Salesforce HTTP call passes: the API budget and usage.

simple-salesforce accepts a ``requests.Session``; :class:`ObservedSession` asks the
:class:`~crmsync.connectors.base.CallObserver` before each request (it may refuse
with :class:`~crmsync.errors.BudgetExhaustedError`, so no call is made) and tells it
the status and headers after, and remembers the last ``Sforce-Limit-Info``. REST,
OAuth and Bulk 2.0 calls all go through it, so no call site has to remember.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from crmsync.connectors.base import ApiUsage, CallObserver, System
from crmsync.connectors.errors import parse_retry_after
from crmsync.connectors.oauth import TokenSource

_purpose: ContextVar[str] = ContextVar("salesforce_call_purpose", default="salesforce")
_API_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


@contextmanager
def purpose(name: str) -> Iterator[None]:
    """Label the calls made inside the block (for the observer's accounting)."""
    token = _purpose.set(name)
    try:
        yield
    finally:
        _purpose.reset(token)


@dataclass(kw_only=True)
class UsageMeter:
    """Calls made through one session, and the org usage Salesforce last reported."""

    calls_made: int = 0
    org_used: int | None = None
    org_limit: int | None = None
    last_limit_info: str | None = None
    last_retry_after: float | None = None

    def record(self, headers: Mapping[str, str]) -> None:
        """Count one call; read ``Sforce-Limit-Info`` and ``Retry-After`` when present.

        simple-salesforce's exceptions carry no headers, so the connector reads the
        ``Retry-After`` of the answer that raised from here.
        """
        self.calls_made += 1
        self.last_retry_after = parse_retry_after(headers.get("Retry-After"))
        info = headers.get("Sforce-Limit-Info")
        if not info:
            return
        self.last_limit_info = info
        match = _API_USAGE.search(info)
        if match:
            self.org_used, self.org_limit = int(match.group(1)), int(match.group(2))

    def snapshot(self) -> ApiUsage:
        """The usage as an :class:`ApiUsage` value."""
        details = {"sforce_limit_info": self.last_limit_info} if self.last_limit_info else {}
        return ApiUsage(
            calls_made=self.calls_made,
            org_used=self.org_used,
            org_limit=self.org_limit,
            details=details,
        )


class ObservedSession(requests.Session):
    """A session that reports every request to a :class:`CallObserver`.

    With a :class:`~crmsync.connectors.oauth.TokenSource` every call carries its current
    token; a refused session (401, or the userinfo endpoint's 403 ``Bad_OAuth_Token``)
    is renewed once and the same request sent again (a 401 is answered before any work
    is done, so a resent write is applied once).
    """

    def __init__(
        self,
        *,
        observer: CallObserver,
        timeout: float,
        tokens: TokenSource | None = None,
        instance_host: str | None = None,
    ) -> None:
        super().__init__()
        self.observer = observer
        self.meter = UsageMeter()
        self.tokens = tokens
        self._timeout = timeout
        # Only a login host was configured: the grant's instance URL replaces it, so no
        # grant is needed before the first call (and a refused one fails that call).
        self._placeholder_host = instance_host

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send with the current token; renew and resend once when the session is refused."""
        if self.tokens is None:
            return self._observed(method, url, *args, **kwargs)
        sent = self.tokens.access_token()
        kwargs["headers"] = _with_bearer(kwargs.get("headers"), sent)
        response = self._observed(method, self._on_instance(url), *args, **kwargs)
        if not (self.tokens.refreshable and session_refused(response)):
            return response
        response.close()
        kwargs["headers"] = _with_bearer(kwargs.get("headers"), self.tokens.renew(sent))
        return self._observed(method, self._on_instance(url), *args, **kwargs)

    def _on_instance(self, url: str | bytes) -> str | bytes:
        """``url`` moved from the configured login host to the grant's instance."""
        grant = self.tokens.current() if self.tokens is not None else None
        if self._placeholder_host is None or grant is None or not grant.instance_url:
            return url
        text = url.decode() if isinstance(url, bytes) else url
        parts = urlsplit(text)
        if parts.netloc != self._placeholder_host:
            return url
        instance = urlsplit(grant.instance_url)
        return urlunsplit((instance.scheme, instance.netloc, parts.path, parts.query, ""))

    def _observed(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Ask the observer, send, then tell the observer (status 0 = no answer)."""
        self.observer.before_call(System.SALESFORCE, purpose=_purpose.get())
        kwargs.setdefault("timeout", self._timeout)
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException:
            self.observer.after_call(System.SALESFORCE, status=0, headers={})
            raise
        self.meter.record(response.headers)
        self.observer.after_call(
            System.SALESFORCE, status=response.status_code, headers=response.headers
        )
        return response


def session_refused(response: requests.Response) -> bool:
    """True when Salesforce refused the session itself (not a permission).

    REST answers 401 ``INVALID_SESSION_ID``; the OAuth userinfo endpoint answers 403
    with the plain-text code ``Bad_OAuth_Token``.
    """
    if response.status_code == 401:
        return True
    return response.status_code == 403 and response.text.strip() == "Bad_OAuth_Token"


def _with_bearer(headers: Mapping[str, Any] | None, token: str) -> dict[str, Any]:
    kept = {key: value for key, value in (headers or {}).items() if key.lower() != "authorization"}
    return {**kept, "Authorization": f"Bearer {token}"}
