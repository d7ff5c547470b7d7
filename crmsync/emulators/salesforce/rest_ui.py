"""The one UI API resource crmsync reads: a picklist's values for a record type.

``GET ui-api/object-info/{Object}/picklist-values/{recordTypeId}/{Field}`` answers with
the values the record type allows (for ``Opportunity.StageName``: the values of the
record type's sales process, from the org settings), in the UI API's shape::

    {"controllerValues": {}, "defaultValue": null, "eTag": "...",
     "url": "...", "values": [{"attributes": null, "label": "...", "validFor": [],
     "value": "..."}]}

The master record type (``012000000000000AAA``) allows every value.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Final

from crmsync.emulators.salesforce.api import ROUTER, ApiContext, ApiRequest, ApiResponse
from crmsync.emulators.salesforce.describe import MASTER_RECORD_TYPE_ID
from crmsync.emulators.salesforce.errors import ApiError

_PATH: Final = (
    r"ui-api/object-info/(?P<object>[A-Za-z][A-Za-z0-9_]*)/picklist-values/"
    r"(?P<record_type>[A-Za-z0-9]{15,18})/(?P<field>[A-Za-z][A-Za-z0-9_]*)"
)


@ROUTER.route(_PATH, "GET")
def picklist_values(ctx: ApiContext, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
    """The values of one picklist field for one record type."""
    del request
    sobject = ctx.records.object_name(match["object"])
    definition = ctx.org.field(sobject, match["field"], ctx.caller)
    if definition is None or definition.type not in {"picklist", "multipicklist"}:
        raise ApiError.single(
            "NOT_FOUND", f"{match['field']} is not a picklist field of {sobject}", status=404
        )
    record_type = match["record_type"]
    allowed: list[str] | None = None
    if record_type != MASTER_RECORD_TYPE_ID:
        known = {row["Id"] for row in ctx.org.record_types(sobject, active_only=False)}
        if record_type not in known:
            raise ApiError.single(
                "NOT_FOUND", f"record type {record_type} not found for {sobject}", status=404
            )
        if definition.name == "StageName":
            allowed = ctx.org.record_type_stages(record_type)
    values = [entry for entry in definition.picklist if allowed is None or entry.value in allowed]
    default = next((entry.value for entry in values if entry.default), None)
    body_values: list[dict[str, Any]] = [
        {"attributes": None, "label": entry.label, "validFor": [], "value": entry.value}
        for entry in values
    ]
    tag = hashlib.sha1(repr(body_values).encode(), usedforsecurity=False).hexdigest()
    url = (
        f"/services/data/v{ctx.api_version}/ui-api/object-info/{sobject}/picklist-values/"
        f"{record_type}/{definition.name}"
    )
    default_value: dict[str, Any] | None = (
        None
        if default is None
        else {"attributes": None, "label": default, "validFor": [], "value": default}
    )
    return ApiResponse(
        body={
            "controllerValues": {},
            "defaultValue": default_value,
            "eTag": tag,
            "url": url,
            "values": body_values,
        }
    )
