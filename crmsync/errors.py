"""The one exception hierarchy of crmsync.

Each branch names what the caller does next, as in the Singer SDK:

- :class:`ConfigurationError` — stop and tell the user how to fix the setup.
- :class:`RetriableError` — back off (honouring ``retry_after``) and try again.
- :class:`RecordError` — store as a sync error with the API's own code and message,
  then go on with the other records.
- :class:`FatalError` — stop the run; something is broken beyond one record.
"""

from __future__ import annotations


class CrmsyncError(Exception):
    """Root of every error crmsync raises on purpose."""


class ConfigurationError(CrmsyncError):
    """The setup is wrong: a missing credential, a bad setting, a refused mapping."""


class RetriableError(CrmsyncError):
    """A passing fault (rate limit, 5xx, dropped connection): back off and retry."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BudgetExhaustedError(RetriableError):
    """The API allocation (ours or the org's) is spent: defer the work, never drop it."""


class RecordError(CrmsyncError):
    """One record could not be synced; the API's own code and message are kept."""

    def __init__(
        self,
        message: str,
        *,
        api_code: str,
        api_message: str,
        field: str | None = None,
        record_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.api_code = api_code
        self.api_message = api_message
        self.field = field
        self.record_id = record_id


class FatalError(CrmsyncError):
    """Something is broken beyond one record: stop the run."""
