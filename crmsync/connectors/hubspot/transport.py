"""The one place every HubSpot HTTP call passes: budget, usage and error translation.

hubspot-api-client sends through a urllib3 pool manager inside each generated
``ApiClient``. Its ``api_factory`` hook lets us wrap that pool manager once per API
object, so every call (objects, search, properties, lists, associations, account
info) asks the :class:`~crmsync.connectors.base.CallObserver` first, reports status
and ``X-HubSpot-RateLimit-*`` headers after, and turns a non-2xx answer into a
crmsync error right here, with the ``Retry-After`` header at hand.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import urllib3

from crmsync.connectors.base import ApiUsage, CallObserver, System
from crmsync.connectors.errors import ConnectionLostError
from crmsync.connectors.hubspot.errors import translate_response
from crmsync.connectors.oauth import TokenSource

_purpose: ContextVar[str] = ContextVar("hubspot_call_purpose", default="hubspot")


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
    """Calls made, and the rate-limit headers HubSpot last sent."""

    calls_made: int = 0
    daily_limit: int | None = None
    daily_remaining: int | None = None
    interval_max: int | None = None
    interval_remaining: int | None = None

    def record(self, headers: Mapping[str, str]) -> None:
        """Count one call and keep the ``X-HubSpot-RateLimit-*`` values it carried."""
        self.calls_made += 1
        self.daily_limit = _int(headers.get("X-HubSpot-RateLimit-Daily"), self.daily_limit)
        self.daily_remaining = _int(
            headers.get("X-HubSpot-RateLimit-Daily-Remaining"), self.daily_remaining
        )
        self.interval_max = _int(headers.get("X-HubSpot-RateLimit-Max"), self.interval_max)
        self.interval_remaining = _int(
            headers.get("X-HubSpot-RateLimit-Remaining"), self.interval_remaining
        )

    def snapshot(self) -> ApiUsage:
        """The usage as an :class:`ApiUsage` value."""
        used = (
            self.daily_limit - self.daily_remaining
            if self.daily_limit is not None and self.daily_remaining is not None
            else None
        )
        return ApiUsage(
            calls_made=self.calls_made,
            org_used=used,
            org_limit=self.daily_limit,
            details={
                "interval_max": self.interval_max,
                "interval_remaining": self.interval_remaining,
            },
        )


class ObservedPoolManager:
    """Stands in for the urllib3 pool manager of one generated ``ApiClient``.

    Every call carries the :class:`~crmsync.connectors.oauth.TokenSource`'s current
    token. A 401 from a renewable source (an OAuth app's 30-minute token) renews it
    once and sends the same request again: HubSpot answers 401 before doing any work,
    so a resent batch write is applied once.
    """

    def __init__(
        self, inner: Any, *, observer: CallObserver, meter: UsageMeter, tokens: TokenSource
    ) -> None:
        self._inner = inner
        self._observer = observer
        self._meter = meter
        self._tokens = tokens

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        """Send with the current token; on a 401 renew it once and resend."""
        sent = self._tokens.access_token()
        kwargs["headers"] = _with_bearer(kwargs.get("headers"), sent)
        response = self._send(method, url, *args, **kwargs)
        if response.status == 401 and self._tokens.refreshable:
            response.drain_conn()
            response.release_conn()
            kwargs["headers"] = _with_bearer(kwargs.get("headers"), self._tokens.renew(sent))
            response = self._send(method, url, *args, **kwargs)
        if not 200 <= response.status <= 299:
            raise translate_response(
                status=response.status, headers=response.headers, body=response.data
            )
        return response

    def _send(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        """Ask the observer, send, tell the observer."""
        self._observer.before_call(System.HUBSPOT, purpose=_purpose.get())
        try:
            response = self._inner.request(method, url, *args, **kwargs)
        except urllib3.exceptions.HTTPError as error:
            self._observer.after_call(System.HUBSPOT, status=0, headers={})
            lost = ConnectionLostError(f"no answer from HubSpot: {type(error).__name__}")
            # A refused connection never reached the server: resending is safe.
            lost.safe_to_resend = isinstance(
                getattr(error, "reason", None), urllib3.exceptions.NewConnectionError
            )
            raise lost from error
        self._meter.record(response.headers)
        self._observer.after_call(System.HUBSPOT, status=response.status, headers=response.headers)
        return response


def _with_bearer(headers: Mapping[str, Any] | None, token: str) -> dict[str, Any]:
    kept = {key: value for key, value in (headers or {}).items() if key.lower() != "authorization"}
    return {**kept, "Authorization": f"Bearer {token}"}


def _int(text: str | None, default: int | None) -> int | None:
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        return default
