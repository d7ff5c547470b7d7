"""Bulk API 2.0: ingest jobs (CSV insert/update/upsert/delete) and query jobs (CSV results).

Jobs run to completion as soon as they are closed (ingest) or created (query), so a client
polling the job sees ``JobComplete`` on its first look. Rows are written through the
same record operations as the REST API, with the same validation.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any, Final

from crmsync.emulators.salesforce.api import ROUTER, ApiContext, ApiRequest, ApiResponse
from crmsync.emulators.salesforce.errors import ApiError
from crmsync.emulators.salesforce.ids import KEY_PREFIXES
from crmsync.emulators.salesforce.query_source import OrgQuerySource
from crmsync.emulators.salesforce.rest_query import run_soql
from crmsync.emulators.salesforce.soql import parse
from crmsync.emulators.salesforce.soql.ast import FieldPath, FieldSet
from crmsync.emulators.salesforce.soql.resolve import relationship_name
from crmsync.emulators.salesforce.values import format_datetime

DELIMITERS: Final = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^",
                     "BACKQUOTE": "`"}  # fmt: skip
OPERATIONS: Final = frozenset({"insert", "update", "upsert", "delete", "hardDelete"})
_SF_DATETIME: Final = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})\+0000$")
_RESULTS: Final = {"successfulresults", "failedresults", "unprocessedrecords"}


@dataclass
class BulkJob:
    """One Bulk 2.0 job and its results."""

    id: str
    kind: str  # "ingest" or "query"
    info: dict[str, Any]
    delimiter: str
    line_ending: str
    data: list[str] = field(default_factory=list)
    successful: list[list[str]] = field(default_factory=list)
    failed: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def _csv(rows: list[list[str]], job: BulkJob) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=job.delimiter,
                        lineterminator="\r\n" if job.line_ending == "CRLF" else "\n")  # fmt: skip
    writer.writerows(rows)
    return out.getvalue()


def _new_job(ctx: ApiContext, kind: str, body: dict[str, Any]) -> BulkJob:
    job_id = ctx.org.ids.new(KEY_PREFIXES["BulkJob"])
    stamp = format_datetime(ctx.org.now())
    delimiter = str(body.get("columnDelimiter") or "COMMA")
    line_ending = str(body.get("lineEnding") or "LF")
    if delimiter not in DELIMITERS or line_ending not in {"LF", "CRLF"}:
        raise ApiError.single("INVALIDJOB", "Invalid columnDelimiter or lineEnding")
    info: dict[str, Any] = {
        "id": job_id, "operation": body.get("operation"), "object": body.get("object"),
        "createdById": ctx.caller.user_id, "createdDate": stamp, "systemModstamp": stamp,
        "state": "Open", "concurrencyMode": "Parallel", "contentType": "CSV",
        "apiVersion": float(ctx.api_version), "lineEnding": line_ending,
        "columnDelimiter": delimiter,
    }  # fmt: skip
    job = BulkJob(job_id, kind, info, DELIMITERS[delimiter], line_ending)
    ctx.emulator.runtime[ctx.org.kind].jobs[job_id] = job
    return job


def _job(ctx: ApiContext, job_id: str, kind: str) -> BulkJob:
    job = ctx.emulator.runtime[ctx.org.kind].jobs.get(job_id)
    if not isinstance(job, BulkJob) or job.kind != kind:
        raise ApiError.single("NOT_FOUND", "The requested resource does not exist", status=404)
    return job


@ROUTER.route(r"jobs/ingest", "POST", "GET")
def ingest_jobs(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """Create an ingest job (state Open), or list jobs."""
    if request.method == "GET":
        jobs = [j.info for j in ctx.emulator.runtime[ctx.org.kind].jobs.values()
                if isinstance(j, BulkJob) and j.kind == "ingest"]  # fmt: skip
        return ApiResponse(body={"done": True, "records": jobs, "nextRecordsUrl": None})
    body = request.json_object()
    operation = body.get("operation")
    if operation not in OPERATIONS:
        raise ApiError.single("INVALIDJOB", f"Invalid operation: {operation}")
    sobject = ctx.org.canonical_object(str(body.get("object") or ""))
    if sobject is None:
        raise ApiError.single("INVALIDJOB", f"Unable to find object: {body.get('object')}")
    external = body.get("externalIdFieldName")
    if operation == "upsert":
        external = ctx.records.external_field(sobject, str(external or ""))
    job = _new_job(ctx, "ingest", {**body, "object": sobject})
    job.info.update(jobType="V2Ingest", contentUrl=(
        f"services/data/v{ctx.api_version}/jobs/ingest/{job.id}/batches"))  # fmt: skip
    if external:
        job.info["externalIdFieldName"] = external
    return ApiResponse(body=job.info)


@ROUTER.route(r"jobs/ingest/(?P<id>750[A-Za-z0-9]+)/batches", "PUT")
def upload(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """Upload CSV data to an Open job: 201, no body."""
    job = _job(ctx, match["id"], "ingest")
    if job.info["state"] != "Open":
        raise ApiError.single("INVALIDJOB", "Job is not open for uploads", status=409)
    job.data.append(request.raw_body.decode("utf-8"))
    return ApiResponse(status=201)


@ROUTER.route(r"jobs/(?P<kind>ingest|query)/(?P<id>750[A-Za-z0-9]+)", "GET", "PATCH", "DELETE")
def job_resource(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """Job info (GET), state change (PATCH UploadComplete/Aborted), delete (204)."""
    job = _job(ctx, match["id"], match["kind"])
    if request.method == "DELETE":
        ctx.emulator.runtime[ctx.org.kind].jobs.pop(job.id, None)
        return ApiResponse(status=204)
    if request.method == "PATCH":
        state = request.json_object().get("state")
        if state == "Aborted" and job.info["state"] not in {"JobComplete", "Failed"}:
            job.info["state"] = "Aborted"
        elif state == "UploadComplete" and job.kind == "ingest" and job.info["state"] == "Open":
            job.info["state"] = "UploadComplete"
            _process(ctx, job)
        else:
            raise ApiError.single("INVALIDJOBSTATE", f"Cannot change job state to {state}")
        job.info["systemModstamp"] = format_datetime(ctx.org.now())
    return ApiResponse(body=job.info)


@ROUTER.route(r"jobs/ingest/(?P<id>750[A-Za-z0-9]+)/(?P<which>[A-Za-z]+)", "GET")
def ingest_results(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """successfulResults / failedResults / unprocessedrecords (any letter case) as CSV."""
    which = match["which"].lower()
    if which not in _RESULTS:
        raise ApiError.single("NOT_FOUND", "The requested resource does not exist", status=404)
    job = _job(ctx, match["id"], "ingest")
    if which == "successfulresults":
        text = _csv([["sf__Id", "sf__Created", *job.header], *job.successful], job)
    elif which == "failedresults":
        text = _csv([["sf__Id", "sf__Error", *job.header], *job.failed], job)
    else:
        unprocessed = job.rows if job.info["state"] == "Aborted" else []
        text = _csv([job.header, *unprocessed], job)
    return ApiResponse(raw=text, media_type="text/csv")


def _process(ctx: ApiContext, job: BulkJob) -> None:
    operation = job.info["operation"]
    sobject = job.info["object"]
    reader = csv.reader(io.StringIO("".join(job.data)), delimiter=job.delimiter)
    rows = list(reader)
    if not rows:
        _fail(job, "InvalidBatch : Empty CSV")
        return
    job.header, job.rows = rows[0], [r for r in rows[1:] if r]
    fields = []
    for name in job.header:
        definition = ctx.org.field(sobject, name, ctx.caller)
        if definition is None:
            _fail(job, f"InvalidBatch : Field name not found : {name}")
            return
        fields.append(definition.name)
    external = job.info.get("externalIdFieldName")
    store = ctx.org.store
    for row in job.rows:
        values: dict[str, Any] = {}
        for name, cell in zip(fields, row, strict=False):
            if cell == "#N/A":
                values[name] = None
            elif cell != "":
                values[name] = cell
        savepoint = store.savepoint()
        try:
            record_id, created = _write(ctx, operation, sobject, values, external)
        except ApiError as error:
            store.rollback_to(savepoint)
            message = " ".join(
                f"{e.code}:{e.message}:{','.join(e.fields or ())} --" for e in error.errors
            )
            job.failed.append([str(values.get("Id") or ""), message, *row])
            continue
        job.successful.append([record_id, "true" if created else "false", *row])
    job.info.update(
        state="JobComplete", numberRecordsProcessed=len(job.rows),
        numberRecordsFailed=len(job.failed), retries=0, totalProcessingTime=1,
        apiActiveProcessingTime=1, apexProcessingTime=0,
    )  # fmt: skip


def _write(
    ctx: ApiContext, operation: str, sobject: str, values: dict[str, Any], external: str | None
) -> tuple[str, bool]:
    records = ctx.records
    if operation == "insert":
        return records.create(sobject, values), True
    if operation == "upsert" and external:
        key = values.get(external)
        if key is None:
            raise ApiError.single("MISSING_ARGUMENT", f"{external} not specified")
        return records.upsert(sobject, external, str(key), values, update_only=False)
    record_id = str(values.pop("Id", "") or "")
    if not record_id:
        raise ApiError.single("MISSING_ARGUMENT", "Id not specified")
    if operation == "update":
        return records.update(sobject, record_id, values), False
    records.delete(sobject, record_id)
    if operation == "hardDelete":
        ctx.org.store.remove(sobject, records.find(sobject, record_id, deleted_ok=True)["Id"])
    return record_id, False


def _fail(job: BulkJob, message: str) -> None:
    job.info.update(state="Failed", errorMessage=message, numberRecordsProcessed=0,
                    numberRecordsFailed=0)  # fmt: skip


@ROUTER.route(r"jobs/query", "POST", "GET")
def query_jobs(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """Create a query job (runs at once), or list query jobs."""
    if request.method == "GET":
        jobs = [j.info for j in ctx.emulator.runtime[ctx.org.kind].jobs.values()
                if isinstance(j, BulkJob) and j.kind == "query"]  # fmt: skip
        return ApiResponse(body={"done": True, "records": jobs, "nextRecordsUrl": None})
    body = request.json_object()
    operation = body.get("operation")
    if operation not in {"query", "queryAll"}:
        raise ApiError.single("INVALIDJOB", f"Invalid operation: {operation}")
    text = str(body.get("query") or "")
    result = run_soql(ctx, text, include_deleted=operation == "queryAll")
    header, paths = _columns(ctx, text)
    job = _new_job(ctx, "query", body)
    job.info.update(jobType="V2Query", query=text, state="UploadComplete")
    job.header = header
    job.rows = [[_cell(_dig(row, path)) for path in paths] for row in result.rows]
    response = dict(job.info)
    job.info.update(state="JobComplete", numberRecordsProcessed=len(job.rows), retries=0,
                    totalProcessingTime=1)  # fmt: skip
    return ApiResponse(body=response)


def _columns(ctx: ApiContext, text: str) -> tuple[list[str], list[list[str]]]:
    """CSV header (``Account.Name`` style, canonical names) and the path of each column."""
    query = parse(text)
    source = OrgQuerySource(ctx.org, ctx.caller)
    sobject = source.canonical_object(query.sobject.name) or query.sobject.name
    header, paths = [], []
    for item in query.items:
        if isinstance(item, FieldSet):
            raise ApiError.single(
                "INVALIDJOB", "FeatureNotEnabled : FIELDS() is not supported in Bulk API 2.0"
            )
        if not isinstance(item, FieldPath):
            raise ApiError.single(
                "INVALIDJOB", "FeatureNotEnabled : Cannot use subqueries in Bulk API 2.0"
            )
        owner, path = sobject, []
        for part in item.parts[:-1]:
            parent = source.parent_relationship(owner, part)
            if parent is None:
                break
            reference, owner = parent
            path.append(relationship_name(reference, part))
        name = source.canonical_field(owner, item.parts[-1]) or item.parts[-1]
        if source.components(owner, name):
            # Bulk API 2.0 refuses the job when it is created (HTTP 400); only the
            # components (BillingStreet, BillingCity...) can be selected.
            raise ApiError.single(
                "API_ERROR", "Selecting compound data not supported in Bulk Query"
            )
        path.append(name)
        header.append(".".join(path))
        paths.append(path)
    return header, paths


def _dig(row: dict[str, Any], path: list[str]) -> Any:
    current: Any = row
    for part in path:
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    found = _SF_DATETIME.match(text)
    return f"{found.group(1)}Z" if found else text


@ROUTER.route(r"jobs/query/(?P<id>750[A-Za-z0-9]+)/results", "GET")
def query_results(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """A page of CSV results with ``Sforce-Locator`` and ``Sforce-NumberOfRecords``."""
    job = _job(ctx, match["id"], "query")
    try:
        size = max(int(request.params.get("maxRecords", "50000")), 1)
        locator = request.params.get("locator", "")
        offset = int(base64.b64decode(locator).decode()) if locator else 0
    except ValueError:
        raise ApiError.single("INVALIDLOCATOR", "invalid locator or maxRecords") from None
    page = job.rows[offset : offset + size]
    end = offset + len(page)
    next_locator = base64.b64encode(str(end).encode()).decode() if end < len(job.rows) else "null"
    return ApiResponse(
        raw=_csv([job.header, *page], job),
        media_type="text/csv",
        headers={"Sforce-Locator": next_locator, "Sforce-NumberOfRecords": str(len(page))},
    )
