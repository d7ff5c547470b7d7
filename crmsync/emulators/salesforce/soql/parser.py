"""SOQL text → :class:`Query`, with a lark LALR grammar (``soql.lark``).

Anything the grammar does not describe fails with MALFORMED_QUERY; nothing is ever
skipped, so an unsupported clause can never widen a result. Parsed queries are cached
by text: sync engines send the same few statements over and over.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Final

from lark import Lark, Token, Transformer, Tree, UnexpectedCharacters, UnexpectedInput
from lark.exceptions import UnexpectedToken, VisitError

from crmsync.emulators.salesforce.soql import literals, relative_dates
from crmsync.emulators.salesforce.soql.ast import (
    Aggregate,
    And,
    Condition,
    FieldPath,
    FieldSet,
    Literal,
    LiteralKind,
    Not,
    ObjectName,
    Operator,
    Or,
    OrderKey,
    Position,
    Predicate,
    Query,
    SemiJoin,
)
from crmsync.emulators.salesforce.soql.errors import MALFORMED_QUERY, SoqlError, located_error

MAX_QUERY_LENGTH: Final = 100_000
_CACHE_SIZE: Final = 1024
_UNSIGNED_INT: Final = re.compile(r"\d+")
_COMPARISON_OPERATORS: Final = {
    "=": Operator.EQ,
    "!=": Operator.NE,
    "<>": Operator.NE,
    "<": Operator.LT,
    "<=": Operator.LE,
    ">": Operator.GT,
    ">=": Operator.GE,
}


@functools.cache
def _lark() -> Lark:
    grammar = resources.files(__package__).joinpath("soql.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=False)


def parse(text: str) -> Query:
    """Parse one SOQL statement.

    Raises :class:`SoqlError` with code MALFORMED_QUERY when the text is not a query
    this emulator understands. Results are cached by text, so the returned
    :class:`Query` is shared and immutable.
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise SoqlError(
            code=MALFORMED_QUERY,
            message=f"SOQL statements cannot be longer than {MAX_QUERY_LENGTH:,} characters.",
        )
    return _parse_cached(text)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _parse_cached(text: str) -> Query:
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    try:
        query = _ToAst(text).transform(tree)
    except VisitError as exc:
        # The transformer raises SoqlError for bad literals; lark wraps it.
        if isinstance(exc.orig_exc, SoqlError):
            raise exc.orig_exc from None
        raise
    assert isinstance(query, Query)
    return query


def _syntax_error(text: str, exc: UnexpectedInput) -> SoqlError:
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        lines = text.splitlines() or [""]
        position = Position(len(lines), len(lines[-1]) + 1)
        return located_error(MALFORMED_QUERY, text, position, "unexpected token: <EOF>")
    position = Position(max(exc.line, 1), max(exc.column, 1))
    if isinstance(exc, UnexpectedToken):
        detail = f"unexpected token: {exc.token.value}"
    elif isinstance(exc, UnexpectedCharacters):
        detail = f"line {exc.line}:{exc.column} no viable alternative at character '{exc.char}'"
    else:
        detail = "unexpected token: <EOF>"
    return located_error(MALFORMED_QUERY, text, position, detail)


def _position(token: Token) -> Position:
    return Position(token.line or 1, token.column or 1)


class _ToAst(Transformer[Token, Query]):
    """Turns lark's parse tree into the frozen AST, decoding literals on the way."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def _malformed(self, token: Token, detail: str) -> SoqlError:
        return located_error(MALFORMED_QUERY, self._text, _position(token), detail)

    # -- select list and clauses -------------------------------------------------------

    def start(self, children: list[Query]) -> Query:
        return children[0]

    def query(self, children: list[object]) -> Query:
        items, sobject, *clauses = children
        assert isinstance(items, tuple)
        assert isinstance(sobject, ObjectName)
        return self._build(sobject=sobject, items=items, clauses=clauses)

    def subquery(self, children: list[object]) -> Query:
        fields = tuple(child for child in children if isinstance(child, FieldPath))
        sobject = next(child for child in children if isinstance(child, ObjectName))
        clauses = [c for c in children if not isinstance(c, FieldPath | ObjectName)]
        return self._build(sobject=sobject, items=fields, clauses=clauses)

    def semi_join(self, children: list[object]) -> Query:
        return self.subquery(children)

    def _build(
        self, *, sobject: ObjectName, items: tuple[object, ...], clauses: list[object]
    ) -> Query:
        where: Condition | None = None
        group_by: tuple[FieldPath, ...] = ()
        order_by: tuple[OrderKey, ...] = ()
        limit: int | None = None
        offset: int | None = None
        for clause in clauses:
            assert isinstance(clause, Tree)
            if clause.data == "where_clause":
                where = clause.children[0]  # type: ignore[assignment]
            elif clause.data == "group_clause":
                group_by = tuple(clause.children)  # type: ignore[arg-type]
            elif clause.data == "order_clause":
                order_by = tuple(clause.children)  # type: ignore[arg-type]
            elif clause.data == "limit_clause":
                limit = self._count(clause.children[0])  # type: ignore[arg-type]
            elif clause.data == "offset_clause":
                offset = self._count(clause.children[0])  # type: ignore[arg-type]
            # with_clause (WITH SECURITY_ENFORCED) changes nothing: the emulated
            # integration user can read every field it can query.
        first = items[0] if len(items) == 1 else None
        is_count = (
            isinstance(first, Aggregate)
            and first.function == "COUNT"
            and first.field is None
            and first.alias is None
        )
        for item in items:
            if isinstance(item, Aggregate) and item.field is None and not is_count:
                raise located_error(
                    MALFORMED_QUERY, self._text, item.position, "unexpected token: ')'"
                )
        return Query(
            text=self._text,
            sobject=sobject,
            items=() if is_count else items,  # type: ignore[arg-type]
            is_count=is_count,
            where=where,
            order_by=order_by,
            limit=limit,
            offset=offset,
            group_by=group_by,
        )

    def _count(self, token: Token) -> int:
        if not _UNSIGNED_INT.fullmatch(token.value):
            raise self._malformed(token, f"unexpected token: {token.value}")
        return int(token.value)

    def select_list(self, children: list[object]) -> tuple[object, ...]:
        return tuple(children)

    def aggregate(self, children: list[object]) -> Aggregate:
        function = children[0]
        assert isinstance(function, Token)
        rest = children[1:]
        field = next((child for child in rest if isinstance(child, FieldPath)), None)
        alias = next((child for child in rest if isinstance(child, str)), None)
        return Aggregate(
            function=function.value.upper(),
            field=field,
            alias=alias,
            position=_position(function),
        )

    def alias(self, children: list[Token]) -> str:
        return str(children[0].value)

    def object_name(self, children: list[Token]) -> ObjectName:
        return ObjectName(children[0].value, _position(children[0]))

    def field_set(self, children: list[Token]) -> FieldSet:
        return FieldSet(children[0].value, _position(children[0]))

    def field_path(self, children: list[Token]) -> FieldPath:
        return FieldPath(tuple(token.value for token in children), _position(children[0]))

    def order_key(self, children: list[object]) -> OrderKey:
        field = children[0]
        assert isinstance(field, FieldPath)
        descending = False
        nulls_first: bool | None = None
        for child in children[1:]:
            assert isinstance(child, Tree)
            word = str(child.children[0]).upper()
            if child.data == "direction":
                descending = word == "DESC"
            else:
                nulls_first = word == "FIRST"
        if nulls_first is None:
            # Salesforce's default: nulls first ascending, last descending.
            nulls_first = not descending
        return OrderKey(field=field, descending=descending, nulls_first=nulls_first)

    # -- conditions --------------------------------------------------------------------

    def and_chain(self, children: list[Condition]) -> And:
        return And(tuple(children))

    def or_chain(self, children: list[Condition]) -> Or:
        return Or(tuple(children))

    def not_condition(self, children: list[Condition]) -> Not:
        return Not(children[0])

    def comparison(self, children: list[object]) -> Predicate:
        field, operator, value = children
        assert isinstance(field, FieldPath)
        assert isinstance(operator, Token)
        assert isinstance(value, Literal)
        return Predicate(field, _COMPARISON_OPERATORS[operator.value], (value,), field.position)

    def _list_predicate(self, children: list[object], operator: Operator) -> Predicate:
        field, values = children
        assert isinstance(field, FieldPath)
        assert isinstance(values, tuple)
        return Predicate(field, operator, values, field.position)

    def like(self, children: list[object]) -> Predicate:
        field, value = children
        assert isinstance(field, FieldPath)
        assert isinstance(value, Literal)
        return Predicate(field, Operator.LIKE, (value,), field.position)

    def in_list(self, children: list[object]) -> Predicate:
        return self._list_predicate(children, Operator.IN)

    def not_in_list(self, children: list[object]) -> Predicate:
        return self._list_predicate(children, Operator.NOT_IN)

    def includes(self, children: list[object]) -> Predicate:
        return self._list_predicate(children, Operator.INCLUDES)

    def excludes(self, children: list[object]) -> Predicate:
        return self._list_predicate(children, Operator.EXCLUDES)

    def in_semi_join(self, children: list[object], *, negated: bool = False) -> SemiJoin:
        field, inner = children
        assert isinstance(field, FieldPath)
        assert isinstance(inner, Query)
        return SemiJoin(field=field, negated=negated, inner=inner, position=field.position)

    def not_in_semi_join(self, children: list[object]) -> SemiJoin:
        return self.in_semi_join(children, negated=True)

    def value_list(self, children: list[Literal]) -> tuple[Literal, ...]:
        return tuple(children)

    # -- literals ----------------------------------------------------------------------

    def _literal(
        self,
        token: Token,
        kind: LiteralKind,
        value: str | Decimal | dt.date | dt.datetime | bool | None,
        amount: int | None = None,
    ) -> Literal:
        return Literal(kind, value, token.value, _position(token), amount)

    def string_value(self, children: list[Token]) -> Literal:
        token = children[0]
        try:
            value = literals.decode_string(token.value)
        except ValueError as exc:
            raise self._malformed(token, f"Invalid string literal {token.value}. {exc}") from None
        return self._literal(token, LiteralKind.STRING, value)

    def number_value(self, children: list[Token]) -> Literal:
        token = children[0]
        try:
            number = Decimal(token.value)
        except InvalidOperation:  # the NUMBER terminal makes this unreachable in practice
            raise self._malformed(token, f"unexpected token: {token.value}") from None
        return self._literal(token, LiteralKind.NUMBER, number)

    def date_value(self, children: list[Token]) -> Literal:
        token = children[0]
        try:
            day = literals.parse_date(token.value)
        except ValueError:
            raise self._malformed(token, f"invalid date: {token.value}") from None
        return self._literal(token, LiteralKind.DATE, day)

    def datetime_value(self, children: list[Token]) -> Literal:
        token = children[0]
        try:
            instant = literals.parse_datetime(token.value)
        except ValueError:
            raise self._malformed(token, f"invalid dateTime: {token.value}") from None
        return self._literal(token, LiteralKind.DATETIME, instant)

    def null_value(self, children: list[Token]) -> Literal:
        return self._literal(children[0], LiteralKind.NULL, None)

    def true_value(self, children: list[Token]) -> Literal:
        return self._literal(children[0], LiteralKind.BOOLEAN, True)

    def false_value(self, children: list[Token]) -> Literal:
        return self._literal(children[0], LiteralKind.BOOLEAN, False)

    def date_literal(self, children: list[Token]) -> Literal:
        token = children[0]
        name = token.value.upper()
        if name not in relative_dates.FIXED_NAMES:
            raise self._malformed(token, f"unexpected token: {token.value}")
        return self._literal(token, LiteralKind.DATE_LITERAL, name)

    def date_literal_n(self, children: list[Token]) -> Literal:
        token, amount = children
        name = token.value.upper()
        if name not in relative_dates.PARAMETERISED_NAMES:
            raise self._malformed(token, f"unexpected token: {token.value}")
        if not _UNSIGNED_INT.fullmatch(amount.value):
            raise self._malformed(amount, f"unexpected token: {amount.value}")
        return self._literal(token, LiteralKind.DATE_LITERAL, name, int(amount.value))
