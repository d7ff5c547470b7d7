"""The contract-suite harness for Salesforce (emulator + SalesforceConnector)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from contract_support import TEST_RETRY, HttpCounter
from pydantic import SecretStr

from crmsync.connectors.base import CallObserver, System
from crmsync.connectors.retry import RetryPolicy
from crmsync.connectors.salesforce.config import SalesforceConfig
from crmsync.connectors.salesforce.connector import SalesforceConnector
from crmsync.emulators.common.server import running
from crmsync.emulators.salesforce.app import create_app
from crmsync.emulators.salesforce.control import SalesforceEmulatorControl
from crmsync.emulators.salesforce.ids import to18

TOKEN = "crmsync-sf-token"


class SalesforceHarness:
    """Salesforce: ``Contact``, ``Email``; a contact without LastName is refused."""

    system = System.SALESFORCE
    object_type = "Contact"
    email_field = "Email"
    name_field = "LastName"
    bad_record_fields: Mapping[str, Any] = {"FirstName": "NoLastName"}
    bad_record_code = "REQUIRED_FIELD_MISSING"
    # Well formed (valid checksum) but never issued: the emulator's pods are digits.
    missing_id = to18("003ZZ0000000042")

    def __init__(
        self, *, url: str, control: SalesforceEmulatorControl, counter: HttpCounter
    ) -> None:
        self.url = url
        self.control = control
        self.counter = counter

    def connector(
        self,
        *,
        observer: CallObserver | None = None,
        token: str | None = None,
        retry: RetryPolicy = TEST_RETRY,
    ) -> SalesforceConnector:
        config = SalesforceConfig(instance_url=self.url, access_token=SecretStr(token or TOKEN))
        return SalesforceConnector.from_config(config, observer=observer, retry=retry)

    def good_fields(self, *, email: str, name: str) -> dict[str, Any]:
        return {"Email": email, "LastName": name}

    def inject_status(self, *, status: int, count: int, retry_after: int | None = None) -> None:
        self.control.add_fault(kind="status", status=status, count=count, retry_after=retry_after)

    def clear_faults(self) -> None:
        self.control.clear_faults()

    def calls_served(self) -> int:
        return self.counter.count


@contextmanager
def salesforce_harness() -> Iterator[SalesforceHarness]:
    """A running Salesforce emulator and its harness."""
    counter = HttpCounter(create_app(token=TOKEN))
    with running(counter) as server, SalesforceEmulatorControl(server.url) as control:
        yield SalesforceHarness(url=server.url, control=control, counter=counter)
