"""Salesforce API errors as the emulator raises and renders them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crmsync.errors import CrmsyncError


@dataclass(frozen=True, slots=True)
class ErrorItem:
    """One ``{"message", "errorCode", "fields"}`` entry."""

    code: str
    message: str
    fields: tuple[str, ...] | None = None

    def rest(self) -> dict[str, Any]:
        """Single-resource REST shape (``errorCode``)."""
        out: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            out["fields"] = list(self.fields)
        return out

    def save_result(self) -> dict[str, Any]:
        """SaveResult shape inside collections (``statusCode``, ``fields`` always present)."""
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields or ())}


@dataclass
class ApiError(CrmsyncError):
    """A refused request: HTTP ``status`` and Salesforce's error list."""

    status: int
    errors: list[ErrorItem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{e.code}: {e.message}" for e in self.errors)

    @classmethod
    def single(
        cls, code: str, message: str, *, status: int = 400, fields: list[str] | None = None
    ) -> ApiError:
        """An error with one entry."""
        return cls(
            status, [ErrorItem(code, message, tuple(fields) if fields is not None else None)]
        )

    @property
    def code(self) -> str:
        """The first entry's code."""
        return self.errors[0].code if self.errors else ""

    def body(self) -> list[dict[str, Any]]:
        """The JSON array body."""
        return [item.rest() for item in self.errors]


def not_found() -> ApiError:
    """404 NOT_FOUND, as for a missing record or an unknown resource."""
    return ApiError.single("NOT_FOUND", "The requested resource does not exist", status=404)


def json_parser_error(detail: str) -> ApiError:
    """400 JSON_PARSER_ERROR."""
    return ApiError.single("JSON_PARSER_ERROR", detail)
