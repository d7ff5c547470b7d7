"""OAuth for HubSpot apps: authorize (auto-approving), ``/oauth/v1/token``
(``authorization_code`` and ``refresh_token``), token metadata and refresh-token revocation.

Access tokens live ``access_token_seconds`` (30 minutes, as HubSpot's) on the emulator's
movable clock; an expired one is refused with 401 ``EXPIRED_AUTHENTICATION``. Errors of
the token endpoint are HubSpot's ``{"status": "BAD_REFRESH_TOKEN", "message": ...}``
with HTTP 400. The authorize page really lives on ``app.hubspot.com``; the emulator
serves it at ``/oauth/authorize`` on its own port.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from crmsync.emulators.common.clock import MovableClock

DEFAULT_ACCESS_SECONDS = 1800.0


@dataclass(kw_only=True)
class HubSpotApp:
    """One public or private OAuth app installed in the account."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    scopes: frozenset[str] | None
    """Scopes the installing user grants (None: whatever the app asks for)."""
    user: str = "admin@example.com"
    app_id: int = 1234567


@dataclass(frozen=True, kw_only=True)
class Grant:
    """What a code or refresh token stands for."""

    client_id: str
    scopes: frozenset[str]
    redirect_uri: str = ""


@dataclass
class OAuthServer:
    """Apps, codes, refresh tokens and access-token expiries of one account."""

    clock: MovableClock
    access_seconds: float = DEFAULT_ACCESS_SECONDS
    apps: dict[str, HubSpotApp] = field(default_factory=dict)
    codes: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    access: dict[str, tuple[Grant, datetime]] = field(default_factory=dict)

    def register(self, body: dict[str, Any]) -> HubSpotApp:
        """Add or replace an app from a hook body."""
        scopes = body.get("scopes")
        app = HubSpotApp(
            client_id=str(body["client_id"]),
            client_secret=str(body["client_secret"]),
            redirect_uris=tuple(str(uri) for uri in body.get("redirect_uris", ())),
            scopes=None if scopes is None else frozenset(str(s) for s in scopes),
            user=str(body.get("user", "admin@example.com")),
        )
        if "access_token_seconds" in body:
            self.access_seconds = float(body["access_token_seconds"])
        self.apps[app.client_id] = app
        return app

    def expired_for(self, token: str) -> float | None:
        """Seconds since an OAuth access token expired, or None while it is valid."""
        found = self.access.get(token)
        if found is None:
            return None
        late = (self.clock.now() - found[1]).total_seconds()
        return late if late >= 0 else None

    def issue_access(self, grant: Grant, tokens: dict[str, frozenset[str] | None]) -> str:
        """A new access token for ``grant``, added to the account's accepted tokens."""
        token = f"CJ{secrets.token_urlsafe(48)}"
        self.access[token] = (grant, self.clock.now() + timedelta(seconds=self.access_seconds))
        tokens[token] = grant.scopes
        return token

    def reset(self) -> None:
        """Forget apps and every token handed out."""
        self.apps.clear()
        self.codes.clear()
        self.refresh_tokens.clear()
        self.access.clear()
        self.access_seconds = DEFAULT_ACCESS_SECONDS


def json_response(body: Any, *, status: int = 200) -> Response:
    """A compact JSON answer (as :func:`crmsync.emulators.hubspot.http.json_response`)."""
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status,
        media_type="application/json;charset=utf-8",
    )


def _error(status: str, message: str, *, http_status: int = 400) -> Response:
    return json_response(
        {"status": status, "message": message, "correlationId": str(uuid.uuid4())},
        status=http_status,
    )


def routes(account: Any) -> list[Route]:
    """The OAuth routes of ``account`` (a :class:`HubSpotAccount`)."""
    server: OAuthServer = account.oauth

    async def authorize(request: Request) -> Response:
        params = request.query_params
        app = server.apps.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if app is None or redirect_uri not in app.redirect_uris:
            return PlainTextResponse("unknown client_id or redirect_uri", status_code=400)
        asked = frozenset(params.get("scope", "").split()) | frozenset(
            params.get("optional_scope", "").split()
        )
        granted = asked if app.scopes is None else asked & app.scopes
        code = f"na1-{secrets.token_hex(16)}"
        server.codes[code] = Grant(
            client_id=app.client_id, scopes=granted, redirect_uri=redirect_uri
        )
        query = {"code": code, **({"state": params["state"]} if "state" in params else {})}
        return RedirectResponse(f"{redirect_uri}?{urlencode(query)}", status_code=302)

    async def token(request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        app = server.apps.get(form.get("client_id", ""))
        if app is None:
            return _error("BAD_CLIENT_ID", "missing or unknown client id")
        if not secrets.compare_digest(form.get("client_secret", ""), app.client_secret):
            return _error("BAD_CLIENT_SECRET", "missing or invalid client secret")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            grant = server.codes.pop(form.get("code", ""), None)
            if grant is None or grant.client_id != app.client_id:
                return _error("BAD_AUTH_CODE", "missing or unknown auth code")
            if form.get("redirect_uri") != grant.redirect_uri:
                return _error("BAD_REDIRECT_URI", "redirect_uri does not match")
            refresh = f"na1-{uuid.uuid4()}"
            server.refresh_tokens[refresh] = grant
        elif grant_type == "refresh_token":
            refresh = form.get("refresh_token", "")
            found = server.refresh_tokens.get(refresh)
            if found is None or found.client_id != app.client_id:
                return _error("BAD_REFRESH_TOKEN", "missing or invalid refresh token")
            grant = found
        else:
            return _error("BAD_GRANT_TYPE", "grant_type must be authorization_code or "
                          "refresh_token")  # fmt: skip
        access = server.issue_access(grant, account.tokens)
        return json_response({
            "token_type": "bearer", "refresh_token": refresh, "access_token": access,
            "expires_in": int(server.access_seconds),
        })  # fmt: skip

    async def access_token_info(request: Request) -> Response:
        token_value = request.path_params["token"]
        found = server.access.get(token_value)
        if found is None or server.expired_for(token_value) is not None:
            return _error("error", "The OAuth token used to make this call expired or is "
                          "invalid.", http_status=401)  # fmt: skip
        grant, expires_at = found
        app = server.apps[grant.client_id]
        return json_response({
            "token": token_value, "user": app.user, "hub_domain": "crmsync-emulator.com",
            "scopes": sorted(grant.scopes), "hub_id": account.portal_id, "app_id": app.app_id,
            "expires_in": int((expires_at - server.clock.now()).total_seconds()),
            "user_id": 1, "token_type": "access",
        })  # fmt: skip

    async def refresh_token_info(request: Request) -> Response:
        token_value = request.path_params["token"]
        grant = server.refresh_tokens.get(token_value)
        if grant is None:
            return _error("BAD_REFRESH_TOKEN", "missing or invalid refresh token")
        if request.method == "DELETE":
            del server.refresh_tokens[token_value]
            return Response(status_code=204)
        app = server.apps[grant.client_id]
        return json_response({
            "token": token_value, "user": app.user, "hub_domain": "crmsync-emulator.com",
            "scopes": sorted(grant.scopes), "hub_id": account.portal_id,
            "client_id": app.client_id, "user_id": 1, "token_type": "refresh",
        })  # fmt: skip

    return [
        Route("/oauth/authorize", authorize, methods=["GET"]),
        Route("/oauth/v1/token", token, methods=["POST"]),
        Route("/oauth/v1/access-tokens/{token}", access_token_info, methods=["GET"]),
        Route("/oauth/v1/refresh-tokens/{token}", refresh_token_info, methods=["GET", "DELETE"]),
    ]
