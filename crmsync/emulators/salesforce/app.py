"""The ASGI application: routing, authentication, API limits, faults and response headers.

Every call under ``/services/data/vNN.N/`` is authenticated, counted against the org's
rolling daily cap, dispatched through :data:`crmsync.emulators.salesforce.api.ROUTER` in
one unit of work, and answered with ``Sforce-Limit-Info``. Test hooks live under
``/__emulator__`` (see :mod:`crmsync.emulators.salesforce.hooks`).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The handler modules register their routes on ROUTER when imported.
from crmsync.emulators.salesforce import bulk, rest_composite, rest_query, rest_records, rest_ui
from crmsync.emulators.salesforce.api import ROUTER, ApiContext, ApiRequest, ApiResponse
from crmsync.emulators.salesforce.auth import original_host, soap_login, userinfo
from crmsync.emulators.salesforce.auth import token as token_endpoint
from crmsync.emulators.salesforce.emulator import Emulator
from crmsync.emulators.salesforce.hooks import hook_routes
from crmsync.emulators.salesforce.oauth import authorize, identity, revoke
from crmsync.emulators.salesforce.records import Records
from crmsync.emulators.salesforce.seed import load_seed_file

__all__ = ["bulk", "create_app", "rest_composite", "rest_query", "rest_records", "rest_ui"]

OLDEST_VERSION: Final = 31
NEWEST_VERSION: Final = 66
_DEFAULT_FAULTS: Final = {
    401: ("INVALID_SESSION_ID", "Session expired or invalid"),
    403: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    500: ("UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if "
          "you contact support: 1234567890-12345 (-1234567890)"),
    503: ("SERVER_UNAVAILABLE", "Server unavailable, please try again later."),
}  # fmt: skip


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    content = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    return Response(content, status_code=status, headers=headers,
                    media_type="application/json;charset=UTF-8")  # fmt: skip


async def versions(request: Request) -> Response:
    """``GET /services/data``: the API versions (no authentication, no usage header)."""
    return _json(200, [
        {"label": f"Version {v}", "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(OLDEST_VERSION, NEWEST_VERSION + 1)
    ])  # fmt: skip


async def api(request: Request) -> Response:
    """Every authenticated REST call."""
    emulator: Emulator = request.app.state.emulator
    version = request.path_params["version"]
    major, _, minor = version.partition(".")
    if not (major.isdecimal() and minor.isdecimal() and int(major) >= OLDEST_VERSION):
        return _json(404, [{"errorCode": "NOT_FOUND",
                            "message": "The requested resource does not exist"}])  # fmt: skip
    authorization = request.headers.get("authorization", "")
    scheme, _, access = authorization.partition(" ")
    found = (
        emulator.authenticate(access.strip(), original_host=original_host(request))
        if scheme.lower() in {"bearer", "oauth"}
        else None
    )
    if found is None:
        return _json(
            401,
            [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
            {"WWW-Authenticate": "Token"},
        )
    org, caller = found
    usage = emulator.runtime[org.kind].usage
    cap = org.settings.daily_api_cap
    now = org.now()
    if not usage.try_count(now, cap=cap):
        return _json(
            403,
            [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
            {"Sforce-Limit-Info": f"api-usage={usage.used(now)}/{cap}"},
        )
    duplicate_header = request.headers.get("sforce-duplicate-rule-header", "").replace(" ", "")
    ctx = ApiContext(
        emulator=emulator,
        org=org,
        caller=caller,
        api_version=version,
        records=Records(org, caller, allow_duplicates="allowSave=true" in duplicate_header),
    )
    api_request = ApiRequest(
        method=request.method,
        path=request.path_params["rest"].rstrip("/"),
        params=dict(request.query_params),
        headers=request.headers,
        raw_body=await request.body(),
    )
    with org.store.unit_of_work():
        response = ROUTER.dispatch(ctx, api_request)
    return _render(response, f"api-usage={usage.used(now)}/{cap}")


def _render(response: ApiResponse, limit_info: str) -> Response:
    headers = {**response.headers, "Sforce-Limit-Info": limit_info}
    if response.raw is not None:
        return Response(response.raw, status_code=response.status, headers=headers,
                        media_type=response.media_type)  # fmt: skip
    if response.status == 204:
        return Response(status_code=204, headers=headers)
    return _json(response.status, response.body, headers)


class FaultMiddleware:
    """Applies injected faults to API calls (never to test hooks)."""

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator
        self._late: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http" or not str(scope["path"]).startswith("/services/"):
            await self.app(scope, receive, send)
            return
        plan = self.emulator.faults.next_fault(str(scope["path"]))
        if plan is None:
            await self.app(scope, receive, send)
            return
        if plan.kind == "latency":
            await asyncio.sleep(plan.latency_ms / 1000)
            await self.app(scope, receive, send)
            return
        if plan.kind == "drop":
            _drop_connection(send)
            return
        if plan.kind == "late":
            body = await _read_body(receive)
            _drop_connection(send)
            task = asyncio.get_running_loop().create_task(
                self._apply_later(scope, body, delay=plan.latency_ms / 1000)
            )
            self._late.add(task)
            task.add_done_callback(self._late.discard)
            return
        code, message = _DEFAULT_FAULTS.get(plan.status, ("UNKNOWN_EXCEPTION", "Server error"))
        headers = {"Retry-After": str(plan.retry_after)} if plan.retry_after is not None else {}
        response = _json(plan.status, [{"message": plan.message or message,
                                        "errorCode": plan.code or code}], headers)  # fmt: skip
        await response(scope, receive, send)

    async def _apply_later(self, scope: Scope, body: bytes, *, delay: float) -> None:
        """Carry out a request whose client is gone, its answer thrown away."""
        await asyncio.sleep(delay)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def discard(message: Message) -> None:
            del message

        await self.app(scope, replay, discard)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _drop_connection(send: Send) -> None:
    """Close the TCP connection without answering.

    ASGI has no "abort" message; uvicorn's ``send`` is a bound method of the request
    cycle, which holds the connection's transport, so closing that drops the connection
    the way a failing load balancer does.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("dropped by fault injection")
    transport.close()


def create_app(
    *, token: str = "crmsync-sf-token", data: Path | None = None, seed: Path | None = None
) -> ASGIApp:
    """The Salesforce emulator as an ASGI app (its state at ``app.state.emulator``).

    ``data`` names a SQLite file that keeps both orgs across restarts; ``seed`` a JSON
    file loaded at start (into an org that has no records of its own yet).
    """
    emulator = Emulator(token=token, data=data)
    if seed is not None:
        load_seed_file(emulator, seed)
    routes = [
        Route("/services/data", versions, methods=["GET"]),
        Route("/services/data/", versions, methods=["GET"]),
        Route("/services/data/v{version}", _resources, methods=["GET"]),
        Route(
            "/services/data/v{version}/{rest:path}",
            api,
            methods=["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"],
        ),
        Route("/services/oauth2/token", token_endpoint, methods=["POST"]),
        Route("/services/oauth2/userinfo", userinfo, methods=["GET", "POST"]),
        Route("/services/oauth2/authorize", authorize, methods=["GET"]),
        Route("/services/oauth2/revoke", revoke, methods=["GET", "POST"]),
        Route("/id/{org_id}/{user_id}", identity, methods=["GET", "POST"]),
        Route("/services/Soap/u/{version}", soap_login, methods=["POST"]),
        *hook_routes(),
    ]
    app = Starlette(routes=routes)
    app.state.emulator = emulator
    return _WithState(FaultMiddleware(app, emulator), emulator)


async def _resources(request: Request) -> Response:
    request.scope["path_params"]["rest"] = ""
    return await api(request)


class _WithState:
    """The outermost app; exposes the emulator for in-process callers (benchmarks)."""

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator
        self._late: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        await self.app(scope, receive, send)
