"""What every page shares: the configuration, templates, the tab bar and rendering."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from crmsync.config import CrmsyncConfig
from crmsync.health.live import IdentityCache
from crmsync.store import StateStore
from crmsync.web import format as fmt
from crmsync.web.security import CSRF_FIELD, csrf_token

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.filters.update(
    number=fmt.number, limit=fmt.limit, absolute=fmt.absolute, relative=fmt.relative
)
TEMPLATES.env.tests["time"] = fmt.is_time


@dataclass(frozen=True, kw_only=True)
class Tab:
    """One entry of the tab bar."""

    href: str
    label: str


@dataclass(frozen=True, kw_only=True)
class Dashboard:
    """The running dashboard: configuration and the cache of who we act as."""

    config: CrmsyncConfig
    identities: IdentityCache = field(default_factory=IdentityCache)

    @contextmanager
    def store(self) -> Iterator[StateStore]:
        """The state store, opened for one request."""
        opened = StateStore.open(self.config.database_url)
        try:
            yield opened
        finally:
            opened.close()

    def render(
        self,
        request: Request,
        template: str,
        values: Mapping[str, Any],
        *,
        status_code: int = 200,
        objects: list[str] | None = None,
    ) -> Response:
        """``template`` with the tab bar, the CSRF field and the page's values."""
        from crmsync.web.objects import object_names

        if objects is None:
            with self.store() as store:
                objects = object_names(store)
        context = {
            "tabs": tabs(objects),
            "current": request.url.path,
            "csrf_field": CSRF_FIELD,
            "csrf_token": csrf_token(request),
            **values,
        }
        return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def tabs(objects: list[str]) -> list[Tab]:
    """The tab bar: health, connection, both directions, one tab per object, records."""
    return [
        Tab(href="/", label="Sync health"),
        Tab(href="/connection", label="Connection"),
        Tab(href="/settings/hubspot-to-salesforce", label="HubSpot → Salesforce"),
        Tab(href="/settings/salesforce-to-hubspot", label="Salesforce → HubSpot"),
        *(Tab(href=f"/objects/{name}", label=name.capitalize()) for name in objects),
        Tab(href="/records", label="Records"),
        Tab(href="/activity", label="Activity"),
    ]
