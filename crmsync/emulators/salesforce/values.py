"""Field values on the wire: Salesforce's date/dateTime forms and coercing written values."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from crmsync.emulators.salesforce.errors import ApiError, json_parser_error
from crmsync.emulators.salesforce.ids import normalise_id
from crmsync.emulators.salesforce.schema import TEXT_TYPES, FieldDef

_EMAIL: Final = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def format_datetime(value: dt.datetime) -> str:
    """``2024-05-01T12:34:56.000+0000``: UTC, milliseconds, no colon in the offset."""
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> dt.datetime | None:
    """Parse the ISO forms clients send (``Z``, ``+00:00``, ``+0000``, fractions); None if bad."""
    cleaned = text.strip()
    if cleaned.endswith("Z"):
        cleaned = cleaned[:-1] + "+00:00"
    elif re.search(r"[+-]\d{4}$", cleaned):
        cleaned = cleaned[:-2] + ":" + cleaned[-2:]
    try:
        parsed = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def coerce(definition: FieldDef, value: Any, *, sobject_label: str = "") -> Any:
    """The stored JSON form of a written value, or :class:`ApiError` as Salesforce refuses it.

    Text becomes None when empty (Salesforce stores no empty strings); numbers written as
    strings are accepted; booleans are never null.
    """
    kind = definition.type
    if value is None:
        return False if kind == "boolean" else None
    if kind in TEXT_TYPES or kind == "id":
        return _text(definition, value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value.lower() == "true"
        raise _cannot_deserialize("boolean", value)
    if kind in {"int", "double", "currency", "percent"}:
        return _number(definition, value)
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise _cannot_deserialize("date", value) from None
    if kind == "datetime":
        parsed = parse_datetime(str(value))
        if parsed is None:
            raise _cannot_deserialize("datetime", value)
        return format_datetime(parsed)
    if kind == "reference":
        normalised = normalise_id(str(value)) if value != "" else None
        if value == "":
            return None
        if normalised is None:
            raise ApiError.single(
                "MALFORMED_ID",
                f"{definition.label}: id value of incorrect type: {value}",
                fields=[definition.name],
            )
        return normalised
    return value


def _cannot_deserialize(kind: str, value: Any) -> ApiError:
    return json_parser_error(
        f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} or request "
        "may be missing a required field"
    )


def _text(definition: FieldDef, value: Any) -> str | None:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict | list):
        raise _cannot_deserialize("string", value)
    else:
        text = str(value)
    if text == "":
        return None
    if definition.length and len(text) > definition.length:
        raise ApiError.single(
            "STRING_TOO_LONG",
            f"{definition.label}: data value too large: {text} (max length={definition.length})",
            fields=[definition.name],
        )
    if definition.type == "email" and not _EMAIL.match(text):
        raise ApiError.single(
            "INVALID_EMAIL_ADDRESS",
            f"{definition.label}: invalid email address: {text}",
            fields=[definition.name],
        )
    return text


def _number(definition: FieldDef, value: Any) -> int | float:
    if isinstance(value, bool | dict | list):
        raise _cannot_deserialize(definition.type, value)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _cannot_deserialize(definition.type, value) from None
    if not number.is_finite():
        raise _cannot_deserialize(definition.type, value)
    if definition.type == "int":
        if number != number.to_integral_value():
            raise _cannot_deserialize("int", value)
        return int(number)
    if definition.scale:
        number = round(number, definition.scale)
    return float(number)
