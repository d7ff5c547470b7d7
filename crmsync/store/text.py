"""Text the store can keep on every database: no NUL bytes, a bounded length.

PostgreSQL refuses a NUL (``\\x00``) anywhere in a text value, and the whole transaction
with it: one record's value would stop every other record of the batch (R27). Values
read from a CRM are therefore cleaned before they are stored; where that changes a
record's value the engine files it as that record's error instead (see
:func:`has_nul`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NUL = "\x00"
REPLACEMENT = "\ufffd"
"""What a NUL becomes in stored text (the Unicode replacement character)."""

MESSAGE_LENGTH = 2000
"""Characters of an API error message kept; longer ones are cut and end in "…"."""


def clean_text(value: str, limit: int | None = None) -> str:
    """``value`` without NUL bytes, cut to ``limit`` characters when given."""
    cleaned = value.replace(NUL, REPLACEMENT)
    if limit is not None and len(cleaned) > limit:
        return cleaned[: max(limit - 1, 0)] + "…"
    return cleaned


def clean_json(value: Any) -> Any:
    """A JSON value with NUL bytes replaced in every string, key and nested item."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_text(str(key)): clean_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(item) for item in value]
    return value


def has_nul(value: Any) -> bool:
    """True when a NUL byte appears anywhere in a JSON value."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, Mapping):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(item) for item in value)
    return False
