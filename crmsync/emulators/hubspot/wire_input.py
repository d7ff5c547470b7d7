"""Shape checks of request input, refused the way HubSpot refuses it.

HubSpot deserialises every body into typed objects (Jackson) before any handler runs, so
a body of the wrong shape gets one 400 ``VALIDATION_ERROR`` saying which type could not be
read from which JSON value ("Invalid input JSON on line 1, column 1: Cannot deserialize
value of type ... from Array value"), and a query parameter that is not a number gets a
400 naming it. The handlers call these readers instead of trusting the JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crmsync.emulators.hubspot.errors import HubSpotApiError, bad_request

PROPERTY_VALUES = "java.util.LinkedHashMap<java.lang.String,java.lang.String>"
"""The Java type of a ``properties`` map, as HubSpot's deserialisation errors name it."""


def json_kind(value: object) -> str:
    """The JSON kind of ``value`` in Jackson's words (``Array``, ``Object``, ``String``...)."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int | float):
        return "Integer" if isinstance(value, int) else "Floating-point"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    return "Object"


def cannot_deserialize(java_type: str, value: object) -> HubSpotApiError:
    """HubSpot's 400 for a JSON value that does not fit the declared type."""
    return bad_request(
        "Invalid input JSON on line 1, column 1: Cannot deserialize value of type "
        f"`{java_type}` from {json_kind(value)} value"
    )


def no_content() -> HubSpotApiError:
    """HubSpot's 400 for a required body that is missing."""
    return bad_request(
        "Invalid input JSON on line 1, column 1: No content to map due to end-of-input"
    )


def query_int(raw: str | None, *, name: str, default: int) -> int:
    """An integer query parameter (``limit``...); ``default`` when absent."""
    if raw is None or raw == "":
        return default
    text = raw.strip()
    # Java's int holds at most ten digits; longer is no integer HubSpot reads either.
    if not (text.isascii() and text.lstrip("-").isdecimal()) or len(text) > 11:
        shown = raw if len(raw) <= 40 else raw[:37] + "..."
        raise bad_request(f"Unable to parse '{shown}' as an integer for query parameter '{name}'")
    return int(text)


def body_int(body: Mapping[str, Any], key: str, *, default: int) -> int:
    """An integer member of a body (``offset``, ``count``); ``default`` when absent."""
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise cannot_deserialize("int", value)
    return value


def property_values(value: object) -> dict[str, Any]:
    """A ``properties`` map: an object of scalar values (``None``/absent: empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise cannot_deserialize(PROPERTY_VALUES, value)
    for item in value.values():
        if isinstance(item, dict | list):
            raise cannot_deserialize("java.lang.String", item)
    return value


def string_list(
    value: object, *, java_type: str = "java.util.ArrayList<java.lang.String>"
) -> list[str]:
    """A list of names (``properties`` to read...); ``None``/absent: empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise cannot_deserialize("java.util.ArrayList<java.lang.String>", value)
    for item in value:
        if isinstance(item, dict | list):
            raise cannot_deserialize("java.lang.String", item)
    return [str(item) for item in value]


def optional_string(body: Mapping[str, Any], key: str) -> str | None:
    """A string member such as ``idProperty``; anything but a string is refused."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise cannot_deserialize("java.lang.String", value)
    return value


def object_id(item: Mapping[str, Any], key: str = "id") -> str:
    """The ``id`` of a batch input (or another id member): a string, or a number's digits."""
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise cannot_deserialize("java.lang.String", value)
    return str(value)


def input_objects(inputs: list[Any], *, java_type: str) -> list[dict[str, Any]]:
    """Batch ``inputs``, each an object; their ``properties`` and ``idProperty`` checked."""
    for item in inputs:
        if not isinstance(item, dict):
            raise cannot_deserialize(java_type, item)
        if "properties" in item:
            property_values(item["properties"])
        optional_string(item, "idProperty")
        optional_string(item, "objectWriteTraceId")
    return inputs


def association_specs(value: object) -> list[dict[str, Any]]:
    """The ``associations`` of a create input: ``[{"to": {"id"}, "types": [...]}]``."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise cannot_deserialize("java.util.ArrayList<PublicAssociationsForObject>", value)
    for spec in value:
        if not isinstance(spec, dict):
            raise cannot_deserialize("PublicAssociationsForObject", spec)
        target = spec.get("to")
        if not isinstance(target, dict):
            raise cannot_deserialize("PublicObjectId", target)
        object_id(target)
        types = spec.get("types")
        if not isinstance(types, list):
            raise cannot_deserialize("java.util.ArrayList<AssociationSpec>", types)
        for kind in types:
            if not isinstance(kind, dict):
                raise cannot_deserialize("AssociationSpec", kind)
            type_id = kind.get("associationTypeId")
            if isinstance(type_id, bool) or not isinstance(type_id, int):
                raise cannot_deserialize("java.lang.Integer", type_id)
    return value
