"""WHERE clause → one Python closure over a row, built once per execution.

All checks (names, literal types, operators) happen while compiling, so a bad query
fails before any row is read, and the per-row work is a few plain function calls.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from crmsync.emulators.salesforce.soql import literals, relative_dates
from crmsync.emulators.salesforce.soql.ast import (
    And,
    Condition,
    Literal,
    LiteralKind,
    Not,
    Operator,
    Or,
    Predicate,
    SemiJoin,
)
from crmsync.emulators.salesforce.soql.errors import (
    INVALID_FIELD,
    INVALID_QUERY_FILTER_OPERATOR,
    MALFORMED_QUERY,
    located_error,
)
from crmsync.emulators.salesforce.soql.field_types import (
    ACCEPTED_KINDS,
    NORMALISERS,
    Family,
    family,
    is_valid_id,
    literal_value,
    type_label,
)
from crmsync.emulators.salesforce.soql.resolve import BoundField, Context, Row

RowTest = Callable[[Row], bool]
ValueTest = Callable[[Any], bool]

_ORDERING = frozenset({Operator.LT, Operator.LE, Operator.GT, Operator.GE})


def compile_condition(condition: Condition, *, sobject: str, context: Context) -> RowTest:
    """Compile ``condition`` (over rows of ``sobject``) into a row test."""
    if isinstance(condition, And):
        tests = [compile_condition(c, sobject=sobject, context=context) for c in condition.operands]
        return functools.reduce(_both, tests)
    if isinstance(condition, Or):
        tests = [compile_condition(c, sobject=sobject, context=context) for c in condition.operands]
        return functools.reduce(_either, tests)
    if isinstance(condition, Not):
        inner = compile_condition(condition.operand, sobject=sobject, context=context)
        return lambda row: not inner(row)
    if isinstance(condition, SemiJoin):
        return _compile_semi_join(condition, sobject=sobject, context=context)
    return _compile_predicate(condition, sobject=sobject, context=context)


def _both(first: RowTest, second: RowTest) -> RowTest:
    return lambda row: first(row) and second(row)


def _either(first: RowTest, second: RowTest) -> RowTest:
    return lambda row: first(row) or second(row)


def _compile_predicate(predicate: Predicate, *, sobject: str, context: Context) -> RowTest:
    bound = context.bind(sobject, predicate.field)
    bound.refuse_compound(context.text, "filtered in query call")
    fam = family(bound.type)
    read = context.getter(bound)
    _check_operator(predicate, bound, fam, context)
    for literal in predicate.values:
        _check_literal(literal, predicate, bound, fam, context)

    if predicate.operator is Operator.LIKE:
        # LIKE matches the stored text itself (the regex is case-insensitive).
        pattern = literals.like_regex(predicate.values[0].raw)
        return lambda row: (
            (value := read(row)) is not None and pattern.fullmatch(str(value)) is not None
        )

    test = _value_test(predicate, fam, context)
    normalise = NORMALISERS[fam]
    return lambda row: test(normalise(read(row)))


def _value_test(predicate: Predicate, fam: Family, context: Context) -> ValueTest:
    operator = predicate.operator
    values = predicate.values
    if operator in {Operator.INCLUDES, Operator.EXCLUDES}:
        # Each listed value is a ';'-joined set that must all be selected (AND); the
        # list itself is an OR.
        wanted = [literal_value(fam, literal) or frozenset() for literal in values]

        def includes(value: Any) -> bool:
            return value is not None and any(want <= value for want in wanted)

        if operator is Operator.INCLUDES:
            return includes
        return lambda value: not includes(value)
    if operator in {Operator.IN, Operator.NOT_IN}:
        member = _member_of(values, fam, context)
        if operator is Operator.IN:
            return member
        return lambda value: not member(value)
    literal = values[0]
    if operator is Operator.EQ:
        return _equals(literal, fam, context)
    if operator is Operator.NE:
        # SOQL's != keeps rows whose field is null (unlike SQL).
        equal = _equals(literal, fam, context)
        return lambda value: not equal(value)
    return _ordering(operator, literal, fam, context)


def _member_of(values: Sequence[Literal], fam: Family, context: Context) -> ValueTest:
    """``value`` equals one of ``values``: a set lookup for plain literals (long IN lists)."""
    plain: set[Any] = set()
    others: list[ValueTest] = []
    for literal in values:
        expected = (
            None
            if literal.kind in {LiteralKind.NULL, LiteralKind.DATE_LITERAL}
            else literal_value(fam, literal)
        )
        if expected is not None and isinstance(expected, Hashable):
            plain.add(expected)
        else:
            others.append(_equals(literal, fam, context))
    rest = _any_of(others) if others else (lambda value: False)

    def member(value: Any) -> bool:
        return (isinstance(value, Hashable) and value in plain) or rest(value)

    return member


def _any_of(tests: list[ValueTest]) -> ValueTest:
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _range(literal: Literal, fam: Family, context: Context) -> tuple[Any, Any]:
    """The ``[start, end)`` a relative date literal covers, in the field's domain."""
    assert isinstance(literal.value, str)
    today = context.now.astimezone(dt.UTC).date()
    start, end = relative_dates.date_range(literal.value, literal.amount, today=today)
    if fam is Family.DATETIME:
        return (
            dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC),
            dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC),
        )
    return start, end


def _equals(literal: Literal, fam: Family, context: Context) -> ValueTest:
    if literal.kind is LiteralKind.NULL:
        return lambda value: value is None
    if literal.kind is LiteralKind.DATE_LITERAL:
        start, end = _range(literal, fam, context)
        return lambda value: value is not None and start <= value < end
    expected = literal_value(fam, literal)
    if expected is None:  # '' is null for text
        return lambda value: value is None
    return lambda value: value == expected


def _ordering(operator: Operator, literal: Literal, fam: Family, context: Context) -> ValueTest:
    if literal.kind is LiteralKind.DATE_LITERAL:
        start, end = _range(literal, fam, context)
        bound, strict = {
            Operator.LT: (start, True),
            Operator.LE: (end, True),
            Operator.GT: (end, False),
            Operator.GE: (start, False),
        }[operator]
        if strict:
            return lambda value: value is not None and value < bound
        return lambda value: value is not None and value >= bound
    limit = literal_value(fam, literal)
    compare: Callable[[Any, Any], bool] = {
        Operator.LT: lambda a, b: a < b,
        Operator.LE: lambda a, b: a <= b,
        Operator.GT: lambda a, b: a > b,
        Operator.GE: lambda a, b: a >= b,
    }[operator]
    return lambda value: value is not None and compare(value, limit)


def _check_operator(predicate: Predicate, bound: BoundField, fam: Family, context: Context) -> None:
    operator = predicate.operator
    problem: str | None = None
    if operator in {Operator.INCLUDES, Operator.EXCLUDES}:
        if fam is not Family.MULTIPICKLIST:
            problem = "includes or excludes operator only valid on multipicklist field"
    elif operator is Operator.LIKE:
        if fam is not Family.STRING:
            problem = f"invalid operator on {bound.type} field"
    elif operator in _ORDERING and fam in {Family.BOOLEAN, Family.MULTIPICKLIST}:
        problem = f"invalid operator on {bound.type} field"
    if problem is not None:
        raise located_error(
            INVALID_QUERY_FILTER_OPERATOR, context.text, predicate.position, problem
        )


def _check_literal(
    literal: Literal, predicate: Predicate, bound: BoundField, fam: Family, context: Context
) -> None:
    operator = predicate.operator
    if literal.kind is LiteralKind.NULL:
        if operator in _ORDERING or operator in {
            Operator.LIKE,
            Operator.INCLUDES,
            Operator.EXCLUDES,
        }:
            raise located_error(
                MALFORMED_QUERY,
                context.text,
                literal.position,
                f"invalid operator with null value: {operator.value}",
            )
        return
    if literal.kind not in ACCEPTED_KINDS[fam]:
        quoted = fam in {Family.STRING, Family.ID, Family.MULTIPICKLIST}
        should = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
        raise located_error(
            INVALID_FIELD,
            context.text,
            literal.position,
            f"value of filter criterion for field '{predicate.field.text}' must be of type "
            f"{type_label(bound.type)} and {should}",
        )
    if fam is Family.ID and operator is not Operator.LIKE:
        assert isinstance(literal.value, str)
        if literal.value and not is_valid_id(literal.value):
            raise located_error(
                INVALID_QUERY_FILTER_OPERATOR,
                context.text,
                literal.position,
                f"invalid ID field: {literal.value}",
            )


def _compile_semi_join(semi_join: SemiJoin, *, sobject: str, context: Context) -> RowTest:
    outer = context.bind(sobject, semi_join.field)
    inner_query = semi_join.inner
    inner_object = context.resolve_object(inner_query.sobject)
    (inner_path,) = inner_query.fields
    inner = context.bind(inner_object, inner_path)
    if family(outer.type) is not Family.ID or family(inner.type) is not Family.ID:
        raise located_error(
            INVALID_FIELD,
            context.text,
            semi_join.position,
            f"The selected field '{inner_path.text}' in the subquery and the left operand "
            f"field in the where expression in the outer query '{semi_join.field.text}' "
            "should point to the same object type",
        )
    inner_test: RowTest | None = None
    if inner_query.where is not None:
        inner_test = compile_condition(inner_query.where, sobject=inner_object, context=context)
    ids = _collect_ids(
        context.source.records(inner_object),
        read=context.getter(inner),
        test=inner_test,
        limit=inner_query.limit,
        context=context,
    )
    read = context.getter(outer)
    normalise = NORMALISERS[Family.ID]
    if semi_join.negated:
        return lambda row: normalise(read(row)) not in ids
    return lambda row: normalise(read(row)) in ids


def _collect_ids(
    rows: Iterable[Row],
    *,
    read: Callable[[Row], Any],
    test: RowTest | None,
    limit: int | None,
    context: Context,
) -> frozenset[str]:
    normalise = NORMALISERS[Family.ID]
    found: set[str] = set()
    taken = 0
    for row in rows:
        if limit is not None and taken >= limit:
            break
        if not context.visible(row) or (test is not None and not test(row)):
            continue
        taken += 1
        value = normalise(read(row))
        if value is not None:
            found.add(value)
    return frozenset(found)
