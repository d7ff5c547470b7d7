"""Runs as an operator starts them: one at a time per store, logged, stoppable, never dying.

- :func:`run_once` takes the store's runner lock (:mod:`crmsync.store.lock`), opens the
  CRMs through :func:`crmsync.runtime.connected`, runs the engine and records how the run
  ended in the run log (:mod:`crmsync.store.runs`) for the health page.
- :func:`run_forever` is ``crmsync run``: each run's failure is logged and recorded,
  then tried again after a growing pause (at most the interval). An expired session
  (401), a vanished inclusion list or a database that is briefly away do not end it;
  only configuration that can never work (no tokens, a store of another schema) does,
  before the first run.
- A :class:`StopFlag` set by SIGTERM is checked after each batch's cursor is saved: the
  batch under way finishes, nothing half-done is left, and the loop exits with status 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import IntEnum
from types import FrameType
from typing import TYPE_CHECKING, Any

from crmsync.config import CrmsyncConfig
from crmsync.connection import connection_key, save_identity, with_saved_connection
from crmsync.engine.hooks import Checkpoint, NoHooks, SyncHooks
from crmsync.engine.report import SyncReport
from crmsync.errors import ConfigurationError, CrmsyncError, RetriableError
from crmsync.store.lock import StoreBusyError, store_lock
from crmsync.store.models import utc_now
from crmsync.store.retention import Retention, prune
from crmsync.store.runs import RunOutcome, log_run
from crmsync.store.state import StateStore

if TYPE_CHECKING:
    from crmsync.runtime import Connected

log = logging.getLogger("crmsync.run")

FIRST_RETRY_SECONDS = 30.0
"""Pause after a failed run; it doubles with each failure in a row, up to the interval."""


class ExitStatus(IntEnum):
    """Exit statuses of ``sync``, ``run`` and ``resync`` a script can act on."""

    OK = 0
    FAILED = 1
    STORE_BUSY = 73
    """Another run holds the store's lock (``sync --wait`` queues behind it instead)."""
    TEMPORARY_FAILURE = 75
    """Stopped by a passing fault or a spent budget (``EX_TEMPFAIL``); nothing is lost."""
    CONFIGURATION = 78
    """Configuration that can never work (``EX_CONFIG``): fix it, then start again."""


class StopRequested(BaseException):
    """Raised between batches once a stop was asked for (never caught as an error)."""


class StopFlag:
    """Set by SIGTERM (or a test); read between batches and while waiting between runs."""

    def __init__(self) -> None:
        self._event = threading.Event()

    @property
    def requested(self) -> bool:
        """True once a stop was asked for."""
        return self._event.is_set()

    def request(self) -> None:
        """Ask the run under way to stop after its current batch."""
        self._event.set()

    def sleep(self, seconds: float) -> bool:
        """Wait ``seconds`` or until a stop is asked for; True when it was."""
        return self._event.wait(max(seconds, 0.0))

    @contextmanager
    def on_sigterm(self) -> Iterator[None]:
        """Turn SIGTERM (and a first Ctrl-C) into a stop request for the block.

        A second Ctrl-C interrupts at once. Signal handlers belong to the main thread:
        elsewhere this does nothing.
        """
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handle(signum: int, frame: FrameType | None) -> None:
            if signum == signal.SIGINT and self.requested:
                raise KeyboardInterrupt
            name = signal.Signals(signum).name
            log.info("%s received: finishing the current batch, then stopping", name)
            self.request()

        previous = {
            signum: signal.signal(signum, handle) for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


class StopBetweenBatches:
    """Hooks that stop the run once its current batch is durable (cursor saved)."""

    def __init__(self, stop: StopFlag, inner: SyncHooks | None = None) -> None:
        self._stop = stop
        self._inner: SyncHooks = inner or NoHooks()

    def checkpoint(self, point: Checkpoint) -> None:
        """Pass on, then stop after the cursor if asked to."""
        self._inner.checkpoint(point)
        if point is Checkpoint.AFTER_CURSOR and self._stop.requested:
            raise StopRequested

    def progress(self, *, source: str, object_type: str, records: int) -> None:
        """Pass on."""
        self._inner.progress(source=source, object_type=object_type, records=records)


@dataclass(kw_only=True)
class RunResult:
    """How one run ended."""

    outcome: RunOutcome
    report: SyncReport | None = None
    message: str | None = None
    retry_after: float | None = None
    error: BaseException | None = field(default=None, repr=False)


def run_once(
    config: CrmsyncConfig,
    *,
    command: str = "sync",
    resync_key: str | None = None,
    dry_run: bool = False,
    hooks: SyncHooks | None = None,
    stop: StopFlag | None = None,
    wait: float | None = 0,
) -> RunResult:
    """One run under the store's runner lock; its outcome is logged in the store.

    Raises :class:`StoreBusyError` when another run holds the lock past ``wait``
    seconds, and :class:`ConfigurationError` for a setup that cannot work; every
    other failure is returned as a ``FAILED`` result.
    """
    from crmsync.runtime import build_engine, connected

    stop = stop or StopFlag()
    started = utc_now()
    # A dry run writes nothing anywhere: it needs no lock and never waits for a run.
    lock = nullcontext() if dry_run else store_lock(config.database_url, wait=wait)
    with lock:
        try:
            with connected(config) as opened:
                engine = build_engine(opened, config, hooks=StopBetweenBatches(stop, hooks))
                if resync_key is not None:
                    report = engine.resync(resync_key, dry_run=dry_run)
                else:
                    report = engine.run_once(dry_run=dry_run)
                if not dry_run:
                    remember_identity(config, opened)
            result = RunResult(outcome=RunOutcome.OK, report=report)
        except StopRequested:
            result = RunResult(outcome=RunOutcome.STOPPED, message="stopped on request")
        except RetriableError as error:
            result = RunResult(
                outcome=RunOutcome.DEFERRED,
                message=str(error),
                retry_after=error.retry_after,
                error=error,
            )
        except ConfigurationError as error:
            result = RunResult(
                outcome=RunOutcome.MISCONFIGURED, message=_describe(error), error=error
            )
        except CrmsyncError as error:
            result = RunResult(outcome=RunOutcome.FAILED, message=_describe(error), error=error)
        except Exception as error:  # noqa: BLE001 - a daemon's last line: log it, go on
            result = RunResult(outcome=RunOutcome.FAILED, message=_describe(error), error=error)
        if not dry_run:
            _record(config, command=command, started=started, result=result)
    return result


def prune_store(config: CrmsyncConfig, store: StateStore) -> None:
    """Apply the retention settings (logged when something was removed)."""
    pruned = prune(
        store,
        Retention(
            call_log_hours=config.call_log_retention_hours,
            history_days=config.history_retention_days,
        ),
        now=utc_now(),
    )
    if pruned.total:
        log.info("pruned %d old log rows", pruned.total, extra={"pruned": asdict(pruned)})


def run_forever(
    config: CrmsyncConfig,
    *,
    interval: float,
    runs: int | None = None,
    stop: StopFlag | None = None,
) -> ExitStatus:
    """``crmsync run``: sync every ``interval`` seconds until stopped; never dies of a run.

    Returns ``OK`` when stopped or after ``runs`` runs, ``CONFIGURATION`` when the setup
    can never work (checked before the first run).
    """
    stop = stop or StopFlag()
    try:
        _check_startup(config)
    except ConfigurationError as error:
        log.error("cannot start: %s", error)  # noqa: TRY400 - one line, no traceback
        return ExitStatus.CONFIGURATION
    except Exception as error:  # noqa: BLE001 - a store briefly away: the runs retry it
        log.warning("the store cannot be reached yet: %s", _describe(error))
    failures = 0
    done = 0
    while runs is None or done < runs:
        done += 1
        wait = interval
        try:
            result = run_once(config, command="run", stop=stop)
        except StoreBusyError as error:
            log.warning("%s; trying again in %.0f s", error, interval)
        else:
            wait, failures = _after(result, interval=interval, failures=failures)
        if stop.requested:
            log.info("stopped: the current batch finished, nothing is left half-done")
            return ExitStatus.OK
        if (runs is None or done < runs) and stop.sleep(wait):
            log.info("stopped while waiting for the next run")
            return ExitStatus.OK
    return ExitStatus.OK


def _after(result: RunResult, *, interval: float, failures: int) -> tuple[float, int]:
    """Log one run's result; returns the pause before the next and failures in a row."""
    if result.outcome is RunOutcome.OK and result.report is not None:
        log.info("run finished", extra={"summary": result.report.summary()})
        return interval, 0
    if result.outcome is RunOutcome.STOPPED:
        return interval, failures
    if result.outcome is RunOutcome.DEFERRED:
        wait = interval
        if result.retry_after is not None:
            wait = min(max(result.retry_after, 1.0), interval)
        log.warning("Deferred: %s. Trying again in %.0f s; nothing is lost.", result.message, wait)
        return wait, 0
    failures += 1
    wait = min(FIRST_RETRY_SECONDS * 2 ** (failures - 1), interval)
    log.error(
        "run failed (%d in a row): %s. Trying again in %.0f s.",
        failures,
        result.message,
        wait,
        exc_info=_debug_trace(result.error),
    )
    return wait, failures


def remember_identity(config: CrmsyncConfig, opened: Connected) -> None:
    """Save who this connection acts as, for ``crmsync health`` (no call when known)."""
    from crmsync.connectors.salesforce.connector import SalesforceConnector

    salesforce = opened.salesforce
    if not isinstance(salesforce, SalesforceConnector):
        return
    try:
        # Both answers were read (and kept) by the run: no further API call.
        user = salesforce.whoami()
        portal = opened.hubspot.account_id()
    except CrmsyncError as error:
        log.debug("identity not saved: %s", error)
        return
    save_identity(
        opened.store,
        key=connection_key(with_saved_connection(config, opened.store)),
        identity={
            "user": asdict(user),
            "salesforce_org_id": user.org_id,
            "hubspot_portal_id": portal,
        },
    )


def _check_startup(config: CrmsyncConfig) -> None:
    """Refuse, before any run, configuration that no retry can fix (no API call made)."""
    from crmsync import credentials
    from crmsync.vault import open_vault

    store = StateStore.open(config.database_url)
    try:
        vault = open_vault(store, secret_key=config.secret_key, database_url=config.database_url)
        effective = with_saved_connection(config, store, vault)
        # Each names what to set when neither the environment nor a saved connection
        # gives a way to log in; building them calls nobody.
        credentials.salesforce_login(effective)
        credentials.hubspot_login(effective)
    finally:
        store.close()


def _record(config: CrmsyncConfig, *, command: str, started: datetime, result: RunResult) -> None:
    try:
        store = StateStore.open(config.database_url)
    except Exception as error:  # noqa: BLE001 - the store itself may be what failed
        # Then the run's own failure already says so; no second line about it.
        log.debug("could not record the run's outcome: %s", _describe(error))
        return
    try:
        log_run(
            store,
            command=command,
            started_at=started,
            outcome=result.outcome,
            message=result.message,
            summary=None if result.report is None else result.report.summary(),
        )
        prune_store(config, store)
    except Exception as error:  # noqa: BLE001 - the store itself may be what failed
        log.warning("could not record the run's outcome: %s", _describe(error))
    finally:
        store.close()


def _describe(error: BaseException) -> str:
    """One line naming the error (its class when the message is empty)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    name = type(error).__name__
    return f"{name}: {text}" if text else name


def _debug_trace(error: BaseException | None) -> Any:
    """The traceback only when debug logging is on (a user sees one line otherwise)."""
    return error if error is not None and log.isEnabledFor(logging.DEBUG) else None
