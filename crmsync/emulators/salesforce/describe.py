"""Describe results: the global ``sobjects`` list and ``sobjects/{Object}/describe``."""

from __future__ import annotations

from typing import Any

from crmsync.emulators.salesforce.org import Caller, Org
from crmsync.emulators.salesforce.schema import SOAP_TYPES, FieldDef, ObjectDef


def _urls(api_version: str, name: str) -> dict[str, str]:
    base = f"/services/data/v{api_version}/sobjects/{name}"
    return {
        "sobject": base,
        "describe": f"{base}/describe",
        "rowTemplate": f"{base}/{{ID}}",
    }


def object_summary(definition: ObjectDef, api_version: str) -> dict[str, Any]:
    """One entry of the global describe."""
    return {
        "name": definition.name,
        "label": definition.label,
        "labelPlural": definition.label_plural,
        "keyPrefix": definition.key_prefix,
        "custom": False,
        "createable": definition.createable,
        "updateable": definition.updateable,
        "deletable": definition.deletable,
        "queryable": True,
        "retrieveable": True,
        "searchable": True,
        "layoutable": True,
        "replicateable": True,
        "triggerable": True,
        "urls": _urls(api_version, definition.name),
    }


def global_describe(org: Org, api_version: str) -> dict[str, Any]:
    """``GET /sobjects``."""
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [object_summary(org.describe(n), api_version) for n in org.object_names()],
    }


def field_describe(definition: FieldDef, *, editable: bool) -> dict[str, Any]:
    """One ``fields[]`` entry."""
    numeric = definition.type in {"int", "double", "currency", "percent"}
    compound = definition.is_compound
    return {
        "name": definition.name,
        "label": definition.label,
        "type": definition.type,
        "soapType": SOAP_TYPES.get(definition.type, "xsd:string"),
        "length": 0 if numeric else definition.length,
        "byteLength": 0 if numeric else definition.length * 3,
        "nillable": definition.nillable,
        "createable": definition.createable and editable,
        "updateable": definition.updateable and editable,
        "defaultedOnCreate": definition.defaulted_on_create,
        "defaultValue": definition.default_value,
        "calculated": definition.calculated,
        "custom": definition.custom,
        "externalId": definition.external_id,
        "unique": definition.unique,
        "idLookup": definition.external_id or definition.name in {"Id", "Email", "Username"},
        "nameField": definition.name_field,
        # A compound is read whole, never filtered, sorted or grouped on.
        "filterable": not compound,
        "sortable": not compound and definition.type not in {"textarea", "multipicklist"},
        "groupable": not compound
        and definition.type not in {"textarea", "double", "currency", "percent"},
        "compoundFieldName": definition.compound_field_name,
        "referenceTo": list(definition.reference_to),
        "relationshipName": definition.relationship_name,
        "polymorphicForeignKey": len(definition.reference_to) > 1,
        "controllerName": definition.controller_name,
        "dependentPicklist": definition.controller_name is not None,
        "restrictedPicklist": definition.restricted,
        "precision": definition.precision,
        "scale": definition.scale,
        "digits": definition.precision if definition.type == "int" else 0,
        "htmlFormatted": False,
        "autoNumber": False,
        "caseSensitive": False,
        "picklistValues": [
            {
                "active": True,
                "defaultValue": entry.default,
                "label": entry.label,
                "validFor": entry.valid_for,
                "value": entry.value,
            }
            for entry in definition.picklist
        ],
    }


def object_describe(org: Org, sobject: str, caller: Caller, api_version: str) -> dict[str, Any]:
    """``GET /sobjects/{Object}/describe``, as the caller sees it (hidden fields left out)."""
    definition = org.describe(sobject)
    summary = object_summary(definition, api_version)
    fields = [
        field_describe(item, editable=org.access(sobject, item.name, caller) == "edit")
        for item in definition.fields.values()
        if org.access(sobject, item.name, caller) != "hidden"
    ]
    return {
        **summary,
        "fields": fields,
        "childRelationships": [
            {
                "childSObject": child.child,
                "field": child.field,
                "relationshipName": child.name,
                "cascadeDelete": False,
            }
            for child in definition.children
        ],
        "recordTypeInfos": record_type_infos(org, sobject, api_version),
    }


def record_type_infos(org: Org, sobject: str, api_version: str) -> list[dict[str, Any]]:
    """``recordTypeInfos``: the object's active record types, then the master record type
    (``012000000000000AAA``), which is available only when there are no others."""
    rows = org.record_types(sobject)
    default = org.default_record_type(sobject)
    base = f"/services/data/v{api_version}/sobjects/{sobject}/describe/layouts"
    infos = [
        {
            "active": True,
            "available": True,
            "defaultRecordTypeMapping": default is not None and row["Id"] == default["Id"],
            "developerName": row["DeveloperName"],
            "master": False,
            "name": row["Name"],
            "recordTypeId": row["Id"],
            "urls": {"layout": f"{base}/{row['Id']}"},
        }
        for row in rows
    ]
    infos.append(
        {
            "active": True,
            "available": not rows,
            "defaultRecordTypeMapping": not rows,
            "developerName": "Master",
            "master": True,
            "name": "Master",
            "recordTypeId": MASTER_RECORD_TYPE_ID,
            "urls": {"layout": f"{base}/{MASTER_RECORD_TYPE_ID}"},
        }
    )
    return infos


MASTER_RECORD_TYPE_ID = "012000000000000AAA"
"""The master record type's id, the same in every org."""
