"""The syntax tree of a parsed SOQL query: plain frozen values, no behaviour.

Names are kept exactly as written; the executor resolves them against the org's schema
(case-insensitively) at run time, because a parsed query is cached and shared across orgs.
Every node that can be the subject of a semantic error carries its 1-based ``line`` and
``column`` so errors can point at it the way Salesforce does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum


@dataclass(frozen=True, slots=True)
class Position:
    """Where a token starts in the query text (1-based, like Salesforce's messages)."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class FieldPath:
    """``LastName``, ``Account.Name`` or ``Account.Owner.Email``, as written."""

    parts: tuple[str, ...]
    position: Position

    @property
    def text(self) -> str:
        """The path as written, dotted."""
        return ".".join(self.parts)


@dataclass(frozen=True, slots=True)
class FieldSet:
    """``FIELDS(STANDARD)``, ``FIELDS(CUSTOM)`` or ``FIELDS(ALL)`` in a select list."""

    name: str
    position: Position

    @property
    def text(self) -> str:
        """The function as written."""
        return f"FIELDS({self.name})"


@dataclass(frozen=True, slots=True)
class Aggregate:
    """``COUNT(Id)``, ``SUM(Amount) total``...: an aggregate function in a select list."""

    function: str  # upper-cased: COUNT, COUNT_DISTINCT, SUM, AVG, MIN, MAX
    field: FieldPath | None  # None only for COUNT()
    alias: str | None
    position: Position


class LiteralKind(Enum):
    """The lexical kind of a literal; decides which field types it may be compared with."""

    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    NULL = "null"
    DATE_LITERAL = "date_literal"


@dataclass(frozen=True, slots=True)
class Literal:
    """A value on the right of an operator.

    ``value`` holds: ``str`` (decoded string), ``Decimal``, ``dt.date``, an aware
    ``dt.datetime``, ``bool``, ``None``, or for a relative date literal such as
    ``LAST_N_DAYS:7`` the upper-cased name (with ``amount`` set to 7).
    ``raw`` is the token as written; LIKE patterns are compiled from it so that ``\\%``
    and ``\\_`` keep their escaping.
    """

    kind: LiteralKind
    value: str | Decimal | dt.date | dt.datetime | bool | None
    raw: str
    position: Position
    amount: int | None = None


class Operator(Enum):
    """Comparison operators of a WHERE predicate."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    LIKE = "LIKE"
    IN = "IN"
    NOT_IN = "NOT IN"
    INCLUDES = "INCLUDES"
    EXCLUDES = "EXCLUDES"


@dataclass(frozen=True, slots=True)
class Predicate:
    """``field <op> value`` or ``field <op> (value, ...)``."""

    field: FieldPath
    operator: Operator
    values: tuple[Literal, ...]
    position: Position


@dataclass(frozen=True, slots=True)
class SemiJoin:
    """``field [NOT] IN (SELECT idField FROM Object [WHERE ...] [LIMIT n])``."""

    field: FieldPath
    negated: bool
    inner: Query
    position: Position


@dataclass(frozen=True, slots=True)
class And:
    """All of ``operands`` hold."""

    operands: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one of ``operands`` holds."""

    operands: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """``operand`` does not hold."""

    operand: Condition


Condition = Predicate | SemiJoin | And | Or | Not


@dataclass(frozen=True, slots=True)
class OrderKey:
    """One ORDER BY key. ``nulls_first`` is already defaulted the Salesforce way."""

    field: FieldPath
    descending: bool
    nulls_first: bool


@dataclass(frozen=True, slots=True)
class ObjectName:
    """The object named after FROM, as written."""

    name: str
    position: Position


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed SOQL statement (top level, child subquery or semi-join).

    ``items`` is the select list in order: field paths and child-relationship
    subqueries. It is empty for ``SELECT COUNT()`` (``is_count``).
    """

    text: str
    sobject: ObjectName
    items: tuple[FieldPath | FieldSet | Aggregate | Query, ...]
    is_count: bool
    where: Condition | None
    order_by: tuple[OrderKey, ...]
    limit: int | None
    offset: int | None
    group_by: tuple[FieldPath, ...] = ()

    @property
    def is_aggregate(self) -> bool:
        """True for a GROUP BY query or one selecting aggregate functions."""
        return bool(self.group_by) or any(isinstance(item, Aggregate) for item in self.items)

    @property
    def fields(self) -> tuple[FieldPath, ...]:
        """The plain and parent-path fields of the select list."""
        return tuple(item for item in self.items if isinstance(item, FieldPath))

    @property
    def subqueries(self) -> tuple[Query, ...]:
        """The child-relationship subqueries of the select list."""
        return tuple(item for item in self.items if isinstance(item, Query))
