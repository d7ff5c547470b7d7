"""``/crm/v3/lists``: lists, memberships and list search (wire facts B.10)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from crmsync.emulators.hubspot import wire_input
from crmsync.emulators.hubspot.account import HubSpotAccount
from crmsync.emulators.hubspot.errors import bad_request, not_found
from crmsync.emulators.hubspot.http import Call, api, fixed_scope, json_response, no_content
from crmsync.emulators.hubspot.values import iso
from crmsync.emulators.hubspot.wire import decode_cursor, encode_cursor


def _now(call: Call) -> str:
    return iso(call.account.clock.now())


async def create_list(call: Call) -> Response:
    """POST a list: 200 ``{"list": ...}`` (the client expects 200 here)."""
    lists = call.account.lists
    with call.account.store.lock:
        created = lists.create(body=await call.object_body(), now=_now(call))
        return json_response({"list": lists.present(created)})


async def get_list(call: Call) -> Response:
    """GET one list."""
    lists = call.account.lists
    with call.account.store.lock:
        found = lists.get(call.param("listId"), include_deleted=call.query_flag("includeDeleted"))
        return json_response(
            {"list": lists.present(found, include_filters=call.query_flag("includeFilters"))}
        )


async def get_lists(call: Call) -> Response:
    """GET several lists by ``listIds``."""
    lists = call.account.lists
    with call.account.store.lock:
        found = [lists.lists[i] for i in call.query_list("listIds") if i in lists.lists]
        include = call.query_flag("includeFilters")
        return json_response({"lists": [lists.present(d, include_filters=include) for d in found]})


async def get_by_name(call: Call) -> Response:
    """GET a list by object type id and name."""
    lists = call.account.lists
    with call.account.store.lock:
        found = lists.by_name(
            name=call.param("listName"), object_type_id=call.param("objectTypeId")
        )
        if found is None:
            raise not_found(f"List {call.param('listName')} does not exist.")
        return json_response({"list": lists.present(found)})


async def delete_list(call: Call) -> Response:
    """DELETE a list: 204."""
    call.account.lists.delete(call.param("listId"), now=_now(call))
    return no_content()


async def restore_list(call: Call) -> Response:
    """PUT restore: 204."""
    call.account.lists.restore(call.param("listId"))
    return no_content()


async def rename_list(call: Call) -> Response:
    """PUT update-list-name?listName=..."""
    name = call.query("listName")
    if not name:
        raise bad_request("listName is required")
    lists = call.account.lists
    with call.account.store.lock:
        updated = lists.rename(call.param("listId"), name=name, now=_now(call))
        return json_response({"updatedList": lists.present(updated)})


async def update_filters(call: Call) -> Response:
    """PUT update-list-filters with a new filterBranch."""
    body = await call.object_body()
    lists = call.account.lists
    with call.account.store.lock:
        updated = lists.set_filters(
            call.param("listId"), branch=body.get("filterBranch") or {}, now=_now(call)
        )
        return json_response({"updatedList": lists.present(updated)})


async def search_lists(call: Call) -> Response:
    """POST search: by name text, processing types and ids; offset/count paging."""
    body = await call.object_body()
    query = str(body.get("query") or "").lower()
    types = body.get("processingTypes") or []
    ids = {str(i) for i in body.get("listIds") or []}
    offset = wire_input.body_int(body, "offset", default=0)
    count = wire_input.body_int(body, "count", default=20)
    lists = call.account.lists
    with call.account.store.lock:
        found = [
            d
            for d in lists.lists.values()
            if "deletedAt" not in d
            and query in d["name"].lower()
            and (not types or d["processingType"] in types)
            and (not ids or d["listId"] in ids)
        ]
        page = found[offset : offset + count]
        shown = []
        for d in page:
            row = {k: v for k, v in lists.present(d).items() if k not in ("filterBranch", "size")}
            row["additionalProperties"] = {"hs_list_size": str(len(lists.membership(d["listId"])))}
            shown.append(row)
    return json_response(
        {
            "lists": shown,
            "hasMore": offset + count < len(found),
            "offset": offset + len(page),
            "total": len(found),
        }
    )


def _memberships(call: Call, *, by_join: bool) -> Response:
    limit = call.query_int("limit", default=100)
    if not 1 <= limit <= 250:
        raise bad_request("limit must be between 1 and 250")
    with call.account.store.lock:
        members = call.account.lists.membership(call.param("listId"))
    if by_join:
        ordered = sorted(members.items(), key=lambda kv: (kv[1], kv[0]))
        start = decode_cursor(call.query("after"))
        window = ordered[start : start + limit]
        more = start + limit < len(ordered)
        cursor = encode_cursor(start + limit) if more else None
    else:
        ordered = sorted(members.items())
        start = decode_cursor(call.query("after"))
        remaining = [kv for kv in ordered if kv[0] >= start]
        window = remaining[:limit]
        more = len(remaining) > limit
        cursor = encode_cursor(remaining[limit][0]) if more else None
    body: dict[str, Any] = {
        "results": [{"recordId": str(rid), "membershipTimestamp": ts} for rid, ts in window],
        "total": len(members),
    }
    if cursor is not None:
        body["paging"] = {"next": {"after": cursor, "link": f"?after={cursor}"}}
    return json_response(body)


async def get_memberships(call: Call) -> Response:
    """GET memberships ordered by record id."""
    return _memberships(call, by_join=False)


async def get_memberships_by_join(call: Call) -> Response:
    """GET memberships ordered by join time."""
    return _memberships(call, by_join=True)


async def _change(call: Call, *, add: list[str], remove: list[str]) -> Response:
    with call.account.store.lock:
        result = call.account.lists.change(
            call.param("listId"), add=add, remove=remove, now=_now(call)
        )
    return json_response(result)


async def add_members(call: Call) -> Response:
    """PUT memberships/add with a bare array of record ids."""
    body = await call.body()
    if not isinstance(body, list):
        raise bad_request("the body must be a JSON array of record ids")
    return await _change(call, add=[str(b) for b in body], remove=[])


async def remove_members(call: Call) -> Response:
    """PUT memberships/remove with a bare array of record ids."""
    body = await call.body()
    if not isinstance(body, list):
        raise bad_request("the body must be a JSON array of record ids")
    return await _change(call, add=[], remove=[str(b) for b in body])


async def add_and_remove(call: Call) -> Response:
    """PUT memberships/add-and-remove."""
    body = await call.object_body()
    return await _change(
        call,
        add=[str(b) for b in body.get("recordIdsToAdd") or []],
        remove=[str(b) for b in body.get("recordIdsToRemove") or []],
    )


async def clear_members(call: Call) -> Response:
    """DELETE every membership of a manual list: 204."""
    call.account.lists.clear_members(call.param("listId"))
    return no_content()


async def record_lists(call: Call) -> Response:
    """GET the lists one record belongs to."""
    raw = call.param("recordId")
    with call.account.store.lock:
        rows = call.account.lists.lists_of(
            object_type_id=call.param("objectTypeId"), record_id=int(raw) if raw.isdecimal() else -1
        )
    return json_response({"results": rows})


def routes(account: HubSpotAccount) -> list[Route]:
    """The list routes bound to one account."""
    read, write = fixed_scope("crm.lists.read"), fixed_scope("crm.lists.write")
    base = "/crm/v3/lists"

    def r(path: str, handler: Any, method: str, scope: Any) -> Route:
        return Route(path, api(account, handler, scope=scope), methods=[method])

    return [
        r(base, create_list, "POST", write),
        r(base + "/", create_list, "POST", write),
        r(base, get_lists, "GET", read),
        r(base + "/", get_lists, "GET", read),
        r(base + "/search", search_lists, "POST", read),
        r(base + "/object-type-id/{objectTypeId}/name/{listName}", get_by_name, "GET", read),
        r(base + "/records/{objectTypeId}/{recordId}/memberships", record_lists, "GET", read),
        r(base + "/{listId}", get_list, "GET", read),
        r(base + "/{listId}", delete_list, "DELETE", write),
        r(base + "/{listId}/restore", restore_list, "PUT", write),
        r(base + "/{listId}/update-list-name", rename_list, "PUT", write),
        r(base + "/{listId}/update-list-filters", update_filters, "PUT", write),
        r(base + "/{listId}/memberships", get_memberships, "GET", read),
        r(base + "/{listId}/memberships", clear_members, "DELETE", write),
        r(base + "/{listId}/memberships/join-order", get_memberships_by_join, "GET", read),
        r(base + "/{listId}/memberships/add", add_members, "PUT", write),
        r(base + "/{listId}/memberships/remove", remove_members, "PUT", write),
        r(base + "/{listId}/memberships/add-and-remove", add_and_remove, "PUT", write),
    ]
