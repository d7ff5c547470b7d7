"""sObject Collections (``/composite/sobjects``, 200 records) and Composite (25 subrequests)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from crmsync.emulators.salesforce.api import (
    ROUTER,
    ApiContext,
    ApiRequest,
    ApiResponse,
    error_response,
)
from crmsync.emulators.salesforce.errors import ApiError, ErrorItem
from crmsync.emulators.salesforce.validation import rolled_back, save_errors

MAX_COLLECTION: Final = 200
MAX_SUBREQUESTS: Final = 25
MAX_HEAVY_SUBREQUESTS: Final = 5
"""Subrequests of one composite call that may be queries or sObject Collections."""
_HEAVY: Final = re.compile(r"^/services/data/v[\d.]+/(query|queryAll|composite/sobjects)(/|\?|$)")
_VERSIONED: Final = re.compile(r"^/services/data/v(?P<version>\d+\.\d+)/?(?P<path>.*)$")
_REFERENCE: Final = re.compile(r"@\{([^}]+)\}")
_HALTED: Final = (
    "The transaction was rolled back since another operation in the same transaction failed."
)


def _records(body: dict[str, Any]) -> list[Any]:
    records = body.get("records")
    if not isinstance(records, list):
        raise ApiError.single("JSON_PARSER_ERROR", "records is required")
    if len(records) > MAX_COLLECTION:
        raise ApiError.single(
            "EXCEEDED_ID_LIMIT", f"record limit exceeded: {len(records)} > {MAX_COLLECTION}"
        )
    return records


def _run_each(
    ctx: ApiContext, items: list[Any], all_or_none: bool, work: Callable[[Any], dict[str, Any]]
) -> list[dict[str, Any]]:
    """Run ``work`` per item into SaveResults; with allOrNone, one failure undoes all."""
    store = ctx.org.store
    savepoint = store.savepoint()
    results: list[dict[str, Any]] = []
    failed = False
    for item in items:
        try:
            results.append(work(item))
        except ApiError as error:
            failed = True
            results.append({"success": False, "errors": save_errors(error)})
    if all_or_none and failed:
        store.rollback_to(savepoint)
        rollback = rolled_back().save_result()
        # A rolled-back row names no id: a created record no longer exists (and
        # Salesforce leaves the id out for every rolled-back row).
        results = [
            result if not result["success"] else {"success": False, "errors": [rollback]}
            for result in results
        ]
    return results


def _typed(ctx: ApiContext, record: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(record, dict):
        raise ApiError.single("JSON_PARSER_ERROR", "each record must be an object")
    attributes = record.get("attributes") or {}
    name = attributes.get("type") if isinstance(attributes, dict) else None
    if not name:
        raise ApiError.single("INVALID_TYPE", "Must specify a type in attributes")
    sobject = ctx.org.canonical_object(str(name))
    if sobject is None:
        raise ApiError.single("INVALID_TYPE", f"sObject type '{name}' is not supported.")
    return sobject, {k: v for k, v in record.items() if k != "attributes"}


@ROUTER.route(r"composite/sobjects", "POST", "PATCH", "DELETE")
def collections(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """Create (POST), update (PATCH) or delete (DELETE ?ids=) up to 200 records."""
    if request.method == "DELETE":
        ids = [i for i in request.params.get("ids", "").split(",") if i]
        if len(ids) > MAX_COLLECTION:
            raise ApiError.single("EXCEEDED_ID_LIMIT", "record limit exceeded")
        all_or_none = request.params.get("allOrNone", "false").lower() == "true"

        def delete(record_id: str) -> dict[str, Any]:
            from crmsync.emulators.salesforce.ids import normalise_id, prefix_object

            normalised = normalise_id(record_id)
            sobject = prefix_object(normalised) if normalised else None
            if normalised is None or sobject is None:
                raise ApiError.single("MALFORMED_ID", f"malformed id {record_id}")
            ctx.records.delete(sobject, normalised)
            return {"id": normalised, "success": True, "errors": []}

        return ApiResponse(body=_run_each(ctx, ids, all_or_none, delete))
    body = request.json_object()
    records = _records(body)
    all_or_none = bool(body.get("allOrNone", False))

    def create(record: Any) -> dict[str, Any]:
        sobject, values = _typed(ctx, record)
        if any(k.lower() == "id" for k in values):
            raise ApiError.single(
                "INVALID_FIELD", "cannot specify Id in an insert call", fields=["Id"]
            )
        return {"id": ctx.records.create(sobject, values), "success": True, "errors": []}

    def update(record: Any) -> dict[str, Any]:
        sobject, values = _typed(ctx, record)
        record_id = next((v for k, v in values.items() if k.lower() == "id"), None)
        if not record_id:
            raise ApiError.single("MISSING_ARGUMENT", "Id not specified in an update call")
        values = {k: v for k, v in values.items() if k.lower() != "id"}
        return {"id": ctx.records.update(sobject, str(record_id), values), "success": True,
                "errors": []}  # fmt: skip

    work = create if request.method == "POST" else update
    return ApiResponse(body=_run_each(ctx, records, all_or_none, work))


@ROUTER.route(r"composite/sobjects/(?P<object>[A-Za-z][A-Za-z0-9_]*)", "GET", "POST")
def retrieve(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """Retrieve many records of one object: ``?ids=&fields=`` or a JSON body; null if absent."""
    sobject = ctx.records.object_name(match["object"])
    if request.method == "POST":
        body = request.json_object()
        ids, fields = list(body.get("ids") or []), list(body.get("fields") or [])
    else:
        ids = [i for i in request.params.get("ids", "").split(",") if i]
        fields = [f for f in request.params.get("fields", "").split(",") if f]
    if not fields:
        raise ApiError.single("MISSING_ARGUMENT", "fields is required")
    out: list[dict[str, Any] | None] = []
    for record_id in ids[:2000]:
        try:
            row = ctx.records.find(sobject, str(record_id))
        except ApiError:
            out.append(None)
            continue
        out.append(ctx.records.render(sobject, row, ctx.api_version, fields))
    return ApiResponse(body=out)


@ROUTER.route(r"composite/sobjects/(?P<object>[A-Za-z][A-Za-z0-9_]*)/(?P<field>[A-Za-z0-9_]+)",
              "PATCH")  # fmt: skip
def upsert_collection(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """Upsert up to 200 records on an external id field; results carry ``created``."""
    sobject = ctx.records.object_name(match["object"])
    field = ctx.records.external_field(sobject, match["field"])
    body = request.json_object()

    def upsert(record: Any) -> dict[str, Any]:
        _, values = _typed(ctx, record)
        key = next((v for k, v in values.items() if k.lower() == field.lower()), None)
        if key in (None, ""):
            raise ApiError.single("MISSING_ARGUMENT", f"{field} not specified", fields=[field])
        record_id, created = ctx.records.upsert(sobject, field, str(key), values,
                                                update_only=False)  # fmt: skip
        return {"id": record_id, "success": True, "errors": [], "created": created}

    return ApiResponse(body=_run_each(ctx, _records(body), bool(body.get("allOrNone")), upsert))


def _resolve(value: Any, results: dict[str, Any]) -> Any:
    """Replace ``@{ref.path}`` references in strings, lists and dicts."""
    if isinstance(value, str):
        return _REFERENCE.sub(lambda m: str(_lookup(m.group(1), results)), value)
    if isinstance(value, list):
        return [_resolve(item, results) for item in value]
    if isinstance(value, dict):
        return {key: _resolve(item, results) for key, item in value.items()}
    return value


class _UnresolvedError(ApiError):
    pass


def _lookup(path: str, results: dict[str, Any]) -> Any:
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    reference = parts[0] if parts else path
    if reference not in results:
        raise _UnresolvedError(
            400,
            [
                ErrorItem(
                    "PROCESSING_HALTED",
                    (
                        f"Invalid reference specified. No value for {path} found in {reference}. "
                        f"Provided referenceId ('{reference}') must be a previous subrequest."
                    ),
                )
            ],
        )
    current: Any = results[reference]
    for part in parts[1:]:
        try:
            current = current[int(part[1:-1])] if part.startswith("[") else current[part]
        except (KeyError, IndexError, TypeError, ValueError):
            raise _UnresolvedError(
                400,
                [
                    ErrorItem(
                        "PROCESSING_HALTED",
                        (f"Invalid reference specified. No value for {path} found in {reference}."),
                    )
                ],
            ) from None
    return current


@ROUTER.route(r"composite", "POST")
def composite(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """Run up to 25 subrequests in order, with ``@{ref.field}`` references and allOrNone."""
    body = request.json_object()
    subrequests = body.get("compositeRequest")
    if not isinstance(subrequests, list) or not subrequests:
        raise ApiError.single("JSON_PARSER_ERROR", "compositeRequest is required")
    if len(subrequests) > MAX_SUBREQUESTS:
        raise ApiError.single(
            "INVALID_BATCH_REQUEST", f"Limit of {MAX_SUBREQUESTS} subrequests exceeded"
        )
    for sub in subrequests:
        if not isinstance(sub, dict) or not all(k in sub for k in ("method", "url", "referenceId")):
            raise ApiError.single(
                "JSON_PARSER_ERROR", "each subrequest needs method, url and referenceId"
            )  # fmt: skip
    heavy = sum(1 for sub in subrequests if _HEAVY.match(str(sub["url"])))
    if heavy > MAX_HEAVY_SUBREQUESTS:
        raise ApiError.single(
            "INVALID_BATCH_REQUEST",
            f"Limit of {MAX_HEAVY_SUBREQUESTS} query or sObject Collections subrequests exceeded",
        )
    all_or_none = bool(body.get("allOrNone", False))
    store = ctx.org.store
    savepoint = store.savepoint()
    results: dict[str, Any] = {}
    responses: list[dict[str, Any]] = []
    failed = False
    for sub in subrequests:
        reference = str(sub["referenceId"])
        if failed and all_or_none:
            responses.append(_halted(reference))
            continue
        try:
            url = _resolve(str(sub["url"]), results)
            sub_body = _resolve(sub.get("body"), results)
        except _UnresolvedError as error:
            failed = True
            responses.append(_entry(reference, error_response(error, ctx.api_version)))
            continue
        response = _subrequest(ctx, str(sub["method"]).upper(), url, sub_body,
                               dict(sub.get("httpHeaders") or {}))  # fmt: skip
        if response.status < 300:
            results[reference] = response.body
        else:
            failed = True
        responses.append(_entry(reference, response))
    if failed and all_or_none:
        store.rollback_to(savepoint)
        responses = [
            r if r["httpStatusCode"] >= 300 else _halted(r["referenceId"]) for r in responses
        ]
    return ApiResponse(body={"compositeResponse": responses})


def _halted(reference: str) -> dict[str, Any]:
    return {
        "body": [{"errorCode": "PROCESSING_HALTED", "message": _HALTED}],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": reference,
    }


def _entry(reference: str, response: ApiResponse) -> dict[str, Any]:
    return {
        "body": response.body,
        "httpHeaders": {k: v for k, v in response.headers.items() if k != "Content-Length"},
        "httpStatusCode": response.status,
        "referenceId": reference,
    }


def _subrequest(
    ctx: ApiContext, method: str, url: str, body: Any, headers: dict[str, str]
) -> ApiResponse:
    parts = urlsplit(url)
    found = _VERSIONED.match(parts.path)
    if found is None:
        return error_response(ApiError.single("NOT_FOUND", "The requested resource does not "
                                              "exist", status=404), ctx.api_version)  # fmt: skip
    sub_request = ApiRequest(
        method=method,
        path=found["path"].rstrip("/"),
        params=dict(parse_qsl(parts.query)),
        headers={k.lower(): v for k, v in headers.items()},
        parsed_body=body,
        has_parsed_body=body is not None,
    )
    return ROUTER.dispatch(replace(ctx, api_version=found["version"]), sub_request)
