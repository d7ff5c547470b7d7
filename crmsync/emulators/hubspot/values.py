"""Property values on the wire: every value is a string; dates, numbers, booleans and
enumerations are checked and normalised the way HubSpot stores them (wire facts B.2)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from crmsync.emulators.hubspot.errors import PropertyProblem


def iso(moment: datetime) -> str:
    """``2024-01-01T00:00:00.123Z``: the millisecond ISO form HubSpot returns."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch."""
    return int(moment.timestamp() * 1000)


def parse_instant(text: str) -> datetime | None:
    """Epoch milliseconds or an ISO date/datetime, as HubSpot accepts on input."""
    raw = text.strip()
    if not raw:
        return None
    if raw.lstrip("-").isdecimal():
        try:
            return datetime.fromtimestamp(int(raw) / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            # Milliseconds beyond the years datetime holds: not a date HubSpot accepts.
            return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _number(text: str) -> str | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if math.isnan(value) or math.isinf(value):
        return None
    if value.is_integer() and "." not in text and "e" not in text.lower():
        return str(int(value))
    return text


def is_valid_email(text: str) -> bool:
    """Syntax check only; HubSpot does not check that the domain receives mail."""
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def normalise(
    *,
    name: str,
    raw: Any,
    definition: dict[str, Any],
    allowed: list[str] | None,
) -> tuple[str, PropertyProblem | None]:
    """The stored form of one input value, or the problem HubSpot reports for it.

    ``allowed`` lists the valid options of an enumeration (its own options, or the owner
    ids / pipeline stages for ``externalOptions`` properties); None means "don't check".
    An empty string clears the value and is always valid.
    """
    if raw is None:
        return "", None
    text = raw if isinstance(raw, str) else _stringify(raw)
    if text == "":
        return "", None
    kind = definition["type"]
    if kind != "string" and text != text.strip():
        # Since April 2025 HubSpot refuses padding on non-string values.
        return text, PropertyProblem(
            name=name,
            error="INVALID_WHITESPACE",
            message=f"{text!r} has leading or trailing whitespace",
        )
    if kind == "number":
        number = _number(text)
        if number is None:
            return text, PropertyProblem(
                name=name, error="INVALID_INTEGER", message=f"{text} was not a valid number."
            )
        return number, None
    if kind == "bool":
        lowered = text.lower()
        if lowered not in ("true", "false"):
            return text, PropertyProblem(
                name=name, error="INVALID_BOOLEAN", message=f"{text} was not a valid boolean."
            )
        return lowered, None
    if kind in ("date", "datetime"):
        return _normalise_instant(name=name, text=text, kind=kind)
    if kind == "enumeration" and allowed is not None:
        multi = definition.get("fieldType") == "checkbox"
        chosen = text.split(";") if multi else [text]
        for value in chosen:
            if value not in allowed:
                return text, PropertyProblem(
                    name=name,
                    error="INVALID_OPTION",
                    message=f"{value} was not one of the allowed options: [{', '.join(allowed)}]",
                )
    return text, None


def _normalise_instant(*, name: str, text: str, kind: str) -> tuple[str, PropertyProblem | None]:
    moment = parse_instant(text)
    if moment is None:
        return text, PropertyProblem(
            name=name, error="INVALID_DATE", message=f"{text} is not a valid date or datetime."
        )
    if kind == "date":
        midnight = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        if moment != midnight:
            return text, PropertyProblem(
                name=name,
                error="INVALID_DATE",
                message=f"{text} is at {moment.time()} UTC; date values must be midnight UTC.",
            )
        return midnight.strftime("%Y-%m-%d"), None
    return iso(moment), None


def _stringify(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)
