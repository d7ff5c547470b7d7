"""The Salesforce adapter: :class:`~crmsync.connectors.base.Connector` on simple-salesforce.

Every HTTP call goes through one observed session (the API budget, R1/R2); every
client exception is translated once, in :meth:`SalesforceConnector._call`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceOperationError

from crmsync.connectors.base import (
    ApiErrorDetail,
    ApiUsage,
    CallObserver,
    Capabilities,
    ChangePage,
    CurrencySetup,
    FieldInfo,
    NoBudget,
    RecordTypeInfo,
    RemoteRecord,
    StageInfo,
    System,
    WriteRequest,
    WriteResult,
)
from crmsync.connectors.changes import ChangeCursor, capped
from crmsync.connectors.oauth import TokenSource
from crmsync.connectors.retry import RetryPolicy, call_with_retry
from crmsync.connectors.salesforce import lookups, records, soql
from crmsync.connectors.salesforce.bulk import BulkPage, BulkReader
from crmsync.connectors.salesforce.change_feed import MAX_SEEN, ChangeFeed
from crmsync.connectors.salesforce.client import build_client, build_session
from crmsync.connectors.salesforce.config import SalesforceConfig
from crmsync.connectors.salesforce.errors import json_object, translate
from crmsync.connectors.salesforce.transport import ObservedSession, purpose
from crmsync.connectors.salesforce.writes import RECORDS_PER_CALL, write_collections
from crmsync.connectors.writes import WriteInterruptedError

T = TypeVar("T")

SALESFORCE_CAPABILITIES: Final = Capabilities(
    # Five sObject Collections of 200 in one composite call (salesforce/writes.py).
    max_batch_write=RECORDS_PER_CALL,
    # Five IN lists of 2,000 in one composite call (salesforce/lookups.py).
    max_batch_read=lookups.VALUES_PER_CALL,
    supports_upsert=False,
    supports_bulk_read=True,
)

_CLIENT_ERRORS = (SalesforceError, SalesforceOperationError, requests.RequestException)


@dataclass(frozen=True, kw_only=True)
class IntegrationUser:
    """The Salesforce user the integration acts as (R4), for the health page."""

    user_id: str
    username: str
    email: str
    name: str
    org_id: str
    is_sandbox: bool


class SalesforceConnector:
    """Reads and writes one Salesforce org."""

    system = System.SALESFORCE
    capabilities = SALESFORCE_CAPABILITIES

    def __init__(
        self,
        *,
        client: Salesforce,
        session: ObservedSession,
        config: SalesforceConfig,
        retry: RetryPolicy,
    ) -> None:
        self._client = client
        self._session = session
        self._config = config
        self._retry = retry
        self._describes: dict[str, Mapping[str, Any]] = {}
        self._userinfo: Mapping[str, Any] | None = None
        self._feed = ChangeFeed(overlap=config.overlap)
        self._bulk_results: tuple[tuple[str, str], BulkPage] | None = None
        self._bulk = BulkReader(
            client=client,
            poll_seconds=config.bulk_poll_seconds,
            timeout_seconds=config.bulk_timeout_seconds,
        )

    @classmethod
    def from_config(
        cls,
        config: SalesforceConfig,
        *,
        observer: CallObserver | None = None,
        retry: RetryPolicy | None = None,
        tokens: TokenSource | None = None,
    ) -> SalesforceConnector:
        """Build the client (logging in when ``config`` uses the password flow).

        With ``tokens`` (an OAuth flow) every call carries the source's current token
        and a refused session is renewed once and the call resent.
        """
        session = build_session(config, observer=observer or NoBudget(), tokens=tokens)
        connector_retry = retry or RetryPolicy()
        with purpose("login"):
            client = _translated(lambda: build_client(config, session=session), session)
        return cls(client=client, session=session, config=config, retry=connector_retry)

    # -- the boundary ------------------------------------------------------------------

    def _call(self, name: str, fn: Callable[[], T], *, write: bool = False) -> T:
        """Run ``fn`` labelled ``name``, with retries, translating client errors."""
        with purpose(name):
            return call_with_retry(
                lambda: _translated(fn, self._session), policy=self._retry, write=write
            )

    def _query(self, name: str, query: str, *, include_deleted: bool = False) -> list[Any]:
        result = self._call(
            name, lambda: self._client.query_all(query, include_deleted=include_deleted)
        )
        return list(result.get("records") or [])

    # -- Connector ---------------------------------------------------------------------

    def account_id(self) -> str:
        """The 18-character org id (from the OAuth userinfo endpoint)."""
        return str(self._user_info()["organization_id"])

    def whoami(self) -> IntegrationUser:
        """The integration user and whether the org is a sandbox (R4, R6)."""
        info = self._user_info()
        identity = str(info.get("sub") or info.get("id") or "")
        return IntegrationUser(
            user_id=str(info.get("user_id", "")),
            username=str(info.get("preferred_username", "")),
            email=str(info.get("email", "")),
            name=str(info.get("name", "")),
            org_id=str(info["organization_id"]),
            is_sandbox=is_sandbox_identity(identity) if identity else self._config.sandbox,
        )

    def describe(self, object_type: str) -> Mapping[str, FieldInfo]:
        """The syncable fields of ``object_type`` by API name (cached per connector)."""
        return records.fields_of(self._describe(object_type))

    def read_changes(
        self, object_type: str, *, cursor: str | None, fields: Sequence[str], page_size: int
    ) -> ChangePage:
        """Changes (deletions included) since ``cursor``; a big first read uses Bulk 2.0.

        Otherwise a keyset read by (SystemModstamp, Id), see :mod:`.change_feed`.
        """
        state = ChangeCursor.decode(cursor) if cursor else None
        if state is not None and "bulk" in state.extra:
            return self._bulk_page(object_type, state=state, fields=fields, page_size=page_size)
        if state is None:
            count = self._count(object_type)
            if count > self._config.bulk_threshold:
                return self._start_bulk(object_type, fields=fields, page_size=page_size)
        return self._feed.read(
            lambda query: [
                records.remote_record(object_type, row)
                # queryAll: deleted rows (IsDeleted = true) are changes too.
                for row in self._query("read_changes", query, include_deleted=True)
            ],
            object_type=object_type,
            cursor=cursor,
            fields=fields,
            page_size=page_size,
        )

    def read_by_ids(
        self, object_type: str, ids: Sequence[str], *, fields: Sequence[str]
    ) -> Sequence[RemoteRecord]:
        """Records by id (SOQL ``IN``, chunked); missing and deleted ids are left out."""
        return self._read_in(object_type, "Id", ids, fields=fields, name="read_by_ids")

    def find_by(
        self, object_type: str, field_name: str, values: Sequence[str], *, fields: Sequence[str]
    ) -> Sequence[RemoteRecord]:
        """Records whose ``field_name`` is one of ``values`` (SOQL compares case-blind)."""
        return self._read_in(object_type, field_name, values, fields=fields, name="find_by")

    def write(self, requests: Sequence[WriteRequest]) -> Sequence[WriteResult]:
        """Create and update through sObject Collections, five to a composite: 1,000 a call."""
        return write_collections(
            requests,
            send=lambda method, body: self._call(
                "write",
                lambda: self._client.restful("composite/sobjects", method=method, json=body),
                write=True,
            ),
            send_composite=lambda body: self._call(
                "write",
                lambda: self._client.restful("composite", method="POST", json=body),
                write=True,
            ),
            api_version=self._config.api_version,
        )

    @property
    def tokens(self) -> TokenSource | None:
        """The token source of an OAuth connection (None for a fixed token or password)."""
        return self._session.tokens

    def usage(self) -> ApiUsage:
        """Calls made by this connector and the org usage from ``Sforce-Limit-Info``."""
        return self._session.meter.snapshot()

    def owner_emails(self) -> Mapping[str, str]:
        """Active users with an email, by user id → email (one SOQL query)."""
        rows = self._query(
            "owners", "SELECT Id, Email FROM User WHERE IsActive = true AND Email != null"
        )
        return {str(row["Id"]): str(row["Email"]) for row in rows if row.get("Email")}

    def deal_stages(self) -> Sequence[StageInfo]:
        """The org's active opportunity stages and what they mean (``OpportunityStage``)."""
        rows = self._query(
            "stages",
            "SELECT ApiName, MasterLabel, IsClosed, IsWon, SortOrder FROM OpportunityStage "
            "WHERE IsActive = true ORDER BY SortOrder",
        )
        return [
            StageInfo(
                pipeline="",
                pipeline_label="",
                id=str(row.get("ApiName") or row["MasterLabel"]),
                label=str(row["MasterLabel"]),
                closed=bool(row.get("IsClosed")),
                won=bool(row.get("IsWon")),
                order=index,
            )
            for index, row in enumerate(rows)
        ]

    def opportunity_record_types(self, *, with_stages: bool = True) -> Sequence[RecordTypeInfo]:
        """Opportunity's available record types (describe's ``recordTypeInfos``, master
        left out) with the stages each one's sales process allows, read from the UI API's
        picklist values per record type (one call per record type, only with two or more).
        """
        infos = [
            info
            for info in self._describe("Opportunity").get("recordTypeInfos") or []
            if info.get("available") and not info.get("master")
        ]
        found: list[RecordTypeInfo] = []
        for info in infos:
            stages: tuple[str, ...] = ()
            if with_stages and len(infos) > 1:
                path = (
                    "ui-api/object-info/Opportunity/picklist-values/"
                    f"{info['recordTypeId']}/StageName"
                )
                answer = self._call("stages", partial(self._client.restful, path))
                stages = tuple(str(v["value"]) for v in json_object(answer).get("values") or [])
            found.append(
                RecordTypeInfo(
                    id=str(info["recordTypeId"]),
                    developer_name=str(info.get("developerName") or info["name"]),
                    name=str(info["name"]),
                    stages=stages,
                )
            )
        return found

    def currencies(self) -> CurrencySetup:
        """``CurrencyType`` (active codes, the corporate one) when Opportunity has
        ``CurrencyIsoCode``; else ``Organization.DefaultCurrencyIsoCode``."""
        fields = {f.get("name") for f in self._describe("Opportunity").get("fields") or []}
        if "CurrencyIsoCode" in fields:
            rows = self._query(
                "currencies",
                "SELECT IsoCode, IsCorporate FROM CurrencyType WHERE IsActive = true",
            )
            active = frozenset(str(row["IsoCode"]) for row in rows)
            corporate = next((str(r["IsoCode"]) for r in rows if r.get("IsCorporate")), "")
            return CurrencySetup(corporate=corporate, active=active, multi=True)
        rows = self._query("currencies", "SELECT DefaultCurrencyIsoCode FROM Organization")
        corporate = str(rows[0]["DefaultCurrencyIsoCode"]) if rows else ""
        return CurrencySetup(corporate=corporate, active=frozenset({corporate}), multi=False)

    def delete(self, object_type: str, ids: Sequence[str]) -> Sequence[WriteResult]:
        """Delete records through sObject Collections (200 ids a call, not all-or-none)."""
        results: list[WriteResult] = []
        size = self.capabilities.max_batch_write
        for start in range(0, len(ids), size):
            chunk = list(ids[start : start + size])
            answer = self._call(
                "delete",
                partial(
                    self._client.restful,
                    "composite/sobjects",
                    method="DELETE",
                    params={"ids": ",".join(chunk), "allOrNone": "false"},
                ),
                write=True,
            )
            rows = answer if isinstance(answer, list) else []
            for value, row in zip(chunk, rows, strict=False):
                errors = tuple(
                    ApiErrorDetail(code=str(e.get("statusCode")), message=str(e.get("message")))
                    for e in row.get("errors") or ()
                )
                results.append(WriteResult(key=value, id=None if errors else value, errors=errors))
        return results

    # -- helpers -----------------------------------------------------------------------

    def _user_info(self) -> Mapping[str, Any]:
        if self._userinfo is None:
            self._userinfo = self._call(
                "whoami", lambda: json_object(self._client.oauth2("userinfo"))
            )
        return self._userinfo

    def _describe(self, object_type: str) -> Mapping[str, Any]:
        if object_type not in self._describes:
            path = f"sobjects/{soql.checked_name(object_type)}/describe"
            self._describes[object_type] = self._call(
                "describe", lambda: json_object(self._client.restful(path))
            )
        return self._describes[object_type]

    def _count(self, object_type: str) -> int:
        query = f"SELECT COUNT() FROM {soql.checked_name(object_type)}"
        result = self._call("read_changes", lambda: self._client.query(query))
        return int(result.get("totalSize") or 0)

    def _read_in(
        self,
        object_type: str,
        field_name: str,
        values: Sequence[str],
        *,
        fields: Sequence[str],
        name: str,
    ) -> list[RemoteRecord]:
        rows = lookups.read_in(
            values,
            build=lambda chunk: soql.in_query(
                object_type, fields=fields, field_name=field_name, values=chunk
            ),
            query=lambda query: self._query(name, query),
            send_composite=lambda body: self._call(
                name, lambda: self._client.restful("composite", method="POST", json=body)
            ),
            query_more=lambda url: self._call(
                name, lambda: json_object(self._client.query_more(url, identifier_is_url=True))
            ),
            api_version=self._config.api_version,
        )
        return [records.remote_record(object_type, row) for row in rows]

    def _start_bulk(self, object_type: str, *, fields: Sequence[str], page_size: int) -> ChangePage:
        newest = self._query(
            "read_changes",
            f"SELECT Id, SystemModstamp FROM {soql.checked_name(object_type)} "
            "ORDER BY SystemModstamp DESC LIMIT 1",
        )
        until = records.parse_datetime(str(newest[0]["SystemModstamp"]))
        selectable = records.bulk_selectable(self._describe(object_type), fields)
        job_id = self._call(
            "read_changes", lambda: self._bulk.start(object_type, fields=selectable, until=until)
        )
        state = ChangeCursor(
            floor=until - self._config.overlap,
            extra={"bulk": {"job": job_id, "locator": "", "until": until.isoformat()}},
        )
        return self._bulk_page(object_type, state=state, fields=fields, page_size=page_size)

    def _bulk_page(
        self, object_type: str, *, state: ChangeCursor, fields: Sequence[str], page_size: int
    ) -> ChangePage:
        """One page of a bulk backfill.

        Results are fetched :data:`BULK_RESULTS_PER_CALL` at a time and handed out a page
        at a time; the cursor names the fetched set (its locator) and how much of it was
        delivered, so a new process resumes by fetching that set again.
        """
        bulk = dict(state.extra["bulk"])
        if not bulk.get("ready"):
            self._call("read_changes", lambda: self._bulk.wait(bulk["job"]))
            bulk["ready"] = True
        key = (str(bulk["job"]), str(bulk["locator"]))
        if self._bulk_results is None or self._bulk_results[0] != key:
            types = records.raw_types(self._describe(object_type))
            fetched = self._call(
                "read_changes",
                lambda: self._bulk.page(
                    object_type,
                    job_id=bulk["job"],
                    locator=bulk["locator"],
                    page_size=max(page_size, BULK_RESULTS_PER_CALL),
                    types=types,
                ),
            )
            self._bulk_results = (key, fetched)
        fetched = self._bulk_results[1]
        offset = int(bulk.get("offset", 0))
        delivered = fetched.records[offset : offset + page_size]
        offset += len(delivered)
        # Pairs inside the overlap window are remembered so the incremental read that
        # follows the backfill does not deliver them again; at most the feed's
        # MAX_SEEN of them, as the feed itself keeps (capping page by page keeps the
        # same pairs and floor as capping once at the end: the floor only rises). A
        # backfill of records all changed within the window would otherwise carry
        # every pair in each page's cursor.
        tail = {
            (record.id, record.modified_at)
            for record in delivered
            if record.modified_at >= state.floor
        }
        seen = capped(ChangeCursor(floor=state.floor, seen=state.seen | tail), max_seen=MAX_SEEN)
        done = offset >= len(fetched.records) and fetched.locator is None
        if done:
            self._bulk_results = None
            next_state = seen
        else:
            if offset >= len(fetched.records):
                bulk["locator"], offset = fetched.locator, 0
            bulk["offset"] = offset
            next_state = replace(seen, extra={"bulk": bulk})
        return ChangePage(records=delivered, next_cursor=next_state.encode(), has_more=not done)


BULK_RESULTS_PER_CALL: Final = 10_000
"""Bulk query results fetched per call (``maxRecords``); pages are handed out from them."""

SANDBOX_IDENTITY_HOSTS: Final = ("test.salesforce.com",)
SANDBOX_IDENTITY_MARKERS: Final = (".sandbox.",)


def is_sandbox_identity(identity_url: str) -> bool:
    """True when the identity URL (userinfo ``sub``) is issued by a sandbox login host.

    Sandbox identities live on test.salesforce.com (or a ``.sandbox.`` My Domain),
    production ones on login.salesforce.com: no extra call (the ``Organization``
    object's ``IsSandbox`` would cost one) is needed.
    """
    host = (urlsplit(identity_url).hostname or "").lower()
    return host in SANDBOX_IDENTITY_HOSTS or any(mark in host for mark in SANDBOX_IDENTITY_MARKERS)


def _translated(fn: Callable[[], T], session: ObservedSession) -> T:
    """Call ``fn``; a client exception becomes the matching crmsync error."""
    try:
        return fn()
    except _CLIENT_ERRORS as error:
        raise translate(error, retry_after=session.meter.last_retry_after) from error


__all__ = [
    "SALESFORCE_CAPABILITIES",
    "IntegrationUser",
    "SalesforceConnector",
    "WriteInterruptedError",
]
