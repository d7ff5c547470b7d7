"""The contract-suite harness for HubSpot (emulator + HubSpotConnector)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from contract_support import TEST_RETRY, HttpCounter
from pydantic import SecretStr

from crmsync.connectors.base import CallObserver, System
from crmsync.connectors.hubspot.config import HubSpotConfig
from crmsync.connectors.hubspot.connector import HubSpotConnector
from crmsync.connectors.retry import RetryPolicy
from crmsync.emulators.common.server import running
from crmsync.emulators.hubspot.control_client import HubSpotEmulatorControl
from crmsync.emulators.hubspot.server import create_app

TOKEN = "crmsync-hs-token"


class HubSpotHarness:
    """HubSpot: ``contacts``, ``email``; an unknown lifecycle stage is refused."""

    system = System.HUBSPOT
    object_type = "contacts"
    email_field = "email"
    name_field = "lastname"
    bad_record_fields: Mapping[str, Any] = {"lastname": "Bad", "lifecyclestage": "not-a-stage"}
    bad_record_code = "VALIDATION_ERROR"
    missing_id = "987654321"

    def __init__(self, *, url: str, control: HubSpotEmulatorControl, counter: HttpCounter) -> None:
        self.url = url
        self.control = control
        self.counter = counter

    def connector(
        self,
        *,
        observer: CallObserver | None = None,
        token: str | None = None,
        retry: RetryPolicy = TEST_RETRY,
        search_per_second: float = 0,
    ) -> HubSpotConnector:
        # The emulator's search limit is lifted for this suite, so searches need no pacing
        # unless a test asks for it.
        config = HubSpotConfig(
            base_url=self.url,
            access_token=SecretStr(token or TOKEN),
            search_per_second=search_per_second,
        )
        return HubSpotConnector.from_config(config, observer=observer, retry=retry)

    def good_fields(self, *, email: str, name: str) -> dict[str, Any]:
        return {"email": email, "lastname": name}

    def inject_status(self, *, status: int, count: int, retry_after: int | None = None) -> None:
        self.control.inject_fault(
            kind="status", status=status, count=count, retry_after=retry_after
        )

    def clear_faults(self) -> None:
        self.control.clear_faults()

    def calls_served(self) -> int:
        return self.counter.count


@contextmanager
def hubspot_harness() -> Iterator[HubSpotHarness]:
    """A running HubSpot emulator and its harness."""
    counter = HttpCounter(create_app(token=TOKEN))
    with running(counter) as server, HubSpotEmulatorControl(server.url) as control:
        # Rate limits are exercised with injected 429s; the real ones would only slow
        # this suite down (search allows 5 calls a second).
        control.set_limits(tier="unlimited", search_per_second=10_000)
        yield HubSpotHarness(url=server.url, control=control, counter=counter)
