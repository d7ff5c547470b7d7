"""What the contract suite needs to know about each CRM, as one small class per CRM.

The suite itself (``test_connector_contract.py``) is written once against
:class:`Harness`; each harness starts its emulator, builds its connector and knows
the CRM's own names (object type, email field, a field whose bad value the API
refuses, and the error code it answers with).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from crmsync.connectors.base import CallObserver, Connector, System
from crmsync.connectors.retry import RetryPolicy

TEST_RETRY = RetryPolicy.immediate(attempts=3)


class Harness(Protocol):
    """One CRM's emulator, connector factory and field names."""

    system: System
    object_type: str
    email_field: str
    name_field: str
    bad_record_fields: Mapping[str, Any]
    bad_record_code: str
    missing_id: str

    def connector(
        self,
        *,
        observer: CallObserver | None = None,
        token: str | None = None,
        retry: RetryPolicy = TEST_RETRY,
    ) -> Connector:
        """A connector on the running emulator (``token`` overrides the good one)."""
        ...

    def good_fields(self, *, email: str, name: str) -> dict[str, Any]:
        """Fields of a record the API accepts."""
        ...

    def inject_status(self, *, status: int, count: int, retry_after: int | None = None) -> None:
        """Make the next ``count`` API calls answer ``status``."""
        ...

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        ...

    def calls_served(self) -> int:
        """API calls the emulator has served so far (test hooks excluded)."""
        ...


@dataclass
class CountingObserver:
    """Counts before/after per system; optionally refuses every call."""

    refuse: bool = False
    before: int = 0
    after: int = 0
    statuses: list[int] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)

    def before_call(self, system: System, *, purpose: str) -> None:
        from crmsync.errors import BudgetExhaustedError

        if self.refuse:
            raise BudgetExhaustedError(f"{system} allocation spent (test)")
        self.before += 1
        self.purposes.append(purpose)

    def after_call(self, system: System, *, status: int, headers: Mapping[str, str]) -> None:
        self.after += 1
        self.statuses.append(status)


class HttpCounter:
    """ASGI middleware counting the HTTP requests an emulator receives (hooks excluded).

    An independent count: the emulators' own counters follow each API's billing rules
    (Salesforce does not bill ``/services/oauth2/userinfo``), the observer must see
    every HTTP call.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/__emulator__"):
            self.count += 1
        await self.app(scope, receive, send)
