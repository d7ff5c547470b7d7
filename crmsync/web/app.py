"""The dashboard: sync health, settings, mappings, records and activity, behind a login.

``create_dashboard_app(config=...)`` returns the FastAPI app ``crmsync dashboard`` and
``crmsync demo`` serve. Pages are rendered on the server (Jinja2, a stylesheet shipped
in the package, no script) and read and write through the same library functions as
the CLI. :mod:`crmsync.web.security` guards every request.

Layers, outermost first: security headers on every answer; the Host allowlist (400);
signed-cookie sessions; the guard (same origin + CSRF token on every state-changing
request, 403; a session on every page but ``/login``).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from crmsync.config import CrmsyncConfig
from crmsync.web.context import Dashboard
from crmsync.web.routes_health import health_routes
from crmsync.web.routes_login import login_routes
from crmsync.web.routes_objects import object_routes
from crmsync.web.routes_records import record_routes
from crmsync.web.routes_settings import settings_routes
from crmsync.web.security import (
    GuardMiddleware,
    LoginSetup,
    SecureSessions,
    SecurityHeaders,
    prepare_login,
)

STATIC_DIR = Path(__file__).with_name("static")


def create_dashboard_app(*, config: CrmsyncConfig, login: LoginSetup | None = None) -> FastAPI:
    """The dashboard for the integration ``config`` describes.

    ``login`` is what :func:`~crmsync.web.security.prepare_login` returned (the caller
    printed a newly generated password); without it the login is prepared here.
    """
    dashboard = Dashboard(config=config)
    if login is None:
        with dashboard.store() as store:
            login = prepare_login(store, configured=config.dashboard_password)
    # No public API description: the dashboard is not an API for other sites.
    app = FastAPI(title="crmsync", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (
        login_routes(dashboard, login),
        health_routes(dashboard),
        settings_routes(dashboard),
        object_routes(dashboard),
        record_routes(dashboard),
    ):
        app.include_router(router)
    # add_middleware wraps: the last added runs first.
    app.add_middleware(GuardMiddleware)
    app.add_middleware(SecureSessions, secret_key=login.session_key)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=config.allowed_hosts())
    app.add_middleware(SecurityHeaders)
    return app
