"""The account's definitions: properties and groups per object type, owners, pipelines.

All are kept as the JSON documents the API returns, and saved whole on each change.
"""

from __future__ import annotations

import copy
import re
import threading
from typing import Any

from crmsync.emulators.hubspot import catalog
from crmsync.emulators.hubspot.errors import HubSpotApiError, bad_request, not_found
from crmsync.emulators.hubspot.persistence import Persistence

_VALID_TYPES = {
    "string": {"text", "textarea", "phonenumber", "html", "file", "select", "radio"},
    "number": {"number", "calculation_equation"},
    "date": {"date"},
    "datetime": {"date"},
    "bool": {"booleancheckbox", "checkbox", "radio", "select"},
    "enumeration": {"select", "radio", "checkbox", "booleancheckbox"},
    "phone_number": {"phonenumber"},
}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class AccountSchema:
    """Property definitions, groups, owners and pipelines of one account."""

    def __init__(self, *, persistence: Persistence, timestamp: str) -> None:
        self._persist = persistence
        self._lock = threading.RLock()
        self.properties: dict[str, dict[str, dict[str, Any]]] = {}
        self.groups: dict[str, dict[str, dict[str, Any]]] = {}
        self.owners: list[dict[str, Any]] = []
        self.pipelines: dict[str, dict[str, Any]] = {}
        self.reset(timestamp=timestamp)

    # --- lifecycle ----------------------------------------------------------------
    def reset(self, *, timestamp: str) -> None:
        """Back to a fresh account's standard definitions."""
        with self._lock:
            self.properties = {
                object_type: {
                    name: catalog.standard_property(
                        object_type=object_type, name=name, spec=spec, order=i, timestamp=timestamp
                    )
                    for i, (name, spec) in enumerate(specs.items())
                }
                for object_type, specs in catalog.STANDARD_PROPERTIES.items()
            }
            self.groups = {
                t: {g["name"]: g for g in catalog.standard_groups(t)} for t in catalog.OBJECT_TYPES
            }
            self.owners = [catalog.default_owner(timestamp)]
            self.pipelines = {"default": catalog.default_pipeline(timestamp)}

    def load(self, meta: dict[str, Any]) -> None:
        """Take the definitions saved in a data file, where present."""
        with self._lock:
            self.properties = meta.get("properties", self.properties)
            self.groups = meta.get("groups", self.groups)
            self.owners = meta.get("owners", self.owners)
            self.pipelines = meta.get("pipelines", self.pipelines)

    def save(self) -> None:
        """Write every definition through to persistence."""
        with self._lock:
            self._persist.save_meta("properties", self.properties)
            self._persist.save_meta("groups", self.groups)
            self._persist.save_meta("owners", self.owners)
            self._persist.save_meta("pipelines", self.pipelines)

    # --- reading ------------------------------------------------------------------
    def property(self, object_type: str, name: str) -> dict[str, Any] | None:
        """A live (not archived) property definition, or None."""
        found = self.properties[object_type].get(name)
        return found if found and not found.get("archived") else None

    def allowed_values(
        self, *, object_type: str, name: str, pipeline: str | None
    ) -> list[str] | None:
        """Valid values for an enumeration; external options come from owners/pipelines."""
        definition = self.properties[object_type][name]
        if definition["type"] not in ("enumeration", "bool"):
            return None
        if name == "hubspot_owner_id":
            return [o["id"] for o in self.owners if not o.get("archived")]
        if name == "pipeline" and object_type == "deals":
            return [p for p, body in self.pipelines.items() if not body.get("archived")]
        if name == "dealstage" and object_type == "deals":
            chosen = self.pipelines.get(pipeline or "default")
            return [s["id"] for s in chosen["stages"] if not s.get("archived")] if chosen else []
        if definition.get("externalOptions") or definition.get("modificationMetadata", {}).get(
            "readOnlyValue"
        ):
            return None
        return [o["value"] for o in definition.get("options", [])]

    def stage(self, *, pipeline: str, stage_id: str) -> dict[str, Any] | None:
        """A deal stage by pipeline and id."""
        body = self.pipelines.get(pipeline)
        if body is None:
            return None
        return next((s for s in body["stages"] if s["id"] == stage_id), None)

    # --- properties API -----------------------------------------------------------
    def create_property(
        self, *, object_type: str, body: dict[str, Any], timestamp: str
    ) -> dict[str, Any]:
        """Define a custom property (the Properties API create)."""
        name = str(body.get("name", ""))
        with self._lock:
            existing = self.properties[object_type].get(name)
            if existing is not None and not existing.get("archived"):
                raise HubSpotApiError(
                    status=409,
                    category="OBJECT_ALREADY_EXISTS",
                    message=f"Property named '{name}' already exists.",
                )
            definition = self._checked_definition(
                object_type=object_type, body=body, timestamp=timestamp, base=None
            )
            self.properties[object_type][name] = definition
            self._persist.save_meta("properties", self.properties)
            return definition

    def update_property(
        self, *, object_type: str, name: str, body: dict[str, Any], timestamp: str
    ) -> dict[str, Any]:
        """Change a property's label, group, options, type or field type."""
        with self._lock:
            current = self.property(object_type, name)
            if current is None:
                raise not_found(f"Unable to find property {name} for object type {object_type}")
            if current.get("hubspotDefined") and {"type", "fieldType"} & set(body):
                raise bad_request(f"The type of HubSpot-defined property {name} cannot change")
            merged = {**current, **body, "name": name}
            definition = self._checked_definition(
                object_type=object_type, body=merged, timestamp=timestamp, base=current
            )
            self.properties[object_type][name] = definition
            self._persist.save_meta("properties", self.properties)
            return definition

    def archive_property(self, *, object_type: str, name: str) -> None:
        """Archive a custom property; HubSpot-defined ones cannot be archived."""
        with self._lock:
            current = self.property(object_type, name)
            if current is None:
                return
            if current.get("hubspotDefined"):
                raise bad_request(f"HubSpot-defined property {name} cannot be archived")
            current["archived"] = True
            self._persist.save_meta("properties", self.properties)

    def _checked_definition(
        self,
        *,
        object_type: str,
        body: dict[str, Any],
        timestamp: str,
        base: dict[str, Any] | None,
    ) -> dict[str, Any]:
        name = str(body.get("name", ""))
        problems: list[str] = []
        if not _NAME.match(name):
            problems.append(f"Invalid property name '{name}'")
        for required in ("label", "type", "fieldType", "groupName"):
            if not body.get(required):
                problems.append(f"{required} is required")
        kind, field_type = body.get("type"), body.get("fieldType")
        if kind and kind not in _VALID_TYPES:
            problems.append(f"type {kind} is not one of {sorted(_VALID_TYPES)}")
        elif kind and field_type not in _VALID_TYPES[str(kind)]:
            problems.append(f"fieldType {field_type} is not valid for type {kind}")
        if body.get("groupName") and body["groupName"] not in self.groups[object_type]:
            problems.append(f"property group {body['groupName']} does not exist")
        options = body.get("options") or []
        if kind == "enumeration" and not options and not body.get("externalOptions"):
            problems.append("enumeration properties need at least one option")
        if problems:
            raise HubSpotApiError(
                status=400,
                category="VALIDATION_ERROR",
                message="; ".join(problems),
                errors=[{"message": p} for p in problems],
            )
        definition = copy.deepcopy(base) if base else {}
        definition.update(
            {
                "name": name,
                "label": body["label"],
                "type": kind,
                "fieldType": field_type,
                "description": body.get("description", ""),
                "groupName": body["groupName"],
                "options": [
                    {
                        "label": o.get("label", o.get("value")),
                        "value": o.get("value"),
                        "displayOrder": o.get("displayOrder", i),
                        "hidden": bool(o.get("hidden", False)),
                        "description": o.get("description", ""),
                    }
                    for i, o in enumerate(options)
                ],
                "displayOrder": body.get("displayOrder", -1),
                "calculated": bool(body.get("calculated", False)),
                "externalOptions": bool(body.get("externalOptions", False)),
                "hasUniqueValue": bool(body.get("hasUniqueValue", False)),
                "hidden": bool(body.get("hidden", False)),
                "hubspotDefined": bool(base.get("hubspotDefined")) if base else False,
                "formField": bool(body.get("formField", True)),
                "modificationMetadata": (base or {}).get(
                    "modificationMetadata",
                    {"archivable": True, "readOnlyDefinition": False, "readOnlyValue": False},
                ),
                "createdAt": (base or {}).get("createdAt", timestamp),
                "updatedAt": timestamp,
                "archived": False,
            }
        )
        return definition

    # --- groups -------------------------------------------------------------------
    def create_group(self, *, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        """Add a property group."""
        name = str(body.get("name", ""))
        with self._lock:
            if not _NAME.match(name) or not body.get("label"):
                raise bad_request("A property group needs a lowercase name and a label")
            if name in self.groups[object_type]:
                raise HubSpotApiError(
                    status=409,
                    category="OBJECT_ALREADY_EXISTS",
                    message=f"Property group named '{name}' already exists.",
                )
            group = {
                "name": name,
                "label": body["label"],
                "displayOrder": body.get("displayOrder", -1),
                "archived": False,
            }
            self.groups[object_type][name] = group
            self._persist.save_meta("groups", self.groups)
            return group

    def update_group(self, *, object_type: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Relabel or reorder a property group."""
        with self._lock:
            group = self.groups[object_type].get(name)
            if group is None or group.get("archived"):
                raise not_found(f"Unable to find property group {name}")
            for key in ("label", "displayOrder"):
                if key in body:
                    group[key] = body[key]
            self._persist.save_meta("groups", self.groups)
            return group

    def archive_group(self, *, object_type: str, name: str) -> None:
        """Archive a property group."""
        with self._lock:
            group = self.groups[object_type].get(name)
            if group is not None:
                group["archived"] = True
                self._persist.save_meta("groups", self.groups)
