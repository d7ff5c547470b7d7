"""Building the few SOQL statements the adapter sends (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from crmsync.connectors.errors import SchemaMismatchError

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}

MAX_IN_VALUES = 200
"""Values per ``IN (...)`` list."""
MAX_IN_URL_CHARS = 6000
"""URL-encoded characters per ``IN`` list; Salesforce answers 414 from about 16 KB."""
CHANGE_FIELDS = ("Id", "SystemModstamp", "IsDeleted")
"""Fields every change read selects, whatever the caller asked for."""


def checked_name(name: str) -> str:
    """``name`` if it is a plain API name (no SOQL can be smuggled in), else an error."""
    if not _NAME.match(name):
        raise SchemaMismatchError(f"not a Salesforce API name: {name!r}")
    return name


def string_literal(value: str) -> str:
    """A quoted SOQL string literal."""
    return "'" + "".join(_ESCAPES.get(char, char) for char in value) + "'"


def datetime_literal(moment: datetime) -> str:
    """A SOQL dateTime literal in UTC (milliseconds only when not zero)."""
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond // 1000:03d}"
    return text + "Z"


def select_list(fields: Sequence[str], *, required: Sequence[str] = ()) -> str:
    """``required`` then ``fields``, each once (API names are case-insensitive)."""
    chosen: list[str] = []
    lowered: set[str] = set()
    for name in (*required, *fields):
        if name.lower() not in lowered:
            lowered.add(name.lower())
            chosen.append(checked_name(name))
    return ", ".join(chosen)


def changes_query(
    object_type: str, *, fields: Sequence[str], floor: datetime | None, limit: int
) -> str:
    """Everything modified at or after ``floor``, oldest first, ties by Id."""
    where = f" WHERE SystemModstamp >= {datetime_literal(floor)}" if floor else ""
    return (
        f"SELECT {select_list(fields, required=CHANGE_FIELDS)} FROM {checked_name(object_type)}"
        f"{where} ORDER BY SystemModstamp ASC, Id ASC LIMIT {limit}"
    )


def changes_after_query(
    object_type: str, *, fields: Sequence[str], at: datetime, after_id: str, limit: int
) -> str:
    """Everything after (``at``, ``after_id``) in (SystemModstamp, Id) order: a keyset read."""
    stamp = datetime_literal(at)
    return (
        f"SELECT {select_list(fields, required=CHANGE_FIELDS)} FROM {checked_name(object_type)}"
        f" WHERE (SystemModstamp > {stamp} OR (SystemModstamp = {stamp}"
        f" AND Id > {string_literal(after_id)})) ORDER BY SystemModstamp ASC, Id ASC LIMIT {limit}"
    )


def in_query(
    object_type: str, *, fields: Sequence[str], field_name: str, values: Sequence[str]
) -> str:
    """Records whose ``field_name`` is one of ``values``."""
    listed = ", ".join(string_literal(value) for value in values)
    return (
        f"SELECT {select_list(fields, required=('Id', 'SystemModstamp'))} "
        f"FROM {checked_name(object_type)} WHERE {checked_name(field_name)} IN ({listed})"
    )


def chunk_values(
    values: Sequence[str], *, max_values: int = MAX_IN_VALUES, max_chars: int = MAX_IN_URL_CHARS
) -> Iterator[list[str]]:
    """Split ``values`` (deduplicated, order kept) so each ``IN`` list stays short."""
    chunk: list[str] = []
    size = 0
    for value in dict.fromkeys(values):
        cost = len(quote(string_literal(value), safe="")) + 3  # ", " between values
        if chunk and (len(chunk) >= max_values or size + cost > max_chars):
            yield chunk
            chunk, size = [], 0
        chunk.append(value)
        size += cost
    if chunk:
        yield chunk
