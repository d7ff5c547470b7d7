"""The request pipeline every API route goes through: auth and scopes, injected faults,
rate limits, JSON parsing, and HubSpot's error bodies."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from crmsync.emulators.common.faults import FaultPlan
from crmsync.emulators.hubspot import catalog, wire_input
from crmsync.emulators.hubspot.account import HubSpotAccount
from crmsync.emulators.hubspot.errors import (
    HubSpotApiError,
    bad_request,
    expired_authentication,
    internal_error,
    missing_scopes,
    not_found,
    rate_limit_body,
    unauthorized,
)

LOGGER = logging.getLogger(__name__)


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A compact JSON answer."""
    return Response(
        content=json.dumps(body, separators=(",", ":")),
        status_code=status,
        headers=headers,
        media_type="application/json;charset=utf-8",
    )


def no_content() -> Response:
    """204 with no body."""
    return Response(status_code=204)


class DroppedConnection(Response):
    """Starts an answer, then closes the socket: the client sees a broken connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send headers promising a body that never comes."""
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        # Returning without the body makes uvicorn close the transport mid-response.


@dataclass(kw_only=True)
class Call:
    """One API request as handlers see it."""

    request: Request
    account: HubSpotAccount

    def param(self, name: str) -> str:
        """A path parameter."""
        return str(self.request.path_params[name])

    def query(self, name: str) -> str | None:
        """A single query parameter."""
        return self.request.query_params.get(name)

    def query_list(self, name: str) -> list[str]:
        """A repeated or comma-separated query parameter."""
        out: list[str] = []
        for value in self.request.query_params.getlist(name):
            out.extend(v.strip() for v in value.split(",") if v.strip())
        return out

    def query_flag(self, name: str) -> bool:
        """A boolean query parameter (``true``/``false``)."""
        return (self.query(name) or "false").lower() == "true"

    async def body(self) -> Any:
        """The JSON body; HubSpot's 400 when it is not JSON."""
        raw = await self.request.body()
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise bad_request(f"Invalid input JSON on line 1: {exc}") from exc

    async def object_body(self) -> dict[str, Any]:
        """The JSON body, which must be present and an object (HubSpot requires it)."""
        if not await self.request.body():
            raise wire_input.no_content()
        body = await self.body()
        if not isinstance(body, dict):
            raise wire_input.cannot_deserialize("request body", body)
        return body

    def query_int(self, name: str, *, default: int) -> int:
        """An integer query parameter; HubSpot's 400 when it is not one (``limit=null``)."""
        return wire_input.query_int(self.query(name), name=name, default=default)

    def object_type(self, name: str = "objectType") -> catalog.ObjectType:
        """The object type named by a path parameter; 404 when unknown."""
        segment = self.param(name)
        found = catalog.resolve_object_type(segment)
        if found is None:
            raise not_found(f"Unable to infer object type from: {segment}")
        return found


Handler = Callable[[Call], Awaitable[Response]]
ScopeRule = Callable[[Request], str | None]


def object_scope(action: str, *, param: str = "objectType") -> ScopeRule:
    """The granular scope an object call needs; engagements use the contacts scopes."""

    def rule(request: Request) -> str | None:
        found = catalog.resolve_object_type(str(request.path_params.get(param, "")))
        if found is None:
            return None
        name = "contacts" if found.name in catalog.ENGAGEMENT_TYPES else found.name
        return f"crm.objects.{name}.{action}"

    return rule


def fixed_scope(scope: str | None) -> ScopeRule:
    """A scope that does not depend on the path."""
    return lambda _request: scope


def api(
    account: HubSpotAccount, handler: Handler, *, scope: ScopeRule, search: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler in the pipeline (auth, faults, limits, errors)."""

    async def endpoint(request: Request) -> Response:
        account.count_call(request.url.path)
        headers: dict[str, str] = {}
        try:
            _authorise(account, request, scope(request))
            plan = account.faults.next_fault(request.url.path)
            if plan is not None:
                if plan.kind == "drop":
                    return DroppedConnection()
                if plan.kind == "latency":
                    await asyncio.sleep(plan.latency_ms / 1000)
                elif plan.status == 429:
                    return json_response(
                        rate_limit_body(policy="TEN_SECONDLY_ROLLING", portal_id=account.portal_id),
                        status=429,
                        headers={"Retry-After": str(plan.retry_after or 1)},
                    )
                else:
                    return _injected_error(plan)
            verdict = account.limiter.check(now=account.clock.now(), search=search)
            headers = verdict.headers
            if not verdict.allowed:
                assert verdict.policy is not None
                return json_response(
                    rate_limit_body(policy=verdict.policy, portal_id=account.portal_id),
                    status=429,
                    headers={**headers, "Retry-After": str(verdict.retry_after)},
                )
            response = await handler(Call(request=request, account=account))
        except HubSpotApiError as error:
            return json_response(error.body(), status=error.status, headers=headers)
        except Exception:
            # A fault in the emulator itself: answered as HubSpot answers its own 500s
            # (JSON, INTERNAL_ERROR), never as a bare text page. Logged with the traceback.
            LOGGER.exception("HubSpot emulator failed on %s %s", request.method, request.url.path)
            return json_response(internal_error().body(), status=500, headers=headers)
        response.headers.update(headers)
        return response

    return endpoint


def _injected_error(plan: FaultPlan) -> Response:
    error = HubSpotApiError(
        status=plan.status,
        category=plan.code or ("INTERNAL_ERROR" if plan.status >= 500 else "ERROR"),
        message=plan.message or "internal error",
    )
    return json_response(error.body(), status=error.status)


def _authorise(account: HubSpotAccount, request: Request, needed: str | None) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or token not in account.tokens:
        raise unauthorized()
    late = account.oauth.expired_for(token)
    if late is not None:
        raise expired_authentication(late)
    granted = account.tokens[token]
    if needed is not None and granted is not None and needed not in granted:
        raise missing_scopes([needed])


def unknown_route(_request: Request, _exc: Exception) -> Response:
    """Unknown paths answer the way HubSpot's gateway does: 404 with an error body."""
    return json_response(not_found("No route matches this path").body(), status=404)


def method_not_allowed(_request: Request, exc: Exception) -> Response:
    """A method the path does not take: 405 with HubSpot's JSON error and ``Allow``."""
    allowed = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    error = HubSpotApiError(
        status=405, category="VALIDATION_ERROR", message="HTTP 405 Method Not Allowed"
    )
    return json_response(error.body(), status=405, headers=allowed)
