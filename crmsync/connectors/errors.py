"""Errors both adapters raise, and the table machinery that picks them.

Each adapter translates its client's exceptions once, at its boundary, by looking the
HTTP status and the API's own error code up in a table of :class:`ErrorRule` (data,
unit-tested), never by matching message text. Every class here is a branch of
:mod:`crmsync.errors`, so the engine only ever sees that one hierarchy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crmsync.connectors.base import ApiErrorDetail
from crmsync.errors import (
    BudgetExhaustedError,
    ConfigurationError,
    CrmsyncError,
    FatalError,
    RetriableError,
)


class ApiErrorMixin:
    """What every translated API error carries: the API's own code and message.

    ``crm`` names the CRM that answered (``"Salesforce"``, ``"HubSpot"``), so a
    message to the user can say which one to reconnect.
    """

    detail: ApiErrorDetail | None = None
    crm: str | None = None


class AuthenticationError(ApiErrorMixin, ConfigurationError):
    """The token or credentials were refused (401): reconnect the CRM."""


class PermissionDeniedError(ApiErrorMixin, ConfigurationError):
    """The integration user or app lacks a permission or scope (403, R4)."""


class SchemaMismatchError(ApiErrorMixin, ConfigurationError):
    """A mapping names an object or field the CRM does not have (fix the mapping)."""


class InvalidRequestError(ApiErrorMixin, FatalError):
    """The API refused the request as malformed (400 on a whole request)."""


class NotFoundError(ApiErrorMixin, FatalError):
    """The addressed resource does not exist (404)."""


class ConflictError(ApiErrorMixin, FatalError):
    """The request conflicts with existing data (409)."""


class RateLimitedError(ApiErrorMixin, RetriableError):
    """A short-window rate limit (429): wait ``retry_after`` and resend."""

    safe_to_resend = True


class ServerError(ApiErrorMixin, RetriableError):
    """A 5xx answer.

    ``safe_to_resend`` is only true for 503 (the server refused before doing work);
    after a 500/502/504 a write may have been applied, so writes are not resent
    blindly (R25: never create a duplicate).
    """

    safe_to_resend = False


class ServiceUnavailableError(ServerError):
    """503: the server refused before doing any work, so even a write can be resent."""

    safe_to_resend = True


class ConnectionLostError(ApiErrorMixin, RetriableError):
    """The connection failed before an answer arrived."""

    safe_to_resend = False


class ApiBudgetExhaustedError(ApiErrorMixin, BudgetExhaustedError):
    """The CRM says the daily allocation is spent: defer, never drop (R2)."""


@dataclass(frozen=True, kw_only=True)
class ErrorRule:
    """One row of an error table: status and/or API code → exception class.

    ``status`` or ``code`` set to ``None`` match anything. Rows are tried in order;
    the first match wins, so specific codes come before their status.
    """

    error: type[CrmsyncError]
    status: int | None = None
    code: str | None = None
    status_at_least: int | None = None

    def matches(self, *, status: int, code: str) -> bool:
        """True when this row applies to ``status`` and ``code``."""
        if self.status is not None and status != self.status:
            return False
        if self.status_at_least is not None and status < self.status_at_least:
            return False
        return self.code is None or code == self.code


def classify(rules: Sequence[ErrorRule], *, status: int, code: str) -> type[CrmsyncError] | None:
    """The exception class the first matching rule names, or ``None``."""
    for rule in rules:
        if rule.matches(status=status, code=code):
            return rule.error
    return None


def build_error(
    error_class: type[CrmsyncError],
    *,
    summary: str,
    detail: ApiErrorDetail,
    retry_after: float | None = None,
    crm: str | None = None,
) -> CrmsyncError:
    """Instantiate ``error_class`` with the API's detail attached.

    The message carries the API's code and message (never the request, which may
    hold secrets).
    """
    message = f"{summary}: {detail.code}: {detail.message}"
    error: CrmsyncError
    if issubclass(error_class, RetriableError):
        error = error_class(message, retry_after=retry_after)
    else:
        error = error_class(message)
    if isinstance(error, ApiErrorMixin):
        error.detail = detail
        error.crm = crm
    return error


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (only the delta-seconds form is used)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(seconds, 0.0)
