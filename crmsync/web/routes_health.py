"""Sync health: calls vs allocation, the hourly chart, error cards, retry, CSV (R1-R4, R27)."""

from __future__ import annotations

import io
import re
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import PlainTextResponse

from crmsync.connection import cached_scope
from crmsync.health.budget import ALLOCATION_SETTING
from crmsync.health.errors import (
    PAGE_SIZE,
    RetrySelection,
    open_errors,
    open_errors_page,
    request_retry,
    write_csv,
)
from crmsync.health.live import build_report
from crmsync.health.report import ErrorCard, ErrorPageView, HealthReport, error_view
from crmsync.store.lock import RETRY_LOCK_WAIT_SECONDS, StoreBusyError, store_lock
from crmsync.web.chart import hourly_chart
from crmsync.web.context import Dashboard
from crmsync.web.forms import form_of, redirect_with

ERRORS_PER_PAGE = 20
MAX_ALLOCATION = 1_000_000_000
"""No org allows more daily calls; a larger number would be saved and never mean anything."""
_DIGITS = re.compile(r"[0-9]+")


def allocation_problem(raw: str) -> str | None:
    """Why ``raw`` is not an allocation, or None (ASCII digits, 0 to 1,000,000,000)."""
    if not _DIGITS.fullmatch(raw):
        return "The allocation must be a whole number of calls, like 5000."
    if len(raw) > 10 or int(raw) > MAX_ALLOCATION:
        return f"The allocation can be at most {MAX_ALLOCATION:,} calls per 24 hours."
    return None


def health_routes(dashboard: Dashboard) -> APIRouter:
    """The health page and its actions."""
    router = APIRouter()

    def page(request: Request, *, message: str | None, status_code: int = 200) -> Response:
        report = build_report(dashboard.config, identities=dashboard.identities)
        values = _health_values(report)
        values["message"] = message
        values["refused"] = status_code >= 400
        return dashboard.render(request, "health.html", values, status_code=status_code)

    @router.get("/")
    def health_page(request: Request, message: str | None = None) -> Response:
        return page(request, message=message)

    @router.get("/api/health")
    def health_json() -> HealthReport:
        return build_report(dashboard.config, identities=dashboard.identities)

    @router.get("/api/errors")
    def errors_json(
        page: int = Query(1, ge=1),
        per_page: int = Query(PAGE_SIZE, ge=1, le=1000),
        category: str | None = None,
    ) -> ErrorPageView:
        with dashboard.store() as store:
            found = open_errors_page(
                store,
                scope=cached_scope(dashboard.config, store),
                category=category,
                offset=(page - 1) * per_page,
                limit=per_page,
            )
        return ErrorPageView(
            total=found.total,
            page=page,
            per_page=per_page,
            errors=[error_view(row) for row in found.rows],
        )

    @router.post("/allocation")
    def set_allocation(request: Request) -> Response:
        raw = form_of(request).get("allocation", "").strip()
        problem = allocation_problem(raw)
        if problem is not None:
            # Shown on the page with the form, never saved (R2).
            return page(request, message=problem, status_code=400)
        with dashboard.store() as store, store.begin() as tx:
            tx.set_setting(ALLOCATION_SETTING, int(raw), note="dashboard")
        return redirect_with("/", f"Allocation saved: {int(raw):,} calls per 24 hours")

    @router.post("/errors/retry")
    def retry(request: Request) -> RedirectResponse:
        form = form_of(request)
        selection = RetrySelection(
            record_id=form.get("record") or None,
            category=form.get("category") or None,
            everything=form.get("all") == "1",
        )
        back = form.get("back", "/")
        target = back if back.startswith("/") and not back.startswith("//") else "/"
        try:
            # One runner per store: a retry waits briefly for a run under way.
            with (
                store_lock(dashboard.config.database_url, wait=RETRY_LOCK_WAIT_SECONDS),
                dashboard.store() as store,
            ):
                queued = request_retry(
                    store, selection, scope=cached_scope(dashboard.config, store)
                )
        except StoreBusyError:
            return redirect_with(target, "A sync is running: try the retry again in a moment")
        return redirect_with(target, f"{queued} error(s) queued for retry")

    @router.get("/errors/{category}")
    def error_list(request: Request, category: str, page: int = 1) -> Response:
        with dashboard.store() as store:
            scope = cached_scope(dashboard.config, store)
            total = open_errors_page(store, scope=scope, category=category, limit=1).total
            pages = max(1, -(-total // ERRORS_PER_PAGE))
            current = min(max(page, 1), pages)
            found = open_errors_page(
                store,
                scope=scope,
                category=category,
                offset=(current - 1) * ERRORS_PER_PAGE,
                limit=ERRORS_PER_PAGE,
            )
        if total == 0:
            return redirect_with("/", "No open errors of that type")
        records = len({(row.source_system, row.source_id) for row in found.rows})
        values = {
            "category": category,
            "total": total,
            "records_on_page": records,
            "errors": [error_view(row) for row in found.rows],
            "page": current,
            "pages": pages,
            "message": request.query_params.get("message"),
        }
        return dashboard.render(request, "errors.html", values)

    @router.get("/errors.csv")
    def errors_csv() -> Response:
        out = io.StringIO()
        with dashboard.store() as store:
            write_csv(open_errors(store, scope=cached_scope(dashboard.config, store)), out)
        return PlainTextResponse(
            out.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="crmsync-errors.csv"'},
        )

    return router


def _health_values(report: HealthReport) -> dict[str, Any]:
    sf = report.salesforce
    allocation_share = (
        None if not sf.allocation else min(100.0, 100.0 * sf.calls_24h / sf.allocation)
    )
    return {
        "report": report,
        "chart": hourly_chart(sf.hourly, allocation=sf.allocation, org_limit=sf.org_limit),
        "allocation_share": allocation_share,
        "cards": [_first_page(card) for card in report.error_cards],
        "errors_per_page": ERRORS_PER_PAGE,
    }


def _first_page(card: ErrorCard) -> ErrorCard:
    return card.model_copy(update={"errors": card.errors[:ERRORS_PER_PAGE]})
