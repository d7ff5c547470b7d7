"""Running a parsed query over a :class:`QuerySource` and shaping Salesforce JSON rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from crmsync.emulators.salesforce.soql.aggregate import execute_aggregate
from crmsync.emulators.salesforce.soql.ast import Aggregate, FieldPath, FieldSet, OrderKey, Query
from crmsync.emulators.salesforce.soql.errors import (
    MALFORMED_QUERY,
    NUMBER_OUTSIDE_VALID_RANGE,
    SoqlError,
    located_error,
)
from crmsync.emulators.salesforce.soql.field_types import (
    NORMALISERS,
    Family,
    family,
    sort_normaliser,
)
from crmsync.emulators.salesforce.soql.filters import RowTest, compile_condition
from crmsync.emulators.salesforce.soql.resolve import BoundField, Context, Row
from crmsync.emulators.salesforce.soql.source import QueryResult, QuerySource

MAX_OFFSET: Final = 2000
MAX_FIELDS_LIMIT: Final = 200
"""FIELDS(ALL) and FIELDS(CUSTOM) need a LIMIT of at most this many rows."""


@dataclass(frozen=True, slots=True)
class _Child:
    """A child subquery bound to the schema."""

    key: str  # the relationship name as written: Salesforce's JSON key for it
    sobject: str
    foreign_key: str
    plan: _Plan


@dataclass(frozen=True, slots=True)
class _Plan:
    """A query bound to one org: canonical names, compiled filter and sort."""

    sobject: str
    items: tuple[BoundField | _Child, ...]
    test: RowTest | None
    order_by: tuple[tuple[Callable[[Row], Any], bool, bool], ...]
    limit: int | None
    offset: int


def execute(
    query: Query,
    source: QuerySource,
    *,
    include_deleted: bool,
    now: dt.datetime,
    api_version: str,
) -> QueryResult:
    """Run ``query`` over ``source`` and return every selected row.

    ``include_deleted`` is true for ``/queryAll``. ``now`` (timezone-aware) anchors
    relative date literals such as ``TODAY``. ``api_version`` (``"59.0"``) goes into
    each row's ``attributes.url``. Raises :class:`SoqlError` for unknown objects,
    fields or relationships and for ill-typed filters.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    context = Context(source=source, text=query.text, include_deleted=include_deleted, now=now)
    sobject = context.resolve_object(query.sobject)
    if query.is_aggregate:
        aggregated = execute_aggregate(query, sobject, context)
        return QueryResult(rows=aggregated, total_size=len(aggregated), is_count=False)
    plan = _bind(query, sobject, context)
    rows = _select(plan, context, source.records(sobject))
    if query.is_count:
        return QueryResult(rows=[], total_size=len(rows), is_count=True)
    shaper = _Shaper(context=context, api_version=api_version)
    shaped = shaper.shape_all(plan, rows)
    return QueryResult(rows=shaped, total_size=len(shaped), is_count=False)


def _expand(query: Query, sobject: str, context: Context) -> list[FieldPath | Query]:
    """The select list with each FIELDS(...) replaced by the fields it stands for."""
    items: list[FieldPath | Query] = []
    for item in query.items:
        # Aggregate queries never get here: execute() hands them to soql.aggregate.
        assert not isinstance(item, Aggregate)
        if not isinstance(item, FieldSet):
            items.append(item)
            continue
        kind = item.name.upper()
        if kind not in {"STANDARD", "CUSTOM", "ALL"}:
            raise located_error(
                MALFORMED_QUERY, context.text, item.position, f"unexpected token: {item.name}"
            )
        if kind != "STANDARD" and (query.limit is None or query.limit > MAX_FIELDS_LIMIT):
            raise located_error(
                MALFORMED_QUERY,
                context.text,
                item.position,
                f"The SOQL FIELDS function must have a LIMIT of at most {MAX_FIELDS_LIMIT}",
            )
        written = {path.text.casefold() for path in query.fields}
        for name in context.source.field_names(sobject):
            custom = name.endswith("__c")
            wanted = kind == "ALL" or custom is (kind == "CUSTOM")
            if wanted and name.casefold() not in written:
                written.add(name.casefold())
                items.append(FieldPath((name,), item.position))
    return items


def _bind(query: Query, sobject: str, context: Context) -> _Plan:
    items: list[BoundField | _Child] = []
    seen: set[str] = set()
    for item in _expand(query, sobject, context):
        if isinstance(item, FieldPath):
            bound = context.bind(sobject, item)
            key = ".".join([*(hop.name for hop in bound.hops), bound.name]).casefold()
            items.append(bound)
        else:
            child_object, foreign_key = context.resolve_child(sobject, item.sobject)
            key = item.sobject.name.casefold()
            child_plan = _bind(item, child_object, context)
            items.append(_Child(item.sobject.name, child_object, foreign_key, child_plan))
        if key in seen:
            position = item.position if isinstance(item, FieldPath) else item.sobject.position
            text = item.text if isinstance(item, FieldPath) else item.sobject.name
            raise located_error(
                MALFORMED_QUERY, context.text, position, f"duplicate field selected: {text}"
            )
        seen.add(key)
    test = None
    if query.where is not None:
        test = compile_condition(query.where, sobject=sobject, context=context)
    offset = query.offset or 0
    if offset > MAX_OFFSET:
        raise SoqlError(
            code=NUMBER_OUTSIDE_VALID_RANGE,
            message=f"Maximum SOQL offset allowed is {MAX_OFFSET}",
        )
    return _Plan(
        sobject=sobject,
        items=tuple(items),
        test=test,
        order_by=tuple(_sort_key(key, sobject, context) for key in query.order_by),
        limit=query.limit,
        offset=offset,
    )


def _sort_key(
    key: OrderKey, sobject: str, context: Context
) -> tuple[Callable[[Row], Any], bool, bool]:
    bound = context.bind(sobject, key.field)
    bound.refuse_compound(context.text, "sorted in a query call")
    read = context.getter(bound)
    normalise = sort_normaliser(family(bound.type))
    # Sorting is stable and done key by key from the last; with reverse=True the
    # largest rank comes first, so the null rank is chosen per direction.
    null_rank = 0 if key.nulls_first != key.descending else 1
    value_rank = 1 - null_rank

    def sort_value(row: Row) -> tuple[int, Any]:
        value = normalise(read(row))
        if value is None:
            return (null_rank, None)
        return (value_rank, value)

    return sort_value, key.descending, key.nulls_first


def _select(plan: _Plan, context: Context, rows: Any) -> list[Row]:
    """Filter, order and slice the rows of one (sub)query."""
    test = plan.test
    visible = context.visible
    if test is None:
        matched = [row for row in rows if visible(row)]
    else:
        matched = [row for row in rows if visible(row) and test(row)]
    for sort_value, descending, _nulls_first in reversed(plan.order_by):
        matched.sort(key=sort_value, reverse=descending)
    end = None if plan.limit is None else plan.offset + plan.limit
    return matched[plan.offset : end]


@dataclass
class _Shaper:
    """Turns selected rows into Salesforce's JSON records (parents nested, children paged)."""

    context: Context
    api_version: str

    def attributes(self, sobject: str, record_id: Any) -> dict[str, str]:
        return {
            "type": sobject,
            "url": f"/services/data/v{self.api_version}/sobjects/{sobject}/{record_id}",
        }

    def shape_all(self, plan: _Plan, rows: Sequence[Row]) -> list[dict[str, Any]]:
        children = {
            child.key: self._children_by_parent(child, rows)
            for child in plan.items
            if isinstance(child, _Child)
        }
        return [self._shape(plan, row, children) for row in rows]

    def _shape(
        self, plan: _Plan, row: Row, children: dict[str, dict[str, list[dict[str, Any]]]]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": self.attributes(plan.sobject, row.get("Id"))}
        for item in plan.items:
            if isinstance(item, _Child):
                records = children[item.key].get(_id_key(row.get("Id")), [])
                out[item.key] = (
                    {"totalSize": len(records), "done": True, "records": records}
                    if records
                    else None
                )
            else:
                self._place(out, row, item)
        return out

    def _place(self, out: dict[str, Any], row: Row, bound: BoundField) -> None:
        container = out
        current = row
        for hop in bound.hops:
            parent = self.context.parent(hop.target, current.get(hop.reference_field))
            if parent is None:
                container[hop.name] = None
                return
            nested = container.get(hop.name)
            if nested is None:
                nested = {"attributes": self.attributes(hop.target, parent.get("Id"))}
                container[hop.name] = nested
            container = nested
            current = parent
        container[bound.name] = bound.value(current)

    def _children_by_parent(
        self, child: _Child, parents: Sequence[Row]
    ) -> dict[str, list[dict[str, Any]]]:
        """Each parent's child records, selected with the subquery's own filter/order/limit."""
        wanted = {_id_key(parent.get("Id")) for parent in parents}
        grouped: dict[str, list[Row]] = defaultdict(list)
        for row in self.context.source.records(child.sobject):
            key = _id_key(row.get(child.foreign_key))
            if key in wanted:
                grouped[key].append(row)
        return {
            key: self.shape_all(child.plan, _select(child.plan, self.context, rows))
            for key, rows in grouped.items()
        }


def _id_key(value: Any) -> str:
    normalised = NORMALISERS[Family.ID](value)
    return normalised if normalised is not None else ""
