"""Splitting a write into per-call chunks, shared by both adapters.

Requests are grouped by object type and by create/update (each API call takes one
kind), chunked to the API's batch size, and the results are put back in request
order. A chunk the API rejects as a whole (a 400 on the request) becomes a
per-record error on each of its requests, so one bad chunk never stops the others
(R27). Any other error after some chunks were written raises
:class:`WriteInterruptedError` carrying what was written, so the caller can record
the new ids before deferring the rest (R25: no lost change, no duplicate create).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from crmsync.connectors.base import ApiErrorDetail, WriteRequest, WriteResult
from crmsync.connectors.errors import ApiErrorMixin, InvalidRequestError, SchemaMismatchError
from crmsync.errors import CrmsyncError, RetriableError


class WriteInterruptedError(RetriableError):
    """A write stopped part-way; ``completed`` has one result per request already sent."""

    def __init__(
        self,
        message: str,
        *,
        completed: Sequence[WriteResult],
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, retry_after=retry_after)
        self.completed = tuple(completed)


@dataclass(frozen=True, kw_only=True)
class Chunk:
    """Requests of one object type and kind that go in one API call."""

    object_type: str
    create: bool
    requests: tuple[WriteRequest, ...]


def plan_chunks(requests: Sequence[WriteRequest], *, size: int) -> Iterator[Chunk]:
    """Creates and updates per object type, in first-seen order, ``size`` per chunk."""
    groups: dict[tuple[str, bool], list[WriteRequest]] = {}
    for request in requests:
        groups.setdefault((request.object_type, request.id is None), []).append(request)
    for (object_type, create), members in groups.items():
        for start in range(0, len(members), size):
            yield Chunk(
                object_type=object_type,
                create=create,
                requests=tuple(members[start : start + size]),
            )


def run_chunks(
    requests: Sequence[WriteRequest],
    *,
    size: int,
    send: Callable[[Chunk], Sequence[WriteResult]],
) -> list[WriteResult]:
    """Send every chunk; results in request order (see the module docstring)."""
    by_key: dict[int, WriteResult] = {}
    positions = {id(request): index for index, request in enumerate(requests)}
    for chunk in plan_chunks(requests, size=size):
        try:
            results = send(chunk)
        except (InvalidRequestError, SchemaMismatchError) as error:
            results = [rejected(request, error) for request in chunk.requests]
        except CrmsyncError as error:
            if not by_key:
                raise
            completed = [by_key[index] for index in sorted(by_key)]
            raise WriteInterruptedError(
                f"write interrupted after {len(completed)} of {len(requests)} records: {error}",
                completed=completed,
                retry_after=error.retry_after if isinstance(error, RetriableError) else None,
            ) from error
        for request, result in zip(chunk.requests, results, strict=True):
            by_key[positions[id(request)]] = result
    return [by_key[index] for index in range(len(requests))]


def rejected(request: WriteRequest, error: CrmsyncError) -> WriteResult:
    """A per-record result for a request whose whole call was refused."""
    detail = error.detail if isinstance(error, ApiErrorMixin) else None
    return WriteResult(
        key=request.key,
        id=request.id,
        errors=(detail or ApiErrorDetail(code="REQUEST_REJECTED", message=str(error)),),
    )
