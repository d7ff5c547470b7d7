"""Batch create and update with HubSpot's whole-batch failures taken apart.

HubSpot fails a whole ``batch/create`` with 409 when one contact's email already
exists (naming only the first), or with 400 when one input is invalid. So that one
record never blocks the others (R27):

- on a conflict, the chunk's emails are looked up with one ``batch/read`` by
  ``idProperty=email`` (not search: the search index lags); each found contact is a
  *match* (``WriteResult.existing``, its id, nothing written) and the rest are sent
  again;
- on anything else refused as a whole, the chunk is halved until the bad input is
  alone; it then gets the API's own category and message.

Each input carries an ``objectWriteTraceId`` (its index), which asks HubSpot for
per-row 207 answers and lets results be matched back to requests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Literal, Protocol

from crmsync.connectors.base import ApiErrorDetail, WriteRequest, WriteResult
from crmsync.connectors.errors import ConflictError, InvalidRequestError, NotFoundError
from crmsync.connectors.hubspot.errors import row_error
from crmsync.connectors.writes import rejected
from crmsync.errors import CrmsyncError

COMPANY_KEY_PROPERTY: Final = "salesforceaccountid"
"""A unique company property holding the linked Account's id: a company created from
an account carries it, so a create repeated after a crash collides instead of
duplicating (R25)."""
DEAL_KEY_PROPERTY: Final = "salesforceopportunityid"
"""A unique deal property holding the linked Opportunity's id (as for companies, R25)."""
TASK_KEY_PROPERTY: Final = "salesforcetaskid"
"""A unique engagement property holding the Salesforce task it was created from."""
UNIQUE_KEYS: Final[Mapping[str, str]] = {
    "contacts": "email",
    "companies": COMPANY_KEY_PROPERTY,
    "deals": DEAL_KEY_PROPERTY,
    **dict.fromkeys(("emails", "calls", "meetings", "tasks"), TASK_KEY_PROPERTY),
}
"""The unique property a create can collide on, per object type."""
CASE_INSENSITIVE_KEYS: Final = frozenset({"email"})
CONFLICT_ROUNDS: Final = 3
"""Look-up-and-resend rounds before falling back to halving (a concurrent create)."""

Send = Callable[[Literal["create", "update"], Mapping[str, Any]], Any]
"""``send(kind, body)``: one batch call, returning the parsed answer."""
FindExisting = Callable[[str, str, Sequence[str]], Mapping[str, str]]
"""``find(object_type, property, values)``: lower-cased value → id of existing records."""


def create_body(requests: Sequence[WriteRequest]) -> dict[str, Any]:
    """A ``batch/create`` body; the trace id of each input is its index."""
    return {
        "inputs": [
            {"properties": dict(request.fields), "objectWriteTraceId": str(index)}
            for index, request in enumerate(requests)
        ]
    }


def update_body(requests: Sequence[WriteRequest]) -> dict[str, Any]:
    """A ``batch/update`` body."""
    return {
        "inputs": [
            {"id": request.id, "properties": dict(request.fields), "objectWriteTraceId": str(index)}
            for index, request in enumerate(requests)
        ]
    }


def create_all(
    object_type: str,
    requests: Sequence[WriteRequest],
    *,
    send: Send,
    find_existing: FindExisting,
    rounds: int = CONFLICT_ROUNDS,
) -> list[WriteResult]:
    """Create ``requests``; one result each, in order."""
    if not requests:
        return []
    try:
        answer = send("create", create_body(requests))
    except ConflictError as conflict:
        matched = _matches(object_type, requests, find_existing) if rounds > 0 else {}
        if not matched:
            return _halve(object_type, requests, conflict, send, find_existing, rounds)
        rest = [request for index, request in enumerate(requests) if index not in matched]
        created = iter(
            create_all(object_type, rest, send=send, find_existing=find_existing, rounds=rounds - 1)
        )
        return [
            matched[index] if index in matched else next(created) for index in range(len(requests))
        ]
    except InvalidRequestError as invalid:
        return _halve(object_type, requests, invalid, send, find_existing, rounds)
    results = _by_trace(requests, answer, created=True)
    return _resolve_row_conflicts(object_type, requests, results, find_existing)


def update_all(
    object_type: str, requests: Sequence[WriteRequest], *, send: Send
) -> list[WriteResult]:
    """Update ``requests`` (each has an id); one result each, in order."""
    if not requests:
        return []
    try:
        answer = send("update", update_body(requests))
    except (InvalidRequestError, NotFoundError) as refused:
        if len(requests) == 1:
            return [rejected(requests[0], refused)]
        middle = len(requests) // 2
        return update_all(object_type, requests[:middle], send=send) + update_all(
            object_type, requests[middle:], send=send
        )
    return _by_trace(requests, answer, created=False)


def _halve(  # noqa: PLR0917 - private recursion helper
    object_type: str,
    requests: Sequence[WriteRequest],
    error: CrmsyncError,
    send: Send,
    find_existing: FindExisting,
    rounds: int,
) -> list[WriteResult]:
    if len(requests) == 1:
        return [rejected(requests[0], error)]
    middle = len(requests) // 2
    first = create_all(
        object_type, requests[:middle], send=send, find_existing=find_existing, rounds=rounds
    )
    return first + create_all(
        object_type, requests[middle:], send=send, find_existing=find_existing, rounds=rounds
    )


def _matches(
    object_type: str, requests: Sequence[WriteRequest], find_existing: FindExisting
) -> dict[int, WriteResult]:
    """Requests whose unique value already exists, as *existing* results by index."""
    key = UNIQUE_KEYS.get(object_type)
    if key is None:
        return {}
    values = {
        index: unique_value(key, request.fields[key])
        for index, request in enumerate(requests)
        if request.fields.get(key)
    }
    if not values:
        return {}
    found = find_existing(object_type, key, sorted(set(values.values())))
    return {
        index: WriteResult(key=requests[index].key, id=found[value], existing=True)
        for index, value in values.items()
        if value in found
    }


def unique_value(key: str, value: Any) -> str:
    """A unique value as compared: emails without case, ids exactly."""
    text = str(value).strip()
    return text.lower() if key in CASE_INSENSITIVE_KEYS else text


def _by_trace(requests: Sequence[WriteRequest], answer: Any, *, created: bool) -> list[WriteResult]:
    """Match a batch answer's results and 207 errors back to ``requests``."""
    body = answer if isinstance(answer, Mapping) else {}
    results: dict[int, WriteResult] = {}
    # 207 rows name records by id; on a create that "id" is the input's trace id.
    by_id = {str(request.id or index): index for index, request in enumerate(requests)}
    untraced: list[Mapping[str, Any]] = []
    for obj in body.get("results") or ():
        index = _trace_index(obj.get("objectWriteTraceId"), len(requests))
        if index is None:
            index = by_id.get(str(obj.get("id")))
        if index is None:
            untraced.append(obj)
            continue
        results[index] = WriteResult(key=requests[index].key, id=str(obj["id"]), created=created)
    # Without trace ids HubSpot returns results in input order.
    missing = [index for index in range(len(requests)) if index not in results]
    for index, obj in zip(missing, untraced, strict=False):
        results[index] = WriteResult(key=requests[index].key, id=str(obj["id"]), created=created)
    loose: list[ApiErrorDetail] = []
    for error in body.get("errors") or ():
        detail = row_error(error)
        indexes = _error_indexes(error, by_id, len(requests))
        if not indexes:
            loose.append(detail)
        for index in indexes:
            results[index] = WriteResult(
                key=requests[index].key, id=requests[index].id, errors=(detail,)
            )
    unanswered = [index for index in range(len(requests)) if index not in results]
    for position, index in enumerate(unanswered):
        detail = (
            loose[min(position, len(loose) - 1)]
            if loose
            else ApiErrorDetail(code="MISSING_RESULT", message="HubSpot returned no result")
        )
        results[index] = WriteResult(
            key=requests[index].key, id=requests[index].id, errors=(detail,)
        )
    return [results[index] for index in range(len(requests))]


def _resolve_row_conflicts(
    object_type: str,
    requests: Sequence[WriteRequest],
    results: list[WriteResult],
    find_existing: FindExisting,
) -> list[WriteResult]:
    """Turn per-row CONFLICT errors (207) into matches when the record exists."""
    conflicted = [
        index
        for index, result in enumerate(results)
        if any(error.code == "CONFLICT" for error in result.errors)
    ]
    if not conflicted:
        return results
    matched = _matches(object_type, [requests[index] for index in conflicted], find_existing)
    for position, index in enumerate(conflicted):
        if position in matched:
            results[index] = matched[position]
    return results


def _trace_index(trace: Any, size: int) -> int | None:
    if isinstance(trace, str) and trace.isdigit() and int(trace) < size:
        return int(trace)
    return None


def _error_indexes(error: Mapping[str, Any], by_id: Mapping[str, int], size: int) -> list[int]:
    context = error.get("context") or {}
    indexes = [
        index
        for trace in context.get("objectWriteTraceId") or ()
        if (index := _trace_index(trace, size)) is not None
    ]
    indexes += [
        by_id[str(record_id)] for record_id in context.get("ids") or () if str(record_id) in by_id
    ]
    return indexes


class AssociationInput(Protocol):
    """One pair a v4 association ``batch/create`` input names; ``key`` comes back."""

    @property
    def key(self) -> str: ...

    @property
    def from_id(self) -> str: ...

    @property
    def to_id(self) -> str: ...


def association_results(chunk: Sequence[AssociationInput], answer: Any) -> list[WriteResult]:
    """One result per input of a v4 ``batch/create`` (plain or labelled): created pairs
    are ok, the rest carry the 207 answer's error."""
    # v4 answers each created pair as ``LabelsBetweenObjectPair`` (fromObjectId, toObjectId).
    made = {
        (str(row.get("fromObjectId")), str(row.get("toObjectId")))
        for row in (answer or {}).get("results") or ()
    }
    errors = list((answer or {}).get("errors") or ())
    results: list[WriteResult] = []
    for request in chunk:
        if (request.from_id, request.to_id) in made:
            results.append(WriteResult(key=request.key, id=request.from_id))
            continue
        error = errors[0] if errors else {}
        detail = ApiErrorDetail(
            code=str(error.get("category") or "NO_RESULT"),
            message=str(error.get("message") or "HubSpot returned no result for the association"),
        )
        results.append(WriteResult(key=request.key, id=None, errors=(detail,)))
    return results
