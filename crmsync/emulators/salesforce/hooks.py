"""Test hooks under ``/__emulator__``: JSON in, JSON out, no authentication.

They act on the production org unless ``?org=sandbox`` is given. None of them is part of
Salesforce's API, none is faulted and none counts against the API cap.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crmsync.emulators.common.faults import FaultPlan
from crmsync.emulators.salesforce.emulator import Emulator
from crmsync.emulators.salesforce.errors import ApiError
from crmsync.emulators.salesforce.org import Caller, Org
from crmsync.emulators.salesforce.records import Records
from crmsync.emulators.salesforce.seed import ORG_KEYS, SeedError, load_seed, split_by_org

PREFIX: Final = "/__emulator__"
HookHandler = Callable[[Emulator, Org, dict[str, Any]], Any]


def _hook(handler: HookHandler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        emulator: Emulator = request.app.state.emulator
        name = request.query_params.get("org", "production")
        org = emulator.orgs.get("sandbox" if name == "sandbox" else "production")
        if name not in ORG_KEYS or org is None:
            return JSONResponse({"error": f"unknown org: {name}"}, status_code=400)
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
            result = handler(emulator, org, body)
        except (ValueError, KeyError, TypeError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        except ApiError as error:
            return JSONResponse({"error": str(error), "errors": error.body()}, status_code=400)
        return JSONResponse(result if result is not None else {})

    return endpoint


def _reset(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    emulator.reset(body.get("org"))
    return {"reset": True}


def _seed(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    per_org = split_by_org(body) if body and set(body) <= ORG_KEYS else {org.kind: body}
    refs: dict[str, dict[str, str]] = {}
    try:
        for kind, seed in per_org.items():
            refs[kind] = load_seed(emulator.orgs[kind], seed)  # type: ignore[index]
    except SeedError as error:
        raise ValueError(str(error)) from None
    return {"refs": refs}


def _clock(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    if "seconds" in body:
        emulator.clock.advance(seconds=float(body["seconds"]))
    return {"now": emulator.clock.now().isoformat()}


def _faults(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    if body.get("clear"):
        emulator.faults.clear()
        return {"cleared": True}
    emulator.faults.add(FaultPlan(**body))
    return {"added": True}


def _convert(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    records = Records(org, Caller(user_id=org.integration_user_id, restricted=False),
                      allow_duplicates=True)  # fmt: skip
    with org.store.unit_of_work():
        return records.convert_lead(
            str(body["lead_id"]),
            create_opportunity=bool(body.get("create_opportunity", True)),
            opportunity_name=body.get("opportunity_name"),
            account_id=body.get("account_id"),
            contact_id=body.get("contact_id"),
            converted_status=str(body.get("converted_status", "Closed - Converted")),
        )


def _settings(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    if body:
        org.update_settings(body)
    return org.settings.to_json()


def _field(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    definition = org.add_custom_field(body)
    return {"object": body["object"], "name": definition.name, "type": definition.type}


def _user(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    row = org.add_user(
        username=str(body["username"]),
        first_name=str(body.get("first_name", "")),
        last_name=str(body["last_name"]),
        active=bool(body.get("active", True)),
        email=body.get("email"),
        password=str(body.get("password", "crmsync-password")),
    )
    return {"id": row["Id"]}


def _usage(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    usage = emulator.runtime[org.kind].usage
    return {
        "api_calls_total": usage.total,
        "daily_used": usage.used(org.now()),
        "daily_max": org.settings.daily_api_cap,
    }


def _expire(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    return {"expired": emulator.expire_sessions()}


def _refresh_token(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    user = org.user_by_username(str(body["username"]))
    return {"refresh_token": emulator.issue_refresh_token(org, str(user["Id"]))}


def _oauth_app(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    app = emulator.oauth.register(body)
    return {"client_id": app.client_id, "callback_urls": list(app.callback_urls)}


def _oauth_settings(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    if "session_lifetime_seconds" in body:
        seconds = body["session_lifetime_seconds"]
        emulator.session_lifetime_seconds = None if seconds is None else float(seconds)
    return {"session_lifetime_seconds": emulator.session_lifetime_seconds}


def _org(emulator: Emulator, org: Org, body: dict[str, Any]) -> Any:
    return {
        "org_id": org.org_id,
        "kind": org.kind,
        "instance_url": f"https://{org.instance_host}",
        "integration_user_id": org.integration_user_id,
        "users": [
            {"id": row["Id"], "username": row["Username"], "active": row["IsActive"]}
            for row in org.store.rows("User")
        ],
    }


def hook_routes() -> list[Route]:
    """The hook routes, all under :data:`PREFIX`."""
    table: list[tuple[str, HookHandler, list[str]]] = [
        ("/reset", _reset, ["POST"]),
        ("/seed", _seed, ["POST"]),
        ("/clock", _clock, ["GET", "POST"]),
        ("/faults", _faults, ["POST"]),
        ("/leads/convert", _convert, ["POST"]),
        ("/settings", _settings, ["GET", "PATCH"]),
        ("/fields", _field, ["POST"]),
        ("/users", _user, ["POST"]),
        ("/usage", _usage, ["GET"]),
        ("/sessions/expire", _expire, ["POST"]),
        ("/oauth/refresh-token", _refresh_token, ["POST"]),
        ("/oauth/apps", _oauth_app, ["POST"]),
        ("/oauth/settings", _oauth_settings, ["GET", "POST"]),
        ("/org", _org, ["GET"]),
    ]
    return [Route(PREFIX + path, _hook(handler), methods=methods) for path, handler, methods
            in table]  # fmt: skip
