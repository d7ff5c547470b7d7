"""Salesforce JSON/CSV ↔ the port's plain values (pure functions)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from crmsync.connectors.base import FieldInfo, FieldType, PicklistEntry, RemoteRecord

SALESFORCE_FIELD_TYPES: Final[Mapping[str, FieldType]] = {
    "id": FieldType.ID,
    "string": FieldType.STRING,
    "encryptedstring": FieldType.STRING,
    "textarea": FieldType.TEXT,
    "email": FieldType.EMAIL,
    "phone": FieldType.PHONE,
    "url": FieldType.URL,
    "picklist": FieldType.PICKLIST,
    # A combobox is a picklist that also takes free text.
    "combobox": FieldType.PICKLIST,
    "multipicklist": FieldType.MULTIPICKLIST,
    "reference": FieldType.REFERENCE,
    "boolean": FieldType.BOOLEAN,
    "int": FieldType.NUMBER,
    "long": FieldType.NUMBER,
    "double": FieldType.NUMBER,
    "currency": FieldType.NUMBER,
    "percent": FieldType.NUMBER,
    "date": FieldType.DATE,
    "datetime": FieldType.DATETIME,
    "time": FieldType.STRING,
}
"""Salesforce describe ``type`` → :class:`FieldType`. Compound types (address,
location) and base64 are left out: they are not synced as single values. A compound's
components (``BillingStreet``, ``BillingLatitude``...) are ordinary fields and sync."""

COMPOUND_TYPES: Final = frozenset({"address", "location"})
"""Describe types of compounds: read-only, and refused by Bulk API 2.0 query jobs."""

_INTEGER_TYPES: Final = frozenset({"int", "long"})
_FLOAT_TYPES: Final = frozenset({"double", "currency", "percent"})


def parse_datetime(text: str) -> datetime:
    """A Salesforce dateTime (``2024-01-01T10:00:00.000+0000``) as an aware datetime."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def remote_record(object_type: str, row: Mapping[str, Any]) -> RemoteRecord:
    """A query row (``attributes`` dropped) as a :class:`RemoteRecord`."""
    fields = {name: value for name, value in row.items() if name != "attributes"}
    return RemoteRecord(
        object_type=object_type,
        id=str(row["Id"]),
        fields=fields,
        modified_at=parse_datetime(str(row["SystemModstamp"])),
        deleted=row.get("IsDeleted") is True,
    )


def field_info(
    field: Mapping[str, Any], *, controller: Mapping[str, Any] | None = None
) -> FieldInfo | None:
    """One describe ``fields[]`` entry as :class:`FieldInfo` (``None``: not syncable).

    ``controller`` is the describe entry of the field's ``controllerName``, whose
    ``picklistValues`` the ``validFor`` bitmaps of a dependent picklist index into.
    """
    field_type = SALESFORCE_FIELD_TYPES.get(str(field.get("type", "")))
    if field_type is None:
        return None
    controlling = [str(entry["value"]) for entry in (controller or {}).get("picklistValues") or ()]
    entries = tuple(
        PicklistEntry(
            value=str(entry["value"]),
            label=str(entry.get("label") or entry["value"]),
            valid_for=_valid_for(entry.get("validFor"), controlling),
        )
        for entry in field.get("picklistValues") or ()
        if entry.get("active", True)
    )
    length = field.get("length")
    return FieldInfo(
        name=str(field["name"]),
        label=str(field.get("label") or field["name"]),
        type=field_type,
        length=int(length) if length else None,
        nillable=bool(field.get("nillable", True)),
        createable=bool(field.get("createable", False)),
        updateable=bool(field.get("updateable", False)),
        defaulted_on_create=bool(field.get("defaultedOnCreate", False)),
        picklist_values=tuple(entry.value for entry in entries),
        restricted_picklist=bool(field.get("restrictedPicklist", False)),
        picklist_entries=entries,
    )


def _valid_for(bitmap: object, controlling: list[str]) -> tuple[str, ...]:
    """The controlling values whose bit is set in a base64 ``validFor`` bitmap.

    Bit ``i`` (most significant bit first) stands for ``controlling[i]``.
    """
    if not isinstance(bitmap, str) or not bitmap or not controlling:
        return ()
    try:
        bits = base64.b64decode(bitmap)
    except binascii.Error:
        return ()
    return tuple(
        value
        for index, value in enumerate(controlling)
        if index >> 3 < len(bits) and bits[index >> 3] & (0x80 >> (index % 8))
    )


def fields_of(describe: Mapping[str, Any]) -> dict[str, FieldInfo]:
    """The syncable fields of a describe result, by API name."""
    raw = {str(field["name"]): field for field in describe.get("fields") or ()}
    infos = (
        field_info(field, controller=raw.get(str(field.get("controllerName") or "")))
        for field in raw.values()
    )
    return {info.name: info for info in infos if info is not None}


def compound_fields(describe: Mapping[str, Any]) -> frozenset[str]:
    """The compounds of a describe result: fields of a compound type, and any field a
    component names in ``compoundFieldName``."""
    found: set[str] = set()
    for field in describe.get("fields") or ():
        if str(field.get("type", "")) in COMPOUND_TYPES:
            found.add(str(field["name"]))
        if field.get("compoundFieldName"):
            found.add(str(field["compoundFieldName"]))
    return frozenset(found)


def bulk_selectable(describe: Mapping[str, Any], fields: Sequence[str]) -> list[str]:
    """``fields`` without the compounds, which a Bulk API 2.0 query job may not select
    (Salesforce refuses the job: "Selecting compound data not supported in Bulk Query");
    their components are selected on their own."""
    compounds = {name.lower() for name in compound_fields(describe)}
    return [name for name in fields if name.lower() not in compounds]


def raw_types(describe: Mapping[str, Any]) -> dict[str, str]:
    """Field name → Salesforce type, for reading Bulk CSV values."""
    return {
        str(field["name"]): str(field.get("type", "")) for field in describe.get("fields") or ()
    }


def csv_value(text: str, sf_type: str) -> Any:
    """A Bulk API 2.0 CSV cell as the value a REST query would have returned.

    Bulk CSV has no types: empty is null, booleans are ``true``/``false``.
    """
    if text == "":
        return None
    if sf_type == "boolean":
        return text.lower() == "true"
    if sf_type in _INTEGER_TYPES:
        return int(text)
    if sf_type in _FLOAT_TYPES:
        return float(text)
    return text


def csv_row(row: Mapping[str, str], types: Mapping[str, str]) -> dict[str, Any]:
    """A Bulk CSV row with typed values (columns matched case-insensitively)."""
    by_lower = {name.lower(): sf_type for name, sf_type in types.items()}
    return {
        name: csv_value(text, by_lower.get(name.lower(), "string")) for name, text in row.items()
    }
