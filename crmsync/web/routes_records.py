"""Record view (search, link, status, errors, field history, resync) and Activity."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from crmsync.errors import CrmsyncError
from crmsync.health.records import find_records
from crmsync.runner import run_once
from crmsync.store.lock import RETRY_LOCK_WAIT_SECONDS, StoreBusyError
from crmsync.store.runs import RunOutcome, recent_runs
from crmsync.web.context import Dashboard
from crmsync.web.forms import form_of, redirect_with


def record_routes(dashboard: Dashboard) -> APIRouter:
    """``/records``, ``/records/resync`` and ``/activity``."""
    router = APIRouter()

    @router.get("/records")
    def records(request: Request, q: str = "") -> Response:
        with dashboard.store() as store:
            found = find_records(store, q) if q.strip() else []
        values = {"q": q, "found": found, "message": request.query_params.get("message")}
        return dashboard.render(request, "records.html", values)

    @router.post("/records/resync")
    def resync(request: Request) -> Response:
        key = form_of(request).get("key", "").strip()
        back = "/records?" + urlencode({"q": key})
        if not key:
            return redirect_with("/records", "Say which record to resync")
        try:
            # The same run as `crmsync resync`: under the store's lock, in the run log.
            result = run_once(
                dashboard.config,
                command="resync",
                resync_key=key,
                wait=RETRY_LOCK_WAIT_SECONDS,
            )
        except StoreBusyError:
            return redirect_with(back, "A sync is running: resync again in a moment")
        except CrmsyncError as error:
            return redirect_with(back, f"Resync failed: {error}")
        report = result.report
        if result.outcome is RunOutcome.DEFERRED:
            return redirect_with(back, f"Resync deferred: {result.message}. Nothing is lost.")
        if report is None:
            return redirect_with(back, f"Resync failed: {result.message}")
        moved = sum(report.created.values()) + sum(report.updated.values())
        return redirect_with(back, f"Resynced {key}: {moved} write(s), {report.errors} error(s)")

    @router.get("/activity")
    def activity(request: Request) -> Response:
        with dashboard.store() as store:
            runs = recent_runs(store)
        return dashboard.render(request, "activity.html", {"runs": runs})

    return router
