"""How each describe type compares: value normalisation and literal checking.

Field types fall into a few families. Each family has one normaliser that turns a stored
value into a comparable Python value (or None), and a rule for which literal kinds it
accepts. Salesforce semantics kept here:

- text compares case-insensitively, and an empty string is the same as null;
- ids compare on their 18-character form, so a 15-character literal matches;
- booleans are never null (a missing value reads as false);
- dateTimes compare as instants whatever offset the literal was written with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum
from typing import Any, Final

from crmsync.emulators.salesforce.soql import literals
from crmsync.emulators.salesforce.soql.ast import Literal, LiteralKind


class Family(Enum):
    """Comparison families of describe types."""

    STRING = "string"
    ID = "id"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    MULTIPICKLIST = "multipicklist"


_FAMILIES: Final = {
    "id": Family.ID,
    "reference": Family.ID,
    "int": Family.NUMBER,
    "long": Family.NUMBER,
    "double": Family.NUMBER,
    "currency": Family.NUMBER,
    "percent": Family.NUMBER,
    "boolean": Family.BOOLEAN,
    "date": Family.DATE,
    "datetime": Family.DATETIME,
    "multipicklist": Family.MULTIPICKLIST,
}

# Literal kinds each family accepts besides NULL.
ACCEPTED_KINDS: Final = {
    Family.STRING: frozenset({LiteralKind.STRING}),
    Family.ID: frozenset({LiteralKind.STRING}),
    Family.NUMBER: frozenset({LiteralKind.NUMBER}),
    Family.BOOLEAN: frozenset({LiteralKind.BOOLEAN}),
    Family.DATE: frozenset({LiteralKind.DATE, LiteralKind.DATE_LITERAL}),
    Family.DATETIME: frozenset({LiteralKind.DATETIME, LiteralKind.DATE_LITERAL}),
    Family.MULTIPICKLIST: frozenset({LiteralKind.STRING}),
}

_ID_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def family(field_type: str) -> Family:
    """The family of a describe type; every text-like type (email, picklist...) is STRING."""
    return _FAMILIES.get(field_type, Family.STRING)


def type_label(field_type: str) -> str:
    """The type name Salesforce prints in "must be of type X" messages."""
    labels = {
        Family.ID: "id",
        Family.BOOLEAN: "boolean",
        Family.DATE: "date",
        Family.DATETIME: "dateTime",
    }
    fam = family(field_type)
    if fam is Family.NUMBER:
        return "integer" if field_type in {"int", "long"} else "double"
    return labels.get(fam, "string")


def is_valid_id(value: str) -> bool:
    """Whether ``value`` is a 15-character id, or an 18-character one whose checksum fits.

    The last three characters of an 18-character id encode the letter case of the first
    fifteen; an id whose suffix does not is malformed (Salesforce's MALFORMED_ID).
    """
    if not (len(value) in {15, 18} and value.isascii() and value.isalnum()):
        return False
    return len(value) == 15 or to18(value[:15]) == value


def to18(record_id: str) -> str:
    """The case-safe 18-character form of a 15-character id (unchanged otherwise)."""
    if len(record_id) != 15:
        return record_id
    suffix = ""
    for chunk in range(3):
        bits = sum(
            1 << offset
            for offset, char in enumerate(record_id[chunk * 5 : chunk * 5 + 5])
            if "A" <= char <= "Z"
        )
        suffix += _ID_ALPHABET[bits]
    return record_id + suffix


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value).casefold()


def _id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    # The 18-character form is case-safe, so it can be compared case-insensitively.
    return to18(str(value)).casefold()


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _boolean(value: Any) -> bool:
    return bool(value)


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    return dt.date.fromisoformat(str(value)[:10])


def _datetime(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    return literals.parse_record_datetime(str(value))


def _multi(value: Any) -> frozenset[str] | None:
    if value is None or value == "":
        return None
    return frozenset(part.strip().casefold() for part in str(value).split(";") if part.strip())


NORMALISERS: Final[dict[Family, Callable[[Any], Any]]] = {
    Family.STRING: _text,
    Family.ID: _id,
    Family.NUMBER: _number,
    Family.BOOLEAN: _boolean,
    Family.DATE: _date,
    Family.DATETIME: _datetime,
    Family.MULTIPICKLIST: _multi,
}


def sort_normaliser(fam: Family) -> Callable[[Any], Any]:
    """Normaliser for ORDER BY: like :data:`NORMALISERS` but always orderable."""
    if fam is Family.MULTIPICKLIST:
        return _text
    return NORMALISERS[fam]


def literal_value(fam: Family, literal: Literal) -> Any:
    """A checked literal (not NULL, not a relative date) normalised like a stored value."""
    value = literal.value
    if fam is Family.NUMBER:
        return float(value)  # type: ignore[arg-type]
    if fam in {Family.DATE, Family.DATETIME, Family.BOOLEAN}:
        return value
    return NORMALISERS[fam](value)
