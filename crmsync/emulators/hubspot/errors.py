"""HubSpot's error bodies, and the exception handlers raise to produce one (wire facts B.12)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from crmsync.errors import CrmsyncError


def correlation_id() -> str:
    """A fresh correlation id; HubSpot puts one on every error."""
    return str(uuid.uuid4())


@dataclass(frozen=True, kw_only=True)
class PropertyProblem:
    """One invalid property value, as listed in "Property values were not valid: [...]"."""

    name: str
    error: str  # INVALID_OPTION, PROPERTY_DOESNT_EXIST, INVALID_EMAIL, READ_ONLY_VALUE, ...
    message: str

    def as_wire(self) -> dict[str, Any]:
        """The JSON object HubSpot embeds (as text) in the error message."""
        return {
            "isValid": False,
            "message": self.message,
            "error": self.error,
            "name": self.name,
            "localizedErrorMessage": self.message,
        }


class HubSpotApiError(CrmsyncError):
    """Raised by a handler to answer with HubSpot's error body and ``status``."""

    def __init__(
        self,
        *,
        status: int,
        category: str,
        message: str,
        context: dict[str, list[str]] | None = None,
        errors: list[dict[str, Any]] | None = None,
        sub_category: str | None = None,
        links: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.context = context
        self.errors = errors
        self.sub_category = sub_category
        self.links = links

    def body(self) -> dict[str, Any]:
        """The top-level error body (schema ``Error``)."""
        out: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id(),
            "category": self.category,
        }
        if self.sub_category:
            out["subCategory"] = self.sub_category
        if self.errors is not None:
            out["errors"] = self.errors
        if self.context is not None:
            out["context"] = self.context
        if self.links is not None:
            out["links"] = self.links
        return out

    def row_error(self, *, ids: list[str] | None = None) -> dict[str, Any]:
        """The same error as one row of a 207 batch answer (schema ``StandardError``)."""
        context = dict(self.context or {})
        if ids is not None:
            context["ids"] = ids
        out: dict[str, Any] = {
            "status": "error",
            "category": self.category,
            "message": self.message,
            "context": context,
            "errors": self.errors or [],
            "links": self.links or {},
        }
        if self.sub_category:
            out["subCategory"] = self.sub_category
        return out


def validation_error(problems: list[PropertyProblem]) -> HubSpotApiError:
    """400 VALIDATION_ERROR listing invalid property values the way HubSpot does."""
    listed = json.dumps([p.as_wire() for p in problems], separators=(",", ":"))
    return HubSpotApiError(
        status=400,
        category="VALIDATION_ERROR",
        message=f"Property values were not valid: {listed}",
        errors=[
            {"message": p.message, "code": p.error, "context": {"propertyName": [p.name]}}
            for p in problems
        ],
        context={"propertyName": [p.name for p in problems]},
    )


def bad_request(message: str, *, sub_category: str | None = None) -> HubSpotApiError:
    """400 VALIDATION_ERROR with a plain message."""
    return HubSpotApiError(
        status=400, category="VALIDATION_ERROR", message=message, sub_category=sub_category
    )


def internal_error() -> HubSpotApiError:
    """500 INTERNAL_ERROR, HubSpot's answer when it fails on its side."""
    return HubSpotApiError(status=500, category="INTERNAL_ERROR", message="internal error")


def not_found(message: str = "resource not found") -> HubSpotApiError:
    """404 OBJECT_NOT_FOUND."""
    return HubSpotApiError(status=404, category="OBJECT_NOT_FOUND", message=message)


def conflict(message: str, *, category: str = "CONFLICT") -> HubSpotApiError:
    """409 CONFLICT (duplicate email and the like)."""
    return HubSpotApiError(status=409, category=category, message=message)


def contact_exists(existing_id: int) -> HubSpotApiError:
    """409 for a contact whose email another contact already has (wire facts B.2)."""
    return conflict(f"Contact already exists. Existing ID: {existing_id}")


def unauthorized() -> HubSpotApiError:
    """401 for a missing or unknown bearer token (wire facts B.1)."""
    return HubSpotApiError(
        status=401,
        category="INVALID_AUTHENTICATION",
        message=(
            "Authentication credentials not found. This API supports OAuth 2.0 authentication "
            "and you can find more details at "
            "https://developers.hubspot.com/docs/methods/auth/oauth-overview"
        ),
    )


def expired_authentication(seconds_late: float) -> HubSpotApiError:
    """401 for an OAuth access token past its expiry (wire facts B.1)."""
    return HubSpotApiError(
        status=401,
        category="EXPIRED_AUTHENTICATION",
        message=f"The OAuth token used to make this call expired {int(seconds_late)} second(s) "
        "ago.",
    )


def missing_scopes(required: list[str]) -> HubSpotApiError:
    """403 MISSING_SCOPES naming the granular scopes the call needs."""
    return HubSpotApiError(
        status=403,
        category="MISSING_SCOPES",
        message=(
            "This app hasn't been granted all required scopes to make this call. "
            "Read more about required scopes here: https://developers.hubspot.com/scopes."
        ),
        errors=[
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": required},
            }
        ],
        links={"scopes": "https://developers.hubspot.com/scopes"},
    )


def rate_limit_body(*, policy: str, portal_id: int) -> dict[str, Any]:
    """The 429 body; it has ``errorType`` and ``policyName`` and no ``category`` (B.11)."""
    messages = {
        "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
        "DAILY": "You have reached your daily limit.",
        "SECONDLY": "You have reached your secondly limit.",
    }
    groups = {
        "TEN_SECONDLY_ROLLING": f"publicapi:private-app-api-calls-ten-secondly:{portal_id}",
        "DAILY": f"publicapi:private-app-api-calls-daily:{portal_id}",
        "SECONDLY": f"publicapi:crm-search-secondly:{portal_id}",
    }
    return {
        "status": "error",
        "message": messages[policy],
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": policy,
        "groupName": groups[policy],
    }


@dataclass(kw_only=True)
class BatchErrors:
    """Row-level errors collected while a batch runs; grouped the way HubSpot groups them."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    _missing: list[str] = field(default_factory=list)
    object_label: str = "OBJECT"

    def missing(self, record_id: str) -> None:
        """Note an id that was not found (one grouped OBJECT_NOT_FOUND row in the end)."""
        self._missing.append(record_id)

    def add(self, error: HubSpotApiError, *, record_id: str | None = None) -> None:
        """Note one failed row."""
        self.rows.append(error.row_error(ids=[record_id] if record_id is not None else None))

    def collect(self) -> list[dict[str, Any]]:
        """All row errors, not-found ids first."""
        out: list[dict[str, Any]] = []
        if self._missing:
            out.append(
                HubSpotApiError(
                    status=404,
                    category="OBJECT_NOT_FOUND",
                    message=(
                        f"Could not get some {self.object_label} objects, they may be deleted "
                        "or not exist. Check that ids are valid."
                    ),
                ).row_error(ids=list(self._missing))
            )
        return out + self.rows
