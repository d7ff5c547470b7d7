"""The HubSpot adapter: :class:`~crmsync.connectors.base.Connector` on hubspot-api-client.

Every call goes through the observed transport (budget, rate-limit headers, error
translation). The generated APIs are called with ``_preload_content=False`` and the
wire JSON is read as is: property values stay the strings HubSpot sent, and a 201
or 207 is never silently turned into ``None`` by a status the generated code does
not expect (wire facts §0).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, Final, Literal

import urllib3

from crmsync.connectors.base import (
    ApiErrorDetail,
    ApiUsage,
    AssociationType,
    AssociationWrite,
    CallObserver,
    Capabilities,
    ChangePage,
    FieldInfo,
    NoBudget,
    ObjectCapabilities,
    RemoteRecord,
    StageInfo,
    System,
    WriteRequest,
    WriteResult,
)
from crmsync.connectors.errors import ConnectionLostError, NotFoundError
from crmsync.connectors.hubspot import association_fields, change_feed, list_read, records
from crmsync.connectors.hubspot.change_feed import SEARCH_RESULT_CAP
from crmsync.connectors.hubspot.client import HubSpotApis, build_apis
from crmsync.connectors.hubspot.config import HubSpotConfig
from crmsync.connectors.hubspot.errors import parse_body
from crmsync.connectors.hubspot.labels import AssociationLabelCalls
from crmsync.connectors.hubspot.pacing import SearchPacer
from crmsync.connectors.hubspot.transport import UsageMeter, purpose
from crmsync.connectors.hubspot.writes import (
    CASE_INSENSITIVE_KEYS,
    UNIQUE_KEYS,
    association_results,
    create_all,
    unique_value,
    update_all,
)
from crmsync.connectors.oauth import StaticToken, TokenSource
from crmsync.connectors.retry import RetryPolicy, call_with_retry
from crmsync.connectors.writes import Chunk, run_chunks
from crmsync.errors import ConfigurationError, FatalError, RecordError

HUBSPOT_CAPABILITIES: Final = Capabilities(
    max_batch_write=100,  # batch/create and batch/update take 100 inputs
    max_batch_read=100,  # batch/read takes 100 inputs
    supports_upsert=False,
    supports_bulk_read=False,
    objects={
        object_type: ObjectCapabilities(
            unique_fields=(key,),
            case_insensitive_fields=(key,) if key in CASE_INSENSITIVE_KEYS else (),
        )
        for object_type, key in UNIQUE_KEYS.items()
    },
)
ASSOCIATION_BATCH: Final = 100
"""Inputs per v4 association batch call (the connector keeps HubSpot's write size)."""


class HubSpotConnector(AssociationLabelCalls):
    """Reads and writes one HubSpot account."""

    system = System.HUBSPOT
    capabilities = HUBSPOT_CAPABILITIES

    def __init__(
        self, *, apis: HubSpotApis, meter: UsageMeter, config: HubSpotConfig, retry: RetryPolicy
    ) -> None:
        self._apis = apis
        self._meter = meter
        self._config = config
        self._retry = retry
        self._portal_id: str | None = None
        self._search_pacer = SearchPacer(per_second=config.search_per_second)
        self._properties: dict[str, list[Mapping[str, Any]]] = {}
        self.tokens: TokenSource | None = None

    @classmethod
    def from_config(
        cls,
        config: HubSpotConfig,
        *,
        observer: CallObserver | None = None,
        retry: RetryPolicy | None = None,
        tokens: TokenSource | None = None,
    ) -> HubSpotConnector:
        """Build the client; no call is made until the first method call.

        ``tokens`` is an OAuth app's self-renewing source; without it the config's
        private-app token is used as is.
        """
        if tokens is None:
            if config.access_token is None:
                raise ConfigurationError("set CRMSYNC_HUBSPOT_TOKEN or connect an OAuth app")
            tokens = StaticToken(config.access_token, flow="private_app")
        meter = UsageMeter()
        apis = build_apis(config, observer=observer or NoBudget(), meter=meter, tokens=tokens)
        connector = cls(apis=apis, meter=meter, config=config, retry=retry or RetryPolicy())
        connector.tokens = tokens
        return connector

    # -- the boundary ------------------------------------------------------------------

    def _json(self, name: str, fn: Callable[[], Any], *, write: bool = False) -> Any:
        """Run one API call labelled ``name`` with retries; its parsed JSON body.

        The transport already raised crmsync errors for non-2xx answers.
        """

        def once() -> Any:
            response = fn()
            try:
                body = response.data
            except urllib3.exceptions.HTTPError as error:
                # The answer broke off mid-body (bodies are read lazily): the call may
                # have taken effect, so a write is not resent.
                raise ConnectionLostError(
                    f"HubSpot's answer broke off: {type(error).__name__}"
                ) from error
            finally:
                response.release_conn()
            return parse_body(body)

        with purpose(name):
            return call_with_retry(once, policy=self._retry, write=write)

    def _opts(self) -> dict[str, Any]:
        return {"_preload_content": False, "_request_timeout": self._config.timeout_seconds}

    # -- Connector ---------------------------------------------------------------------

    def account_id(self) -> str:
        """The portal id, from ``/account-info/v3/details``."""
        if self._portal_id is None:
            # account-info is not in hubspot-api-client 12, and its ``api_request``
            # uses module-level ``requests`` (no session: it would bypass the observed
            # transport). The generic ``call_api`` of a generated client shares it.
            api_client = self._apis.objects_basic.api_client
            body = self._json(
                "account_id",
                lambda: api_client.call_api(
                    "/account-info/v3/details",
                    "GET",
                    auth_settings=["oauth2"],
                    response_types_map={},
                    _return_http_data_only=True,
                    **self._opts(),
                ),
            )
            self._portal_id = str(body["portalId"])
        return self._portal_id

    def describe(self, object_type: str) -> Mapping[str, FieldInfo]:
        """The properties of ``object_type`` by name (cached per connector)."""
        if object_type not in self._properties:
            body = self._json(
                "describe", lambda: self._apis.properties.get_all(object_type, **self._opts())
            )
            self._properties[object_type] = list(body.get("results") or [])
        return {
            str(prop["name"]): records.field_info(prop)
            for prop in self._properties[object_type]
            if not prop.get("archived")
        }

    def read_changes(
        self, object_type: str, *, cursor: str | None, fields: Sequence[str], page_size: int
    ) -> ChangePage:
        """Records modified since ``cursor`` (see :mod:`.change_feed`).

        A first read (no cursor) goes through the objects list (:mod:`.list_read`).
        Every search asks for at most 10,000 rows, and each one starts from the
        feed's position rather than paging on, so the search cap is never crossed:
        the position is the time slice (wire facts B.4).
        """
        real, wanted = association_fields.split(fields)
        search = partial(self._search, object_type, fields=real)
        if list_read.applies(cursor):
            # A backfill reads by the objects list, outside the search limit (.list_read).
            page = list_read.read_changes(
                partial(self._list_page, object_type, fields=real),
                search,
                object_type=object_type,
                cursor=cursor,
                page_size=page_size,
                overlap=self._config.overlap,
            )
        else:
            page = change_feed.read_changes(
                search,
                object_type=object_type,
                cursor=cursor,
                page_size=page_size,
                overlap=self._config.overlap,
            )
        if not wanted:
            return page
        return ChangePage(
            records=self._with_associations(object_type, page.records, wanted),
            next_cursor=page.next_cursor,
            has_more=page.has_more,
        )

    def read_by_ids(
        self, object_type: str, ids: Sequence[str], *, fields: Sequence[str]
    ) -> Sequence[RemoteRecord]:
        """Records by id through ``batch/read`` (100 per call); missing ids left out."""
        return self._batch_read(object_type, ids, fields=fields, id_property=None)

    def find_by(
        self, object_type: str, field_name: str, values: Sequence[str], *, fields: Sequence[str]
    ) -> Sequence[RemoteRecord]:
        """Records by a unique property (``email``) through ``batch/read``.

        Not search: a contact created seconds ago is not in the search index yet, and
        matching it late would create a duplicate.
        """
        if field_name in ("id", "hs_object_id"):
            return self.read_by_ids(object_type, values, fields=fields)
        return self._batch_read(object_type, values, fields=fields, id_property=field_name)

    def write(self, requests: Sequence[WriteRequest]) -> Sequence[WriteResult]:
        """``batch/create`` and ``batch/update``, 100 per call; conflicts become matches."""

        def send_chunk(chunk: Chunk) -> list[WriteResult]:
            if chunk.create:
                return create_all(
                    chunk.object_type,
                    chunk.requests,
                    send=self._batch_sender(chunk.object_type),
                    find_existing=self._find_existing,
                )
            return update_all(
                chunk.object_type, chunk.requests, send=self._batch_sender(chunk.object_type)
            )

        return run_chunks(requests, size=self.capabilities.max_batch_write, send=send_chunk)

    def usage(self) -> ApiUsage:
        """Calls made by this connector and the rate-limit headers HubSpot last sent."""
        return self._meter.snapshot()

    def owner_emails(self) -> Mapping[str, str]:
        """Active owners (``/crm/v3/owners``, all pages) by owner id → email."""
        owners: dict[str, str] = {}
        after: str | None = None
        while True:
            options = {"limit": 500, "archived": False, **({"after": after} if after else {})}
            body = self._json(
                "owners", partial(self._apis.owners.get_page, **options, **self._opts())
            )
            for owner in body.get("results") or ():
                if owner.get("email"):
                    owners[str(owner["id"])] = str(owner["email"])
            after = _next_after(body)
            if after is None:
                return owners

    # -- HubSpot-only ------------------------------------------------------------------

    def list_name(self, list_id: str) -> str | None:
        """The name of a Lists v3 list, or ``None`` when the portal has no such list (R8)."""
        try:
            body = self._json(
                "list_read", partial(self._apis.lists.get_by_id, list_id, **self._opts())
            )
        except NotFoundError:
            return None
        found = body.get("list") if isinstance(body, dict) else None
        return str(found.get("name") or list_id) if isinstance(found, dict) else None

    def list_member_ids(self, list_id: str) -> set[str]:
        """Record ids on a Lists v3 list (the R8 inclusion list), all pages."""
        return set(self.list_members(list_id))

    def list_members(self, list_id: str) -> dict[str, str]:
        """Members of a Lists v3 list with when each joined (``membershipTimestamp``)."""
        members: dict[str, str] = {}
        after: str | None = None
        while True:
            options = {"limit": 250, **({"after": after} if after else {}), **self._opts()}
            body = self._json(
                "list_members", partial(self._apis.list_memberships.get_page, list_id, **options)
            )
            for row in body.get("results") or ():
                members[str(row["recordId"])] = str(row.get("membershipTimestamp") or "")
            after = _next_after(body)
            if after is None:
                return members

    def ensure_unique_property(self, object_type: str, name: str, label: str) -> None:
        """Create a text property with unique values unless ``object_type`` has it.

        crmsync keys the records it creates with one (a company's Salesforce account
        id), so a create repeated after a crash collides instead of duplicating.
        """
        if name in self.describe(object_type):
            return
        group = {"companies": "companyinformation", "contacts": "contactinformation"}
        # Other objects (engagements) name their groups differently: use an existing one.
        existing = next(
            (
                str(p["groupName"])
                for p in self._properties.get(object_type, ())
                if p.get("groupName")
            ),
            f"{object_type[:-1]}information",
        )
        body = {
            "name": name,
            "label": label,
            "type": "string",
            "fieldType": "text",
            "groupName": group.get(object_type, existing),
            "hasUniqueValue": True,
            "description": "Set by crmsync on records it creates; do not edit.",
        }
        self._post("ensure_property", f"/crm/v3/properties/{object_type}", body, write=True)
        self._properties.pop(object_type, None)

    def associate(
        self, kind: AssociationType, requests: Sequence[AssociationWrite]
    ) -> Sequence[WriteResult]:
        """v4 ``batch/create`` of one association type, 100 per call.

        A primary company (type 1) replaces the contact's previous primary, as in
        HubSpot. A refused call fails every input of it with HubSpot's own error.
        """
        results: list[WriteResult] = []
        path = f"/crm/v4/associations/{kind.from_object}/{kind.to_object}/batch/create"
        for start in range(0, len(requests), ASSOCIATION_BATCH):
            chunk = requests[start : start + ASSOCIATION_BATCH]
            body = {
                "inputs": [
                    {
                        "from": {"id": request.from_id},
                        "to": {"id": request.to_id},
                        "types": [
                            {
                                "associationCategory": kind.category,
                                "associationTypeId": kind.type_id,
                            }
                        ],
                    }
                    for request in chunk
                ]
            }
            try:
                answer = self._post("associate", path, body, write=True)
            except RecordError as refused:
                detail = ApiErrorDetail(code=refused.api_code, message=refused.api_message)
                results.extend(
                    WriteResult(key=request.key, id=None, errors=(detail,)) for request in chunk
                )
                continue
            results.extend(association_results(chunk, answer))
        return results

    def associated_ids(
        self, from_object: str, to_object: str, ids: Sequence[str]
    ) -> Mapping[str, tuple[str, ...]]:
        """v4 ``batch/read``: every ``to_object`` id associated with each record."""
        return {
            source: tuple(target for target, _types in targets)
            for source, targets in self._associated_targets(from_object, to_object, ids).items()
        }

    def dissociate(
        self, from_object: str, to_object: str, pairs: Sequence[tuple[str, str]]
    ) -> None:
        """v4 ``batch/archive``: remove every association between each (from, to) pair."""
        path = f"/crm/v4/associations/{from_object}/{to_object}/batch/archive"
        for start in range(0, len(pairs), ASSOCIATION_BATCH):
            chunk = pairs[start : start + ASSOCIATION_BATCH]
            body = {"inputs": [{"from": {"id": a}, "to": [{"id": b}]} for a, b in chunk]}
            self._post("dissociate", path, body, write=True)

    def deal_stages(self) -> Sequence[StageInfo]:
        """Every stage of every deal pipeline (``/crm/v3/pipelines/deals``), in order.

        A stage is won when it is closed with probability 1 (HubSpot's "Closed Won").
        """
        api_client = self._apis.objects_basic.api_client
        answer = self._json(
            "pipelines",
            partial(
                api_client.call_api,
                "/crm/v3/pipelines/deals",
                "GET",
                auth_settings=["oauth2"],
                response_types_map={},
                _return_http_data_only=True,
                **self._opts(),
            ),
        )
        stages: list[StageInfo] = []
        pipelines = sorted(
            (answer or {}).get("results") or (), key=lambda row: int(row.get("displayOrder") or 0)
        )
        for pipeline in pipelines:
            for stage in pipeline.get("stages") or ():
                if stage.get("archived"):
                    continue
                metadata = stage.get("metadata") or {}
                closed = str(metadata.get("isClosed", "false")).lower() == "true"
                probability = float(metadata.get("probability") or 0)
                stages.append(
                    StageInfo(
                        pipeline=str(pipeline["id"]),
                        pipeline_label=str(pipeline.get("label") or pipeline["id"]),
                        id=str(stage["id"]),
                        label=str(stage.get("label") or stage["id"]),
                        closed=closed,
                        won=closed and probability >= 1,
                        order=len(stages),
                    )
                )
        return stages

    def delete(self, object_type: str, ids: Sequence[str]) -> Sequence[WriteResult]:
        """Archive records (``batch/archive``, 100 per call); archived ids count as done."""
        results: list[WriteResult] = []
        for start in range(0, len(ids), ASSOCIATION_BATCH):
            chunk = ids[start : start + ASSOCIATION_BATCH]
            try:
                self._post(
                    "delete",
                    f"/crm/v3/objects/{object_type}/batch/archive",
                    {"inputs": [{"id": value} for value in chunk]},
                    write=True,
                )
            except RecordError as refused:
                detail = ApiErrorDetail(code=refused.api_code, message=refused.api_message)
                results.extend(WriteResult(key=value, id=None, errors=(detail,)) for value in chunk)
                continue
            results.extend(WriteResult(key=value, id=value) for value in chunk)
        return results

    def _associated_targets(
        self, from_object: str, to_object: str, ids: Sequence[str]
    ) -> dict[str, list[tuple[str, frozenset[int]]]]:
        """v4 ``batch/read``: each record's associated ids with their type ids."""
        found: dict[str, list[tuple[str, frozenset[int]]]] = {}
        path = f"/crm/v4/associations/{from_object}/{to_object}/batch/read"
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), ASSOCIATION_BATCH):
            body = {
                "inputs": [{"id": value} for value in unique[start : start + ASSOCIATION_BATCH]]
            }
            answer = self._post("associated_ids", path, body)
            for row in (answer or {}).get("results") or ():
                source = str((row.get("from") or {}).get("id"))
                found[source] = [
                    (
                        str(target["toObjectId"]),
                        frozenset(
                            int(kind["typeId"]) for kind in target.get("associationTypes") or ()
                        ),
                    )
                    for target in row.get("to") or ()
                ]
        return found

    def contact_lists(self) -> list[tuple[str, str]]:
        """Every contact list of the account as ``(list id, name)``, by name (R8's choice)."""
        found: list[tuple[str, str]] = []
        offset = 0
        while True:
            request = {"query": "", "offset": offset, "count": 500, "additionalProperties": []}
            body = self._json("lists", partial(self._apis.lists.do_search, request, **self._opts()))
            for row in body.get("lists") or ():
                if str(row.get("objectTypeId", "0-1")) == "0-1":
                    found.append((str(row["listId"]), str(row.get("name") or row["listId"])))
            if not body.get("hasMore"):
                return sorted(found, key=lambda pair: pair[1].casefold())
            offset = int(body.get("offset") or offset + 500)

    # -- helpers -----------------------------------------------------------------------

    def _post(self, name: str, path: str, body: Mapping[str, Any], *, write: bool = False) -> Any:
        """POST JSON to an endpoint the generated clients do not model (v4 association
        batches, property creation), through the same observed, retried transport."""
        return self._request(name, "POST", path, body, write=write)

    def _request(
        self,
        name: str,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        write: bool | None = None,
    ) -> Any:
        """One JSON call the generated clients do not model; a POST with no ``write`` is
        a write unless it only reads (``batch/read``), as ``_post`` callers say."""
        api_client = self._apis.objects_basic.api_client
        extra: dict[str, Any] = {}
        if body is not None:
            extra = {"body": dict(body), "header_params": {"Content-Type": "application/json"}}
        return self._json(
            name,
            partial(
                api_client.call_api,
                path,
                method,
                auth_settings=["oauth2"],
                response_types_map={},
                _return_http_data_only=True,
                **extra,
                **self._opts(),
            ),
            write=bool(write) if write is not None else method != "GET",
        )

    def _search(
        self,
        object_type: str,
        filters: list[dict[str, Any]],
        sort_property: str,
        limit: int,
        *,
        fields: Sequence[str],
    ) -> change_feed.Found:
        """One search with ``filters`` ANDed, paged until ``limit`` rows; ascending by
        ``sort_property``, descending when it is written ``-name``."""
        modified = records.modified_property(object_type)
        properties = list(dict.fromkeys([*fields, modified]))
        rows: list[Mapping[str, Any]] = []
        total = 0
        after = 0
        limit = min(limit, SEARCH_RESULT_CAP)
        while len(rows) < limit:
            body = {
                "filterGroups": [{"filters": filters}] if filters else [],
                "sorts": [
                    {
                        "propertyName": sort_property.lstrip("-"),
                        "direction": "DESCENDING" if sort_property.startswith("-") else "ASCENDING",
                    }
                ],
                "properties": properties,
                "limit": min(self._config.search_page_size, limit - len(rows)),
                "after": str(after),
            }
            search = partial(self._apis.objects_search.do_search, object_type, body, **self._opts())
            answer = self._json("read_changes", partial(_paced, self._search_pacer, search))
            page = list(answer.get("results") or [])
            total = int(answer.get("total") or 0)
            rows.extend(page)
            next_after = _next_after(answer)
            if not page or next_after is None:
                break
            after = int(next_after)
        return change_feed.Found(
            rows=[records.remote_record(object_type, obj) for obj in rows],
            more=total > len(rows),
        )

    def _list_page(
        self, object_type: str, after: str | None, limit: int, *, fields: Sequence[str]
    ) -> list_read.Listed:
        """One page of the objects list (``GET /crm/v3/objects/{type}``), by id."""
        properties = list(dict.fromkeys([*fields, records.modified_property(object_type)]))
        paging: dict[str, Any] = {"after": after} if after is not None else {}
        answer = self._json(
            "read_changes",
            partial(
                self._apis.objects_basic.get_page,
                object_type,
                limit=limit,
                properties=properties,
                archived=False,
                **paging,
                **self._opts(),
            ),
        )
        return list_read.Listed(
            rows=[records.remote_record(object_type, obj) for obj in answer.get("results") or []],
            after=_next_after(answer),
        )

    def _batch_read(
        self,
        object_type: str,
        values: Sequence[str],
        *,
        fields: Sequence[str],
        id_property: str | None,
    ) -> list[RemoteRecord]:
        real, wanted = association_fields.split(fields)
        found = self._batch_read_properties(
            object_type, values, fields=real, id_property=id_property
        )
        return self._with_associations(object_type, found, wanted)

    def _with_associations(
        self,
        object_type: str,
        found: Sequence[RemoteRecord],
        wanted: Sequence[association_fields.AssociationField],
    ) -> list[RemoteRecord]:
        return association_fields.enrich(
            found, wanted, from_object=object_type, read=self._associated_targets
        )

    def _batch_read_properties(
        self,
        object_type: str,
        values: Sequence[str],
        *,
        fields: Sequence[str],
        id_property: str | None,
    ) -> list[RemoteRecord]:
        found: list[RemoteRecord] = []
        unique = list(dict.fromkeys(values))
        properties = list(dict.fromkeys([*fields, records.modified_property(object_type)]))
        for start in range(0, len(unique), self.capabilities.max_batch_read):
            body: dict[str, Any] = {
                "inputs": [
                    {"id": value}
                    for value in unique[start : start + self.capabilities.max_batch_read]
                ],
                "properties": properties,
                "propertiesWithHistory": [],
            }
            if id_property:
                body["idProperty"] = id_property
            try:
                answer = self._json(
                    "read_by_ids" if id_property is None else "find_by",
                    partial(
                        self._apis.objects_batch.read,
                        object_type,
                        body,
                        archived=False,
                        **self._opts(),
                    ),
                )
            except NotFoundError:
                # Some portals answer 404 rather than 207 when no input exists.
                continue
            found.extend(
                records.remote_record(object_type, obj) for obj in answer.get("results") or ()
            )
        return found

    def _find_existing(
        self, object_type: str, property_name: str, values: Sequence[str]
    ) -> Mapping[str, str]:
        matches = self._batch_read(
            object_type, values, fields=[property_name], id_property=property_name
        )
        return {
            unique_value(property_name, record.fields.get(property_name) or ""): record.id
            for record in matches
        }

    def _batch_sender(
        self, object_type: str
    ) -> Callable[[Literal["create", "update"], Mapping[str, Any]], Any]:
        def send(kind: Literal["create", "update"], body: Mapping[str, Any]) -> Any:
            method = (
                self._apis.objects_batch.create
                if kind == "create"
                else self._apis.objects_batch.update
            )
            answer = self._json(
                f"write_{kind}", lambda: method(object_type, dict(body), **self._opts()), write=True
            )
            if not isinstance(answer, Mapping):
                raise FatalError(f"HubSpot batch/{kind} answered without a JSON body")
            return answer

        return send


def _paced(pacer: SearchPacer, call: Callable[[], Any]) -> Any:
    # Inside the retried call, so a retry of a search waits its turn as well.
    pacer.wait()
    return call()


def _next_after(body: Mapping[str, Any]) -> str | None:
    paging = body.get("paging") or {}
    after = (paging.get("next") or {}).get("after")
    return str(after) if after not in (None, "") else None


__all__ = ["HUBSPOT_CAPABILITIES", "HubSpotConnector"]
