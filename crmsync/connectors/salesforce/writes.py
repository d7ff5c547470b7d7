"""Writes through sObject Collections (``/composite/sobjects``), 200 records per call.

Why Collections and not ``/composite``: one Collections call already carries 200
records for one API call, and its SaveResults map one-to-one onto our requests.
Packing five Collections into one ``/composite`` call would reach 1,000 records per
call, but a composite call is refused as a whole when one subrequest is malformed
and the engine's batches per object and cycle are rarely above 200; the chunk size
comes from :attr:`Capabilities.max_batch_write`, so moving to composite later does
not change callers. ``allOrNone`` is false: one bad record never blocks the others
(R27), and its error keeps Salesforce's own ``statusCode`` and message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from crmsync.connectors.base import WriteRequest, WriteResult
from crmsync.connectors.salesforce.errors import record_errors
from crmsync.connectors.writes import Chunk, run_chunks
from crmsync.errors import FatalError

Send = Callable[[str, Mapping[str, Any]], Any]
"""``send(method, body)``: one Collections call, returning the SaveResults."""


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


def write_collections(
    requests: Sequence[WriteRequest], *, send: Send, chunk_size: int
) -> list[WriteResult]:
    """Create (POST) and update (PATCH) ``requests``; one result each, in order."""

    def send_chunk(chunk: Chunk) -> list[WriteResult]:
        method = "POST" if chunk.create else "PATCH"
        return save_results(chunk, send(method, collection_body(chunk)))

    return run_chunks(requests, size=chunk_size, send=send_chunk)
