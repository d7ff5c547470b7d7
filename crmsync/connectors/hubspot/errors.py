"""HubSpot errors → crmsync errors, as a table.

The transport translates every non-2xx answer here, once (each generated package of
hubspot-api-client has its own ``ApiException`` class, so translating at the
transport keeps the connector free of them). Error bodies are
``{status, message, category, correlationId, ...}``; 429 bodies carry ``errorType``
and ``policyName`` instead of ``category``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from crmsync.connectors.base import ApiErrorDetail
from crmsync.connectors.errors import (
    ApiBudgetExhaustedError,
    AuthenticationError,
    ConflictError,
    ErrorRule,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    ServiceUnavailableError,
    build_error,
    classify,
    parse_retry_after,
)
from crmsync.errors import CrmsyncError, FatalError

HUBSPOT_ERRORS: Final[tuple[ErrorRule, ...]] = (
    # The daily limit resets at midnight in the portal's time zone: defer (R2).
    ErrorRule(status=429, code="DAILY", error=ApiBudgetExhaustedError),
    ErrorRule(status=429, error=RateLimitedError),
    ErrorRule(status=401, error=AuthenticationError),
    ErrorRule(status=403, error=PermissionDeniedError),
    ErrorRule(status=400, error=InvalidRequestError),
    ErrorRule(status=404, error=NotFoundError),
    ErrorRule(status=409, error=ConflictError),
    # 423 Locked: HubSpot asks to retry after about two seconds.
    ErrorRule(status=423, error=RateLimitedError),
    ErrorRule(status=503, error=ServiceUnavailableError),
    ErrorRule(status_at_least=500, error=ServerError),
)
"""(HTTP status, category or rate-limit policy) → exception class; first match wins."""


def parse_body(raw: bytes | str | None) -> Any:
    """The JSON of an answer, or its text when it is not JSON."""
    if not raw:
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        return json.loads(text)
    except ValueError:
        return text


def error_detail(*, status: int, body: Any) -> ApiErrorDetail:
    """HubSpot's own code (category, or rate-limit policy) and message."""
    if not isinstance(body, Mapping):
        return ApiErrorDetail(code=str(status), message=str(body or "")[:500], status=status)
    code = str(body.get("category") or body.get("policyName") or body.get("errorType") or "")
    fields = _invalid_properties(body)
    return ApiErrorDetail(
        code=code,
        message=str(body.get("message", "")),
        fields=fields,
        status=status,
        sub_code=_sub_code(body),
    )


def translate_response(
    *, status: int, headers: Mapping[str, str], body: bytes | str | None
) -> CrmsyncError:
    """The crmsync error for one non-2xx answer."""
    detail = error_detail(status=status, body=parse_body(body))
    error_class = classify(HUBSPOT_ERRORS, status=status, code=detail.code)
    return build_error(
        error_class or FatalError,
        summary=f"HubSpot answered {status}",
        detail=detail,
        retry_after=parse_retry_after(headers.get("Retry-After")),
        crm="HubSpot",
    )


def row_error(error: Mapping[str, Any]) -> ApiErrorDetail:
    """One ``errors[]`` entry of a 207 batch answer."""
    return ApiErrorDetail(
        code=str(error.get("category") or error.get("subCategory") or "UNKNOWN_ERROR"),
        message=str(error.get("message", "")),
        fields=_invalid_properties(error),
        sub_code=_sub_code(error),
    )


_PROPERTY_PROBLEMS = "Property values were not valid: "


def _sub_code(body: Mapping[str, Any]) -> str | None:
    """The finer code under the category: ``subCategory``, else the first per-error
    ``code``, else the ``error`` of the first problem a VALIDATION_ERROR lists in its
    message (HubSpot embeds them there as JSON, often with no ``errors`` array)."""
    sub_category = body.get("subCategory")
    if isinstance(sub_category, str) and sub_category:
        return sub_category
    errors = body.get("errors")
    if isinstance(errors, list):
        for error in errors:
            if isinstance(error, Mapping) and isinstance(error.get("code"), str):
                return str(error["code"])
    message = body.get("message")
    if isinstance(message, str) and message.startswith(_PROPERTY_PROBLEMS):
        try:
            problems = json.loads(message[len(_PROPERTY_PROBLEMS) :])
        except ValueError:
            return None
        if isinstance(problems, list):
            for problem in problems:
                if isinstance(problem, Mapping) and isinstance(problem.get("error"), str):
                    return str(problem["error"])
    return None


def _invalid_properties(body: Mapping[str, Any]) -> tuple[str, ...]:
    context = body.get("context")
    if isinstance(context, Mapping):
        for key in ("invalidPropertyName", "propertyName", "properties"):
            names = context.get(key)
            if isinstance(names, list):
                return tuple(str(name) for name in names)
    return ()
