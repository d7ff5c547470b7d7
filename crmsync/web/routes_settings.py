"""The two direction tabs and the Connection tab (R4-R19).

Every value is saved with :func:`crmsync.engine.settings.save_setting`, as by
``crmsync settings set``; a refused value is shown beside its field and nothing of
that form is saved.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import SecretStr

from crmsync.connecting import connect_hubspot_token, connect_salesforce_token
from crmsync.connection import saved_connection
from crmsync.connectors.base import System
from crmsync.core.geography import GeographyMode, PicklistSetup
from crmsync.core.policies import SAME_AS_LEADS, CreateAs, SalesforcePolicy, SettingError
from crmsync.engine.settings import (
    AUTO_CREATE_COMPANIES,
    contact_settings,
    r10_warning,
    save_setting,
    switch,
)
from crmsync.errors import CrmsyncError
from crmsync.health.budget import ApiBudget
from crmsync.health.explain import explain_store
from crmsync.health.live import build_report
from crmsync.runtime import connected
from crmsync.web.context import Dashboard
from crmsync.web.forms import form_of, redirect_with
from crmsync.web.switches import (
    LIFECYCLE_RULES,
    LIFECYCLE_SWITCHES,
    posted,
    save_switches,
    states,
)

TO_SALESFORCE_KEYS = (
    "contacts.inclusion_list_id",
    "contacts.create_as",
    "contacts.state_country.picklists",
    "contacts.state_country.mode",
)
TO_HUBSPOT_KEYS = ("contacts.salesforce_leads", "contacts.salesforce_contacts")


def settings_routes(dashboard: Dashboard) -> APIRouter:
    """Connection, HubSpot → Salesforce, Salesforce → HubSpot."""
    router = APIRouter()

    def hubspot_lists() -> tuple[list[tuple[str, str]], str | None]:
        try:
            with connected(dashboard.config) as opened:
                return opened.hubspot.contact_lists(), None  # type: ignore[attr-defined]
        except CrmsyncError as error:
            return [], f"HubSpot's lists could not be read ({error}); type a list id instead."

    def to_salesforce(
        request: Request, *, errors: dict[str, str], status_code: int = 200
    ) -> Response:
        lists, lists_problem = hubspot_lists()
        with dashboard.store() as store:
            settings = contact_settings(store)
            auto = switch(store, AUTO_CREATE_COMPANIES)
            warning = r10_warning(store)
        values = {
            "settings": settings,
            "lists": lists,
            "lists_problem": lists_problem,
            "auto_create_companies": auto,
            "warning": warning,
            "create_as": list(CreateAs),
            "picklists": list(PicklistSetup),
            "modes": list(GeographyMode),
            "errors": errors,
            "message": request.query_params.get("message"),
        }
        return dashboard.render(request, "to_salesforce.html", values, status_code=status_code)

    @router.get("/settings/hubspot-to-salesforce")
    def to_salesforce_page(request: Request) -> Response:
        return to_salesforce(request, errors={})

    @router.post("/settings/hubspot-to-salesforce")
    def save_to_salesforce(request: Request) -> Response:
        form = form_of(request)
        changes = {key: form.get(key, "") for key in TO_SALESFORCE_KEYS if key in form}
        errors = _save_all(dashboard, changes)
        if errors:
            return to_salesforce(request, errors=errors, status_code=400)
        with dashboard.store() as store:
            # HubSpot's "create and associate companies with contacts", as the user states it.
            save_setting(store, AUTO_CREATE_COMPANIES, form.get(AUTO_CREATE_COMPANIES) == "on")
        return redirect_with("/settings/hubspot-to-salesforce", "Settings saved")

    def to_hubspot(request: Request, *, errors: dict[str, str], status_code: int = 200) -> Response:
        with dashboard.store() as store:
            settings = contact_settings(store)
            lifecycle = states(store, LIFECYCLE_SWITCHES)
        values = {
            "settings": settings,
            "lifecycle": lifecycle,
            "lifecycle_rules": LIFECYCLE_RULES,
            "policies": list(SalesforcePolicy),
            "same_rule": settings.salesforce_contacts is None,
            "errors": errors,
            "message": (
                "Not saved: fix the settings marked below."
                if errors
                else request.query_params.get("message")
            ),
            "refused": bool(errors),
        }
        return dashboard.render(request, "to_hubspot.html", values, status_code=status_code)

    @router.get("/settings/salesforce-to-hubspot")
    def to_hubspot_page(request: Request) -> Response:
        return to_hubspot(request, errors={})

    @router.post("/settings/salesforce-to-hubspot")
    def save_to_hubspot(request: Request) -> Response:
        form = form_of(request)
        contacts = (
            SAME_AS_LEADS
            if form.get("same_rule") == "on"
            else form.get("contacts.salesforce_contacts", "")
        )
        changes = {
            "contacts.salesforce_leads": form.get("contacts.salesforce_leads", ""),
            "contacts.salesforce_contacts": contacts,
        }
        # R15, R19: each box posts "on"; an unticked one is off. Checked before anything
        # of the form is saved.
        lifecycle, refused = posted(form, LIFECYCLE_SWITCHES)
        if refused:
            return to_hubspot(request, errors=refused, status_code=400)
        errors = _save_all(dashboard, changes)
        if errors:
            return to_hubspot(request, errors=errors, status_code=400)
        with dashboard.store() as store:
            save_switches(store, lifecycle)
        return redirect_with("/settings/salesforce-to-hubspot", "Settings saved")

    @router.get("/connection")
    def connection(request: Request) -> Response:
        return connection_page(request, problem=None)

    @router.post("/connection/salesforce")
    def connect(request: Request) -> Response:
        form = form_of(request)
        token = form.get("token", "").strip()
        if not token:
            return connection_page(
                request, problem="Paste the access token of the user to connect as."
            )
        try:
            result = connect_salesforce_token(
                dashboard.config,
                token=SecretStr(token),
                url=form.get("url", "").strip() or dashboard.config.salesforce_url,
                sandbox=form.get("sandbox") == "on",
            )
        except CrmsyncError as error:
            return connection_page(request, problem=f"Not connected: {error}")
        kind = "sandbox" if result.user.is_sandbox else "org"
        return redirect_with(
            "/connection",
            f"Connected as {result.user.username} to {kind} {result.user.org_id}; "
            f"{result.links_elsewhere:,} links made with another org are kept.",
        )

    @router.post("/connection/hubspot")
    def connect_hubspot(request: Request) -> Response:
        form = form_of(request)
        token = form.get("token", "").strip()
        if not token:
            return connection_page(request, problem="Paste the private app's access token.")
        try:
            result = connect_hubspot_token(
                dashboard.config,
                token=SecretStr(token),
                url=form.get("url", "").strip() or dashboard.config.hubspot_url,
            )
        except CrmsyncError as error:
            return connection_page(request, problem=f"Not connected: {error}")
        return redirect_with("/connection", f"Connected to HubSpot portal {result.portal_id}")

    def connection_page(request: Request, *, problem: str | None) -> Response:
        report = build_report(dashboard.config, identities=dashboard.identities)
        with dashboard.store() as store:
            sections = explain_store(store, allocation=ApiBudget(store).allocation())
            hubspot_saved = saved_connection(store, System.HUBSPOT) or {}
        values = {
            "report": report,
            "config": dashboard.config,
            "hubspot_saved": hubspot_saved,
            "sections": sections,
            "message": problem or request.query_params.get("message"),
            "refused": problem is not None,
        }
        return dashboard.render(
            request, "connection.html", values, status_code=400 if problem else 200
        )

    @router.get("/how-it-works")
    def how_it_works(request: Request) -> Response:
        with dashboard.store() as store:
            sections = explain_store(store, allocation=ApiBudget(store).allocation())
        return dashboard.render(request, "how_it_works.html", {"sections": sections})

    return router


def _save_all(dashboard: Dashboard, changes: dict[str, Any]) -> dict[str, str]:
    """Check every change first, then save them all; the refusals by key."""
    from crmsync.core.policies import apply_setting

    errors: dict[str, str] = {}
    with dashboard.store() as store:
        settings = contact_settings(store)
        for key, value in changes.items():
            try:
                settings = apply_setting(settings, key, value)
            except SettingError as error:
                errors[key] = str(error).removeprefix(f"{key}: ")
        if errors:
            return errors
        for key, value in changes.items():
            save_setting(store, key, value)
    return {}
