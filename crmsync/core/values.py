"""What "blank" and "equal" mean for a synced field value.

Both CRMs speak JSON, but not alike: HubSpot returns every property as a string
(``"42"``, ``"true"``, ``""``) while Salesforce returns typed values (``42.0``, ``True``,
``None``). Comparing them naively would make every number look changed and echo it back
(R26), so all comparisons in the core go through :func:`values_equal`.

Blank is one notion for the whole core: ``None``, ``""`` and whitespace-only strings.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TypeAlias

FieldValue: TypeAlias = str | int | float | bool | None
"""One field's value as it crosses the connector port (JSON scalar)."""

_TRUE_TEXT = frozenset({"true"})
_FALSE_TEXT = frozenset({"false"})


def is_blank(value: object) -> bool:
    """True for ``None``, ``""`` and whitespace-only strings (the only blanks)."""
    if value is None:
        return True
    return isinstance(value, str) and not value.strip()


def values_equal(left: object, right: object) -> bool:
    """True when two field values mean the same thing on the two CRMs.

    Blanks are equal to each other; strings are compared without surrounding
    whitespace; a number equals its decimal text (``42.0 == "42"``); a boolean equals
    ``"true"``/``"false"`` in any case. Anything else compares with ``==``.
    """
    if is_blank(left) or is_blank(right):
        return is_blank(left) and is_blank(right)
    if isinstance(left, bool) or isinstance(right, bool):
        return _as_bool(left) is not None and _as_bool(left) == _as_bool(right)
    if isinstance(left, int | float) or isinstance(right, int | float):
        left_number, right_number = _as_decimal(left), _as_decimal(right)
        if left_number is not None and right_number is not None:
            return left_number == right_number
    if isinstance(left, str) and isinstance(right, str):
        return left.strip() == right.strip()
    return left == right


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE_TEXT:
            return True
        if text in _FALSE_TEXT:
            return False
    return None


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None
