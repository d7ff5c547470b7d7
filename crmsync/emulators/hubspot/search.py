"""CRM search (wire facts B.4): filter groups, one sort, offset paging, a 10,000 cap."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crmsync.emulators.hubspot import catalog
from crmsync.emulators.hubspot.errors import bad_request
from crmsync.emulators.hubspot.schema import AccountSchema
from crmsync.emulators.hubspot.store import Record
from crmsync.emulators.hubspot.values import parse_instant

OPERATORS = frozenset(
    {
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    }
)
MAX_RESULTS = 10_000
MAX_PAGE = 200
_TOKEN_SPLIT = re.compile(r"[\s,;]+")


@dataclass(kw_only=True)
class FilterLimits:
    """Filter limits; since 26 Aug 2024 HubSpot allows 5 groups, 10 per group, 25 in all."""

    groups: int = 5
    per_group: int = 10
    total: int = 25


@dataclass(frozen=True, kw_only=True)
class SearchPage:
    """One page of search results."""

    total: int
    results: list[Record]
    next_after: str | None


Predicate = Callable[[dict[str, str]], bool]


def _typed(kind: str, text: str) -> float | str | None:
    """A property value as its type compares it: numbers and instants as numbers."""
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            return None
    if kind in ("date", "datetime"):
        moment = parse_instant(text)
        return moment.timestamp() * 1000 if moment else None
    return text.lower()


def _predicate(*, f: dict[str, Any], schema: AccountSchema, object_type: str) -> Predicate:
    name = f.get("propertyName")
    operator = f.get("operator", "EQ")
    if not isinstance(name, str) or schema.property(object_type, name) is None:
        raise bad_request(f"There was a problem with the request: property {name!r} does not exist")
    if operator not in OPERATORS:
        raise bad_request(f"Invalid operator {operator!r}; expected one of {sorted(OPERATORS)}")
    kind = str(schema.properties[object_type][name]["type"])

    def typed(text: Any) -> float | str | None:
        return _typed(kind, "" if text is None else str(text))

    if operator == "HAS_PROPERTY":
        return lambda p: bool(p.get(name))
    if operator == "NOT_HAS_PROPERTY":
        return lambda p: not p.get(name)
    if operator in ("IN", "NOT_IN"):
        values = f.get("values")
        if not isinstance(values, list):
            raise bad_request(f"{operator} needs a values list")
        wanted = {typed(v) for v in values}
        if operator == "IN":
            return lambda p: name in p and typed(p[name]) in wanted
        return lambda p: name not in p or typed(p[name]) not in wanted
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = str(f.get("value", "")).lower()

        def contains(p: dict[str, str]) -> bool:
            text = p.get(name, "").lower()
            tokens = [text, *_TOKEN_SPLIT.split(text)]
            if "*" in pattern:
                return any(fnmatch.fnmatchcase(t, pattern) for t in tokens)
            return pattern in tokens

        if operator == "CONTAINS_TOKEN":
            return contains
        return lambda p: not contains(p)
    target = typed(f.get("value"))
    if target is None:
        raise bad_request(f"{f.get('value')!r} is not a valid value for {name}")
    if operator == "BETWEEN":
        high = typed(f.get("highValue"))
        if high is None:
            raise bad_request("BETWEEN needs value and highValue")

        def between(p: dict[str, str]) -> bool:
            value = typed(p[name]) if name in p else None
            return value is not None and type(value) is type(target) and target <= value <= high  # type: ignore[operator]

        return between
    if operator == "EQ":
        return lambda p: name in p and typed(p[name]) == target
    if operator == "NEQ":
        return lambda p: name not in p or typed(p[name]) != target
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "LT": lambda a, b: a < b,
        "LTE": lambda a, b: a <= b,
        "GT": lambda a, b: a > b,
        "GTE": lambda a, b: a >= b,
    }
    check = compare[operator]

    def ordered(p: dict[str, str]) -> bool:
        value = typed(p[name]) if name in p else None
        return value is not None and type(value) is type(target) and check(value, target)

    return ordered


def compile_filters(
    *, body: dict[str, Any], schema: AccountSchema, object_type: str, limits: FilterLimits
) -> Predicate:
    """One predicate for the request's filter groups (groups OR, filters within AND)."""
    groups = body.get("filterGroups") or []
    if len(groups) > limits.groups:
        raise bad_request(f"Too many filter groups: {len(groups)} (at most {limits.groups})")
    compiled: list[list[Predicate]] = []
    total = 0
    for group in groups:
        filters = group.get("filters") or []
        if len(filters) > limits.per_group:
            raise bad_request(
                f"Too many filters in a group: {len(filters)} (at most {limits.per_group})"
            )
        total += len(filters)
        compiled.append([_predicate(f=f, schema=schema, object_type=object_type) for f in filters])
    if total > limits.total:
        raise bad_request(f"Too many filters: {total} (at most {limits.total})")
    query = str(body.get("query") or "").strip().lower()
    text_props = catalog.OBJECT_TYPES[object_type].search_text_properties

    def matches(p: dict[str, str]) -> bool:
        if query and not any(query in p.get(n, "").lower() for n in text_props):
            return False
        if not compiled:
            return True
        return any(all(pred(p) for pred in group) for group in compiled)

    return matches


def _sort_spec(body: dict[str, Any]) -> tuple[str, bool] | None:
    sorts = body.get("sorts") or []
    if len(sorts) > 1:
        raise bad_request("Only one sort is supported per search request")
    if not sorts:
        return None
    first = sorts[0]
    if isinstance(first, str):
        return first.lstrip("-"), first.startswith("-")
    if isinstance(first, dict) and isinstance(first.get("propertyName"), str):
        return first["propertyName"], str(
            first.get("direction", "ASCENDING")
        ).upper() == "DESCENDING"
    raise bad_request("sorts must be property names or {propertyName, direction} objects")


def run_search(
    *,
    body: dict[str, Any],
    records: dict[int, Record],
    schema: AccountSchema,
    object_type: str,
    limits: FilterLimits,
    now: datetime,
) -> SearchPage:
    """Evaluate one search request over the index as it stands at ``now``."""
    limit = body.get("limit", 10)
    if not isinstance(limit, int) or limit < 0 or limit > MAX_PAGE:
        raise bad_request(f"limit must be between 0 and {MAX_PAGE}")
    after_raw = body.get("after") or "0"
    if not str(after_raw).isdecimal():
        raise bad_request(f"after must be a numeric offset, got {after_raw!r}")
    offset = int(after_raw)
    if offset >= MAX_RESULTS:
        raise bad_request(
            f"There was a problem with the request. Paging is limited to {MAX_RESULTS} results",
            sub_category="crm-search.PAGING_LIMIT_EXCEEDED",
        )
    matches = compile_filters(body=body, schema=schema, object_type=object_type, limits=limits)
    found: list[tuple[Record, dict[str, str]]] = []
    for record in records.values():
        if record.archived_at is not None:
            continue
        visible = record.searchable(now)
        if visible is not None and matches(visible):
            found.append((record, visible))
    sort = _sort_spec(body)
    if sort is None:
        found.sort(key=lambda pair: pair[0].id)
    else:
        name, descending = sort
        definition = schema.property(object_type, name)
        kind = str(definition["type"]) if definition else "string"

        def key(pair: tuple[Record, dict[str, str]]) -> tuple[bool, Any, int]:
            value = _typed(kind, pair[1].get(name, "")) if pair[1].get(name) else None
            missing = value is None
            # Missing values sort last in both directions, as in HubSpot.
            return (missing != descending, value if value is not None else 0, pair[0].id)

        found.sort(key=key, reverse=descending)
    window = found[offset : offset + limit]
    end = offset + len(window)
    more = end < min(len(found), MAX_RESULTS)
    return SearchPage(
        total=len(found), results=[r for r, _ in window], next_after=str(end) if more else None
    )
