"""HubSpot batch writes: one conflict or bad input never blocks the others (R27)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from crmsync.connectors.base import ApiErrorDetail, WriteRequest, WriteResult
from crmsync.connectors.errors import ConflictError, InvalidRequestError, build_error
from crmsync.connectors.hubspot.writes import create_all, update_all
from crmsync.connectors.writes import Chunk, WriteInterruptedError, run_chunks
from crmsync.errors import RetriableError


class FakeContacts:
    """A tiny whole-batch HubSpot: 409 on a known email, 400 on an invalid input."""

    def __init__(self, existing: Mapping[str, str]) -> None:
        self.existing = dict(existing)
        self.calls: list[str] = []
        self.next_id = 100

    def send(self, kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
        self.calls.append(kind)
        inputs = body["inputs"]
        for item in inputs:
            if str(item["properties"].get("email", "")).lower() in self.existing:
                detail = ApiErrorDetail(
                    code="CONFLICT", message="Contact already exists.", status=409
                )
                raise build_error(ConflictError, summary="409", detail=detail)
            if item["properties"].get("bad"):
                detail = ApiErrorDetail(
                    code="VALIDATION_ERROR", message="Property values were not valid", status=400
                )
                raise build_error(InvalidRequestError, summary="400", detail=detail)
        results = []
        for item in inputs:
            self.next_id += 1
            results.append(
                {"id": str(self.next_id), "objectWriteTraceId": item["objectWriteTraceId"]}
            )
        return {"status": "COMPLETE", "results": list(reversed(results))}

    def find(self, object_type: str, prop: str, values: Sequence[str]) -> dict[str, str]:
        self.calls.append("read")
        return {value: self.existing[value] for value in values if value in self.existing}


def req(key: str, **fields: Any) -> WriteRequest:
    return WriteRequest(object_type="contacts", key=key, fields=fields)


def test_409_conflict_becomes_a_match_and_the_rest_are_created() -> None:
    hub = FakeContacts({"taken@example.com": "7"})
    requests = [
        req("a", email="a@example.com"),
        req("t", email="Taken@example.com"),
        req("b", email="b@example.com"),
    ]
    results = create_all("contacts", requests, send=hub.send, find_existing=hub.find)
    assert [result.key for result in results] == ["a", "t", "b"]
    assert results[1] == WriteResult(key="t", id="7", existing=True)
    assert results[0].ok and results[0].created and results[2].ok and results[2].created
    assert hub.calls == ["create", "read", "create"]


def test_a_bad_input_is_isolated_with_the_api_code_and_others_are_created() -> None:
    hub = FakeContacts({})
    requests = [req(str(n), email=f"{n}@example.com") for n in range(7)]
    requests[4] = req("4", email="4@example.com", bad="yes")
    results = create_all("contacts", requests, send=hub.send, find_existing=hub.find)
    assert [result.ok for result in results] == [True, True, True, True, False, True, True]
    assert results[4].errors[0].code == "VALIDATION_ERROR"


def test_results_are_matched_by_trace_id_not_position() -> None:
    hub = FakeContacts({})
    results = create_all(
        "contacts",
        [req("x", email="x@e.com"), req("y", email="y@e.com")],
        send=hub.send,
        find_existing=hub.find,
    )
    # The fake answers in reverse order; ids follow the trace ids.
    assert [(result.key, result.id) for result in results] == [("x", "101"), ("y", "102")]


def test_207_update_errors_are_mapped_by_id() -> None:
    def send(kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "results": [{"id": "1"}],
            "errors": [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": "gone",
                    "context": {"ids": ["2"]},
                }
            ],
        }

    requests = [
        WriteRequest(object_type="contacts", key=k, id=i, fields={"firstname": "A"})
        for k, i in (("k1", "1"), ("k2", "2"))
    ]
    results = update_all("contacts", requests, send=send)
    assert results[0].ok and not results[0].created
    assert results[1].errors[0].code == "OBJECT_NOT_FOUND"


def test_r25_interruption_after_a_written_chunk_keeps_the_written_results() -> None:
    requests = [req(str(n)) for n in range(5)]
    sent: list[int] = []

    def send(chunk: Chunk) -> list[WriteResult]:
        sent.append(len(chunk.requests))
        if len(sent) == 2:
            raise RetriableError("503", retry_after=2.0)
        return [WriteResult(key=r.key, id="id" + r.key, created=True) for r in chunk.requests]

    with pytest.raises(WriteInterruptedError) as caught:
        run_chunks(requests, size=2, send=send)
    assert [result.key for result in caught.value.completed] == ["0", "1"]
    assert caught.value.retry_after == 2.0
