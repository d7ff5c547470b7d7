"""Definitions: properties and groups (B.6), owners (B.9), pipelines (B.8), account info."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from crmsync.emulators.hubspot.account import HubSpotAccount
from crmsync.emulators.hubspot.errors import BatchErrors, bad_request, not_found
from crmsync.emulators.hubspot.http import (
    Call,
    ScopeRule,
    api,
    fixed_scope,
    json_response,
    no_content,
)
from crmsync.emulators.hubspot.values import iso
from crmsync.emulators.hubspot.wire import batch_envelope, decode_cursor, encode_cursor


def _schema_scope(action: str) -> ScopeRule:
    def rule(request: Any) -> str | None:
        from crmsync.emulators.hubspot import catalog

        found = catalog.resolve_object_type(str(request.path_params.get("objectType", "")))
        if found is None:
            return None
        name = "contacts" if found.name in catalog.ENGAGEMENT_TYPES else found.name
        return f"crm.schemas.{name}.{action}"

    return rule


# --- properties ------------------------------------------------------------------------
async def list_properties(call: Call) -> Response:
    """GET every property of an object type (no paging)."""
    meta = call.object_type()
    archived = call.query_flag("archived")
    defined = call.account.schema.properties[meta.name].values()
    return json_response({"results": [p for p in defined if bool(p.get("archived")) == archived]})


async def get_property(call: Call) -> Response:
    """GET one property."""
    meta = call.object_type()
    found = call.account.schema.property(meta.name, call.param("propertyName"))
    if found is None:
        raise not_found(f"Unable to find property {call.param('propertyName')} for {meta.name}")
    return json_response(found)


async def create_property(call: Call) -> Response:
    """POST a custom property: 201."""
    meta = call.object_type()
    created = call.account.schema.create_property(
        object_type=meta.name,
        body=await call.object_body(),
        timestamp=iso(call.account.clock.now()),
    )
    return json_response(created, status=201)


async def update_property(call: Call) -> Response:
    """PATCH a property."""
    meta = call.object_type()
    updated = call.account.schema.update_property(
        object_type=meta.name,
        name=call.param("propertyName"),
        body=await call.object_body(),
        timestamp=iso(call.account.clock.now()),
    )
    return json_response(updated)


async def archive_property(call: Call) -> Response:
    """DELETE a custom property: 204."""
    meta = call.object_type()
    call.account.schema.archive_property(object_type=meta.name, name=call.param("propertyName"))
    return no_content()


async def batch_read_properties(call: Call) -> Response:
    """POST batch/read by name: 200, or 207 for unknown names."""
    meta = call.object_type()
    started = iso(call.account.clock.now())
    body = await call.object_body()
    errors = BatchErrors(object_label="PROPERTY")
    results = []
    for item in body.get("inputs") or []:
        found = call.account.schema.property(meta.name, str(item.get("name", "")))
        if found is None:
            errors.missing(str(item.get("name", "")))
        else:
            results.append(found)
    rows = errors.collect()
    out = batch_envelope(
        results=results, errors=rows, started=started, completed=iso(call.account.clock.now())
    )
    return json_response(out, status=207 if rows else 200)


async def list_groups(call: Call) -> Response:
    """GET the property groups."""
    meta = call.object_type()
    groups = call.account.schema.groups[meta.name].values()
    return json_response({"results": [g for g in groups if not g.get("archived")]})


async def get_group(call: Call) -> Response:
    """GET one property group."""
    meta = call.object_type()
    group = call.account.schema.groups[meta.name].get(call.param("groupName"))
    if group is None or group.get("archived"):
        raise not_found(f"Unable to find property group {call.param('groupName')}")
    return json_response(group)


async def create_group(call: Call) -> Response:
    """POST a property group: 201."""
    meta = call.object_type()
    group = call.account.schema.create_group(object_type=meta.name, body=await call.object_body())
    return json_response(group, status=201)


async def update_group(call: Call) -> Response:
    """PATCH a property group."""
    meta = call.object_type()
    group = call.account.schema.update_group(
        object_type=meta.name, name=call.param("groupName"), body=await call.object_body()
    )
    return json_response(group)


async def archive_group(call: Call) -> Response:
    """DELETE a property group: 204."""
    meta = call.object_type()
    call.account.schema.archive_group(object_type=meta.name, name=call.param("groupName"))
    return no_content()


# --- owners -----------------------------------------------------------------------
MAX_OWNERS_PAGE = 500
"""The owners list's largest page."""


async def list_owners(call: Call) -> Response:
    """GET owners, optionally by email, paged."""
    email = (call.query("email") or "").lower()
    archived = call.query_flag("archived")
    limit = call.query_int("limit", default=100)
    if not 1 <= limit <= MAX_OWNERS_PAGE:
        raise bad_request(f"limit must be between 1 and {MAX_OWNERS_PAGE}")
    start = decode_cursor(call.query("after"))
    owners = [
        o
        for o in call.account.schema.owners
        if bool(o.get("archived")) == archived and (not email or o["email"].lower() == email)
    ]
    owners.sort(key=lambda o: int(o["id"]))
    owners = [o for o in owners if int(o["id"]) >= start]
    body: dict[str, Any] = {"results": owners[:limit]}
    if len(owners) > limit:
        cursor = encode_cursor(int(owners[limit]["id"]))
        body["paging"] = {"next": {"after": cursor, "link": f"?after={cursor}"}}
    return json_response(body)


async def get_owner(call: Call) -> Response:
    """GET one owner by id or (``idProperty=userId``) by user id."""
    key = "userId" if call.query("idProperty") == "userId" else "id"
    wanted = call.param("ownerId")
    for owner in call.account.schema.owners:
        if str(owner.get(key)) == wanted:
            return json_response(owner)
    raise not_found(f"Owner {wanted} does not exist")


# --- pipelines --------------------------------------------------------------------
def _pipelines(call: Call) -> dict[str, dict[str, Any]]:
    if call.param("objectType") not in ("deals", "deal", "0-3"):
        if call.param("objectType") in ("tickets", "0-5"):
            return {}
        raise bad_request(f"Pipelines are not supported for {call.param('objectType')}")
    return call.account.schema.pipelines


async def list_pipelines(call: Call) -> Response:
    """GET every pipeline of an object type (deals)."""
    pipelines = sorted(_pipelines(call).values(), key=lambda p: p["displayOrder"])
    return json_response({"results": [p for p in pipelines if not p.get("archived")]})


async def get_pipeline(call: Call) -> Response:
    """GET one pipeline."""
    found = _pipelines(call).get(call.param("pipelineId"))
    if found is None:
        raise not_found(f"Pipeline {call.param('pipelineId')} does not exist")
    return json_response(found)


async def list_stages(call: Call) -> Response:
    """GET one pipeline's stages."""
    found = _pipelines(call).get(call.param("pipelineId"))
    if found is None:
        raise not_found(f"Pipeline {call.param('pipelineId')} does not exist")
    return json_response({"results": found["stages"]})


async def get_stage(call: Call) -> Response:
    """GET one stage."""
    stage = call.account.schema.stage(
        pipeline=call.param("pipelineId"), stage_id=call.param("stageId")
    )
    if stage is None:
        raise not_found(f"Stage {call.param('stageId')} does not exist")
    return json_response(stage)


# --- account ---------------------------------------------------------------------
async def account_details(call: Call) -> Response:
    """GET /account-info/v3/details: the portal (hub) id that keys a sync's state."""
    return json_response(
        {
            "portalId": call.account.portal_id,
            "accountType": "STANDARD",
            "timeZone": "Etc/UTC",
            "companyCurrency": "USD",
            "additionalCurrencies": [],
            "utcOffset": "+00:00",
            "utcOffsetMilliseconds": 0,
            "uiDomain": "app.hubspot.com",
            "dataHostingLocation": "na1",
        }
    )


def routes(account: HubSpotAccount) -> list[Route]:
    """The definition routes bound to one account."""
    read, write = _schema_scope("read"), _schema_scope("write")
    owners = fixed_scope("crm.objects.owners.read")
    deals = fixed_scope("crm.objects.deals.read")
    props = "/crm/v3/properties/{objectType}"
    pipes = "/crm/v3/pipelines/{objectType}"

    def r(path: str, handler: Any, method: str, scope: ScopeRule) -> Route:
        return Route(path, api(account, handler, scope=scope), methods=[method])

    return [
        r(props, list_properties, "GET", read),
        r(props, create_property, "POST", write),
        r(props + "/batch/read", batch_read_properties, "POST", read),
        r(props + "/groups", list_groups, "GET", read),
        r(props + "/groups", create_group, "POST", write),
        r(props + "/groups/{groupName}", get_group, "GET", read),
        r(props + "/groups/{groupName}", update_group, "PATCH", write),
        r(props + "/groups/{groupName}", archive_group, "DELETE", write),
        r(props + "/{propertyName}", get_property, "GET", read),
        r(props + "/{propertyName}", update_property, "PATCH", write),
        r(props + "/{propertyName}", archive_property, "DELETE", write),
        r("/crm/v3/owners", list_owners, "GET", owners),
        r("/crm/v3/owners/", list_owners, "GET", owners),
        r("/crm/v3/owners/{ownerId}", get_owner, "GET", owners),
        r(pipes, list_pipelines, "GET", deals),
        r(pipes + "/{pipelineId}", get_pipeline, "GET", deals),
        r(pipes + "/{pipelineId}/stages", list_stages, "GET", deals),
        r(pipes + "/{pipelineId}/stages/{stageId}", get_stage, "GET", deals),
        r("/account-info/v3/details", account_details, "GET", fixed_scope(None)),
    ]
