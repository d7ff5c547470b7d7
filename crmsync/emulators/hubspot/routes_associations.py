"""``/crm/v4/...`` associations: per-record and batch calls with numeric type ids (B.5)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from crmsync.emulators.hubspot import catalog
from crmsync.emulators.hubspot.account import HubSpotAccount
from crmsync.emulators.hubspot.association_labels import USER_DEFINED
from crmsync.emulators.hubspot.errors import BatchErrors, HubSpotApiError, bad_request, not_found
from crmsync.emulators.hubspot.http import Call, api, json_response, no_content, object_scope
from crmsync.emulators.hubspot.values import iso
from crmsync.emulators.hubspot.wire import batch_envelope, decode_cursor, encode_cursor

MAX_BATCH_READ = 1000
MAX_BATCH_WRITE = 100


def _kinds(call: Call, type_ids: set[int]) -> list[dict[str, Any]]:
    out = []
    for t in sorted(type_ids):
        definition = call.account.links.kind(t)
        kind: dict[str, Any] = {"category": definition.category, "typeId": t}
        label = definition.label
        if label is not None:
            # The spec types label as a non-null string: unlabeled types leave it out.
            kind["label"] = label
        out.append(kind)
    return out


def _require(call: Call, object_type: str, raw: str) -> int:
    rid = int(raw) if str(raw).isdecimal() else -1
    if call.account.store.get(object_type, rid) is None:
        raise not_found(f"No {catalog.OBJECT_TYPES[object_type].singular} with id {raw} exists")
    return rid


def _type_ids(call: Call, specs: Any, *, from_type: str, to_type: str) -> list[int]:
    if not isinstance(specs, list) or not specs:
        raise bad_request("at least one association type is required")
    ids = []
    for spec in specs:
        category = spec.get("associationCategory", "HUBSPOT_DEFINED")
        if category not in ("HUBSPOT_DEFINED", USER_DEFINED):
            raise bad_request(f"no {category} association types exist in this account")
        type_id = int(spec.get("associationTypeId", 0))
        call.account.links.check_type(
            from_type=from_type, to_type=to_type, type_id=type_id, category=category
        )
        ids.append(type_id)
    return ids


def _live_targets(call: Call, from_type: str, from_id: int, to_type: str) -> dict[int, set[int]]:
    targets = call.account.links.targets(from_type=from_type, from_id=from_id, to_type=to_type)
    return {
        i: set(t)
        for i, t in sorted(targets.items())
        if call.account.store.get(to_type, i) is not None
    }


async def list_associations(call: Call) -> Response:
    """GET one record's associations to a type, paged by target id."""
    meta, target = call.object_type("objectType"), call.object_type("toObjectType")
    from_id = _require(call, meta.name, call.param("objectId"))
    limit = call.query_int("limit", default=500)
    start = decode_cursor(call.query("after"))
    items = [
        (i, t)
        for i, t in _live_targets(call, meta.name, from_id, target.name).items()
        if i >= start
    ]
    body: dict[str, Any] = {
        "results": [
            {"toObjectId": str(i), "associationTypes": _kinds(call, t)} for i, t in items[:limit]
        ]
    }
    if len(items) > limit:
        cursor = encode_cursor(items[limit][0])
        body["paging"] = {"next": {"after": cursor, "link": f"?after={cursor}"}}
    return json_response(body)


async def create_labeled(call: Call) -> Response:
    """PUT types between two records: 201 with the labels now between them."""
    meta, target = call.object_type("objectType"), call.object_type("toObjectType")
    from_id = _require(call, meta.name, call.param("objectId"))
    to_id = _require(call, target.name, call.param("toObjectId"))
    ids = _type_ids(call, await call.body(), from_type=meta.name, to_type=target.name)
    now_types = call.account.links.add(
        from_type=meta.name, from_id=from_id, to_type=target.name, to_id=to_id, type_ids=ids
    )
    labels = [call.account.links.kind(t).label for t in sorted(now_types)]
    return json_response(
        {
            "fromObjectTypeId": meta.type_id,
            "fromObjectId": str(from_id),
            "toObjectTypeId": target.type_id,
            "toObjectId": str(to_id),
            "labels": [label for label in labels if label],
        },
        status=201,
    )


def _default_result(from_type: str, from_id: int, to_type: str, to_id: int) -> dict[str, Any]:
    return {
        "from": {"id": str(from_id)},
        "to": {"id": str(to_id)},
        "associationSpec": {
            "associationCategory": "HUBSPOT_DEFINED",
            "associationTypeId": catalog.DEFAULT_ASSOCIATION[(from_type, to_type)],
        },
    }


def _add_default(
    call: Call, from_type: str, from_id: int, to_type: str, to_id: int
) -> dict[str, Any]:
    if (from_type, to_type) not in catalog.DEFAULT_ASSOCIATION:
        raise bad_request(f"{from_type} and {to_type} cannot be associated")
    call.account.links.add(
        from_type=from_type,
        from_id=from_id,
        to_type=to_type,
        to_id=to_id,
        type_ids=[catalog.DEFAULT_ASSOCIATION[(from_type, to_type)]],
    )
    return _default_result(from_type, from_id, to_type, to_id)


async def create_default(call: Call) -> Response:
    """PUT the default (unlabeled) association: 200 with a batch envelope."""
    meta, target = call.object_type("fromObjectType"), call.object_type("toObjectType")
    started = iso(call.account.clock.now())
    from_id = _require(call, meta.name, call.param("fromObjectId"))
    to_id = _require(call, target.name, call.param("toObjectId"))
    result = _add_default(call, meta.name, from_id, target.name, to_id)
    return json_response(
        batch_envelope(
            results=[result], errors=[], started=started, completed=iso(call.account.clock.now())
        )
    )


async def archive_pair(call: Call) -> Response:
    """DELETE every association between two records: 204."""
    meta, target = call.object_type("objectType"), call.object_type("toObjectType")
    from_id = int(call.param("objectId")) if call.param("objectId").isdecimal() else -1
    to_id = int(call.param("toObjectId")) if call.param("toObjectId").isdecimal() else -1
    call.account.links.remove(
        from_type=meta.name, from_id=from_id, to_type=target.name, to_id=to_id
    )
    return no_content()


# --- batch ------------------------------------------------------------------------------
def _batch_inputs(body: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise bad_request("inputs is required")
    if len(inputs) > limit:
        raise bad_request(f"Too many inputs: {len(inputs)}; at most {limit}")
    return inputs


def _answer(
    call: Call, *, results: list[Any], errors: BatchErrors, started: str, ok: int
) -> Response:
    rows = errors.collect()
    body = batch_envelope(
        results=results, errors=rows, started=started, completed=iso(call.account.clock.now())
    )
    return json_response(body, status=207 if rows else ok)


async def batch_create(call: Call) -> Response:
    """Create labeled associations for many pairs: 201, or 207 for bad rows."""
    meta, target = call.object_type("fromObjectType"), call.object_type("toObjectType")
    started = iso(call.account.clock.now())
    errors = BatchErrors(object_label=meta.singular.upper())
    results = []
    for item in _batch_inputs(await call.object_body(), MAX_BATCH_WRITE):
        try:
            from_id = _require(call, meta.name, str(item.get("from", {}).get("id", "")))
            to_id = _require(call, target.name, str(item.get("to", {}).get("id", "")))
            ids = _type_ids(call, item.get("types"), from_type=meta.name, to_type=target.name)
        except HubSpotApiError as error:
            errors.add(error)
            continue
        now_types = call.account.links.add(
            from_type=meta.name, from_id=from_id, to_type=target.name, to_id=to_id, type_ids=ids
        )
        labels = [call.account.links.kind(t).label for t in sorted(now_types)]
        results.append(
            {
                "fromObjectTypeId": meta.type_id,
                "fromObjectId": str(from_id),
                "toObjectTypeId": target.type_id,
                "toObjectId": str(to_id),
                "labels": [label for label in labels if label],
            }
        )
    return _answer(call, results=results, errors=errors, started=started, ok=201)


async def batch_default(call: Call) -> Response:
    """Create default associations for many pairs: 200."""
    meta, target = call.object_type("fromObjectType"), call.object_type("toObjectType")
    started = iso(call.account.clock.now())
    errors = BatchErrors(object_label=meta.singular.upper())
    results = []
    for item in _batch_inputs(await call.object_body(), MAX_BATCH_WRITE):
        try:
            from_id = _require(call, meta.name, str(item.get("from", {}).get("id", "")))
            to_id = _require(call, target.name, str(item.get("to", {}).get("id", "")))
        except HubSpotApiError as error:
            errors.add(error)
            continue
        results.append(_add_default(call, meta.name, from_id, target.name, to_id))
    return _answer(call, results=results, errors=errors, started=started, ok=200)


async def batch_read(call: Call) -> Response:
    """Read associations of many records (1,000 at most): 200, or 207 for unknown ids."""
    meta, target = call.object_type("fromObjectType"), call.object_type("toObjectType")
    started = iso(call.account.clock.now())
    errors = BatchErrors(object_label=meta.singular.upper())
    results = []
    for item in _batch_inputs(await call.object_body(), MAX_BATCH_READ):
        raw = str(item.get("id", ""))
        rid = int(raw) if raw.isdecimal() else -1
        if call.account.store.get(meta.name, rid) is None:
            errors.missing(raw)
            continue
        targets = _live_targets(call, meta.name, rid, target.name)
        if not targets:
            # HubSpot reports "no associations" as a row error, not an empty result.
            errors.add(
                HubSpotApiError(
                    status=404,
                    category="OBJECT_NOT_FOUND",
                    message=f"No {target.singular} is associated with {meta.singular} {raw}.",
                    sub_category="crm.associations.NO_ASSOCIATIONS_FOUND",
                ),
                record_id=raw,
            )
            continue
        results.append(
            {
                "from": {"id": raw},
                "to": [
                    {"toObjectId": str(i), "associationTypes": _kinds(call, t)}
                    for i, t in targets.items()
                ],
            }
        )
    return _answer(call, results=results, errors=errors, started=started, ok=200)


async def batch_archive(call: Call) -> Response:
    """Remove every association between listed pairs: 204."""
    meta, target = call.object_type("fromObjectType"), call.object_type("toObjectType")
    for item in _batch_inputs(await call.object_body(), MAX_BATCH_WRITE):
        raw_from = str(item.get("from", {}).get("id", ""))
        from_id = int(raw_from) if raw_from.isdecimal() else -1
        for to in item.get("to") or []:
            raw_to = str(to.get("id", ""))
            to_id = int(raw_to) if raw_to.isdecimal() else -1
            call.account.links.remove(
                from_type=meta.name, from_id=from_id, to_type=target.name, to_id=to_id
            )
    return no_content()


async def batch_archive_labels(call: Call) -> Response:
    """Remove some association types between listed pairs: 204."""
    meta, target = call.object_type("fromObjectType"), call.object_type("toObjectType")
    for item in _batch_inputs(await call.object_body(), MAX_BATCH_WRITE):
        raw_from, raw_to = (
            str(item.get("from", {}).get("id", "")),
            str(item.get("to", {}).get("id", "")),
        )
        ids = _type_ids(call, item.get("types"), from_type=meta.name, to_type=target.name)
        call.account.links.remove(
            from_type=meta.name,
            from_id=int(raw_from) if raw_from.isdecimal() else -1,
            to_type=target.name,
            to_id=int(raw_to) if raw_to.isdecimal() else -1,
            type_ids=ids,
        )
    return no_content()


def _spec(kind: catalog.AssociationType) -> dict[str, Any]:
    return {"category": kind.category, "typeId": kind.type_id, "label": kind.label}


async def labels(call: Call) -> Response:
    """GET the association types between two object types, the account's labels too."""
    meta, target = call.object_type("fromObjectType"), call.object_type("toObjectType")
    kinds = [
        *catalog.association_types_between(meta.name, target.name),
        *call.account.links.labels.between(meta.name, target.name),
    ]
    return json_response({"results": [_spec(a) for a in kinds]})


def _text(body: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise bad_request(f"{key} is required and must be a string")
    return value


async def create_label(call: Call) -> Response:
    """POST a USER_DEFINED label (``PublicAssociationDefinitionCreateRequest``): 200 with
    its two directional types."""
    meta, target = call.object_type("fromObjectType"), call.object_type("toObjectType")
    body = await call.object_body()
    forward, reverse = call.account.links.labels.create(
        from_type=meta.name,
        to_type=target.name,
        label=_text(body, "label") or "",
        name=_text(body, "name") or "",
        inverse=_text(body, "inverseLabel", required=False),
    )
    return json_response({"results": [_spec(forward), _spec(reverse)]})


async def update_label(call: Call) -> Response:
    """PUT a label's text (``PublicAssociationDefinitionUpdateRequest``): 204."""
    meta, target = call.object_type("fromObjectType"), call.object_type("toObjectType")
    body = await call.object_body()
    raw = body.get("associationTypeId")
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise bad_request("associationTypeId is required and must be an integer")
    call.account.links.labels.rename(
        from_type=meta.name,
        to_type=target.name,
        type_id=raw,
        label=_text(body, "label") or "",
        inverse=_text(body, "inverseLabel", required=False),
    )
    return no_content()


async def delete_label(call: Call) -> Response:
    """DELETE a label: 204; associations keep their other types."""
    meta, target = call.object_type("fromObjectType"), call.object_type("toObjectType")
    raw = call.param("associationTypeId")
    type_id = int(raw) if raw.isdecimal() else -1
    links = call.account.links
    forward = links.labels.find(meta.name, target.name, type_id).type_id
    for (from_type, from_id), targets in list(links.links.items()):
        if from_type != meta.name:
            continue
        for to_id, ids in list(targets.get(target.name, {}).items()):
            if forward in ids:
                links.remove(
                    from_type=from_type,
                    from_id=from_id,
                    to_type=target.name,
                    to_id=to_id,
                    type_ids=[forward],
                )
    links.labels.delete(from_type=meta.name, to_type=target.name, type_id=type_id)
    return no_content()


def routes(account: HubSpotAccount) -> list[Route]:
    """The association routes bound to one account."""
    read, write = object_scope("read"), object_scope("write")
    read_from, write_from = (
        object_scope("read", param="fromObjectType"),
        object_scope("write", param="fromObjectType"),
    )
    one = "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}"
    batch = "/crm/v4/associations/{fromObjectType}/{toObjectType}"

    def r(path: str, handler: Any, method: str, scope: Any) -> Route:
        return Route(path, api(account, handler, scope=scope), methods=[method])

    return [
        r(
            "/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}",
            create_default,
            "PUT",
            write_from,
        ),
        r(one, list_associations, "GET", read),
        r(one + "/{toObjectId}", create_labeled, "PUT", write),
        r(one + "/{toObjectId}", archive_pair, "DELETE", write),
        r(batch + "/batch/create", batch_create, "POST", write_from),
        r(batch + "/batch/associate/default", batch_default, "POST", write_from),
        r(batch + "/batch/read", batch_read, "POST", read_from),
        r(batch + "/batch/archive", batch_archive, "POST", write_from),
        r(batch + "/batch/labels/archive", batch_archive_labels, "POST", write_from),
        r(batch + "/labels", labels, "GET", read_from),
        r(batch + "/labels", create_label, "POST", write_from),
        r(batch + "/labels", update_label, "PUT", write_from),
        r(batch + "/labels/{associationTypeId}", delete_label, "DELETE", write_from),
    ]
