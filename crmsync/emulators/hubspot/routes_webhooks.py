"""``/webhooks/v3/{appId}``: the app's target URL and its subscriptions (specs/webhooks.json)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from crmsync.emulators.hubspot.account import HubSpotAccount
from crmsync.emulators.hubspot.errors import bad_request
from crmsync.emulators.hubspot.http import Call, api, fixed_scope, json_response, no_content
from crmsync.emulators.hubspot.values import iso


def _settings_body(call: Call) -> dict[str, Any]:
    hooks = call.account.webhooks
    return {
        "targetUrl": hooks.settings.target_url,
        "throttling": {"maxConcurrentRequests": hooks.settings.max_concurrent_requests},
        "createdAt": hooks.settings_created_at,
        "updatedAt": iso(call.account.clock.now()),
    }


async def get_settings(call: Call) -> Response:
    """GET the target URL."""
    return json_response(_settings_body(call))


async def put_settings(call: Call) -> Response:
    """PUT the target URL and throttling."""
    body = await call.object_body()
    if not isinstance(body.get("targetUrl"), str):
        raise bad_request("targetUrl is required")
    hooks = call.account.webhooks
    hooks.settings.target_url = body["targetUrl"]
    hooks.settings.max_concurrent_requests = int(
        (body.get("throttling") or {}).get("maxConcurrentRequests", 10)
    )
    return json_response(_settings_body(call))


async def delete_settings(call: Call) -> Response:
    """DELETE the target URL: 204."""
    call.account.webhooks.settings.target_url = ""
    return no_content()


async def list_subscriptions(call: Call) -> Response:
    """GET every subscription."""
    return json_response({"results": list(call.account.webhooks.subscriptions.values())})


async def create_subscription(call: Call) -> Response:
    """POST a subscription: 201."""
    body = await call.object_body()
    sub = call.account.webhooks.subscribe(
        event_type=str(body.get("eventType", "")),
        property_name=body.get("propertyName"),
        active=bool(body.get("active", True)),
    )
    return json_response(sub, status=201)


def _sub_id(call: Call) -> int:
    raw = call.param("subscriptionId")
    return int(raw) if raw.isdecimal() else -1


async def get_subscription(call: Call) -> Response:
    """GET one subscription."""
    return json_response(call.account.webhooks.subscription(_sub_id(call)))


async def patch_subscription(call: Call) -> Response:
    """PATCH a subscription's ``active`` flag."""
    body = await call.object_body()
    sub = call.account.webhooks.subscription(_sub_id(call))
    if "active" in body:
        sub["active"] = bool(body["active"])
        sub["updatedAt"] = iso(call.account.clock.now())
    return json_response(sub)


async def delete_subscription(call: Call) -> Response:
    """DELETE a subscription: 204."""
    call.account.webhooks.unsubscribe(_sub_id(call))
    return no_content()


def routes(account: HubSpotAccount) -> list[Route]:
    """The webhook routes bound to one account."""
    scope = fixed_scope(None)
    base = "/webhooks/v3/{appId}"

    def r(path: str, handler: Any, method: str) -> Route:
        return Route(path, api(account, handler, scope=scope), methods=[method])

    return [
        r(base + "/settings", get_settings, "GET"),
        r(base + "/settings", put_settings, "PUT"),
        r(base + "/settings", delete_settings, "DELETE"),
        r(base + "/subscriptions", list_subscriptions, "GET"),
        r(base + "/subscriptions", create_subscription, "POST"),
        r(base + "/subscriptions/{subscriptionId}", get_subscription, "GET"),
        r(base + "/subscriptions/{subscriptionId}", patch_subscription, "PATCH"),
        r(base + "/subscriptions/{subscriptionId}", delete_subscription, "DELETE"),
    ]
