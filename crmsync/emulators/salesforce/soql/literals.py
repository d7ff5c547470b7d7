"""Decoding of SOQL literal tokens: strings, LIKE patterns, dates and dateTimes.

Each function raises :class:`ValueError` on a bad token; the parser turns that into
MALFORMED_QUERY with the token's position.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

# Escapes Salesforce accepts inside a quoted string (either case of the letter).
_SIMPLE_ESCAPES: Final = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}
# Only meaningful in LIKE; outside LIKE they stand for the bare character.
_LIKE_ESCAPES: Final = frozenset("%_")

_DATETIME_RE: Final = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})"
    r"(?:\.(?P<frac>\d+))?(?P<tz>Z|(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2}))",
    re.IGNORECASE,
)


def _escape_at(body: str, index: int) -> tuple[str, int]:
    """Decode the escape sequence whose backslash is at ``body[index]``.

    Returns the decoded text and the index just after the sequence.
    """
    if index + 1 >= len(body):
        raise ValueError("string ends inside an escape sequence")
    letter = body[index + 1]
    simple = _SIMPLE_ESCAPES.get(letter.lower())
    if simple is not None:
        return simple, index + 2
    if letter in _LIKE_ESCAPES:
        return letter, index + 2
    if letter in "uU":
        digits = body[index + 2 : index + 6]
        if len(digits) != 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise ValueError(f"Illegal character sequence '\\{letter}{digits}' in string literal")
        return chr(int(digits, 16)), index + 6
    raise ValueError(f"Illegal character sequence '\\{letter}' in string literal")


def decode_string(raw: str) -> str:
    """Decode a quoted SOQL string token (``'O\\'Brien'`` → ``O'Brien``)."""
    body = raw[1:-1]
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            decoded, index = _escape_at(body, index)
            out.append(decoded)
        else:
            out.append(char)
            index += 1
    return "".join(out)


def like_regex(raw: str) -> re.Pattern[str]:
    """Compile a quoted LIKE pattern token into a case-insensitive full-match regex.

    ``%`` matches any run of characters and ``_`` exactly one; ``\\%`` and ``\\_`` match
    the literal characters. Salesforce LIKE is case-insensitive.
    """
    body = raw[1:-1]
    parts: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            decoded, index = _escape_at(body, index)
            parts.append(re.escape(decoded))
            continue
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
        index += 1
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def parse_date(raw: str) -> dt.date:
    """``2024-05-01`` → ``date(2024, 5, 1)``."""
    return dt.date.fromisoformat(raw)


def parse_datetime(raw: str) -> dt.datetime:
    """A SOQL dateTime literal (``Z`` or ``±hh:mm`` offset, optional fraction) → aware UTC."""
    match = _DATETIME_RE.fullmatch(raw)
    if match is None:
        raise ValueError(f"invalid dateTime literal {raw}")
    day = dt.date.fromisoformat(match["date"])
    # Salesforce keeps milliseconds; extra digits beyond microseconds are dropped.
    micros = int((match["frac"] or "0")[:6].ljust(6, "0"))
    if match["tz"].upper() == "Z":
        offset = dt.timedelta(0)
    else:
        offset = dt.timedelta(hours=int(match["oh"]), minutes=int(match["om"]))
        if match["sign"] == "-":
            offset = -offset
    value = dt.datetime(
        day.year,
        day.month,
        day.day,
        int(match["h"]),
        int(match["m"]),
        int(match["s"]),
        micros,
        tzinfo=dt.timezone(offset),
    )
    return value.astimezone(dt.UTC)


def parse_record_datetime(value: str) -> dt.datetime:
    """A stored dateTime in Salesforce JSON form (``...T10:00:00.000+0000``) → aware UTC."""
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        # Stored values are always UTC; a naive one is read as UTC rather than local time.
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)
