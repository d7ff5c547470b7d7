"""The HubSpot emulator's ASGI app and its ``crmsync emulate hubspot`` entry point."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette

from crmsync.emulators.common.server import serve_forever
from crmsync.emulators.hubspot import (
    control,
    oauth,
    routes_associations,
    routes_lists,
    routes_objects,
    routes_schema,
    routes_webhooks,
)
from crmsync.emulators.hubspot.account import HubSpotAccount
from crmsync.emulators.hubspot.http import method_not_allowed, unknown_route
from crmsync.emulators.hubspot.limits import LimitConfig


def create_app(
    *,
    token: str = "crmsync-hs-token",
    data: Path | None = None,
    seed: Path | None = None,
    portal_id: int | None = None,
    limits: LimitConfig | None = None,
) -> Starlette:
    """A HubSpot account served over HTTP; ``app.state.account`` is the account itself."""
    account = HubSpotAccount(token=token, data=data, seed=seed, portal_id=portal_id, limits=limits)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        account.close()

    app = Starlette(
        routes=[
            *control.routes(account),
            *oauth.routes(account),
            *routes_schema.routes(account),
            *routes_associations.routes(account),
            *routes_lists.routes(account),
            *routes_webhooks.routes(account),
            *routes_objects.routes(account),
        ],
        exception_handlers={404: unknown_route, 405: method_not_allowed},
        lifespan=lifespan,
    )
    app.state.account = account
    return app


def serve(*, port: int, token: str, data: Path | None, seed: Path | None) -> None:
    """Serve the emulator on 127.0.0.1 until interrupted."""
    serve_forever(create_app(token=token, data=data, seed=seed), port=port)
