"""Turning a written body into a stored row, refusing it the way Salesforce does.

:func:`prepare_write` checks field names, field-level security, value types, restricted
picklists, state/country values and required fields, then derives the read-only fields
(names, opportunity stage flags, task state). :func:`check_rules` runs the org-level rules
that look at other records: references, validation rules, duplicate rules, uniqueness.
"""

from __future__ import annotations

from typing import Any, Final

from crmsync.emulators.salesforce.errors import ApiError, ErrorItem
from crmsync.emulators.salesforce.geography import apply_address, geography_for
from crmsync.emulators.salesforce.ids import prefix_object
from crmsync.emulators.salesforce.org import Caller, Org
from crmsync.emulators.salesforce.settings import DuplicateAction, PicklistMode
from crmsync.emulators.salesforce.standard_objects import ADDRESS_PREFIXES, OPPORTUNITY_STAGES
from crmsync.emulators.salesforce.store import Row
from crmsync.emulators.salesforce.values import coerce, format_datetime

_FLS_HINT: Final = (
    "Please check the security settings of this field and verify that it is read/write for "
    "your profile or permission set."
)
_PERSON_OBJECTS: Final = frozenset({"Contact", "Lead", "User"})


def no_such_column(sobject: str, name: str) -> ApiError:
    """INVALID_FIELD for an unknown (or hidden) field in a body."""
    return ApiError.single("INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}")


def prepare_write(
    org: Org, sobject: str, body: dict[str, Any], caller: Caller, current: Row | None
) -> tuple[Row, dict[str, Any]]:
    """``(row to store, coerced written values)`` for a create (``current`` None) or update."""
    creating = current is None
    if not org.object_writable(sobject, caller):
        raise ApiError.single(
            "INSUFFICIENT_ACCESS_OR_READONLY",
            "insufficient access rights on object id" if not creating else
            f"You do not have the level of access necessary to create {sobject} records.",
        )  # fmt: skip
    values: dict[str, Any] = {}
    not_writable: list[str] = []
    for key, raw in body.items():
        if key == "attributes":
            continue
        definition = org.field(sobject, key, caller)
        if definition is None:
            raise no_such_column(sobject, key)
        name = definition.name
        if name == "Id":
            if creating:
                raise ApiError.single(
                    "INVALID_FIELD", "The Id field should not be specified in the sobject data."
                )
            continue
        allowed = definition.createable if creating else definition.updateable
        if not allowed or org.access(sobject, name, caller) == "read":
            not_writable.append(name)
            continue
        values[name] = coerce(definition, raw)
        if (
            definition.restricted
            and values[name] is not None
            and definition.picklist
            and not (definition.controller_name or name.endswith("CountryCode"))
        ):
            _check_picklist(definition.label, name, values[name], definition.picklist_values)
    if not_writable:
        raise ApiError.single(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {', '.join(not_writable)}. {_FLS_HINT}",
            fields=not_writable,
        )
    if org.settings.picklist_mode is not PicklistMode.DISABLED:
        geography = geography_for(org.settings)
        for prefix in ADDRESS_PREFIXES.get(sobject, ()):
            apply_address(prefix, values, current or {}, geography)
    row = _merge(org, sobject, values, current, caller)
    _check_required(org, sobject, row, values, creating=creating)
    return row, values


def _check_picklist(label: str, name: str, value: str, allowed: frozenset[str]) -> None:
    if value not in allowed:
        raise ApiError.single(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{label}: bad value for restricted picklist field: {value}",
            fields=[name],
        )


def _merge(
    org: Org, sobject: str, values: dict[str, Any], current: Row | None, caller: Caller
) -> Row:
    stamp = format_datetime(org.now())
    if current is None:
        schema = org.describe(sobject)
        # Compounds are not stored: reads build them from their components.
        row: Row = {name: None for name, item in schema.fields.items() if not item.is_compound}
        for definition in schema.fields.values():
            if definition.type == "boolean":
                row[definition.name] = bool(definition.default_value)
            elif definition.default_value is not None:
                row[definition.name] = definition.default_value
        row.update(
            Id=None, IsDeleted=False, CreatedDate=stamp, CreatedById=caller.user_id,
        )  # fmt: skip
        if "OwnerId" in row:
            row["OwnerId"] = caller.user_id
        row.update(values)
        if "RecordTypeId" in row and row["RecordTypeId"] is None:
            default = org.default_record_type(sobject)  # the user's default record type
            row["RecordTypeId"] = None if default is None else default["Id"]
    else:
        row = {**current, **values}
    row.update(LastModifiedDate=stamp, SystemModstamp=stamp, LastModifiedById=caller.user_id)
    _derive(sobject, row, values, stamp)
    return row


def _derive(sobject: str, row: Row, values: dict[str, Any], stamp: str) -> None:
    """Fill the fields Salesforce computes from others."""
    if sobject in _PERSON_OBJECTS:
        row["Name"] = " ".join(p for p in (row.get("FirstName"), row.get("LastName")) if p)
    elif sobject == "Opportunity":
        stage = OPPORTUNITY_STAGES.get(str(row.get("StageName")))
        if stage is not None:
            probability, closed, won, forecast = stage
            row.update(IsClosed=closed, IsWon=won, ForecastCategoryName=forecast)
            stage_changed = "StageName" in values and "Probability" not in values
            if stage_changed or row.get("Probability") is None:
                row["Probability"] = probability
    elif sobject == "Task":
        closed = row.get("Status") == "Completed"
        if closed and not row.get("IsClosed"):
            row["CompletedDateTime"] = stamp
        row["IsClosed"] = closed
    elif sobject == "CampaignMember":
        row["HasResponded"] = row.get("Status") == "Responded"


def _check_required(
    org: Org, sobject: str, row: Row, values: dict[str, Any], *, creating: bool
) -> None:
    missing = [
        definition.name
        for definition in org.describe(sobject).fields.values()
        if not definition.nillable
        and definition.type != "boolean"
        and row.get(definition.name) is None
        and ((creating and definition.required_on_create) or definition.name in values)
    ]
    if missing:
        raise ApiError.single(
            "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(missing)}]",
            fields=missing,
        )


def check_rules(
    org: Org,
    sobject: str,
    row: Row,
    values: dict[str, Any],
    *,
    allow_duplicates: bool,
) -> None:
    """The checks that read other records or org rules; raises :class:`ApiError`."""
    _check_references(org, sobject, values)
    if "RecordTypeId" in values or ("StageName" in values and row.get("RecordTypeId")):
        _check_record_type(org, sobject, row)
    if sobject == "Task" and row.get("WhatId") and str(row.get("WhoId") or "").startswith("00Q"):
        raise ApiError.single(
            "FIELD_INTEGRITY_EXCEPTION",
            "Related To ID: id value of incorrect type: a task related to a lead cannot "
            "also be related to another record",
            fields=["WhatId"],
        )
    if sobject == "CampaignMember":
        _check_campaign_member(org, row)
    for rule in org.settings.validation_rules:
        if rule.object == sobject and rule.fires(row):
            raise ApiError.single(
                "FIELD_CUSTOM_VALIDATION_EXCEPTION", rule.message, fields=[rule.field]
            )
    action = org.settings.duplicate_rules.get(sobject)
    if action is not None and row.get("Email"):
        duplicates = [m for m in org.store.find(sobject, "Email", row["Email"]) if m["Id"] !=
                      row["Id"]]  # fmt: skip
        if duplicates and (action is DuplicateAction.BLOCK or not allow_duplicates):
            raise ApiError.single("DUPLICATES_DETECTED", "Use one of these records?", fields=[])
    for definition in org.describe(sobject).fields.values():
        if definition.unique and values.get(definition.name) is not None:
            clash = [m for m in org.store.find(sobject, definition.name, values[definition.name])
                     if m["Id"] != row["Id"]]  # fmt: skip
            if clash:
                raise ApiError.single(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {definition.name} duplicates value on record "
                    f"with id: {clash[0]['Id']}",
                    fields=[definition.name],
                )


def _check_references(org: Org, sobject: str, values: dict[str, Any]) -> None:
    schema = org.describe(sobject)
    for name, value in values.items():
        definition = schema.fields[name]
        if definition.type != "reference" or value is None:
            continue
        target = prefix_object(value)
        if target not in definition.reference_to:
            raise ApiError.single(
                "FIELD_INTEGRITY_EXCEPTION",
                f"{definition.label}: id value of incorrect type: {value}",
                fields=[name],
            )
        found = org.store.get(value)
        if found is None:
            raise ApiError.single(
                "INVALID_CROSS_REFERENCE_KEY",
                f"invalid cross reference id: {value}",
                fields=[name],
            )
        if found[1].get("IsDeleted"):
            raise ApiError.single("ENTITY_IS_DELETED", "entity is deleted", fields=[name])


def _check_record_type(org: Org, sobject: str, row: Row) -> None:
    """The record type is an active one of ``sobject``, and its sales process allows the
    stage (the emulator's model of a business process: the stages listed per record type
    in the org settings)."""
    record_type = row.get("RecordTypeId")
    if not record_type:
        return
    if not any(rt["Id"] == record_type for rt in org.record_types(sobject)):
        raise ApiError.single(
            "INVALID_CROSS_REFERENCE_KEY",
            "Record Type ID: this ID value isn't valid for the user: " + str(record_type),
            fields=["RecordTypeId"],
        )
    allowed = org.record_type_stages(str(record_type))
    stage = row.get("StageName")
    if allowed is not None and stage is not None:
        _check_picklist("Stage", "StageName", stage, frozenset(allowed))


def _check_campaign_member(org: Org, row: Row) -> None:
    member = row.get("LeadId") or row.get("ContactId")
    if not member:
        raise ApiError.single(
            "REQUIRED_FIELD_MISSING", "Required fields are missing: [LeadId or ContactId]",
            fields=["LeadId", "ContactId"],
        )  # fmt: skip
    key = "LeadId" if row.get("LeadId") else "ContactId"
    for other in org.store.find("CampaignMember", key, member):
        if other["CampaignId"] == row["CampaignId"] and other["Id"] != row["Id"]:
            raise ApiError.single("DUPLICATE_VALUE", "Already a campaign member.", fields=[])


def save_errors(error: ApiError) -> list[dict[str, Any]]:
    """SaveResult ``errors`` entries of an error."""
    return [item.save_result() for item in error.errors]


def rolled_back() -> ErrorItem:
    """The error an allOrNone collection gives the rows that were valid."""
    return ErrorItem(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using "
        "AllOrNone header",
        (),
    )
