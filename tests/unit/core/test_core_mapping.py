"""Default contact mappings as data, and R23 validation when a mapping is saved."""

from __future__ import annotations

import pytest

from crmsync.connectors.base import FieldInfo, FieldType
from crmsync.core.mapping import (
    DEFAULT_CONTACT_MAPPING,
    DEFAULT_LEAD_MAPPING,
    FieldMapping,
    MappingValidationError,
    ObjectMapping,
    ProblemKind,
    Transform,
    find_mapping_problems,
    for_picklists,
    validate_object_mapping,
)
from crmsync.core.sync_rules import SyncRule
from crmsync.errors import ConfigurationError


def info(name: str, kind: FieldType, *, updateable: bool = True) -> FieldInfo:
    return FieldInfo(name=name, label=name, type=kind, updateable=updateable)


def test_lead_and_contact_address_fields_differ_as_data() -> None:
    lead = DEFAULT_LEAD_MAPPING.by_hubspot_property("address")
    contact = DEFAULT_CONTACT_MAPPING.by_hubspot_property("address")
    assert lead is not None and contact is not None
    assert (lead.salesforce_field, contact.salesforce_field) == ("Street", "MailingStreet")


@pytest.mark.parametrize("prop", ["company", "website", "industry", "hs_lead_status"])
def test_lead_only_properties_are_not_mapped_on_contact(prop: str) -> None:
    assert DEFAULT_LEAD_MAPPING.by_hubspot_property(prop) is not None
    assert DEFAULT_CONTACT_MAPPING.by_hubspot_property(prop) is None


def test_r17_lifecycle_stage_is_never_mapped() -> None:
    assert DEFAULT_LEAD_MAPPING.by_hubspot_property("lifecyclestage") is None
    assert DEFAULT_CONTACT_MAPPING.by_hubspot_property("lifecyclestage") is None


def test_owner_maps_two_way_by_email() -> None:
    owner = DEFAULT_CONTACT_MAPPING.by_hubspot_property("hubspot_owner_id")
    assert owner is not None
    assert (owner.salesforce_field, owner.rule, owner.transform) == (
        "OwnerId",
        SyncRule.TWO_WAY,
        Transform.OWNER_BY_EMAIL,
    )


def test_lead_status_carries_its_value_map() -> None:
    status = DEFAULT_LEAD_MAPPING.by_hubspot_property("hs_lead_status")
    assert status is not None
    assert ("NEW", "Open - Not Contacted") in status.value_map


def test_r11_picklists_on_switch_state_and_country_to_code_fields() -> None:
    mapping = for_picklists(DEFAULT_CONTACT_MAPPING, use_code_fields=True)
    assert "MailingCountryCode" in mapping.salesforce_fields()
    assert "MailingStateCode" in mapping.salesforce_fields()
    assert "MailingCountry" not in mapping.salesforce_fields()
    unchanged = for_picklists(DEFAULT_LEAD_MAPPING, use_code_fields=False)
    assert unchanged is DEFAULT_LEAD_MAPPING


EMAIL_ROW = FieldMapping(hubspot_property="email", salesforce_field="Email", rule=SyncRule.TWO_WAY)
"""HubSpot's unique key, which every contacts table must write to HubSpot."""
HS_EMAIL = {"email": info("email", FieldType.EMAIL)}
SF_EMAIL = {"Email": info("Email", FieldType.EMAIL)}


def _pair(row: FieldMapping) -> ObjectMapping:
    return ObjectMapping(
        hubspot_object="contacts", salesforce_object="Contact", fields=(EMAIL_ROW, row)
    )


def test_r23_text_into_number_field_is_refused() -> None:
    mapping = _pair(
        FieldMapping(hubspot_property="notes", salesforce_field="Score__c", rule=SyncRule.TWO_WAY)
    )
    with pytest.raises(MappingValidationError) as raised:
        validate_object_mapping(
            mapping,
            hubspot_fields={**HS_EMAIL, "notes": info("notes", FieldType.STRING)},
            salesforce_fields={**SF_EMAIL, "Score__c": info("Score__c", FieldType.NUMBER)},
        )
    assert isinstance(raised.value, ConfigurationError)
    assert [problem.kind for problem in raised.value.problems] == [ProblemKind.TYPE_MISMATCH]
    assert "Score__c" in str(raised.value)


def test_r23_number_into_text_is_allowed_one_way_only() -> None:
    one_way = _pair(
        FieldMapping(
            hubspot_property="score", salesforce_field="Note__c", rule=SyncRule.ALWAYS_HUBSPOT
        )
    )
    fields = {
        "hubspot_fields": {**HS_EMAIL, "score": info("score", FieldType.NUMBER)},
        "salesforce_fields": {**SF_EMAIL, "Note__c": info("Note__c", FieldType.STRING)},
    }
    assert find_mapping_problems(one_way, **fields) == ()
    two_way = _pair(
        FieldMapping(hubspot_property="score", salesforce_field="Note__c", rule=SyncRule.TWO_WAY)
    )
    assert [p.kind for p in find_mapping_problems(two_way, **fields)] == [ProblemKind.TYPE_MISMATCH]


def test_r23_write_to_read_only_field_is_refused_only_in_the_rule_direction() -> None:
    hubspot_fields = {**HS_EMAIL, "created": info("created", FieldType.DATETIME)}
    salesforce_fields = {
        **SF_EMAIL,
        "CreatedDate": info("CreatedDate", FieldType.DATETIME, updateable=False),
    }
    into_salesforce = _pair(
        FieldMapping(
            hubspot_property="created", salesforce_field="CreatedDate", rule=SyncRule.TWO_WAY
        )
    )
    problems = find_mapping_problems(
        into_salesforce, hubspot_fields=hubspot_fields, salesforce_fields=salesforce_fields
    )
    assert [p.kind for p in problems] == [ProblemKind.NOT_UPDATEABLE]
    from_salesforce = _pair(
        FieldMapping(
            hubspot_property="created",
            salesforce_field="CreatedDate",
            rule=SyncRule.ALWAYS_SALESFORCE,
        )
    )
    assert (
        find_mapping_problems(
            from_salesforce, hubspot_fields=hubspot_fields, salesforce_fields=salesforce_fields
        )
        == ()
    )


def test_r23_every_problem_is_listed_at_once() -> None:
    mapping = ObjectMapping(
        hubspot_object="contacts",
        salesforce_object="Contact",
        fields=(
            FieldMapping(hubspot_property="ghost", salesforce_field="Email", rule=SyncRule.TWO_WAY),
            FieldMapping(hubspot_property="email", salesforce_field="Email", rule=SyncRule.TWO_WAY),
            FieldMapping(
                hubspot_property="email2", salesforce_field="Email", rule=SyncRule.TWO_WAY
            ),
            FieldMapping(hubspot_property="age", salesforce_field="Nope", rule=SyncRule.TWO_WAY),
        ),
    )
    problems = find_mapping_problems(
        mapping,
        hubspot_fields={
            "email": info("email", FieldType.EMAIL),
            "email2": info("email2", FieldType.EMAIL),
            "age": info("age", FieldType.NUMBER),
        },
        salesforce_fields={"Email": info("Email", FieldType.EMAIL)},
    )
    kinds = sorted(problem.kind.value for problem in problems)
    assert kinds == ["duplicate_target", "missing_field", "missing_field"]


def test_r23_dont_sync_rows_are_not_type_checked() -> None:
    mapping = _pair(
        FieldMapping(hubspot_property="notes", salesforce_field="Score__c", rule=SyncRule.DONT_SYNC)
    )
    validate_object_mapping(
        mapping,
        hubspot_fields={**HS_EMAIL, "notes": info("notes", FieldType.STRING)},
        salesforce_fields={**SF_EMAIL, "Score__c": info("Score__c", FieldType.NUMBER)},
    )


def test_r23_default_contact_mapping_validates_against_plain_descriptions() -> None:
    hubspot_fields = {
        name: info(name, FieldType.PICKLIST if name == "hubspot_owner_id" else FieldType.STRING)
        for name in DEFAULT_CONTACT_MAPPING.hubspot_properties()
    }
    salesforce_fields = {
        name: info(name, FieldType.REFERENCE if name == "OwnerId" else FieldType.STRING)
        for name in DEFAULT_CONTACT_MAPPING.salesforce_fields()
    }
    validate_object_mapping(
        DEFAULT_CONTACT_MAPPING, hubspot_fields=hubspot_fields, salesforce_fields=salesforce_fields
    )


def required(name: str) -> FieldInfo:
    """A Salesforce field a create must give (createable, not nillable, no default)."""
    return FieldInfo(name=name, label=name, type=FieldType.STRING, nillable=False)


def _table(*rows: FieldMapping, salesforce_object: str = "Lead") -> ObjectMapping:
    return ObjectMapping(
        hubspot_object="contacts", salesforce_object=salesforce_object, fields=rows
    )


def _row(hubspot: str, salesforce: str, rule: SyncRule = SyncRule.TWO_WAY) -> FieldMapping:
    return FieldMapping(hubspot_property=hubspot, salesforce_field=salesforce, rule=rule)


LEAD_FIELDS = {
    **SF_EMAIL,
    "LastName": required("LastName"),
    "Company": required("Company"),
    # Not nillable but defaulted on create (Status, OwnerId): a create may leave it out.
    "Status": FieldInfo(
        name="Status", label="Status", type=FieldType.PICKLIST, nillable=False,
        defaulted_on_create=True,
    ),
    "Title": info("Title", FieldType.STRING),
}  # fmt: skip
HUBSPOT_CONTACT = {
    name: info(name, FieldType.STRING) for name in ("email", "lastname", "company", "jobtitle")
}


def test_r23_a_table_without_a_salesforce_required_field_is_refused() -> None:
    table = _table(_row("email", "Email"), _row("company", "Company"), _row("jobtitle", "Title"))
    with pytest.raises(MappingValidationError) as refused:
        validate_object_mapping(
            table, hubspot_fields=HUBSPOT_CONTACT, salesforce_fields=LEAD_FIELDS
        )
    assert [(p.kind, p.salesforce_field) for p in refused.value.problems] == [
        (ProblemKind.REQUIRED_NOT_WRITTEN, "LastName")
    ]
    assert "Lead.LastName" in str(refused.value)


def test_r23_a_required_field_mapped_only_toward_hubspot_is_refused() -> None:
    table = _table(
        _row("email", "Email"),
        _row("company", "Company"),
        _row("lastname", "LastName", SyncRule.ALWAYS_SALESFORCE),
    )
    problems = find_mapping_problems(
        table, hubspot_fields=HUBSPOT_CONTACT, salesforce_fields=LEAD_FIELDS
    )
    assert [p.kind for p in problems] == [ProblemKind.REQUIRED_NOT_WRITTEN]


def test_r23_required_fields_written_toward_salesforce_pass() -> None:
    table = _table(
        _row("email", "Email"),
        _row("company", "Company", SyncRule.ALWAYS_HUBSPOT),
        _row("lastname", "LastName", SyncRule.PREFER_SALESFORCE_UNLESS_BLANK),
    )
    validate_object_mapping(table, hubspot_fields=HUBSPOT_CONTACT, salesforce_fields=LEAD_FIELDS)


@pytest.mark.parametrize(
    "email_row", [None, _row("email", "Email", SyncRule.ALWAYS_HUBSPOT)], ids=["absent", "one-way"]
)
def test_r23_hubspot_unique_key_must_be_written_toward_hubspot(
    email_row: FieldMapping | None,
) -> None:
    rows = [_row("lastname", "LastName"), _row("company", "Company")]
    table = _table(*rows, *([email_row] if email_row else []))
    problems = find_mapping_problems(
        table, hubspot_fields=HUBSPOT_CONTACT, salesforce_fields=LEAD_FIELDS
    )
    assert [(p.kind, p.hubspot_property) for p in problems] == [
        (ProblemKind.UNIQUE_KEY_NOT_WRITTEN, "email")
    ]


@pytest.mark.parametrize(
    "rule",
    [
        SyncRule.ALWAYS_SALESFORCE,
        SyncRule.ALWAYS_HUBSPOT,
        SyncRule.PREFER_SALESFORCE_UNLESS_BLANK,
        SyncRule.PREFER_HUBSPOT_UNLESS_BLANK,
    ],
)
def test_r23_owner_rows_are_two_way_only(rule: SyncRule) -> None:
    owner = FieldMapping(
        hubspot_property="hubspot_owner_id",
        salesforce_field="OwnerId",
        rule=rule,
        transform=Transform.OWNER_BY_EMAIL,
    )
    table = _table(EMAIL_ROW, _row("lastname", "LastName"), _row("company", "Company"), owner)
    problems = find_mapping_problems(
        table,
        hubspot_fields={**HUBSPOT_CONTACT, "hubspot_owner_id": info("o", FieldType.PICKLIST)},
        salesforce_fields={**LEAD_FIELDS, "OwnerId": info("OwnerId", FieldType.REFERENCE)},
    )
    assert [p.kind for p in problems] == [ProblemKind.OWNER_NOT_TWO_WAY]
