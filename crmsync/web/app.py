"""The sync health dashboard: usage vs allocation, error cards, user, how it works (R1-R7).

``create_dashboard_app(config=...)`` returns a FastAPI app; ``crmsync demo`` serves it.
Forms post plain ``application/x-www-form-urlencoded`` bodies, parsed here so the
dashboard needs no extra form library.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from crmsync.config import CrmsyncConfig
from crmsync.connection import cached_scope
from crmsync.health.budget import ALLOCATION_SETTING, ApiBudget
from crmsync.health.errors import PAGE_SIZE, RetrySelection, open_errors_page, request_retry
from crmsync.health.explain import explain_store
from crmsync.health.live import IdentityCache, build_report
from crmsync.health.report import ErrorPageView, HealthReport, error_view
from crmsync.store import StateStore
from crmsync.store.lock import RETRY_LOCK_WAIT_SECONDS, StoreBusyError, store_lock

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


async def _form(request: Request) -> Mapping[str, str]:
    body = (await request.body()).decode("utf-8")
    return {key: values[0] for key, values in parse_qs(body).items() if values}


def create_dashboard_app(*, config: CrmsyncConfig) -> FastAPI:
    """The dashboard for the integration ``config`` describes."""
    app = FastAPI(title="crmsync sync health")
    # Reloading the page must not spend the org's API calls on asking who we are.
    identities = IdentityCache()

    @app.get("/", response_class=HTMLResponse)
    def health_page(request: Request, message: str | None = None) -> HTMLResponse:
        report = build_report(config, identities=identities)
        return TEMPLATES.TemplateResponse(
            request, "health.html", {"report": report, "message": message}
        )

    @app.get("/api/health")
    def health_json() -> HealthReport:
        return build_report(config, identities=identities)

    @app.get("/api/errors")
    def errors_json(
        page: int = Query(1, ge=1),
        per_page: int = Query(PAGE_SIZE, ge=1, le=1000),
        category: str | None = None,
    ) -> ErrorPageView:
        store = StateStore.open(config.database_url)
        try:
            found = open_errors_page(
                store,
                scope=cached_scope(config, store),
                category=category,
                offset=(page - 1) * per_page,
                limit=per_page,
            )
        finally:
            store.close()
        return ErrorPageView(
            total=found.total,
            page=page,
            per_page=per_page,
            errors=[error_view(row) for row in found.rows],
        )

    @app.post("/allocation")
    async def set_allocation(request: Request) -> RedirectResponse:
        raw = (await _form(request)).get("allocation", "").strip()
        if not raw.isdigit():
            return RedirectResponse("/?message=The+allocation+must+be+a+whole+number", 303)
        store = StateStore.open(config.database_url)
        try:
            with store.begin() as tx:
                tx.set_setting(ALLOCATION_SETTING, int(raw), note="dashboard")
        finally:
            store.close()
        return RedirectResponse("/?message=Allocation+saved", status_code=303)

    @app.post("/errors/retry")
    async def retry(request: Request) -> RedirectResponse:
        form = await _form(request)
        selection = RetrySelection(
            record_id=form.get("record") or None,
            category=form.get("category") or None,
            everything=form.get("all") == "1",
        )
        try:
            # One runner per store: a retry waits briefly for a run under way.
            with store_lock(config.database_url, wait=RETRY_LOCK_WAIT_SECONDS):
                store = StateStore.open(config.database_url)
                try:
                    queued = request_retry(store, selection, scope=cached_scope(config, store))
                finally:
                    store.close()
        except StoreBusyError:
            return RedirectResponse(
                "/?message=A+sync+is+running:+try+the+retry+again+in+a+moment", 303
            )
        return RedirectResponse(f"/?message={queued}+error(s)+queued+for+retry", 303)

    @app.get("/how-it-works", response_class=HTMLResponse)
    def how_it_works(request: Request) -> HTMLResponse:
        store = StateStore.open(config.database_url)
        try:
            sections = explain_store(store, allocation=ApiBudget(store).allocation())
        finally:
            store.close()
        return TEMPLATES.TemplateResponse(request, "how_it_works.html", {"sections": sections})

    return app
