"""Test hooks under ``/__emulator__/``: outside the API surface, never faulted, limited or
counted. ``HubSpotEmulatorControl`` (control_client.py) is the typed way to call them."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crmsync.emulators.common.faults import FaultPlan
from crmsync.emulators.hubspot.account import HubSpotAccount
from crmsync.emulators.hubspot.errors import HubSpotApiError, bad_request
from crmsync.emulators.hubspot.http import json_response
from crmsync.emulators.hubspot.limits import LimitConfig
from crmsync.emulators.hubspot.search import FilterLimits
from crmsync.emulators.hubspot.values import iso

PREFIX = "/__emulator__"
Hook = Callable[[HubSpotAccount, dict[str, Any]], dict[str, Any]]


def _clock(account: HubSpotAccount, body: dict[str, Any]) -> dict[str, Any]:
    if "advance_seconds" in body:
        account.clock.advance(seconds=float(body["advance_seconds"]))
    return {"now": iso(account.clock.now())}


def _faults(account: HubSpotAccount, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("clear"):
        account.faults.clear()
        return {"cleared": True}
    try:
        plan = FaultPlan(**body)
        account.faults.add(plan)
    except (TypeError, ValueError) as exc:
        raise bad_request(f"bad fault plan: {exc}") from exc
    return {"added": body}


def _reset(account: HubSpotAccount, _body: dict[str, Any]) -> dict[str, Any]:
    account.reset()
    return {"reset": True}


def _seed(account: HubSpotAccount, body: dict[str, Any]) -> dict[str, Any]:
    with account.store.lock:
        return account.load_seed(body)


def _limits(account: HubSpotAccount, body: dict[str, Any]) -> dict[str, Any]:
    current = account.limiter.config
    tier = str(body.get("tier", current.tier))
    try:
        base = LimitConfig.for_tier(tier, search_per_second=current.search_per_second)
    except ValueError as exc:
        raise bad_request(str(exc)) from exc
    config = LimitConfig(
        tier=tier,
        ten_secondly=int(body.get("ten_secondly", base.ten_secondly)),
        daily=int(body.get("daily", base.daily)),
        search_per_second=int(body.get("search_per_second", base.search_per_second)),
    )
    account.limiter.configure(config)
    return {
        "tier": config.tier,
        "ten_secondly": config.ten_secondly,
        "daily": config.daily,
        "search_per_second": config.search_per_second,
    }


def _settings(account: HubSpotAccount, body: dict[str, Any]) -> dict[str, Any]:
    s = account.settings
    s.search_lag_seconds = float(body.get("search_lag_seconds", s.search_lag_seconds))
    s.lifecycle_backwards = bool(body.get("lifecycle_backwards", s.lifecycle_backwards))
    s.batch_read_all_missing_404 = bool(
        body.get("batch_read_all_missing_404", s.batch_read_all_missing_404)
    )
    if "filter_limits" in body:
        account.filter_limits = FilterLimits(**body["filter_limits"])
    f = account.filter_limits
    return {
        "search_lag_seconds": s.search_lag_seconds,
        "lifecycle_backwards": s.lifecycle_backwards,
        "batch_read_all_missing_404": s.batch_read_all_missing_404,
        "filter_limits": {"groups": f.groups, "per_group": f.per_group, "total": f.total},
    }


def _webhooks(account: HubSpotAccount, body: dict[str, Any]) -> dict[str, Any]:
    hooks = account.webhooks
    cfg = hooks.settings
    for key in ("target_url", "app_secret"):
        if key in body:
            setattr(cfg, key, str(body[key]))
    for key in ("app_id", "max_attempts", "max_batch"):
        if key in body:
            setattr(cfg, key, int(body[key]))
    for key in ("backoff_seconds", "timeout_seconds"):
        if key in body:
            setattr(cfg, key, float(body[key]))
    for sub in body.get("subscriptions", []):
        hooks.subscribe(
            event_type=sub["eventType"],
            property_name=sub.get("propertyName"),
            active=bool(sub.get("active", True)),
        )
    stats = hooks.stats
    return {
        "target_url": cfg.target_url,
        "subscriptions": list(hooks.subscriptions.values()),
        "idle": hooks.idle(),
        "delivered_batches": stats.delivered_batches,
        "delivered_events": stats.delivered_events,
        "failed_attempts": stats.failed_attempts,
        "dropped_batches": stats.dropped_batches,
    }


def _tokens(account: HubSpotAccount, body: dict[str, Any]) -> dict[str, Any]:
    token = body.get("token")
    if not isinstance(token, str) or not token:
        raise bad_request("token is required")
    scopes = body.get("scopes")
    account.tokens[token] = None if scopes is None else frozenset(str(s) for s in scopes)
    return {"token_added": True, "scopes": scopes}


def _oauth(account: HubSpotAccount, body: dict[str, Any]) -> dict[str, Any]:
    if "client_id" in body:
        account.oauth.register(body)
    return {
        "apps": sorted(account.oauth.apps),
        "access_token_seconds": account.oauth.access_seconds,
    }


def _calls(account: HubSpotAccount, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("reset"):
        account.calls.clear()
    return {"total": sum(account.calls.values()), "by_path": dict(account.calls)}


def _account(account: HubSpotAccount, _body: dict[str, Any]) -> dict[str, Any]:
    return {"portal_id": account.portal_id, "tier": account.limiter.config.tier}


_HOOKS: dict[str, Hook] = {
    "clock": _clock,
    "faults": _faults,
    "reset": _reset,
    "seed": _seed,
    "limits": _limits,
    "settings": _settings,
    "webhooks": _webhooks,
    "tokens": _tokens,
    "calls": _calls,
    "oauth": _oauth,
    "account": _account,
}


def _endpoint(account: HubSpotAccount, hook: Hook) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return json_response(bad_request("body is not JSON").body(), status=400)
        try:
            return json_response(hook(account, body))
        except HubSpotApiError as error:
            return json_response(error.body(), status=error.status)

    return endpoint


def routes(account: HubSpotAccount) -> list[Route]:
    """One route per hook; GET reads the current state, POST changes it."""
    return [
        Route(f"{PREFIX}/{name}", _endpoint(account, hook), methods=["GET", "POST"])
        for name, hook in _HOOKS.items()
    ]
