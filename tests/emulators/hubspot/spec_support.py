"""HubSpot's official OpenAPI specs (vendored in ``specs/``), made checkable.

Three adjustments make the specs checkable, none loosens a body schema beyond what
HubSpot itself sends:

- the specs type property values as plain strings, but HubSpot answers ``null`` for a
  requested property that has no value, so the ``properties`` maps of SimplePublicObject*
  schemas are marked nullable;
- error responses are declared as ``*/*``, which validators cannot deserialise; they are
  read as ``application/json`` (what HubSpot sends) and still checked against ``Error``;
- 204 responses declare an empty ``content`` map, which reads as "a body is required";
  the empty map is dropped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SPECS = Path(__file__).resolve().parent / "specs"
"""HubSpot's public API specs, as published (see specs/README.md)."""


def checkable_spec(file_name: str, base_url: str) -> dict[str, Any]:
    """One vendored spec, adjusted as above and pointed at ``base_url``."""
    spec: dict[str, Any] = json.loads((SPECS / file_name).read_text(encoding="utf-8"))
    spec["servers"] = [{"url": base_url}]
    _nullable_property_values(spec)
    _json_errors_and_empty_204(spec)
    return spec


def _json_errors_and_empty_204(spec: dict[str, Any]) -> None:
    responses = [spec.get("components", {}).get("responses", {}).values()]
    responses += [
        op.get("responses", {}).values()
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
    ]
    for group in responses:
        for response in group:
            content = response.get("content")
            if content == {}:
                del response["content"]
            elif content and "*/*" in content:
                content["application/json"] = content.pop("*/*")


def _nullable_property_values(spec: dict[str, Any]) -> None:
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        values = schema.get("properties", {}).get("properties", {})
        if name.startswith("SimplePublic") and isinstance(values.get("additionalProperties"), dict):
            values["additionalProperties"]["nullable"] = True
