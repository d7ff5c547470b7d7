"""Jinja filters: thousands separators, "unlimited", relative and absolute times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

UNLIMITED_AT = 10**9
"""A daily limit this large is no limit in practice (HubSpot's unlimited tier reports 10^12)."""


def number(value: int | float | None) -> str:
    """``12,345``; an empty value as an en dash."""
    if value is None:
        return "\u2013"
    return f"{value:,}"


def limit(value: int | None) -> str:
    """A limit with separators, "unlimited" when it is, "not reported yet" when unknown."""
    if value is None:
        return "not reported yet"
    if value >= UNLIMITED_AT:
        return "unlimited"
    return f"{value:,}"


def aware(moment: datetime) -> datetime:
    """``moment`` as UTC (SQLite hands back naive datetimes that are UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def absolute(moment: datetime | str | None) -> str:
    """``2026-11-29 14:05 UTC``."""
    parsed = _parse(moment)
    return "" if parsed is None else parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def relative(moment: datetime | str | None, *, now: datetime | None = None) -> str:
    """``5 minutes ago`` / ``in 2 hours``; text that is not a time is returned as is."""
    if isinstance(moment, str) and _parse(moment) is None:
        return moment
    parsed = _parse(moment)
    if parsed is None:
        return ""
    seconds = ((now or datetime.now(UTC)) - parsed).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for size, unit in ((86_400, "day"), (3_600, "hour"), (60, "minute")):
        if seconds >= size:
            count = int(seconds // size)
            words = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {words}" if future else f"{words} ago"
    return "in a moment" if future else "just now"


def is_time(value: Any) -> bool:
    """True for a datetime or ISO-8601 text."""
    return _parse(value) is not None


def _parse(moment: Any) -> datetime | None:
    if isinstance(moment, datetime):
        return aware(moment)
    if isinstance(moment, str) and moment[:1].isdigit():
        try:
            return aware(datetime.fromisoformat(moment))
        except ValueError:
            return None
    return None
