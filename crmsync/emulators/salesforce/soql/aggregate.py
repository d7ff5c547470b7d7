"""Aggregate queries: ``GROUP BY`` with ``COUNT``, ``COUNT_DISTINCT``, ``SUM``, ``AVG``,
``MIN`` and ``MAX``, shaped as Salesforce's ``AggregateResult`` rows.

Each row holds the grouped fields under their field names and each aggregate under its
alias, or ``expr0``, ``expr1``... in select order when it has none. A selected field
that is neither grouped nor aggregated is refused, as Salesforce refuses it. Rows come
in ORDER BY order of grouped fields (otherwise in the order groups first appear).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Final

from crmsync.emulators.salesforce.soql.ast import Aggregate, FieldPath, Query
from crmsync.emulators.salesforce.soql.errors import (
    INVALID_FIELD,
    MALFORMED_QUERY,
    located_error,
)
from crmsync.emulators.salesforce.soql.field_types import family, sort_normaliser
from crmsync.emulators.salesforce.soql.filters import compile_condition
from crmsync.emulators.salesforce.soql.resolve import BoundField, Context, Row

NUMERIC_TYPES: Final = frozenset({"double", "currency", "percent", "int", "long"})
"""Describe types SUM and AVG take."""

COMPARABLE_TYPES: Final = NUMERIC_TYPES | frozenset(
    {"date", "datetime", "time", "string", "email", "phone", "url", "picklist", "id",
     "reference", "textarea", "combobox"}
)  # fmt: skip
"""Describe types MIN and MAX take."""


def execute_aggregate(query: Query, sobject: str, context: Context) -> list[dict[str, Any]]:
    """The ``AggregateResult`` rows of an aggregate ``query`` over ``sobject``."""
    grouped = [context.bind(sobject, path) for path in query.group_by]
    group_names = {path.text.casefold() for path in query.group_by}
    columns: list[tuple[str, Callable[[Sequence[Row]], Any]]] = []
    expression = 0
    for item in query.items:
        if isinstance(item, FieldPath):
            if item.text.casefold() not in group_names:
                raise located_error(
                    MALFORMED_QUERY,
                    context.text,
                    item.position,
                    f"Field must be grouped or aggregated: {item.text}",
                )
            bound = context.bind(sobject, item)
            columns.append((bound.name, _first(context, bound)))
        elif isinstance(item, Aggregate):
            name = item.alias
            if name is None:
                name = f"expr{expression}"
                expression += 1
            columns.append((name, _aggregate(item, sobject, context)))
        else:
            position = item.sobject.position if isinstance(item, Query) else item.position
            raise located_error(
                MALFORMED_QUERY, context.text, position, "unexpected token in aggregate query"
            )
    test = None
    if query.where is not None:
        test = compile_condition(query.where, sobject=sobject, context=context)
    rows = [
        row
        for row in context.source.records(sobject)
        if context.visible(row) and (test is None or test(row))
    ]
    groups = _groups(rows, grouped, context)
    ordered = _ordered(query, sobject, context, groups, group_names)
    offset = query.offset or 0
    end = None if query.limit is None else offset + query.limit
    return [
        {
            "attributes": {"type": "AggregateResult"},
            **{name: read(members) for name, read in columns},
        }
        for members in ordered[offset:end]
    ]


def _groups(rows: list[Row], grouped: list[BoundField], context: Context) -> list[list[Row]]:
    """Rows grouped by the normalised values of the GROUP BY fields (one group without)."""
    if not grouped:
        return [rows]
    readers = [(context.getter(bound), sort_normaliser(family(bound.type))) for bound in grouped]
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        key = tuple(normalise(read(row)) for read, normalise in readers)
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def _ordered(
    query: Query,
    sobject: str,
    context: Context,
    groups: list[list[Row]],
    group_names: set[str],
) -> list[list[Row]]:
    ordered = list(groups)
    for key in reversed(query.order_by):
        if key.field.text.casefold() not in group_names:
            raise located_error(
                MALFORMED_QUERY,
                context.text,
                key.field.position,
                f"Ordered field must be grouped or aggregated: {key.field.text}",
            )
        bound = context.bind(sobject, key.field)
        read = context.getter(bound)
        normalise = sort_normaliser(family(bound.type))
        null_rank = 0 if key.nulls_first != key.descending else 1

        def sort_value(
            members: list[Row],
            read: Callable[[Row], Any] = read,
            normalise: Callable[[Any], Any] = normalise,
            null_rank: int = null_rank,
        ) -> tuple[int, Any]:
            value = normalise(read(members[0])) if members else None
            return (null_rank, None) if value is None else (1 - null_rank, value)

        ordered.sort(key=sort_value, reverse=key.descending)
    return ordered


def _first(context: Context, bound: BoundField) -> Callable[[Sequence[Row]], Any]:
    read = context.getter(bound)
    return lambda members: read(members[0]) if members else None


def _aggregate(item: Aggregate, sobject: str, context: Context) -> Callable[[Sequence[Row]], Any]:
    assert item.field is not None  # the parser refuses other bare functions
    bound = context.bind(sobject, item.field)
    read = context.getter(bound)
    function = item.function
    allowed = {"SUM": NUMERIC_TYPES, "AVG": NUMERIC_TYPES, "MIN": COMPARABLE_TYPES,
               "MAX": COMPARABLE_TYPES}.get(function)  # fmt: skip
    if allowed is not None and bound.type not in allowed:
        raise located_error(
            INVALID_FIELD,
            context.text,
            item.position,
            f"field {item.field.text} does not support aggregate operator {function}",
        )

    def values(members: Sequence[Row]) -> list[Any]:
        return [value for value in (read(row) for row in members) if value is not None]

    if function == "COUNT":
        return lambda members: len(values(members))
    if function == "COUNT_DISTINCT":
        normalise = sort_normaliser(family(bound.type))
        return lambda members: len({normalise(value) for value in values(members)})
    if function in {"SUM", "AVG"}:

        def total(members: Sequence[Row]) -> Any:
            found = [Decimal(str(value)) for value in values(members)]
            if not found:
                return None
            result = sum(found, Decimal(0))
            if function == "AVG":
                result /= len(found)
            return float(result)

        return total
    normalise = sort_normaliser(family(bound.type))

    def extreme(members: Sequence[Row]) -> Any:
        found = values(members)
        if not found:
            return None
        pick = max if function == "MAX" else min
        return pick(found, key=normalise)

    return extreme
