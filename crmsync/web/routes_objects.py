"""One tab per object: sync on or off, and the mapping tables with their rules (R20-R23)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from crmsync.core.mapping import MappingProblem, MappingValidationError
from crmsync.core.policies import SettingError
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


def object_routes(dashboard: Dashboard) -> APIRouter:
    """``/objects/<object>`` and its two actions."""
    router = APIRouter()

    def page(
        request: Request,
        tab: ObjectTab,
        *,
        edited: tuple[str, list[dict[str, Any]]] | None = None,
        problems: list[MappingProblem] | None = None,
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

    @router.post("/objects/{name}/enabled")
    def set_enabled(request: Request, name: str) -> Response:
        tab = tab_or_404(name)
        if tab is None or tab.enabled_key is None:
            return redirect_with("/", f"'{name}' cannot be switched off")
        wanted = form_of(request).get("enabled") == "on"
        try:
            with dashboard.store() as store:
                save_setting(store, tab.enabled_key, wanted)
        except SettingError as error:
            return page(request, tab, message=str(error), status_code=400)
        state = "on" if wanted else "off"
        return redirect_with(f"/objects/{name}", f"Sync of {name} is {state}")

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
