"""The API budget: counts every call, keeps Salesforce inside its allocation (R1, R2).

:class:`ApiBudget` is the :class:`~crmsync.connectors.base.CallObserver` handed to both
connectors. Every call is logged in the store (system, time, purpose, status). Before a
Salesforce call it refuses with :class:`BudgetExhaustedError` when the calls made in the
rolling 24 h reach the allocation, or when the org as a whole is at its reserve line, so
the work is deferred (the engine keeps its cursor) rather than dropped. HubSpot has no
allocation of ours, but its daily limit is shared by every app of the account: the budget
stops at the same reserve line of the daily count HubSpot reports in its headers (its
10-second burst limit is left to 429 and ``Retry-After``).

One budget may serve several threads (the dashboard's, a sync's): checking the
allocation and logging the call happen under one lock, so two threads cannot both take
the last call, and each thread's pending call row is its own. Separate processes share
only the store, so two ``crmsync run`` processes may overshoot by the calls in flight.

The call log is written in batches, not a committed row per call: calls since the last
flush are kept in memory (with the status and usage headers of their answers) and added
to the stored rows wherever the budget counts, so the allocation check in this process is
as exact as before. Rows are flushed every :data:`FLUSH_CALLS` calls or
:data:`FLUSH_SECONDS` seconds, whichever comes first, and by :meth:`ApiBudget.flush`,
which :func:`crmsync.runtime.connected` calls on every way out of a run (success, error,
stop). A process killed outright (``SIGKILL``, power loss) loses at most the unflushed
rows, i.e. up to :data:`FLUSH_CALLS` calls go uncounted by our own log for the next 24
hours. That is acceptable: the allocation is ours, set well below the org's limit, and
the org's own count (``Sforce-Limit-Info`` on every Salesforce response, HubSpot's daily
headers) is read on every answer and stops work at the reserve line whatever our log
says; a lost batch is smaller than one write chunk's worth of calls.
"""

from __future__ import annotations

import threading
import time as monotonic_time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from crmsync.connectors.base import System
from crmsync.errors import BudgetExhaustedError
from crmsync.store import StateStore
from crmsync.store.api_calls import ApiCallRecord

WINDOW = timedelta(hours=24)
"""The allocation is per rolling 24 hours, not per calendar day (R1)."""

ALLOCATION_SETTING = "api.salesforce_allocation"
"""The stored setting with the user's allocation (calls per rolling 24 h, R2)."""

DEFAULT_SHARE = 0.5
"""Without a saved allocation, the integration may use half the org's DailyApiRequests."""

ORG_RESERVE = 0.95
"""Stop at 95 % of the org's own limit whatever the allocation, leaving the rest to others."""

ORG_REPORT_FRESH = timedelta(hours=1)
"""The org's own count is trusted for the reserve for an hour: its window rolls on too,
so an old "full" report must not hold work back forever (one probe call an hour at most)."""

RETRY_PAUSE_SHARE = 0.75
"""Above 75 % of the allocation, error retries wait so new changes keep flowing."""

FLUSH_CALLS = 100
"""Call-log rows kept in memory at most before they are written in one transaction."""

FLUSH_SECONDS = 2.0
"""How long a call-log row waits in memory at most (checked at each call)."""

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def parse_salesforce_limit(headers: Mapping[str, str]) -> tuple[int, int] | None:
    """``(used, limit)`` from ``Sforce-Limit-Info: api-usage=N/M``, or None."""
    value = _header(headers, "Sforce-Limit-Info")
    if value is None:
        return None
    for part in value.split(","):
        name, _, usage = part.strip().partition("=")
        if name.strip() == "api-usage":
            used, _, limit = usage.partition("/")
            if used.strip().isdigit() and limit.strip().isdigit():
                return int(used), int(limit)
    return None


def parse_hubspot_limit(headers: Mapping[str, str]) -> tuple[int, int] | None:
    """``(used, limit)`` from ``X-HubSpot-RateLimit-Daily`` and ``-Daily-Remaining``."""
    daily = _header(headers, "X-HubSpot-RateLimit-Daily")
    remaining = _header(headers, "X-HubSpot-RateLimit-Daily-Remaining")
    if daily is None or remaining is None or not daily.isdigit() or not remaining.isdigit():
        return None
    return int(daily) - int(remaining), int(daily)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value.strip()
    return None


@dataclass(frozen=True, kw_only=True)
class UsageSnapshot:
    """One system's API usage over the rolling window, as the health page shows it."""

    system: str
    calls_24h: int
    hourly: list[tuple[datetime, int]]
    allocation: int | None
    org_used: int | None
    org_limit: int | None
    deferred: bool
    retries_paused: bool


@dataclass(kw_only=True)
class _Call:
    """A call-log row not yet in the store, with its answer once it came."""

    system: str
    account: str | None
    at: datetime
    purpose: str
    deferred: bool
    status: int | None = None
    org_used: int | None = None
    org_limit: int | None = None
    row_id: int | None = None
    """Set when the row was flushed while its call was still in flight."""

    def row(self) -> ApiCallRecord:
        return ApiCallRecord(
            system=self.system,
            account=self.account,
            at=self.at,
            purpose=self.purpose,
            deferred=self.deferred,
            status=self.status,
            org_used=self.org_used,
            org_limit=self.org_limit,
        )


class ApiBudget:
    """A persisted :class:`CallObserver` enforcing the Salesforce allocation (R1, R2)."""

    def __init__(
        self,
        store: StateStore,
        *,
        clock: Clock = _utc_now,
        allocation: int | None = None,
        accounts: Mapping[System, str] | None = None,
        flush_calls: int = FLUSH_CALLS,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        """``allocation`` overrides the stored setting (tests, one-off runs).

        ``accounts`` names the org and portal being called (:func:`call_accounts`): calls
        are logged under it and only its calls are counted, so after a switch to a
        sandbox neither its count nor its allocation adds up the other org's calls (R6).
        Without it every call of a system counts. ``flush_calls`` and ``flush_seconds``
        bound how many call rows wait in memory, and for how long.
        """
        self._accounts = dict(accounts or {})
        self._store = store
        self._clock = clock
        self._allocation_override = allocation
        self._flush_calls = max(1, flush_calls)
        self._flush_seconds = flush_seconds
        self._unflushed: list[_Call] = []
        self._in_flight: dict[tuple[int, str], _Call] = {}
        self._flushed_at = monotonic_time.monotonic()
        self._lock = threading.RLock()

    # -- CallObserver -----------------------------------------------------------------

    def before_call(self, system: System, *, purpose: str) -> None:
        """Log the call; refuse (and log the refusal) when the budget says wait."""
        with self._lock:
            now = self._clock()
            refusal = self._refusal(system, now)
            call = _Call(
                system=system.value,
                account=self._accounts.get(system),
                at=now,
                purpose=purpose[:64],
                deferred=refusal is not None,
            )
            self._unflushed.append(call)
            if refusal is not None:
                # A refusal is written at once: the health page shows the deferral.
                self._flush_locked()
                reason, retry_after = refusal
                raise BudgetExhaustedError(reason, retry_after=retry_after)
            self._in_flight[(threading.get_ident(), system.value)] = call

    def after_call(self, system: System, *, status: int, headers: Mapping[str, str]) -> None:
        """Record the status and the CRM's own usage count on the call's row."""
        parse = parse_salesforce_limit if system is System.SALESFORCE else parse_hubspot_limit
        org = parse(headers)
        with self._lock:
            call = self._in_flight.pop((threading.get_ident(), system.value), None)
            if call is None:
                return
            call.status = status
            if org is not None:
                call.org_used, call.org_limit = org
            if call.row_id is not None:
                # Flushed while in flight (another thread flushed): update its row.
                self._update_row(call)
            if (
                len(self._unflushed) >= self._flush_calls
                or monotonic_time.monotonic() - self._flushed_at >= self._flush_seconds
            ):
                self._flush_locked()

    def flush(self) -> None:
        """Write every call row kept in memory (at the end of a run, on every way out)."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        self._flushed_at = monotonic_time.monotonic()
        if not self._unflushed:
            return
        calls = self._unflushed
        rows = [call.row() for call in calls]
        with self._store.begin() as tx:
            tx.session.add_all(rows)
            tx.session.flush()
            for call, row in zip(calls, rows, strict=True):
                call.row_id = row.id
        # Only once they are stored: a failed write keeps them for the next flush.
        self._unflushed = []

    def _update_row(self, call: _Call) -> None:
        with self._store.begin() as tx:
            row = tx.session.get(ApiCallRecord, call.row_id)
            if row is not None:
                row.status = call.status
                row.org_used, row.org_limit = call.org_used, call.org_limit

    # -- what the health page and the engine ask ----------------------------------------

    def allocation(self) -> int | None:
        """Salesforce calls allowed per rolling 24 h: the setting, else a share of the org."""
        if self._allocation_override is not None:
            return self._allocation_override
        with self._store.begin() as tx:
            stored = tx.settings().get(ALLOCATION_SETTING)
        if isinstance(stored, int) and stored >= 0:
            return stored
        _, org_limit = self._org_usage(System.SALESFORCE)
        return None if org_limit is None else int(org_limit * DEFAULT_SHARE)

    def calls_in_window(self, system: System, *, now: datetime | None = None) -> int:
        """Calls made (not refused) in the rolling 24 h ending ``now``."""
        at = now or self._clock()
        # Under the lock: a flush moving rows from memory to the store is not counted twice.
        with self._lock, self._store.begin() as tx:
            count = tx.session.scalar(
                select(func.count(ApiCallRecord.id)).where(
                    *self._of(system),
                    ApiCallRecord.deferred.is_(False),
                    ApiCallRecord.at > at - WINDOW,
                )
            )
            # Calls not flushed yet count as well: the check is as exact as the log (R2).
            return int(count or 0) + sum(
                1 for call in self._made(system) if _aware(call.at) > at - WINDOW
            )

    @property
    def retries_paused(self) -> bool:
        """True above 75 % of the allocation: retrying old errors waits for new changes."""
        allocation = self.allocation()
        if allocation is None:
            return False
        return self.calls_in_window(System.SALESFORCE) >= allocation * RETRY_PAUSE_SHARE

    def snapshot(self, system: System) -> UsageSnapshot:
        """Usage of ``system`` over the rolling window, with an hourly breakdown."""
        self.flush()
        now = self._clock()
        org_used, org_limit = self._org_usage(system)
        is_salesforce = system is System.SALESFORCE
        with self._store.begin() as tx:
            times = list(
                tx.session.scalars(
                    select(ApiCallRecord.at).where(
                        *self._of(system),
                        ApiCallRecord.deferred.is_(False),
                        ApiCallRecord.at > now - WINDOW,
                    )
                )
            )
            last_deferred = tx.session.scalar(
                select(func.max(ApiCallRecord.at)).where(
                    *self._of(system), ApiCallRecord.deferred.is_(True)
                )
            )
        hourly: dict[datetime, int] = {}
        for at in times:
            hour = _aware(at).replace(minute=0, second=0, microsecond=0)
            hourly[hour] = hourly.get(hour, 0) + 1
        allocation = self.allocation() if is_salesforce else None
        refusal = self._refusal(system, now)
        return UsageSnapshot(
            system=system.value,
            calls_24h=len(times),
            hourly=sorted(hourly.items()),
            allocation=allocation,
            org_used=org_used,
            org_limit=org_limit,
            deferred=refusal is not None or _deferred_since_last_call(last_deferred, times),
            retries_paused=is_salesforce and self.retries_paused,
        )

    # -- internals ----------------------------------------------------------------------

    def _refusal(self, system: System, now: datetime) -> tuple[str, float] | None:
        """Why a call to ``system`` must wait now, and for how many seconds; or None."""
        if system is System.SALESFORCE:
            allocation = self.allocation()
            used = self.calls_in_window(System.SALESFORCE, now=now)
            if allocation is not None and used >= allocation:
                return (
                    f"Salesforce allocation spent: {used} of {allocation} calls in 24 h",
                    self._seconds_until_free(now),
                )
        org_used, org_limit = self._org_usage(system, since=now - ORG_REPORT_FRESH)
        if org_used is None or not org_limit or org_used < org_limit * ORG_RESERVE:
            return None
        if system is System.SALESFORCE:
            return (
                f"Salesforce org at its reserve line: {org_used} of {org_limit} calls",
                self._seconds_until_free(now),
            )
        return (
            f"HubSpot account at its reserve line: {org_used} of {org_limit} calls today",
            _seconds_until_midnight(now),
        )

    def _seconds_until_free(self, now: datetime) -> float:
        with self._store.begin() as tx:
            oldest = tx.session.scalar(
                select(func.min(ApiCallRecord.at)).where(
                    *self._of(System.SALESFORCE),
                    ApiCallRecord.deferred.is_(False),
                    ApiCallRecord.at > now - WINDOW,
                )
            )
        times = [_aware(call.at) for call in self._made(System.SALESFORCE)]
        if oldest is not None:
            times.append(_aware(oldest))
        times = [at for at in times if at > now - WINDOW]
        if not times:
            return 0.0
        return max(0.0, (min(times) + WINDOW - now).total_seconds())

    def _org_usage(
        self, system: System, *, since: datetime | None = None
    ) -> tuple[int | None, int | None]:
        # The newest report wins: one not flushed yet is newer than any stored one.
        for call in reversed(self._unflushed):
            if call.system != system.value or call.org_limit is None:
                continue
            if since is None or _aware(call.at) > since:
                return call.org_used, call.org_limit
            break
        query = select(ApiCallRecord).where(*self._of(system), ApiCallRecord.org_limit.is_not(None))
        if since is not None:
            query = query.where(ApiCallRecord.at > since)
        with self._store.begin() as tx:
            row = tx.session.scalars(query.order_by(ApiCallRecord.id.desc()).limit(1)).first()
            if row is None:
                return None, None
            return row.org_used, row.org_limit

    def _of(self, system: System) -> tuple[Any, ...]:
        """Conditions selecting the calls of ``system`` this budget counts."""
        account = self._accounts.get(system)
        if account is None:
            return (ApiCallRecord.system == system.value,)
        # Calls logged before calls were tagged (or by an untagged budget) count for every
        # org: right after an upgrade the allocation still sees the last 24 h.
        return (
            ApiCallRecord.system == system.value,
            or_(ApiCallRecord.account == account, ApiCallRecord.account.is_(None)),
        )

    def _made(self, system: System) -> list[_Call]:
        """Calls of ``system`` made (not refused) and not flushed yet."""
        return [
            call for call in self._unflushed if call.system == system.value and not call.deferred
        ]


def _deferred_since_last_call(last_deferred: datetime | None, made: list[datetime]) -> bool:
    # Work refused after the last call that went out has not been picked up yet.
    if last_deferred is None:
        return False
    return not made or _aware(last_deferred) >= max(_aware(at) for at in made)


def _seconds_until_midnight(now: datetime) -> float:
    # HubSpot's daily count restarts at midnight in the account's time zone, which the
    # API does not say; UTC midnight is the guess, and the hourly re-probe corrects it.
    tomorrow = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(), UTC)
    return (tomorrow - now).total_seconds()


def _aware(at: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone-aware columns.
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
