"""``/crm/v3/objects/{objectType}``: CRUD, batch, search and merge (wire facts B.2-B.4)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from crmsync.emulators.hubspot import catalog, wire_input
from crmsync.emulators.hubspot.account import HubSpotAccount
from crmsync.emulators.hubspot.associations import target_type_of
from crmsync.emulators.hubspot.errors import (
    BatchErrors,
    HubSpotApiError,
    bad_request,
    conflict,
    not_found,
)
from crmsync.emulators.hubspot.http import Call, api, json_response, no_content, object_scope
from crmsync.emulators.hubspot.search import run_search
from crmsync.emulators.hubspot.store import Record
from crmsync.emulators.hubspot.values import iso
from crmsync.emulators.hubspot.wire import batch_envelope, decode_cursor, encode_cursor, render

MAX_BATCH = 100
MAX_LIST_PAGE = 100


def _record_id(raw: str) -> int:
    return int(raw) if raw.isdecimal() else -1


def _render(
    call: Call,
    record: Record,
    *,
    properties: list[str] | None = None,
    history: list[str] | None = None,
    associations: list[str] | None = None,
) -> dict[str, Any]:
    return render(
        record,
        store=call.account.store,
        properties=properties,
        with_history=history,
        associations=associations,
        links=call.account.links,
    )


def _inputs(body: dict[str, Any], *, java_type: str) -> list[dict[str, Any]]:
    inputs = body.get("inputs")
    if inputs is None:
        raise bad_request("inputs is required")
    if not isinstance(inputs, list):
        raise wire_input.cannot_deserialize(f"java.util.ArrayList<{java_type}>", inputs)
    if len(inputs) > MAX_BATCH:
        raise bad_request(
            f"Too many inputs: {len(inputs)}; a batch takes at most {MAX_BATCH}",
            sub_category="crm.BATCH_TOO_LARGE",
        )
    return wire_input.input_objects(inputs, java_type=java_type)


def _associate_on_create(call: Call, object_type: str, record_id: int, specs: list[Any]) -> None:
    """Apply ``associations`` of a create input; the targets must exist."""
    account = call.account
    for spec in specs or []:
        to_id = _record_id(str(spec.get("to", {}).get("id", "")))
        types = spec.get("types") or []
        if not types:
            raise bad_request("each association needs at least one type")
        for t in types:
            type_id = int(t.get("associationTypeId", 0))
            to_type = target_type_of(
                from_type=object_type, type_id=type_id, labels=account.links.labels
            )
            if account.store.get(to_type, to_id) is None:
                raise bad_request(
                    f"{catalog.OBJECT_TYPES[to_type].singular} {to_id} does not exist; "
                    "cannot create association",
                    sub_category="crm.associations.INVALID_OBJECT_IDS",
                )
            account.links.add(
                from_type=object_type,
                from_id=record_id,
                to_type=to_type,
                to_id=to_id,
                type_ids=[type_id],
            )


def _associations(body: dict[str, Any]) -> list[dict[str, Any]]:
    return wire_input.association_specs(body.get("associations"))


def _check_association_targets(call: Call, object_type: str, specs: list[Any]) -> None:
    for spec in specs or []:
        to_id = _record_id(str(spec.get("to", {}).get("id", "")))
        for t in spec.get("types") or []:
            to_type = target_type_of(
                from_type=object_type,
                type_id=int(t.get("associationTypeId", 0)),
                labels=call.account.links.labels,
            )
            if call.account.store.get(to_type, to_id) is None:
                raise bad_request(
                    f"{catalog.OBJECT_TYPES[to_type].singular} {to_id} does not exist; "
                    "cannot create association",
                    sub_category="crm.associations.INVALID_OBJECT_IDS",
                )


# --- single-record calls -----------------------------------------------------------------
async def list_objects(call: Call) -> Response:
    """GET a page of records ordered by id, with an opaque ``after`` cursor."""
    meta = call.object_type()
    limit = call.query_int("limit", default=10)
    if not 1 <= limit <= MAX_LIST_PAGE:
        raise bad_request(f"limit must be between 1 and {MAX_LIST_PAGE}")
    start = decode_cursor(call.query("after"))
    archived = call.query_flag("archived")
    table = call.account.store.records[meta.name]
    ids = sorted(
        rid for rid, r in table.items() if rid >= start and (r.archived_at is not None) == archived
    )
    page = ids[: limit + 1]
    props, history = call.query_list("properties"), call.query_list("propertiesWithHistory")
    assoc = call.query_list("associations")
    body: dict[str, Any] = {
        "results": [
            _render(call, table[rid], properties=props, history=history, associations=assoc)
            for rid in page[:limit]
        ]
    }
    if len(page) > limit:
        cursor = encode_cursor(page[limit])
        body["paging"] = {"next": {"after": cursor, "link": f"?after={cursor}"}}
    return json_response(body)


def _lookup(call: Call, meta: catalog.ObjectType, raw_id: str, *, archived: bool = False) -> Record:
    id_property = call.query("idProperty")
    record = call.account.store.find(
        meta.name, id_property or "hs_object_id", raw_id, archived=archived
    )
    if record is None:
        raise not_found(f"Object not found.  objectId are usually numeric. ({raw_id})")
    return record


async def get_object(call: Call) -> Response:
    """GET one record by id or by a unique property (``idProperty``)."""
    meta = call.object_type()
    record = _lookup(call, meta, call.param("objectId"), archived=call.query_flag("archived"))
    return json_response(
        _render(
            call,
            record,
            properties=call.query_list("properties"),
            history=call.query_list("propertiesWithHistory"),
            associations=call.query_list("associations"),
        )
    )


async def create_object(call: Call) -> Response:
    """POST one record: 201, or 400/409 with HubSpot's body."""
    meta = call.object_type()
    body = await call.object_body()
    values = wire_input.property_values(body.get("properties"))
    store = call.account.store
    with store.lock:
        changes = store.prepare(meta.name, values, current=None)
        _check_association_targets(call, meta.name, _associations(body))
        record = store.insert(meta.name, changes)
        _associate_on_create(call, meta.name, record.id, _associations(body))
        store.save([record])
    return json_response(_render(call, record, properties=list(values)), status=201)


async def update_object(call: Call) -> Response:
    """PATCH one record's properties."""
    meta = call.object_type()
    body = await call.object_body()
    values = wire_input.property_values(body.get("properties"))
    store = call.account.store
    with store.lock:
        record = _lookup(call, meta, call.param("objectId"))
        changes = store.prepare(meta.name, values, current=record)
        store.update(record, changes)
        store.save([record])
    return json_response(_render(call, record, properties=list(values)))


async def archive_object(call: Call) -> Response:
    """DELETE one record: always 204, even when it does not exist (B.2)."""
    meta = call.object_type()
    store = call.account.store
    with store.lock:
        record = store.get(meta.name, _record_id(call.param("objectId")))
        if record is not None:
            store.archive(record)
            store.save([record])
    return no_content()


async def merge_objects(call: Call) -> Response:
    """POST merge: the primary survives, the other is archived and redirects to it."""
    meta = call.object_type()
    body = await call.object_body()
    store = call.account.store
    with store.lock:
        primary = store.get(meta.name, _record_id(wire_input.object_id(body, "primaryObjectId")))
        other = store.get(meta.name, _record_id(wire_input.object_id(body, "objectIdToMerge")))
        if primary is None or other is None:
            raise not_found("Object not found: one of the records to merge does not exist")
        if primary.id == other.id:
            raise bad_request("Cannot merge an object with itself")
        call.account.links.move(object_type=meta.name, from_id=other.id, to_id=primary.id)
        store.merge(meta.name, primary, other)
        store.save([primary, other])
    return json_response(_render(call, primary))


async def gdpr_delete(call: Call) -> Response:
    """POST gdpr-delete: permanently removes a contact (by id or email)."""
    body = await call.object_body()
    store = call.account.store
    with store.lock:
        record = store.find(
            "contacts",
            wire_input.optional_string(body, "idProperty") or "hs_object_id",
            wire_input.object_id(body, "objectId"),
        )
        if record is None:
            raise not_found("Object not found")
        store.archive(record)
        record.properties = {"hs_object_id": str(record.id)}
        record.history = {}
        store.save([record])
    return no_content()


# --- batch calls ----------------------------------------------------------------------
async def batch_read(call: Call) -> Response:
    """Read up to 100 records by id or ``idProperty``: 200, or 207 listing missing ids."""
    meta = call.object_type()
    body = await call.object_body()
    started = iso(call.account.clock.now())
    inputs = _inputs(body, java_type="SimplePublicObjectId")
    archived = call.query_flag("archived")
    id_property = wire_input.optional_string(body, "idProperty") or "hs_object_id"
    props = wire_input.string_list(body.get("properties"))
    history = wire_input.string_list(body.get("propertiesWithHistory"))
    errors = BatchErrors(object_label=meta.singular.upper())
    results = []
    for item in inputs:
        raw = wire_input.object_id(item)
        record = call.account.store.find(meta.name, id_property, raw, archived=archived)
        if record is None:
            errors.missing(raw)
        else:
            results.append(_render(call, record, properties=props, history=history))
    if not results and inputs and call.account.settings.batch_read_all_missing_404:
        raise not_found(f"Could not get some {meta.singular.upper()} objects")
    return _batch_answer(call, results=results, errors=errors, started=started, created=False)


def _batch_answer(
    call: Call, *, results: list[dict[str, Any]], errors: BatchErrors, started: str, created: bool
) -> Response:
    rows = errors.collect()
    body = batch_envelope(
        results=results, errors=rows, started=started, completed=iso(call.account.clock.now())
    )
    if rows:
        return json_response(body, status=207)
    return json_response(body, status=201 if created else 200)


async def batch_create(call: Call) -> Response:
    """Create up to 100 records; all-or-nothing (400/409) unless every input has a trace id."""
    meta = call.object_type()
    body = await call.object_body()
    started = iso(call.account.clock.now())
    inputs = _inputs(body, java_type="SimplePublicObjectInputForCreate")
    store = call.account.store
    per_row = bool(inputs) and all(i.get("objectWriteTraceId") for i in inputs)
    errors = BatchErrors(object_label=meta.singular.upper())
    with store.lock:
        prepared: list[tuple[dict[str, Any], dict[str, str]]] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(inputs):
            try:
                changes = store.prepare(meta.name, item.get("properties") or {}, current=None)
                _check_association_targets(call, meta.name, _associations(item))
                email = changes.get("email") if meta.name == "contacts" else None
                if email and email in seen:
                    raise conflict(
                        f"Duplicate IDs found in batch input: [{email}]. IDs must be unique"
                    )
                if email:
                    seen[email] = index
            except HubSpotApiError as error:
                if not per_row:
                    raise
                errors.add(error, record_id=str(item.get("objectWriteTraceId")))
                continue
            prepared.append((item, changes))
        records = []
        results = []
        for item, changes in prepared:
            record = store.insert(meta.name, changes)
            _associate_on_create(call, meta.name, record.id, _associations(item))
            records.append(record)
            shown = _render(call, record, properties=list(item.get("properties") or {}))
            if item.get("objectWriteTraceId"):
                shown["objectWriteTraceId"] = item["objectWriteTraceId"]
            results.append(shown)
        store.save(records)
    return _batch_answer(call, results=results, errors=errors, started=started, created=True)


async def batch_update(call: Call) -> Response:
    """Update up to 100 records; per-row problems give 207."""
    meta = call.object_type()
    body = await call.object_body()
    started = iso(call.account.clock.now())
    inputs = _inputs(body, java_type="SimplePublicObjectBatchInput")
    store = call.account.store
    errors = BatchErrors(object_label=meta.singular.upper())
    results, touched = [], []
    with store.lock:
        for item in inputs:
            raw = wire_input.object_id(item)
            record = store.find(meta.name, item.get("idProperty") or "hs_object_id", raw)
            if record is None:
                errors.missing(raw)
                continue
            try:
                changes = store.prepare(meta.name, item.get("properties") or {}, current=record)
            except HubSpotApiError as error:
                errors.add(error, record_id=raw)
                continue
            store.update(record, changes)
            touched.append(record)
            results.append(_render(call, record, properties=list(item.get("properties") or {})))
        store.save(touched)
    return _batch_answer(call, results=results, errors=errors, started=started, created=False)


async def batch_upsert(call: Call) -> Response:
    """Create or update by a unique property (``idProperty``); results carry ``new``."""
    meta = call.object_type()
    body = await call.object_body()
    started = iso(call.account.clock.now())
    inputs = _inputs(body, java_type="SimplePublicObjectBatchInputUpsert")
    store = call.account.store
    errors = BatchErrors(object_label=meta.singular.upper())
    keys = [(str(i.get("idProperty") or ""), wire_input.object_id(i)) for i in inputs]
    dupes = sorted({v for k, v in keys if keys.count((k, v)) > 1})
    if dupes:
        raise bad_request(f"Duplicate IDs found in batch input: {dupes}. IDs must be unique")
    results, touched = [], []
    with store.lock:
        for item, (id_property, raw) in zip(inputs, keys, strict=True):
            if not id_property:
                errors.add(bad_request("idProperty is required for upsert"), record_id=raw)
                continue
            try:
                record = store.find(meta.name, id_property, raw)
                props = dict(item.get("properties") or {})
                is_new = record is None
                if record is None:
                    if id_property == "hs_object_id":
                        raise not_found(f"Object {raw} does not exist")
                    props.setdefault(id_property, raw)
                    record = store.insert(meta.name, store.prepare(meta.name, props, current=None))
                else:
                    store.update(record, store.prepare(meta.name, props, current=record))
            except HubSpotApiError as error:
                errors.add(error, record_id=raw)
                continue
            touched.append(record)
            shown = _render(call, record, properties=list(props))
            shown["new"] = is_new
            results.append(shown)
        store.save(touched)
    return _batch_answer(call, results=results, errors=errors, started=started, created=False)


async def batch_archive(call: Call) -> Response:
    """Archive up to 100 records: 204; unknown ids are ignored."""
    meta = call.object_type()
    inputs = _inputs(await call.object_body(), java_type="SimplePublicObjectId")
    store = call.account.store
    with store.lock:
        touched = []
        for item in inputs:
            record = store.get(meta.name, _record_id(wire_input.object_id(item)))
            if record is not None:
                store.archive(record)
                touched.append(record)
        store.save(touched)
    return no_content()


# --- search -------------------------------------------------------------------------
async def search_objects(call: Call) -> Response:
    """POST search: filters, one sort, offset paging; 10,000 results at most (B.4)."""
    meta = call.object_type()
    body = await call.object_body()
    account = call.account
    with account.store.lock:
        page = run_search(
            body=body,
            records=account.store.records[meta.name],
            schema=account.schema,
            object_type=meta.name,
            limits=account.filter_limits,
            now=account.clock.now(),
        )
        out: dict[str, Any] = {
            "total": page.total,
            "results": [
                _render(call, r, properties=wire_input.string_list(body.get("properties")) or None)
                for r in page.results
            ],
        }
    if page.next_after is not None:
        out["paging"] = {"next": {"after": page.next_after, "link": f"?after={page.next_after}"}}
    return json_response(out)


def routes(account: HubSpotAccount) -> list[Route]:
    """The object routes bound to one account."""
    read, write = object_scope("read"), object_scope("write")
    base = "/crm/v3/objects/{objectType}"

    def r(
        path: str, handler: Any, methods: list[str], scope: Any, *, search: bool = False
    ) -> Route:
        return Route(path, api(account, handler, scope=scope, search=search), methods=methods)

    return [
        r(base, list_objects, ["GET"], read),
        r(base + "/", list_objects, ["GET"], read),
        r(base, create_object, ["POST"], write),
        r(base + "/", create_object, ["POST"], write),
        r(base + "/batch/read", batch_read, ["POST"], read),
        r(base + "/batch/create", batch_create, ["POST"], write),
        r(base + "/batch/update", batch_update, ["POST"], write),
        r(base + "/batch/upsert", batch_upsert, ["POST"], write),
        r(base + "/batch/archive", batch_archive, ["POST"], write),
        r(base + "/search", search_objects, ["POST"], read, search=True),
        r(base + "/merge", merge_objects, ["POST"], write),
        r(base + "/gdpr-delete", gdpr_delete, ["POST"], write),
        r(base + "/{objectId}", get_object, ["GET"], read),
        r(base + "/{objectId}", update_object, ["PATCH"], write),
        r(base + "/{objectId}", archive_object, ["DELETE"], write),
    ]
