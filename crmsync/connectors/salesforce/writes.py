"""Writes through sObject Collections, five of them per ``/composite`` call: 1,000 records.

A Collections call (``/composite/sobjects``) carries 200 records of one kind (create or
update). A ``/composite`` call carries up to 25 subrequests, at most 5 of them
Collections or queries, and the whole series counts as one API call: so up to 1,000
records go out per call (wire facts A.9). A write that fits one Collections call is
sent as one, unwrapped.

Composite's top-level ``allOrNone`` is false, and so is each Collections body's: one
bad record never blocks the others (R27), and its error keeps Salesforce's own
``statusCode`` and message. A subrequest refused as a whole (a 400 on that
Collections body) becomes a per-record error on each of its records, as a refused
Collections call does; a subrequest that failed for a passing reason (a 5xx, the
allocation spent) stops the write with :class:`WriteInterruptedError` carrying the
results of every subrequest that did go through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from crmsync.connectors.base import WriteRequest, WriteResult
from crmsync.connectors.errors import (
    InvalidRequestError,
    SchemaMismatchError,
    build_error,
    classify,
)
from crmsync.connectors.salesforce.errors import SALESFORCE_ERRORS, error_detail, record_errors
from crmsync.connectors.writes import Chunk, WriteInterruptedError, plan_chunks, rejected
from crmsync.errors import CrmsyncError, FatalError, RetriableError

COLLECTION_SIZE: Final = 200
"""Records per sObject Collections subrequest."""
COLLECTIONS_PER_COMPOSITE: Final = 5
"""Collections (or query) subrequests one ``/composite`` call may carry."""
RECORDS_PER_CALL: Final = COLLECTION_SIZE * COLLECTIONS_PER_COMPOSITE

Send = Callable[[str, Mapping[str, Any]], Any]
"""``send(method, body)``: one Collections call, returning the SaveResults."""
SendComposite = Callable[[Mapping[str, Any]], Any]
"""``send_composite(body)``: one ``/composite`` call, returning its JSON answer."""


def collection_body(chunk: Chunk) -> dict[str, Any]:
    """The Collections request body for one chunk."""
    rows = []
    for request in chunk.requests:
        row: dict[str, Any] = {"attributes": {"type": chunk.object_type}, **request.fields}
        if not chunk.create:
            row["id"] = request.id
        rows.append(row)
    return {"allOrNone": False, "records": rows}


def save_results(chunk: Chunk, results: Any) -> list[WriteResult]:
    """SaveResults (in request order) as :class:`WriteResult` values."""
    if not isinstance(results, list) or len(results) != len(chunk.requests):
        raise FatalError("sObject Collections answered with a different number of results")
    out = []
    for request, result in zip(chunk.requests, results, strict=True):
        if result.get("success"):
            out.append(
                WriteResult(
                    key=request.key, id=str(result.get("id") or request.id), created=chunk.create
                )
            )
        else:
            out.append(WriteResult(key=request.key, id=request.id, errors=record_errors(result)))
    return out


def composite_body(chunks: Sequence[Chunk], *, api_version: str) -> dict[str, Any]:
    """One ``/composite`` body with a Collections subrequest per chunk."""
    return {
        "allOrNone": False,
        "compositeRequest": [
            {
                "method": "POST" if chunk.create else "PATCH",
                "url": f"/services/data/v{api_version}/composite/sobjects",
                "referenceId": f"chunk{index}",
                "body": collection_body(chunk),
            }
            for index, chunk in enumerate(chunks)
        ],
    }


def subrequest_results(chunk: Chunk, entry: Any) -> list[WriteResult]:
    """The results of one Collections subrequest from its ``compositeResponse`` entry.

    Raises the crmsync error of a subrequest that failed as a whole for a reason other
    than the request itself (so the caller can stop and resume later).
    """
    if not isinstance(entry, Mapping):
        raise FatalError("Salesforce composite answered without a subrequest result")
    status = int(entry.get("httpStatusCode") or 0)
    if 200 <= status < 300:
        return save_results(chunk, entry.get("body"))
    detail = error_detail(status=status, content=entry.get("body"))
    error_class = classify(SALESFORCE_ERRORS, status=status, code=detail.code) or FatalError
    error = build_error(error_class, summary="Salesforce refused a collection", detail=detail)
    if isinstance(error, InvalidRequestError | SchemaMismatchError):
        return [rejected(request, error) for request in chunk.requests]
    raise error


def write_collections(
    requests: Sequence[WriteRequest],
    *,
    send: Send,
    send_composite: SendComposite,
    api_version: str,
) -> list[WriteResult]:
    """Create (POST) and update (PATCH) ``requests``; one result each, in request order.

    Chunks of 200 of one object type and kind go out five to a ``/composite`` call.
    """
    chunks = list(plan_chunks(requests, size=COLLECTION_SIZE))
    positions = {id(request): index for index, request in enumerate(requests)}
    by_position: dict[int, WriteResult] = {}

    def keep(chunk: Chunk, results: Sequence[WriteResult]) -> None:
        for request, result in zip(chunk.requests, results, strict=True):
            by_position[positions[id(request)]] = result

    def interrupted(error: CrmsyncError) -> WriteInterruptedError:
        completed = [by_position[index] for index in sorted(by_position)]
        return WriteInterruptedError(
            f"write interrupted after {len(completed)} of {len(requests)} records: {error}",
            completed=completed,
            retry_after=error.retry_after if isinstance(error, RetriableError) else None,
        )

    for start in range(0, len(chunks), COLLECTIONS_PER_COMPOSITE):
        group = chunks[start : start + COLLECTIONS_PER_COMPOSITE]
        try:
            if len(group) == 1:
                (chunk,) = group
                method = "POST" if chunk.create else "PATCH"
                keep(chunk, save_results(chunk, send(method, collection_body(chunk))))
                continue
            answer = send_composite(composite_body(group, api_version=api_version))
        except (InvalidRequestError, SchemaMismatchError) as error:
            for chunk in group:
                keep(chunk, [rejected(request, error) for request in chunk.requests])
            continue
        except CrmsyncError as error:
            if not by_position:
                raise
            raise interrupted(error) from error
        entries = answer.get("compositeResponse") if isinstance(answer, Mapping) else None
        if not isinstance(entries, list) or len(entries) != len(group):
            raise FatalError("Salesforce composite answered with a different number of results")
        failure: CrmsyncError | None = None
        for chunk, entry in zip(group, entries, strict=True):
            try:
                keep(chunk, subrequest_results(chunk, entry))
            except CrmsyncError as error:
                failure = failure or error
        if failure is not None:
            if not by_position:
                raise failure
            raise interrupted(failure)
    return [by_position[index] for index in range(len(requests))]
