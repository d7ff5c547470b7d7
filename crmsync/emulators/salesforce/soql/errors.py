"""The error a SOQL query fails with, shaped like Salesforce's query errors."""

from __future__ import annotations

from typing import Final, Literal

from crmsync.emulators.salesforce.soql.ast import Position
from crmsync.errors import CrmsyncError

SoqlErrorCode = Literal[
    "MALFORMED_QUERY",
    "INVALID_FIELD",
    "INVALID_TYPE",
    "INVALID_QUERY_FILTER_OPERATOR",
    "NUMBER_OUTSIDE_VALID_RANGE",
]

MALFORMED_QUERY: Final = "MALFORMED_QUERY"
INVALID_FIELD: Final = "INVALID_FIELD"
INVALID_TYPE: Final = "INVALID_TYPE"
INVALID_QUERY_FILTER_OPERATOR: Final = "INVALID_QUERY_FILTER_OPERATOR"
NUMBER_OUTSIDE_VALID_RANGE: Final = "NUMBER_OUTSIDE_VALID_RANGE"


class SoqlError(CrmsyncError):
    """A query Salesforce would refuse with HTTP 400.

    ``code`` is the Salesforce ``errorCode`` and ``message`` its ``message`` text; the
    emulator puts both, unchanged, into the ``[{"message", "errorCode"}]`` error body.
    """

    def __init__(self, *, code: SoqlErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code: SoqlErrorCode = code
        self.message = message


def located_message(text: str, position: Position, detail: str) -> str:
    """Salesforce's message layout: the offending line, a caret, the row/column, detail.

    Example: ``"\\nSELECT Foo FROM Contact\\n       ^\\nERROR at Row:1:Column:8\\nNo such..."``.
    """
    lines = text.splitlines() or [""]
    line_text = lines[position.line - 1] if 0 < position.line <= len(lines) else lines[-1]
    caret = " " * max(position.column - 1, 0) + "^"
    return (
        f"\n{line_text}\n{caret}\nERROR at Row:{position.line}:Column:{position.column}\n{detail}"
    )


def located_error(code: SoqlErrorCode, text: str, position: Position, detail: str) -> SoqlError:
    """Build a :class:`SoqlError` whose message points at ``position`` in ``text``."""
    return SoqlError(code=code, message=located_message(text, position, detail))
