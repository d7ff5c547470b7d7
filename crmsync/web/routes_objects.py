"""One tab per object: its switches, and the mapping tables with their rules (R20-R24)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from crmsync.core.mapping import MappingProblem, MappingValidationError
from crmsync.engine.settings import save_setting
from crmsync.errors import CrmsyncError
from crmsync.runtime import connected
from crmsync.web.context import Dashboard
from crmsync.web.forms import form_of, redirect_with
from crmsync.web.objects import (
    RULE_CHOICES,
    ObjectTab,
    object_tab,
    rows_from_form,
    without_origin,
)
from crmsync.web.switches import posted, save_switches


def object_routes(dashboard: Dashboard) -> APIRouter:
    """``/objects/<object>``, its switches and its mapping tables."""
    router = APIRouter()

    def page(
        request: Request,
        tab: ObjectTab,
        *,
        edited: tuple[str, list[dict[str, Any]]] | None = None,
        problems: list[MappingProblem] | None = None,
        switch_errors: dict[str, str] | None = None,
        message: str | None = None,
        status_code: int = 200,
    ) -> Response:
        tables = dict(tab.tables)
        if edited is not None:
            tables[edited[0]] = edited[1]
        values = {
            "tab": tab,
            "tables": tables,
            "rules": RULE_CHOICES,
            "edited": None if edited is None else edited[0],
            "problems": problems or [],
            "switch_errors": switch_errors or {},
            "message": message or request.query_params.get("message"),
            "refused": status_code >= 400,
        }
        return dashboard.render(request, "object.html", values, status_code=status_code)

    def tab_or_404(name: str) -> ObjectTab | None:
        with dashboard.store() as store:
            return object_tab(store, name)

    @router.get("/objects/{name}")
    def object_page(request: Request, name: str) -> Response:
        tab = tab_or_404(name)
        if tab is None:
            return redirect_with("/", f"No settings for '{name}'")
        return page(request, tab)

    @router.post("/objects/{name}/switches")
    def save_switches_of(request: Request, name: str) -> Response:
        tab = tab_or_404(name)
        if tab is None or not tab.switches:
            return redirect_with("/", f"'{name}' has no switches")
        values, errors = posted(form_of(request), [state.field for state in tab.switches])
        if errors:
            return page(
                request,
                tab,
                switch_errors=errors,
                message="Not saved: " + "; ".join(f"{k}: {v}" for k, v in errors.items()),
                status_code=400,
            )
        with dashboard.store() as store:
            save_switches(store, values)
        if len(values) == 1:
            state = "on" if next(iter(values.values())) else "off"
            return redirect_with(f"/objects/{name}", f"Sync of {name} is {state}")
        return redirect_with(f"/objects/{name}", f"Settings of {name} saved")

    @router.post("/objects/{name}/mappings/{salesforce_object}")
    def save_mapping(request: Request, name: str, salesforce_object: str) -> Response:
        tab = tab_or_404(name)
        if tab is None or salesforce_object not in tab.tables:
            return redirect_with("/", f"No mapping table {name} ⇄ {salesforce_object}")
        rows = rows_from_form(form_of(request), tab.tables[salesforce_object])
        edited = (salesforce_object, rows)
        key = f"{name}.mappings.{salesforce_object}"
        try:
            with connected(dashboard.config) as opened:
                save_setting(
                    opened.store,
                    key,
                    without_origin(rows),
                    hubspot=opened.hubspot,
                    salesforce=opened.salesforce,
                )
        except MappingValidationError as error:
            return page(
                request,
                tab,
                edited=edited,
                problems=list(error.problems),
                message="Not saved: fix the rows marked below.",
                status_code=400,
            )
        except CrmsyncError as error:
            return page(request, tab, edited=edited, message=f"Not saved: {error}", status_code=400)
        return redirect_with(f"/objects/{name}", f"Mapping of {salesforce_object} saved")

    return router
