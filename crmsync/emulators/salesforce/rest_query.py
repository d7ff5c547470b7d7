"""``/query`` and ``/queryAll``: SOQL through the SOQL engine, paged with server-side cursors."""

from __future__ import annotations

import re
import secrets
from typing import Any, Final

from crmsync.emulators.salesforce.api import ROUTER, ApiContext, ApiRequest, ApiResponse
from crmsync.emulators.salesforce.emulator import QueryCursor
from crmsync.emulators.salesforce.errors import ApiError
from crmsync.emulators.salesforce.ids import KEY_PREFIXES
from crmsync.emulators.salesforce.query_source import OrgQuerySource
from crmsync.emulators.salesforce.soql import QueryResult, SoqlError, execute, parse

MIN_BATCH: Final = 200
MAX_BATCH: Final = 2000
_BATCH_SIZE: Final = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


def run_soql(ctx: ApiContext, text: str, *, include_deleted: bool) -> QueryResult:
    """Parse and execute ``text`` as the caller; SoqlError becomes a 400 ApiError."""
    try:
        query = parse(text)
        return execute(
            query,
            OrgQuerySource(ctx.org, ctx.caller),
            include_deleted=include_deleted,
            now=ctx.org.now(),
            api_version=ctx.api_version,
        )
    except SoqlError as error:
        raise ApiError.single(error.code, error.message) from None


def batch_size(ctx: ApiContext, request: ApiRequest) -> int:
    """``Sforce-Query-Options: batchSize=N`` clamped to 200..2000, then the org's knob."""
    size = MAX_BATCH
    option = request.headers.get("sforce-query-options", "")
    found = _BATCH_SIZE.search(option)
    if found:
        size = min(max(int(found.group(1)), MIN_BATCH), MAX_BATCH)
    return min(size, ctx.org.settings.query_batch_size)


def _page(
    ctx: ApiContext, locator: str, cursor: QueryCursor, offset: int, resource: str
) -> dict[str, Any]:
    end = offset + cursor.batch_size
    records = cursor.rows[offset:end]
    done = end >= len(cursor.rows)
    body: dict[str, Any] = {"totalSize": cursor.total_size, "done": done}
    if done:
        ctx.emulator.runtime[ctx.org.kind].cursors.pop(locator, None)
    else:
        body["nextRecordsUrl"] = f"/services/data/v{ctx.api_version}/{resource}/{locator}-{end}"
    body["records"] = records
    return body


def _query(ctx: ApiContext, request: ApiRequest, *, include_deleted: bool) -> ApiResponse:
    text = request.params.get("q")
    if not text:
        raise ApiError.single("MALFORMED_QUERY", "A query string has to be specified")
    result = run_soql(ctx, text, include_deleted=include_deleted)
    resource = "queryAll" if include_deleted else "query"
    if result.is_count:
        return ApiResponse(body={"totalSize": result.total_size, "done": True, "records": []})
    size = batch_size(ctx, request)
    cursor = QueryCursor(rows=result.rows, total_size=result.total_size, batch_size=size)
    if len(result.rows) <= size:
        return ApiResponse(
            body={"totalSize": result.total_size, "done": True, "records": result.rows}
        )
    locator = KEY_PREFIXES["QueryLocator"] + secrets.token_hex(8)[:15]
    ctx.emulator.remember_cursor(ctx.org.kind, locator, cursor)
    return ApiResponse(body=_page(ctx, locator, cursor, 0, resource))


@ROUTER.route(r"query", "GET")
def query(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """``GET /query?q=``."""
    return _query(ctx, request, include_deleted=False)


@ROUTER.route(r"queryAll", "GET")
def query_all(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """``GET /queryAll?q=``: deleted rows included."""
    return _query(ctx, request, include_deleted=True)


@ROUTER.route(r"(?P<resource>query|queryAll)/(?P<locator>01g[A-Za-z0-9]+)-(?P<offset>\d+)", "GET")
def query_more(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """``GET /query/{locator}-{offset}``: the next page of an open cursor."""
    locator = match["locator"]
    cursor = ctx.emulator.runtime[ctx.org.kind].cursors.get(locator)
    if cursor is None:
        raise ApiError.single("INVALID_QUERY_LOCATOR", "invalid query locator", status=400)
    return ApiResponse(body=_page(ctx, locator, cursor, int(match["offset"]), match["resource"]))
