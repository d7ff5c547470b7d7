"""HubSpot JSON ↔ the port's plain values (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from crmsync.connectors.base import FieldInfo, FieldType, PicklistEntry, RemoteRecord

MODIFIED_PROPERTY: Final[Mapping[str, str]] = {"contacts": "lastmodifieddate"}
"""Last-modified property per object type; every other type uses ``hs_lastmodifieddate``."""
DEFAULT_MODIFIED_PROPERTY: Final = "hs_lastmodifieddate"

OBJECT_TYPE_IDS: Final[Mapping[str, str]] = {
    "contacts": "0-1",
    "companies": "0-2",
    "deals": "0-3",
    "tickets": "0-5",
    "tasks": "0-27",
    "notes": "0-46",
    "meetings": "0-47",
    "calls": "0-48",
    "emails": "0-49",
}
"""Object type ids used by Lists and associations."""

HUBSPOT_FIELD_TYPES: Final[Mapping[tuple[str, str], FieldType]] = {
    ("string", "text"): FieldType.STRING,
    ("string", "textarea"): FieldType.TEXT,
    ("string", "html"): FieldType.TEXT,
    ("string", "phonenumber"): FieldType.PHONE,
    ("string", "file"): FieldType.URL,
    ("phone_number", "phonenumber"): FieldType.PHONE,
    ("number", "number"): FieldType.NUMBER,
    ("number", "calculation_equation"): FieldType.NUMBER,
    ("date", "date"): FieldType.DATE,
    ("datetime", "date"): FieldType.DATETIME,
    ("bool", "booleancheckbox"): FieldType.BOOLEAN,
    ("enumeration", "booleancheckbox"): FieldType.BOOLEAN,
    ("enumeration", "checkbox"): FieldType.MULTIPICKLIST,
    ("enumeration", "select"): FieldType.PICKLIST,
    ("enumeration", "radio"): FieldType.PICKLIST,
}
"""(property ``type``, ``fieldType``) → :class:`FieldType`."""

FALLBACK_FIELD_TYPES: Final[Mapping[str, FieldType]] = {
    "string": FieldType.STRING,
    "phone_number": FieldType.PHONE,
    "number": FieldType.NUMBER,
    "date": FieldType.DATE,
    "datetime": FieldType.DATETIME,
    "bool": FieldType.BOOLEAN,
    "enumeration": FieldType.PICKLIST,
}
"""Property ``type`` → :class:`FieldType` when the ``fieldType`` pair is not listed."""

NAMED_FIELD_TYPES: Final[Mapping[str, FieldType]] = {
    "email": FieldType.EMAIL,
    "hs_object_id": FieldType.ID,
    "website": FieldType.URL,
    "domain": FieldType.URL,
}
"""Properties HubSpot types as plain strings but that hold a narrower kind of value."""


def modified_property(object_type: str) -> str:
    """The property search sorts and filters on to find changes."""
    return MODIFIED_PROPERTY.get(object_type, DEFAULT_MODIFIED_PROPERTY)


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 timestamp (``...Z``) or epoch milliseconds as an aware datetime."""
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def epoch_millis(moment: datetime) -> str:
    """``moment`` as the epoch-milliseconds string search filters take."""
    return str(round(moment.timestamp() * 1000))


def remote_record(object_type: str, obj: Mapping[str, Any]) -> RemoteRecord:
    """A SimplePublicObject as a :class:`RemoteRecord` (property values stay strings)."""
    properties = dict(obj.get("properties") or {})
    stamp = properties.get(modified_property(object_type)) or obj.get("updatedAt")
    archived = bool(obj.get("archived"))
    if archived and obj.get("archivedAt"):
        stamp = obj["archivedAt"]
    return RemoteRecord(
        object_type=object_type,
        id=str(obj["id"]),
        fields=properties,
        modified_at=parse_datetime(str(stamp)),
        deleted=archived,
    )


def field_info(prop: Mapping[str, Any]) -> FieldInfo:
    """One property definition as :class:`FieldInfo`."""
    name = str(prop["name"])
    kind = str(prop.get("type", "string"))
    field_type = (
        NAMED_FIELD_TYPES.get(name)
        or HUBSPOT_FIELD_TYPES.get((kind, str(prop.get("fieldType", ""))))
        or FALLBACK_FIELD_TYPES.get(kind, FieldType.STRING)
    )
    metadata = prop.get("modificationMetadata") or {}
    writable = not metadata.get("readOnlyValue", False) and not prop.get("calculated", False)
    entries = tuple(
        PicklistEntry(value=str(option["value"]), label=str(option.get("label") or option["value"]))
        for option in prop.get("options") or ()
        if not option.get("hidden")
    )
    options = tuple(entry.value for entry in entries)
    return FieldInfo(
        name=name,
        label=str(prop.get("label") or name),
        type=field_type,
        createable=writable,
        updateable=writable,
        picklist_values=options,
        # Enumerations refuse values outside their options (INVALID_OPTION), except
        # those whose options live elsewhere (pipelines, owners).
        restricted_picklist=kind == "enumeration" and not prop.get("externalOptions", False),
        picklist_entries=entries,
    )
