"""REST handlers for records and metadata: sobjects, describe, CRUD, upsert, updated/deleted,
limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from crmsync.emulators.salesforce.api import ROUTER, ApiContext, ApiRequest, ApiResponse
from crmsync.emulators.salesforce.describe import (
    global_describe,
    object_describe,
    object_summary,
)
from crmsync.emulators.salesforce.errors import ApiError
from crmsync.emulators.salesforce.records import record_url
from crmsync.emulators.salesforce.values import format_datetime, parse_datetime

_OBJECT: Final = r"(?P<object>[A-Za-z][A-Za-z0-9_]*)"
_SEGMENT: Final = r"(?P<{}>[^/]+)"
RESOURCES: Final = (
    "sobjects", "query", "queryAll", "limits", "composite", "jobs", "search", "tooling",
)  # fmt: skip


@ROUTER.route(r"", "GET")
def resources(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """``GET /services/data/vNN.N/``: the resources of a version."""
    base = f"/services/data/v{ctx.api_version}"
    body = {name: f"{base}/{name}" for name in RESOURCES}
    body["identity"] = ctx.org.identity_url(ctx.caller.user_id)
    return ApiResponse(body=body)


@ROUTER.route(r"limits", "GET")
def limits(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """``GET /limits``: DailyApiRequests from the rolling 24-hour count, the rest fixed."""
    cap = ctx.org.settings.daily_api_cap
    used = ctx.emulator.runtime[ctx.org.kind].usage.used(ctx.org.now())
    fixed = {
        "DailyBulkApiBatches": 15000, "DailyBulkV2QueryJobs": 10000,
        "DailyBulkV2QueryFileStorageMB": 1048576, "DataStorageMB": 1024,
        "FileStorageMB": 1024, "DailyAsyncApexExecutions": 250000,
        "ConcurrentAsyncGetReportInstances": 200, "HourlyPublishedPlatformEvents": 50000,
    }  # fmt: skip
    body: dict[str, Any] = {
        "DailyApiRequests": {"Max": cap, "Remaining": max(cap - used, 0)},
    }
    body.update({name: {"Max": value, "Remaining": value} for name, value in fixed.items()})
    return ApiResponse(body=body)


@ROUTER.route(r"sobjects", "GET")
def sobjects(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """Global describe."""
    return ApiResponse(body=global_describe(ctx.org, ctx.api_version))


@ROUTER.route(rf"sobjects/{_OBJECT}", "GET")
def sobject_info(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """``GET /sobjects/{Object}``: basic information (simple-salesforce ``metadata()``)."""
    sobject = ctx.records.object_name(match["object"])
    summary = object_summary(ctx.org.describe(sobject), ctx.api_version)
    return ApiResponse(body={"objectDescribe": summary, "recentItems": []})


@ROUTER.route(rf"sobjects/{_OBJECT}", "POST")
def create(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """``POST /sobjects/{Object}/``: 201 with the new id."""
    sobject = ctx.records.object_name(match["object"])
    record_id = ctx.records.create(sobject, request.json_object())
    return ApiResponse(
        status=201,
        body={"id": record_id, "success": True, "errors": []},
        headers={"Location": record_url(ctx.api_version, sobject, record_id)},
    )


@ROUTER.route(rf"sobjects/{_OBJECT}/describe", "GET")
def describe(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """``GET /sobjects/{Object}/describe``."""
    sobject = ctx.records.object_name(match["object"])
    return ApiResponse(body=object_describe(ctx.org, sobject, ctx.caller, ctx.api_version))


def _window(request: ApiRequest, ctx: ApiContext) -> tuple[datetime, datetime]:
    start = parse_datetime(request.params.get("start", ""))
    end = parse_datetime(request.params.get("end", ""))
    if start is None or end is None:
        raise ApiError.single(
            "INVALID_REPLICATION_DATE", "start and end must be dateTimes, e.g. 2024-01-01T00:00:00Z"
        )
    if end < start:
        raise ApiError.single("INVALID_REPLICATION_DATE", "end date cannot be before start date")
    # Salesforce covers whole minutes and never beyond "now".
    start = start.replace(second=0, microsecond=0)
    end = min(end, ctx.org.now()).replace(second=0, microsecond=0)
    if start < ctx.org.now() - timedelta(days=30):
        raise ApiError.single(
            "INVALID_REPLICATION_DATE", "startDate cannot be more than 30 days ago"
        )
    return start, end


def _stamp(row: dict[str, Any]) -> datetime:
    parsed = parse_datetime(str(row["SystemModstamp"]))
    return parsed if parsed is not None else datetime.min.replace(tzinfo=UTC)


@ROUTER.route(rf"sobjects/{_OBJECT}/updated", "GET")
def updated(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """getUpdated: ids changed in ``[start, end)``."""
    sobject = ctx.records.object_name(match["object"])
    start, end = _window(request, ctx)
    ids = [
        row["Id"] for row in ctx.org.store.rows(sobject)
        if not row.get("IsDeleted") and start <= _stamp(row) < end
    ]  # fmt: skip
    return ApiResponse(body={"ids": ids, "latestDateCovered": format_datetime(end)})


@ROUTER.route(rf"sobjects/{_OBJECT}/deleted", "GET")
def deleted(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """getDeleted: records deleted in ``[start, end)`` (the recycle bin keeps 15 days)."""
    sobject = ctx.records.object_name(match["object"])
    start, end = _window(request, ctx)
    earliest = ctx.org.now() - timedelta(days=15)
    found = [
        {"id": row["Id"], "deletedDate": row["SystemModstamp"]}
        for row in ctx.org.store.rows(sobject)
        if row.get("IsDeleted") and max(start, earliest) <= _stamp(row) < end
    ]
    return ApiResponse(body={
        "deletedRecords": found,
        "earliestDateAvailable": format_datetime(earliest.replace(second=0, microsecond=0)),
        "latestDateCovered": format_datetime(end),
    })  # fmt: skip


@ROUTER.route(rf"sobjects/{_OBJECT}/{_SEGMENT.format('id')}", "GET", "PATCH", "DELETE")
def record(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """``GET|PATCH|DELETE /sobjects/{Object}/{id}``."""
    sobject = ctx.records.object_name(match["object"])
    record_id = match["id"]
    if request.method == "GET":
        fields = request.params.get("fields")
        row = ctx.records.find(sobject, record_id)
        wanted = [f for f in fields.split(",") if f.strip()] if fields else None
        return ApiResponse(body=ctx.records.render(sobject, row, ctx.api_version, wanted))
    if request.method == "PATCH":
        ctx.records.update(sobject, record_id, request.json_object())
        return ApiResponse(status=204)
    ctx.records.delete(sobject, record_id)
    return ApiResponse(status=204)


@ROUTER.route(
    rf"sobjects/{_OBJECT}/{_SEGMENT.format('field')}/{_SEGMENT.format('value')}",
    "GET", "PATCH", "POST",
)  # fmt: skip
def by_external_id(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """Read or upsert by an external id field: 200/201, 300 on several matches."""
    from crmsync.emulators.salesforce.records import MultipleMatchesError

    sobject = ctx.records.object_name(match["object"])
    field = ctx.records.external_field(sobject, match["field"])
    value = match["value"]
    if request.method == "GET":
        matches = ctx.records.by_external_id(sobject, field, value)
        if len(matches) > 1:
            raise MultipleMatchesError(sobject, [m["Id"] for m in matches])
        if not matches:
            raise ApiError.single("NOT_FOUND", "The requested resource does not exist", status=404)
        return ApiResponse(body=ctx.records.render(sobject, matches[0], ctx.api_version))
    update_only = request.params.get("updateOnly", "false").lower() == "true"
    record_id, created = ctx.records.upsert(
        sobject, field, value, request.json_object(), update_only=update_only
    )
    body = {"id": record_id, "success": True, "errors": [], "created": created}
    if created:
        return ApiResponse(
            status=201, body=body,
            headers={"Location": record_url(ctx.api_version, sobject, record_id)},
        )  # fmt: skip
    return ApiResponse(status=200, body=body)
