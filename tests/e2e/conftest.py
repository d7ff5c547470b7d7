"""End-to-end fixtures: both emulators over real HTTP, real connectors, a fresh store.

The emulators run once per module and are emptied before each test; every test gets
its own state store (``database_url``) and a :class:`World` that builds engines from
stored settings, counts write calls on both APIs and reads records back through the
official clients' wire formats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from simple_salesforce.api import Salesforce

from crmsync.config import CrmsyncConfig, load_config
from crmsync.connectors.base import (
    AssociationType,
    AssociationWrite,
    Connector,
    RemoteRecord,
    WriteRequest,
)
from crmsync.connectors.hubspot.config import HubSpotConfig
from crmsync.connectors.hubspot.connector import HubSpotConnector
from crmsync.connectors.retry import RetryPolicy
from crmsync.connectors.salesforce.config import SalesforceConfig
from crmsync.connectors.salesforce.connector import SalesforceConnector
from crmsync.connectors.salesforce.loopback import loopback_session
from crmsync.emulators.common.server import BackgroundServer, running
from crmsync.emulators.hubspot.control_client import HubSpotEmulatorControl
from crmsync.emulators.hubspot.server import create_app as create_hubspot_app
from crmsync.emulators.salesforce.app import create_app as create_salesforce_app
from crmsync.emulators.salesforce.control import SalesforceEmulatorControl
from crmsync.engine.hooks import Checkpoint, SyncHooks
from crmsync.engine.owners import load_owner_directory
from crmsync.engine.registry import pairs_from_settings, steps_from_settings
from crmsync.engine.settings import save_setting
from crmsync.engine.sync import SyncEngine
from crmsync.store.state import StateStore

HUBSPOT_TOKEN = "e2e-hs-token"
SALESFORCE_TOKEN = "e2e-sf-token"
HUBSPOT_FIELDS = ("email", "firstname", "lastname", "phone", "company", "state", "country")
SALESFORCE_FIELDS = ("Email", "FirstName", "LastName", "Phone")


@dataclass
class WriteLog:
    """ASGI middleware noting every write request (method and path) an emulator receives.

    Searches and batch reads are POSTs on both APIs but change nothing, so they are
    not writes; emulator hooks are not API calls at all.
    """

    app: Any
    writes: list[str] = field(default_factory=list)
    answered: list[tuple[str, int]] = field(default_factory=list)
    """Each write with the status it was answered with (a 401 is refused, not applied)."""
    requests: list[str] = field(default_factory=list)
    """Every API request (method and path), reads included."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/__emulator__"):
            self.requests.append(f"{scope['method']} {scope['path']}")
        if not (scope["type"] == "http" and _is_write(scope["method"], scope["path"])):
            await self.app(scope, receive, send)
            return
        name = f"{scope['method']} {scope['path']}"
        self.writes.append(name)

        async def noted(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.answered.append((name, int(message["status"])))
            await send(message)

        # The emulators drop a connection through the server's own ``send`` (its
        # ``__self__`` holds the transport): keep that reachable through the wrapper.
        noted.__self__ = getattr(send, "__self__", None)  # type: ignore[attr-defined]
        await self.app(scope, receive, noted)


def _is_write(method: str, path: str) -> bool:
    if method not in {"POST", "PATCH", "PUT", "DELETE"} or path.startswith("/__emulator__"):
        return False
    if "/oauth2/" in path or path.endswith(("/search", "/batch/read", "/query")):
        return False
    # Salesforce's collection retrieve is a POST of ids to the sObject collection path.
    return "/lists/" not in path or method != "GET"


@dataclass
class Servers:
    """Both running emulators with their write logs."""

    hubspot: BackgroundServer
    salesforce: BackgroundServer
    hubspot_log: WriteLog
    salesforce_log: WriteLog


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    """Both emulators, served for the whole module."""
    hubspot_log = WriteLog(create_hubspot_app(token=HUBSPOT_TOKEN))
    salesforce_log = WriteLog(create_salesforce_app(token=SALESFORCE_TOKEN))
    with running(hubspot_log) as hubspot, running(salesforce_log) as salesforce:
        yield Servers(
            hubspot=hubspot,
            salesforce=salesforce,
            hubspot_log=hubspot_log,
            salesforce_log=salesforce_log,
        )


class CrashAt:
    """Hooks that raise once at one checkpoint, as if the process died there (R25)."""

    def __init__(self, point: Checkpoint | None = None) -> None:
        self.point = point
        self.crashed = False

    def checkpoint(self, point: Checkpoint) -> None:
        """Raise :class:`SimulatedCrash` the first time ``point`` is reached."""
        if point is self.point and not self.crashed:
            self.crashed = True
            raise SimulatedCrash(point)

    def progress(self, *, source: str, object_type: str, records: int) -> None:
        """Nothing to report."""


class CrashInRoles(CrashAt):
    """Crash at ``point`` inside the contact roles step only: the step reports its role
    feed through ``progress`` before its first checkpoint, which arms the crash."""

    def __init__(self, point: Checkpoint) -> None:
        super().__init__(point)
        self.armed = False

    def checkpoint(self, point: Checkpoint) -> None:
        """Raise at ``point`` once the step has started."""
        if self.armed:
            super().checkpoint(point)

    def progress(self, *, source: str, object_type: str, records: int) -> None:
        """Arm when the step reports its feed."""
        if object_type == "OpportunityContactRole":
            self.armed = True


class SimulatedCrash(RuntimeError):
    """Raised by :class:`CrashAt` in place of a process dying."""


class World:
    """Both CRMs, their connectors and one state store, as a test sees them."""

    def __init__(
        self,
        *,
        servers: Servers,
        hubspot_control: HubSpotEmulatorControl,
        salesforce_control: SalesforceEmulatorControl,
        store: StateStore,
    ) -> None:
        self.servers = servers
        self.hs_control = hubspot_control
        self.sf_control = salesforce_control
        self.store = store
        self.hubspot = HubSpotConnector.from_config(
            # The emulator's search limit is off here (see ``world``), so no pacing either.
            HubSpotConfig(
                base_url=servers.hubspot.url,
                access_token=SecretStr(HUBSPOT_TOKEN),
                search_per_second=0,
            ),
            retry=RetryPolicy.immediate(),
        )
        self.salesforce = SalesforceConnector.from_config(
            SalesforceConfig(
                instance_url=servers.salesforce.url, access_token=SecretStr(SALESFORCE_TOKEN)
            ),
            retry=RetryPolicy.immediate(),
        )

    # -- settings and runs -------------------------------------------------------------

    def cli_env(self, database_url: str) -> dict[str, str]:
        """Environment for ``crmsync`` commands against these emulators and this store.

        Only the URLs and tokens: anything else (a sandbox choice) is what ``crmsync
        connect`` saved.
        """
        return {
            "CRMSYNC_DATABASE_URL": database_url,
            "CRMSYNC_SALESFORCE_URL": self.servers.salesforce.url,
            "CRMSYNC_SALESFORCE_TOKEN": SALESFORCE_TOKEN,
            "CRMSYNC_HUBSPOT_URL": self.servers.hubspot.url,
            "CRMSYNC_HUBSPOT_TOKEN": HUBSPOT_TOKEN,
        }

    def config(self, database_url: str) -> CrmsyncConfig:
        """The configuration ``crmsync`` commands would build from :meth:`cli_env`."""
        return load_config(
            None,
            database_url=database_url,
            salesforce_url=self.servers.salesforce.url,
            salesforce_token=SALESFORCE_TOKEN,
            hubspot_url=self.servers.hubspot.url,
            hubspot_token=HUBSPOT_TOKEN,
        )

    def set(self, key: str, value: Any) -> None:
        """Save one integration setting, as ``crmsync settings set`` does."""
        save_setting(self.store, key, value, hubspot=self.hubspot, salesforce=self.salesforce)

    def engine(
        self,
        *,
        hooks: SyncHooks | None = None,
        owners: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> SyncEngine:
        """An engine over the stored settings (rebuilt each time, as each CLI run is).

        ``owners`` reads both CRMs' owners so the owner row syncs, as ``crmsync sync``
        does; without it the row is left out of the mapping.
        """
        directory = (
            load_owner_directory(hubspot=self.hubspot, salesforce=self.salesforce)
            if owners
            else None
        )
        return SyncEngine(
            hubspot=self.hubspot,
            salesforce=self.salesforce,
            store=self.store,
            pairs=pairs_from_settings(self.store, owners=directory, allow_test_domains=True),
            steps=steps_from_settings(self.store),
            hooks=hooks,
            clock=clock,
        )

    def sync(
        self,
        *,
        hooks: SyncHooks | None = None,
        owners: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> Any:
        """One run; the emulators' clocks move on so later edits are strictly newer.

        ``clock`` is the engine's own time (error retry backoff reads it).
        """
        report = self.engine(hooks=hooks, owners=owners, clock=clock).run_once()
        self.tick()
        return report

    def tick(self, seconds: float = 5) -> None:
        """Move both emulators' clocks on."""
        self.hs_control.advance_clock(seconds=seconds)
        self.sf_control.advance_clock(seconds=seconds)

    # -- writes counted on the wire ----------------------------------------------------

    def clear_writes(self) -> None:
        """Forget the writes seen so far."""
        for log in (self.servers.hubspot_log, self.servers.salesforce_log):
            log.writes.clear()
            log.answered.clear()
            log.requests.clear()

    def writes(self) -> list[str]:
        """Write requests both APIs received since :meth:`clear_writes`."""
        return [*self.servers.hubspot_log.writes, *self.servers.salesforce_log.writes]

    # -- records ---------------------------------------------------------------------

    def hs_create(self, **properties: Any) -> str:
        """Create a HubSpot contact through the API; returns its id."""
        return self._write(self.hubspot, "contacts", None, properties)

    def hs_create_company(self, **properties: Any) -> str:
        """Create a HubSpot company through the API; returns its id."""
        return self._write(self.hubspot, "companies", None, properties)

    def hs_update_company(self, record_id: str, **properties: Any) -> None:
        """Update a HubSpot company through the API."""
        self._write(self.hubspot, "companies", record_id, properties)

    def hs_primary_company(self, contact_id: str, company_id: str) -> None:
        """Make ``company_id`` the contact's primary company (v4 associations API)."""
        kind = AssociationType(from_object="contacts", to_object="companies", type_id=1)
        (result,) = self.hubspot.associate(
            kind, [AssociationWrite(key="e2e", from_id=contact_id, to_id=company_id)]
        )
        assert result.ok, result

    def hs_companies(self) -> list[RemoteRecord]:
        """Every live HubSpot company (name, domain and the crmsync key)."""
        return self._all(self.hubspot, "companies", ("name", "domain", "salesforceaccountid"))

    def hs_read_company(self, record_id: str, *fields: str) -> RemoteRecord:
        """One HubSpot company."""
        (record,) = self.hubspot.read_by_ids(
            "companies", [record_id], fields=("name", "domain", *fields)
        )
        return record

    def enable_companies(self) -> None:
        """Turn company sync on, with the Account key field an admin adds (R21)."""
        self.sf_control.add_field(
            object="Account", name="HubSpot_Company_ID__c", type="string", length=64,
            external_id=True, unique=True,
        )  # fmt: skip
        self.set("companies.enabled", True)

    def enable_deals(self, *, with_companies: bool = True) -> None:
        """Turn deal sync on (and company sync), with the Opportunity key field (R22)."""
        if with_companies:
            self.enable_companies()
        self.sf_control.add_field(
            object="Opportunity", name="HubSpot_Deal_ID__c", type="string", length=64,
            external_id=True, unique=True,
        )  # fmt: skip
        self.set("deals.enabled", True)

    def hs_create_deal(self, **properties: Any) -> str:
        """Create a HubSpot deal through the API; returns its id."""
        return self._write(self.hubspot, "deals", None, properties)

    def hs_update_deal(self, record_id: str, **properties: Any) -> None:
        """Update a HubSpot deal through the API."""
        self._write(self.hubspot, "deals", record_id, properties)

    def hs_read_deal(self, record_id: str, *fields: str) -> RemoteRecord:
        """One HubSpot deal (archived ones are not found)."""
        found = self.hubspot.read_by_ids(
            "deals", [record_id], fields=("dealname", "dealstage", "pipeline", *fields)
        )
        assert found, f"deal {record_id} not found"
        return found[0]

    def hs_deals(self) -> list[RemoteRecord]:
        """Every live HubSpot deal."""
        return self._all(self.hubspot, "deals", ("dealname", "dealstage", "pipeline", "amount"))

    def hs_associate(
        self, from_object: str, from_id: str, to_object: str, to_id: str, type_id: int
    ) -> None:
        """Associate two HubSpot records with one v4 type."""
        kind = AssociationType(from_object=from_object, to_object=to_object, type_id=type_id)
        (result,) = self.hubspot.associate(
            kind, [AssociationWrite(key="e2e", from_id=from_id, to_id=to_id)]
        )
        assert result.ok, result

    def hs_delete(self, object_type: str, record_id: str) -> None:
        """Archive (delete) a HubSpot record of any type through the API."""
        answer = httpx.delete(
            f"{self.servers.hubspot.url}/crm/v3/objects/{object_type}/{record_id}",
            headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"},
        )
        assert answer.status_code == 204, answer.text

    def sf_delete(self, object_type: str, record_id: str) -> None:
        """Delete a Salesforce record through the REST API (simple-salesforce)."""
        client = Salesforce(
            instance_url="https://crmsync.my.salesforce.com",
            session_id=SALESFORCE_TOKEN,
            session=loopback_session(self.servers.salesforce.url),
        )
        getattr(client, object_type).delete(record_id)

    def sf_create(self, object_type: str, **fields: Any) -> str:
        """Create a Salesforce record through the API; returns its id."""
        return self._write(self.salesforce, object_type, None, fields)

    def hs_update(self, record_id: str, **properties: Any) -> None:
        """Update a HubSpot contact through the API."""
        self._write(self.hubspot, "contacts", record_id, properties)

    def sf_update(self, object_type: str, record_id: str, **fields: Any) -> None:
        """Update a Salesforce record through the API."""
        self._write(self.salesforce, object_type, record_id, fields)

    def _write(
        self,
        connector: Connector,
        object_type: str,
        record_id: str | None,
        values: dict[str, Any],
    ) -> str:
        request = WriteRequest(object_type=object_type, key="e2e", fields=values, id=record_id)
        (result,) = connector.write([request])
        assert result.ok, result
        assert result.id is not None
        return result.id

    def hs_archive(self, record_id: str) -> None:
        """Archive (delete) a HubSpot contact through the API."""
        answer = httpx.delete(
            f"{self.servers.hubspot.url}/crm/v3/objects/contacts/{record_id}",
            headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"},
        )
        assert answer.status_code == 204, answer.text

    def hs_by_email(self, email: str) -> list[RemoteRecord]:
        """HubSpot contacts with this email."""
        return list(self.hubspot.find_by("contacts", "email", [email], fields=HUBSPOT_FIELDS))

    def sf_by_email(self, object_type: str, email: str, *fields: str) -> list[RemoteRecord]:
        """Salesforce records of ``object_type`` with this email."""
        wanted = (*SALESFORCE_FIELDS, *fields)
        return list(self.salesforce.find_by(object_type, "Email", [email], fields=wanted))

    def sf_read(self, object_type: str, record_id: str, *fields: str) -> RemoteRecord:
        """One Salesforce record."""
        (record,) = self.salesforce.read_by_ids(
            object_type, [record_id], fields=(*SALESFORCE_FIELDS, *fields)
        )
        return record

    def hs_all(self) -> list[RemoteRecord]:
        """Every live HubSpot contact."""
        return self._all(self.hubspot, "contacts", HUBSPOT_FIELDS)

    def sf_all(self, object_type: str) -> list[RemoteRecord]:
        """Every live Salesforce record of ``object_type``."""
        return self._all(self.salesforce, object_type, SALESFORCE_FIELDS)

    def _all(
        self, connector: Connector, object_type: str, fields: tuple[str, ...]
    ) -> list[RemoteRecord]:
        found: dict[str, RemoteRecord] = {}
        cursor: str | None = None
        more = True
        while more:
            page = connector.read_changes(object_type, cursor=cursor, fields=fields, page_size=200)
            # Pages may overlap (HubSpot re-reads a window); keep each record once.
            found.update((record.id, record) for record in page.records)
            more = page.has_more
            cursor = page.next_cursor or cursor
        return [record for record in found.values() if not record.deleted]

    def hs_read(self, record_id: str) -> RemoteRecord:
        """One HubSpot contact."""
        (record,) = self.hubspot.read_by_ids("contacts", [record_id], fields=HUBSPOT_FIELDS)
        return record


@pytest.fixture(scope="module")
def hubspot_control(servers: Servers) -> Iterator[HubSpotEmulatorControl]:
    """The HubSpot emulator's test hooks."""
    with HubSpotEmulatorControl(servers.hubspot.url) as control:
        yield control


@pytest.fixture(scope="module")
def salesforce_control(servers: Servers) -> Iterator[SalesforceEmulatorControl]:
    """The Salesforce emulator's test hooks."""
    with SalesforceEmulatorControl(servers.salesforce.url) as control:
        yield control


@pytest.fixture
def world(
    servers: Servers,
    hubspot_control: HubSpotEmulatorControl,
    salesforce_control: SalesforceEmulatorControl,
    database_url: str,
) -> Iterator[World]:
    """Empty CRMs (no rate limits, no faults, default org settings) and a fresh store."""
    hubspot_control.reset()
    hubspot_control.set_limits(tier="unlimited", search_per_second=0)
    hubspot_control.set_behaviour(search_lag_seconds=0)
    hubspot_control.clear_faults()
    salesforce_control.reset()
    salesforce_control.clear_faults()
    store = StateStore.open(database_url)
    built = World(
        servers=servers,
        hubspot_control=hubspot_control,
        salesforce_control=salesforce_control,
        store=store,
    )
    built.clear_writes()
    try:
        yield built
    finally:
        store.close()
