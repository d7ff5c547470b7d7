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

import requests

from crmsync.connectors.base import ApiUsage, CallObserver, System
from crmsync.connectors.errors import parse_retry_after

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
    """A session that reports every request to a :class:`CallObserver`."""

    def __init__(self, *, observer: CallObserver, timeout: float) -> None:
        super().__init__()
        self.observer = observer
        self.meter = UsageMeter()
        self._timeout = timeout

    def request(
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
