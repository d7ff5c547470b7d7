"""Salesforce errors → crmsync errors, as a table (translated once, in the connector).

simple-salesforce raises one exception per HTTP status with the parsed error body in
``content`` (a list of ``{message, errorCode, fields}``); ``requests`` raises on
connection failures. :func:`translate` turns both into :mod:`crmsync.errors` by
looking ``(status, errorCode)`` up in :data:`SALESFORCE_ERRORS`. Per-record errors of
sObject Collections are not exceptions: :func:`record_errors` reads them into
:class:`~crmsync.connectors.base.ApiErrorDetail` with the API's own ``statusCode``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import requests
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceOperationError,
)

from crmsync.connectors.base import ApiErrorDetail
from crmsync.connectors.errors import (
    ApiBudgetExhaustedError,
    AuthenticationError,
    ConflictError,
    ConnectionLostError,
    ErrorRule,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    SchemaMismatchError,
    ServerError,
    ServiceUnavailableError,
    build_error,
    classify,
)
from crmsync.errors import CrmsyncError, FatalError


class BulkJobFailedError(FatalError):
    """A Bulk API 2.0 job ended Failed or Aborted, or did not finish in time."""


SALESFORCE_ERRORS: Final[tuple[ErrorRule, ...]] = (
    # The daily allocation is spent: Salesforce says 403, the engine must defer (R2).
    ErrorRule(code="REQUEST_LIMIT_EXCEEDED", error=ApiBudgetExhaustedError),
    ErrorRule(status=401, error=AuthenticationError),
    # The identity endpoints (userinfo, id URL) answer 403 ``Bad_OAuth_Token`` for a
    # token that is invalid or expired: that is a failed login, not a missing permission.
    ErrorRule(status=403, code="Bad_OAuth_Token", error=AuthenticationError),
    ErrorRule(status=403, error=PermissionDeniedError),
    # An unknown field or object in a query or body means the mapping is wrong.
    ErrorRule(status=400, code="INVALID_FIELD", error=SchemaMismatchError),
    ErrorRule(status=400, code="INVALID_TYPE", error=SchemaMismatchError),
    ErrorRule(status=400, error=InvalidRequestError),
    ErrorRule(status=404, error=NotFoundError),
    ErrorRule(status=409, error=ConflictError),
    ErrorRule(status=429, error=RateLimitedError),
    ErrorRule(status=503, error=ServiceUnavailableError),
    ErrorRule(status_at_least=500, error=ServerError),
)
"""(HTTP status, errorCode) → exception class; first match wins."""


def error_detail(*, status: int, content: Any) -> ApiErrorDetail:
    """The first error of a Salesforce error body (list, OAuth dict or text)."""
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        first = content[0]
        code = str(first.get("errorCode") or first.get("statusCode") or "")
        fields = tuple(str(name) for name in first.get("fields") or ())
        return ApiErrorDetail(
            code=code, message=str(first.get("message", "")), fields=fields, status=status
        )
    if isinstance(content, Mapping):
        # OAuth endpoints answer {"error": ..., "error_description": ...}.
        code = str(content.get("errorCode") or content.get("error") or "")
        message = str(content.get("message") or content.get("error_description") or "")
        return ApiErrorDetail(code=code, message=message, status=status)
    text = str(content or "").strip()
    if text and len(text) <= 64 and text.replace("_", "").isalnum():
        # The identity endpoints answer a bare code as text (``Bad_OAuth_Token``).
        return ApiErrorDetail(code=text, message=text, status=status)
    return ApiErrorDetail(code="", message=text[:500], status=status)


def translate(error: Exception, *, retry_after: float | None = None) -> CrmsyncError:
    """The crmsync error for a simple-salesforce or ``requests`` exception."""
    if isinstance(error, CrmsyncError):
        return error
    if isinstance(error, SalesforceAuthenticationFailed):
        detail = ApiErrorDetail(
            code=str(error.code or ""), message=str(error.auth_message or ""), status=401
        )
        return build_error(
            AuthenticationError,
            summary="Salesforce login failed",
            detail=detail,
            crm="Salesforce",
        )
    if isinstance(error, SalesforceError):
        status = int(error.status or 0)
        detail = error_detail(status=status, content=error.content)
        error_class = classify(SALESFORCE_ERRORS, status=status, code=detail.code)
        return build_error(
            error_class or FatalError,
            summary=f"Salesforce answered {status} to {error.resource_name or 'a call'}",
            detail=detail,
            retry_after=retry_after,
            crm="Salesforce",
        )
    if isinstance(error, SalesforceOperationError):
        return BulkJobFailedError(f"Salesforce bulk job failed: {error}")
    if isinstance(error, requests.RequestException):
        # No answer: the request may or may not have been applied.
        lost = ConnectionLostError(f"no answer from Salesforce: {type(error).__name__}")
        if isinstance(error, requests.ConnectTimeout):
            lost.safe_to_resend = True
        return lost
    raise error


def json_object(body: Any) -> dict[str, Any]:
    """``body`` if it is a JSON object; Salesforce answered something else otherwise."""
    if not isinstance(body, dict):
        raise FatalError(f"Salesforce answered {type(body).__name__} where an object was due")
    return body


def record_errors(result: Mapping[str, Any]) -> tuple[ApiErrorDetail, ...]:
    """The errors of one sObject Collections SaveResult (key ``statusCode``)."""
    details = []
    for item in result.get("errors") or ():
        code = str(item.get("statusCode") or item.get("errorCode") or "UNKNOWN_ERROR")
        fields = tuple(str(name) for name in item.get("fields") or ())
        details.append(
            ApiErrorDetail(code=code, message=str(item.get("message", "")), fields=fields)
        )
    return tuple(details)
