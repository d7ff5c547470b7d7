"""Lists v3 (wire facts B.10): manual lists with memberships, dynamic lists with filters.

Dynamic lists are evaluated when read, over the records' current values, with a subset of
HubSpot's ``filterBranch`` format: OR/AND branches of PROPERTY and IN_LIST filters.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from crmsync.emulators.hubspot import catalog
from crmsync.emulators.hubspot.errors import HubSpotApiError, bad_request, not_found
from crmsync.emulators.hubspot.persistence import Persistence
from crmsync.emulators.hubspot.store import Record, RecordStore
from crmsync.emulators.hubspot.values import parse_instant

PROCESSING_TYPES = ("MANUAL", "DYNAMIC", "SNAPSHOT")
_TYPE_IDS = {t.type_id: t.name for t in catalog.OBJECT_TYPES.values()}


class ListStore:
    """Every list of the account, with manual memberships as ``{record id: joined iso}``."""

    def __init__(self, *, persistence: Persistence, records: RecordStore) -> None:
        self._persist = persistence
        self._records = records
        self._lock = threading.RLock()
        self.lists: dict[str, dict[str, Any]] = {}
        self.members: dict[str, dict[int, str]] = {}
        self.next_id = 1

    def clear(self) -> None:
        """Forget every list."""
        with self._lock:
            self.lists, self.members, self.next_id = {}, {}, 1

    def load(self, meta: dict[str, Any]) -> None:
        """Rebuild from a data file."""
        saved = meta.get("lists")
        if saved:
            self.lists = saved["lists"]
            self.members = {
                k: {int(i): t for i, t in v.items()} for k, v in saved["members"].items()
            }
            self.next_id = saved["next_id"]

    def _save(self) -> None:
        self._persist.save_meta(
            "lists", {"lists": self.lists, "members": self.members, "next_id": self.next_id}
        )

    # --- definitions -------------------------------------------------------------------
    def create(self, *, body: dict[str, Any], now: str) -> dict[str, Any]:
        """Create a list; names are unique among live lists."""
        name = body.get("name")
        object_type_id = body.get("objectTypeId")
        processing = body.get("processingType")
        if not isinstance(name, str) or not name.strip():
            raise bad_request("name is required")
        if object_type_id not in _TYPE_IDS:
            raise bad_request(f"objectTypeId {object_type_id!r} is not supported")
        if processing not in PROCESSING_TYPES:
            raise bad_request(f"processingType must be one of {list(PROCESSING_TYPES)}")
        branch = body.get("filterBranch")
        if processing == "DYNAMIC":
            if not isinstance(branch, dict):
                raise bad_request("DYNAMIC lists need a filterBranch")
            compile_branch(branch, lists=self, object_type=_TYPE_IDS[object_type_id])
            branch = normalise_branch(branch)
        with self._lock:
            if self.by_name(name=name, object_type_id=object_type_id) is not None:
                raise HubSpotApiError(
                    status=409,
                    category="CONFLICT",
                    message=f"A list named '{name}' already exists.",
                )
            list_id = str(self.next_id)
            self.next_id += 1
            definition: dict[str, Any] = {
                "listId": list_id,
                "listVersion": 1,
                "name": name,
                "objectTypeId": object_type_id,
                "processingType": processing,
                "processingStatus": "COMPLETE",
                "createdAt": now,
                "updatedAt": now,
                "filtersUpdatedAt": now,
                "createdById": "9586504",
                "updatedById": "9586504",
            }
            if branch is not None:
                definition["filterBranch"] = branch
            self.lists[list_id] = definition
            self.members[list_id] = {}
            self._save()
            return definition

    def get(self, list_id: str, *, include_deleted: bool = False) -> dict[str, Any]:
        """A list by id; 404 when unknown (or deleted, unless asked)."""
        found = self.lists.get(list_id)
        if found is None or ("deletedAt" in found and not include_deleted):
            raise not_found(f"List {list_id} does not exist.")
        return found

    def by_name(self, *, name: str, object_type_id: str) -> dict[str, Any] | None:
        """A live list by name and object type."""
        return next(
            (
                d
                for d in self.lists.values()
                if d["name"] == name
                and d["objectTypeId"] == object_type_id
                and "deletedAt" not in d
            ),
            None,
        )

    def delete(self, list_id: str, *, now: str) -> None:
        """Delete (restorable)."""
        with self._lock:
            self.get(list_id)["deletedAt"] = now
            self._save()

    def restore(self, list_id: str) -> None:
        """Undo a delete."""
        with self._lock:
            self.get(list_id, include_deleted=True).pop("deletedAt", None)
            self._save()

    def rename(self, list_id: str, *, name: str, now: str) -> dict[str, Any]:
        """Change a list's name."""
        with self._lock:
            definition = self.get(list_id)
            definition.update(name=name, updatedAt=now, listVersion=definition["listVersion"] + 1)
            self._save()
            return definition

    def set_filters(self, list_id: str, *, branch: dict[str, Any], now: str) -> dict[str, Any]:
        """Replace a dynamic list's filters."""
        with self._lock:
            definition = self.get(list_id)
            if definition["processingType"] != "DYNAMIC":
                raise bad_request("Only DYNAMIC lists have filters")
            compile_branch(branch, lists=self, object_type=_TYPE_IDS[definition["objectTypeId"]])
            definition.update(
                filterBranch=normalise_branch(branch),
                filtersUpdatedAt=now,
                updatedAt=now,
                listVersion=definition["listVersion"] + 1,
            )
            self._save()
            return definition

    def present(
        self, definition: dict[str, Any], *, include_filters: bool = True
    ) -> dict[str, Any]:
        """The list as the API shows it, with its current size."""
        out = {k: v for k, v in definition.items() if include_filters or k != "filterBranch"}
        out["size"] = len(self.membership(definition["listId"]))
        return out

    # --- memberships ------------------------------------------------------------------
    def membership(self, list_id: str) -> dict[int, str]:
        """``{record id: membership timestamp}`` of a list, evaluated now for dynamic lists."""
        definition = self.get(list_id)
        object_type = _TYPE_IDS[definition["objectTypeId"]]
        if definition["processingType"] != "DYNAMIC":
            live = self._records.records[object_type]
            return {
                rid: ts
                for rid, ts in self.members[list_id].items()
                if rid in live and live[rid].archived_at is None
            }
        matches = compile_branch(definition["filterBranch"], lists=self, object_type=object_type)
        return {
            r.id: definition["filtersUpdatedAt"]
            for r in self._records.records[object_type].values()
            if r.archived_at is None and matches(r)
        }

    def change(
        self, list_id: str, *, add: list[str], remove: list[str], now: str
    ) -> dict[str, list[str]]:
        """Add and remove records of a MANUAL or SNAPSHOT list."""
        with self._lock:
            definition = self.get(list_id)
            if definition["processingType"] == "DYNAMIC":
                raise bad_request(
                    f"List {list_id} is a DYNAMIC list; its memberships cannot be edited",
                    sub_category="ILS.LIST_PROCESSING_TYPE_NOT_MANUAL",
                )
            object_type = _TYPE_IDS[definition["objectTypeId"]]
            members = self.members[list_id]
            added, removed, missing = [], [], []
            for raw in add:
                rid = int(raw) if str(raw).isdecimal() else -1
                if self._records.get(object_type, rid) is None:
                    missing.append(str(raw))
                elif rid not in members:
                    members[rid] = now
                    added.append(str(rid))
            for raw in remove:
                rid = int(raw) if str(raw).isdecimal() else -1
                if rid in members:
                    del members[rid]
                    removed.append(str(rid))
                else:
                    missing.append(str(raw))
            definition["updatedAt"] = now
            self._save()
            return {
                "recordsIdsAdded": added,
                "recordIdsRemoved": removed,
                "recordIdsMissing": missing,
            }

    def clear_members(self, list_id: str) -> None:
        """Remove every member of a manual list."""
        with self._lock:
            if self.get(list_id)["processingType"] == "DYNAMIC":
                raise bad_request(f"List {list_id} is a DYNAMIC list; it cannot be cleared")
            self.members[list_id] = {}
            self._save()

    def lists_of(self, *, object_type_id: str, record_id: int) -> list[dict[str, Any]]:
        """The lists a record is a member of (reverse lookup)."""
        out = []
        for list_id, definition in self.lists.items():
            if definition["objectTypeId"] != object_type_id or "deletedAt" in definition:
                continue
            joined = self.membership(list_id).get(record_id)
            if joined is not None:
                out.append(
                    {
                        "listId": list_id,
                        "listVersion": definition["listVersion"],
                        "firstAddedTimestamp": joined,
                        "lastAddedTimestamp": joined,
                    }
                )
        return out


# --- filter branches ----------------------------------------------------------------------
Matcher = Callable[[Record], bool]


def normalise_branch(branch: dict[str, Any]) -> dict[str, Any]:
    """The branch as HubSpot stores and returns it, with every default filled in."""
    kind = branch["filterBranchType"]
    filters = []
    for f in branch.get("filters") or []:
        shown = dict(f)
        if "operation" in shown:
            shown["operation"] = {"includeObjectsWithNoValueSet": False, **shown["operation"]}
        filters.append(shown)
    return {
        "filterBranchType": kind,
        "filterBranchOperator": kind,
        "filters": filters,
        "filterBranches": [normalise_branch(b) for b in branch.get("filterBranches") or []],
    }


def compile_branch(branch: dict[str, Any], *, lists: ListStore, object_type: str) -> Matcher:
    """A matcher for a ``filterBranch`` (OR / AND, nested), or HubSpot's 400."""
    kind = branch.get("filterBranchType")
    if kind not in ("OR", "AND"):
        raise bad_request(f"filterBranchType {kind!r} is not supported (OR, AND)")
    parts: list[Matcher] = [
        _compile_filter(f, lists=lists, object_type=object_type)
        for f in branch.get("filters") or []
    ]
    parts += [
        compile_branch(b, lists=lists, object_type=object_type)
        for b in branch.get("filterBranches") or []
    ]
    if kind == "OR":
        return lambda r: any(p(r) for p in parts)
    return lambda r: all(p(r) for p in parts)


def _compile_filter(f: dict[str, Any], *, lists: ListStore, object_type: str) -> Matcher:
    filter_type = f.get("filterType")
    if filter_type == "IN_LIST":
        list_id = str(f.get("listId"))
        negate = f.get("operator") == "NOT_IN_LIST"
        return lambda r: (r.id in lists.membership(list_id)) != negate
    if filter_type != "PROPERTY":
        raise bad_request(f"filterType {filter_type!r} is not supported (PROPERTY, IN_LIST)")
    name = f.get("property")
    if not isinstance(name, str) or lists._records.schema.property(object_type, name) is None:
        raise bad_request(f"property {name!r} does not exist on {object_type}")
    operation = f.get("operation") or {}
    test = _operation(operation)
    include_empty = bool(operation.get("includeObjectsWithNoValueSet", False))

    def matches(record: Record) -> bool:
        value = record.properties.get(name)
        if value is None and operation.get("operator") not in ("IS_UNKNOWN", "NOT_HAS_PROPERTY"):
            return include_empty
        return test(value)

    return matches


def _operation(operation: dict[str, Any]) -> Callable[[str | None], bool]:
    operator = operation.get("operator")
    raw_values = operation.get("values")
    if raw_values is None and "value" in operation:
        raw_values = [operation["value"]]
    values = [str(v).lower() for v in raw_values or []]

    def number(text: str | None) -> float | None:
        if text is None:
            return None
        try:
            return float(text)
        except ValueError:
            moment = parse_instant(text)
            return moment.timestamp() * 1000 if moment else None

    def first_number() -> float:
        found = number(values[0]) if values else None
        if found is None:
            raise bad_request(f"{operator} needs a numeric value")
        return found

    simple: dict[str, Callable[[str | None], bool]] = {
        "IS_KNOWN": bool,
        "HAS_PROPERTY": bool,
        "IS_UNKNOWN": lambda v: not v,
        "NOT_HAS_PROPERTY": lambda v: not v,
        "IS_EQUAL_TO": lambda v: v is not None and v.lower() in values,
        "IS_ANY_OF": lambda v: v is not None and v.lower() in values,
        "IS_NOT_EQUAL_TO": lambda v: v is None or v.lower() not in values,
        "IS_NONE_OF": lambda v: v is None or v.lower() not in values,
        "CONTAINS": lambda v: v is not None and any(x in v.lower() for x in values),
        "DOES_NOT_CONTAIN": lambda v: v is None or not any(x in v.lower() for x in values),
        "STARTS_WITH": lambda v: v is not None and any(v.lower().startswith(x) for x in values),
        "ENDS_WITH": lambda v: v is not None and any(v.lower().endswith(x) for x in values),
    }
    if operator in simple:
        return simple[operator]
    if operator in (
        "IS_GREATER_THAN",
        "IS_GREATER_THAN_OR_EQUAL_TO",
        "IS_LESS_THAN",
        "IS_LESS_THAN_OR_EQUAL_TO",
    ):
        bound = first_number()
        checks: dict[str, Callable[[float, float], bool]] = {
            "IS_GREATER_THAN": lambda a, b: a > b,
            "IS_GREATER_THAN_OR_EQUAL_TO": lambda a, b: a >= b,
            "IS_LESS_THAN": lambda a, b: a < b,
            "IS_LESS_THAN_OR_EQUAL_TO": lambda a, b: a <= b,
        }
        check = checks[str(operator)]

        def ordered(v: str | None) -> bool:
            n = number(v)
            return n is not None and check(n, bound)

        return ordered
    raise bad_request(f"operator {operator!r} is not supported in list filters")
