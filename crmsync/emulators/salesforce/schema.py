"""The schema of an emulated org: objects, fields and their describe attributes.

Fields are data (:class:`FieldDef`); the standard objects a sync engine touches are
declared in :mod:`crmsync.emulators.salesforce.standard_objects`. Custom fields (``__c``)
are added per org at run time by a seed file or a test hook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

FieldType = Literal[
    "id",
    "string",
    "email",
    "phone",
    "url",
    "textarea",
    "boolean",
    "int",
    "double",
    "currency",
    "percent",
    "date",
    "datetime",
    "picklist",
    "multipicklist",
    "combobox",
    "reference",
    "address",
    "location",
]
FIELD_TYPES: Final = frozenset(FieldType.__args__)  # type: ignore[attr-defined]
COMPOUND_TYPES: Final = frozenset({"address", "location"})
"""Compound types: read as one JSON object built from their components, never written."""

SOAP_TYPES: Final = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "address": "urn:address",
    "location": "urn:location",
}
TEXT_TYPES: Final = frozenset(
    {"string", "email", "phone", "url", "textarea", "picklist", "multipicklist", "combobox"}
)


@dataclass(frozen=True, slots=True)
class PicklistValue:
    """One picklist entry; ``valid_for`` is the base64 dependent-picklist bitmap."""

    value: str
    label: str
    default: bool = False
    valid_for: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldDef:
    """One field and the describe attributes the emulator honours."""

    name: str
    label: str
    type: FieldType
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted_on_create: bool = False
    default_value: Any = None
    picklist: tuple[PicklistValue, ...] = ()
    restricted: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    external_id: bool = False
    unique: bool = False
    custom: bool = False
    calculated: bool = False
    controller_name: str | None = None
    precision: int = 0
    scale: int = 0
    name_field: bool = False
    compound_field_name: str | None = None

    @property
    def is_compound(self) -> bool:
        """Whether this is a compound (``BillingAddress``) rather than a single value."""
        return self.type in COMPOUND_TYPES

    @property
    def required_on_create(self) -> bool:
        """Salesforce's rule: createable, not nillable and not defaulted."""
        return self.createable and not self.nillable and not self.defaulted_on_create

    @property
    def picklist_values(self) -> frozenset[str]:
        """The active values, for membership tests."""
        return frozenset(entry.value for entry in self.picklist)


@dataclass(frozen=True, slots=True)
class ChildRelationship:
    """``Account.Contacts`` → child ``Contact`` via ``AccountId``."""

    name: str
    child: str
    field: str


@dataclass(kw_only=True)
class ObjectDef:
    """One sObject: name, key prefix and fields in describe order."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    children: tuple[ChildRelationship, ...] = ()

    def add(self, definition: FieldDef) -> None:
        """Add or replace a field."""
        self.fields[definition.name] = definition

    def components(self, compound: str) -> tuple[tuple[str, str], ...]:
        """``(JSON key, component field)`` pairs of a compound, sorted by key.

        ``BillingAddress`` → ``(("city", "BillingCity"), ..., ("street", "BillingStreet"))``:
        the key is the component's name after the compound's prefix, lower camel case,
        as Salesforce spells the members of an address object.
        """
        prefix = compound.removesuffix("Address")
        pairs = []
        for definition in self.fields.values():
            if definition.compound_field_name != compound:
                continue
            suffix = definition.name.removeprefix(prefix)
            pairs.append((suffix[:1].lower() + suffix[1:], definition.name))
        return tuple(sorted(pairs))


def picklist(*values: str, default: str | None = None) -> tuple[PicklistValue, ...]:
    """Picklist entries whose label is their value."""
    return tuple(PicklistValue(value=v, label=v, default=v == default) for v in values)


def system_fields(*, owned: bool) -> list[FieldDef]:
    """Id, audit fields and (for owned objects) OwnerId, as every object has them."""
    audit: dict[str, Any] = {"createable": False, "updateable": False, "defaulted_on_create": True}
    fields = [
        FieldDef(name="Id", label="Record ID", type="id", length=18, nillable=False, **audit),
        FieldDef(name="IsDeleted", label="Deleted", type="boolean", nillable=False, **audit),
        FieldDef(
            name="CreatedDate", label="Created Date", type="datetime", nillable=False, **audit
        ),
        FieldDef(
            name="CreatedById",
            label="Created By ID",
            type="reference",
            length=18,
            nillable=False,
            reference_to=("User",),
            relationship_name="CreatedBy",
            **audit,
        ),
        FieldDef(
            name="LastModifiedDate",
            label="Last Modified Date",
            type="datetime",
            nillable=False,
            **audit,
        ),
        FieldDef(
            name="LastModifiedById",
            label="Last Modified By ID",
            type="reference",
            length=18,
            nillable=False,
            reference_to=("User",),
            relationship_name="LastModifiedBy",
            **audit,
        ),
        FieldDef(
            name="SystemModstamp", label="System Modstamp", type="datetime", nillable=False, **audit
        ),
    ]
    if owned:
        fields.append(
            FieldDef(
                name="OwnerId",
                label="Owner ID",
                type="reference",
                length=18,
                nillable=False,
                defaulted_on_create=True,
                reference_to=("User",),
                relationship_name="Owner",
            )
        )
    return fields


def custom_field_from_spec(spec: dict[str, Any]) -> FieldDef:
    """A custom field from a seed/hook spec such as
    ``{"name": "HubSpot_Id__c", "type": "string", "length": 64, "external_id": true}``.
    """
    name = str(spec["name"])
    if not name.endswith("__c"):
        raise ValueError(f"custom field names end in __c: {name}")
    field_type = spec.get("type", "string")
    if field_type not in FIELD_TYPES or field_type == "id" or field_type in COMPOUND_TYPES:
        raise ValueError(f"unsupported custom field type: {field_type}")
    default_length = 255 if field_type in TEXT_TYPES else (18 if field_type == "reference" else 0)
    values = tuple(spec.get("picklist_values") or ())
    reference_to = tuple(spec.get("reference_to") or ())
    return FieldDef(
        name=name,
        label=str(spec.get("label") or name[: -len("__c")].replace("_", " ")),
        type=field_type,
        length=int(spec.get("length", default_length)),
        nillable=bool(spec.get("nillable", True)),
        picklist=picklist(*values),
        restricted=bool(spec.get("restricted", False)),
        reference_to=reference_to,
        relationship_name=name[: -len("__c")] + "__r" if reference_to else None,
        external_id=bool(spec.get("external_id", False)),
        unique=bool(spec.get("unique", False)),
        custom=True,
        precision=int(spec.get("precision", 18 if field_type in {"double", "currency"} else 0)),
        scale=int(spec.get("scale", 2 if field_type in {"double", "currency"} else 0)),
    )
