"""Lookups by a field's values (``IN`` lists), five queries to a ``/composite`` call.

A query sent on its own is a GET, and Salesforce answers 414 to URIs from about 16 KB,
so a lone ``IN`` list stays short (:data:`soql.MAX_IN_URL_CHARS`). Inside a
``/composite`` call the query travels in the JSON body, where only SOQL's own limit
holds (100,000 characters a statement, 4,000 a string literal), and up to five queries
share one API call (wire facts A.6, A.9). Each list holds at most 2,000 values, one
query page, so a lookup by a unique field answers in one page; a page that is not
the last (a shared email) is followed with ``queryMore``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote

from crmsync.connectors.errors import build_error, classify
from crmsync.connectors.salesforce import soql
from crmsync.connectors.salesforce.errors import SALESFORCE_ERRORS, error_detail
from crmsync.errors import FatalError

QUERIES_PER_COMPOSITE: Final = 5
"""Query subrequests one ``/composite`` call may carry."""
VALUES_PER_QUERY: Final = 2000
"""Values per ``IN`` list in a composite query: one query page of answers."""
SOQL_CHARS_PER_QUERY: Final = 90_000
"""Characters of one composite query (SOQL allows 100,000; the rest is headroom)."""
VALUES_PER_CALL: Final = VALUES_PER_QUERY * QUERIES_PER_COMPOSITE

Query = Callable[[str], list[Any]]
"""Run one query on its own (GET, every page); its rows."""
SendComposite = Callable[[Mapping[str, Any]], Any]
"""One ``/composite`` call; its JSON answer."""
QueryMore = Callable[[str], Mapping[str, Any]]
"""Fetch the page at a ``nextRecordsUrl``."""


def long_lists(
    values: Sequence[str], *, build: Callable[[list[str]], str], max_values: int, max_chars: int
) -> Iterator[list[str]]:
    """``values`` (deduplicated, order kept) in lists whose statement stays under the limits."""
    base = len(build([]))
    chunk: list[str] = []
    size = base
    for value in dict.fromkeys(values):
        cost = len(soql.string_literal(value)) + 2  # ", " between values
        if chunk and (len(chunk) >= max_values or size + cost > max_chars):
            yield chunk
            chunk, size = [], base
        chunk.append(value)
        size += cost
    if chunk:
        yield chunk


def query_subrequest(query: str, *, api_version: str, reference: str) -> dict[str, Any]:
    """A composite subrequest running ``query``."""
    return {
        "method": "GET",
        "url": f"/services/data/v{api_version}/query?q={quote(query, safe='')}",
        "referenceId": reference,
    }


def rows_of(entry: Any, *, query_more: QueryMore) -> list[Any]:
    """Every row of one query subrequest's answer, later pages included."""
    if not isinstance(entry, Mapping):
        raise FatalError("Salesforce composite answered without a subrequest result")
    status = int(entry.get("httpStatusCode") or 0)
    body = entry.get("body")
    if not 200 <= status < 300:
        detail = error_detail(status=status, content=body)
        error_class = classify(SALESFORCE_ERRORS, status=status, code=detail.code) or FatalError
        raise build_error(error_class, summary="Salesforce refused a query", detail=detail)
    if not isinstance(body, Mapping):
        raise FatalError("Salesforce answered a query without a JSON object")
    rows = list(body.get("records") or [])
    while not body.get("done", True) and body.get("nextRecordsUrl"):
        body = query_more(str(body["nextRecordsUrl"]))
        rows.extend(body.get("records") or [])
    return rows


def read_in(
    values: Sequence[str],
    *,
    build: Callable[[list[str]], str],
    query: Query,
    send_composite: SendComposite,
    query_more: QueryMore,
    api_version: str,
) -> list[Any]:
    """Rows whose field is one of ``values``: short lists alone, long ones five to a call."""
    unique = list(dict.fromkeys(values))
    if not unique:
        return []
    short = list(soql.chunk_values(unique))
    if len(short) == 1:
        return query(build(short[0]))
    lists = list(
        long_lists(unique, build=build, max_values=VALUES_PER_QUERY, max_chars=SOQL_CHARS_PER_QUERY)
    )
    rows: list[Any] = []
    for start in range(0, len(lists), QUERIES_PER_COMPOSITE):
        group = lists[start : start + QUERIES_PER_COMPOSITE]
        answer = send_composite(
            {
                "allOrNone": False,
                "compositeRequest": [
                    query_subrequest(build(chunk), api_version=api_version, reference=f"q{index}")
                    for index, chunk in enumerate(group)
                ],
            }
        )
        entries = answer.get("compositeResponse") if isinstance(answer, Mapping) else None
        if not isinstance(entries, list) or len(entries) != len(group):
            raise FatalError("Salesforce composite answered with a different number of results")
        for entry in entries:
            rows.extend(rows_of(entry, query_more=query_more))
    return rows
