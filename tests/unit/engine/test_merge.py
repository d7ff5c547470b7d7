"""The engine's field-by-field merge of a linked pair, with value translation (R11, R23, R26).

``merge_pair`` decides each mapped field against the last snapshot; ``creation_plan``
gives the fields a new record on the other side is created with.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from crmsync.connectors.base import RemoteRecord, System
from crmsync.core.geography import GeographyMode, PicklistSetup
from crmsync.core.mapping import (
    DEFAULT_CONTACT_MAPPING,
    DEFAULT_LEAD_MAPPING,
    FieldMapping,
    ObjectMapping,
    for_picklists,
)
from crmsync.core.sync_rules import SyncRule
from crmsync.core.translation import FieldTranslator, IdentityTranslator, OwnerDirectory, Translator
from crmsync.core.values import FieldValue
from crmsync.engine.merge import PairPlan, creation_plan, merge_pair

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)

NAMES = ObjectMapping(
    hubspot_object="contacts",
    salesforce_object="Contact",
    fields=(
        FieldMapping(
            hubspot_property="firstname", salesforce_field="FirstName", rule=SyncRule.TWO_WAY
        ),
        FieldMapping(
            hubspot_property="lastname", salesforce_field="LastName", rule=SyncRule.TWO_WAY
        ),
        FieldMapping(
            hubspot_property="jobtitle", salesforce_field="Title", rule=SyncRule.DONT_SYNC
        ),
    ),
)

OWNERS = OwnerDirectory(
    hubspot_owner_emails={"101": "ann@acme.com", "102": "bob@acme.com"},
    salesforce_user_emails={"005A": "Ann@Acme.com", "005B": "bob@acme.com", "005C": "cy@acme.com"},
)
PICKLISTS_ON = FieldTranslator(
    picklists=PicklistSetup.ENABLED, mode=GeographyMode.MATCH_SALESFORCE, owners=OWNERS
)
CONTACT_WITH_CODES = for_picklists(DEFAULT_CONTACT_MAPPING, use_code_fields=True)


def merge(
    mapping: ObjectMapping,
    hubspot: dict[str, Any],
    salesforce: dict[str, Any],
    snapshot: dict[str, FieldValue] | None,
    *,
    translator: Translator | None = None,
    hubspot_at: datetime = T0,
    salesforce_at: datetime = T0,
) -> PairPlan:
    return merge_pair(
        hubspot=RemoteRecord(
            object_type="contacts", id="1", fields=hubspot, modified_at=hubspot_at
        ),
        salesforce=RemoteRecord(
            object_type=mapping.salesforce_object,
            id="003A",
            fields=salesforce,
            modified_at=salesforce_at,
        ),
        mapping=mapping,
        snapshot=snapshot or {},
        translator=translator or IdentityTranslator(),
    )


def conflicts(plan: PairPlan) -> list[Any]:
    return [change for change in plan.changes if change.conflict]


def problem_codes(plan: PairPlan) -> list[tuple[str, System]]:
    return [(problem.code, problem.target) for problem in plan.problems]


def test_only_fields_changed_since_snapshot_move_in_each_direction() -> None:
    decision = merge(
        NAMES,
        {"firstname": "Ann", "lastname": "Smith"},
        {"FirstName": "Anna", "LastName": "Smyth"},
        {"firstname": "Anna", "lastname": "Smith"},
        salesforce_at=LATER,
    )
    # HubSpot changed the first name, Salesforce the last name: both move, no conflict.
    assert decision.salesforce_values == {"FirstName": "Ann"}
    assert decision.hubspot_values == {"lastname": "Smyth"}
    assert conflicts(decision) == []


def test_r26_equal_records_write_nothing() -> None:
    decision = merge(
        NAMES,
        {"firstname": "Ann", "lastname": "Smith", "jobtitle": "CEO"},
        {"FirstName": "Ann", "LastName": "Smith", "Title": "Boss"},
        {"firstname": "Ann", "lastname": "Smith"},
    )
    assert decision.salesforce_values == {}
    assert decision.hubspot_values == {}


def test_conflict_keeps_the_losing_value_for_the_audit_log() -> None:
    decision = merge(
        NAMES,
        {"firstname": "Ann"},
        {"FirstName": "Annie"},
        {"firstname": "Anna"},
        hubspot_at=LATER,
    )
    (conflict,) = conflicts(decision)
    assert conflict.hubspot_property == "firstname"
    assert (conflict.target, conflict.new_value) == (System.SALESFORCE, "Ann")
    assert conflict.losing_value == "Annie"


def test_snapshot_entries_hold_only_once_their_write_succeeds() -> None:
    decision = merge(
        NAMES,
        {"firstname": "Ann", "lastname": "Smith"},
        {"FirstName": "Anna", "LastName": "Smyth"},
        {"firstname": "Anna", "lastname": "Smith"},
    )
    assert decision.snapshot_after(System.SALESFORCE) == {"firstname": "Ann"}
    assert decision.snapshot_after(System.HUBSPOT) == {"lastname": "Smyth"}
    assert "jobtitle" not in decision.settled


def test_r11_polska_is_written_as_pl_and_does_not_echo() -> None:
    first = merge(
        CONTACT_WITH_CODES,
        {"country": "Polska"},
        {"MailingCountryCode": None},
        None,
        translator=PICKLISTS_ON,
    )
    assert first.salesforce_values == {"MailingCountryCode": "PL"}
    snapshot = first.snapshot_after(System.SALESFORCE)
    # Next poll: Salesforce holds PL, HubSpot still says Polska: nothing moves (R26).
    second = merge(
        CONTACT_WITH_CODES,
        {"country": "Polska"},
        {"MailingCountryCode": "PL"},
        snapshot,
        translator=PICKLISTS_ON,
        salesforce_at=LATER,
    )
    assert second.salesforce_values == {}
    assert second.hubspot_values == {}


def test_r11_salesforce_country_code_reaches_hubspot_as_a_name() -> None:
    decision = merge(
        CONTACT_WITH_CODES,
        {"country": "Poland"},
        {"MailingCountryCode": "DE"},
        {"country": "PL"},
        translator=PICKLISTS_ON,
    )
    assert decision.hubspot_values == {"country": "Germany"}


def test_r11_unmatched_country_is_an_error_not_a_write() -> None:
    decision = merge(
        CONTACT_WITH_CODES,
        {"country": "Atlantis", "firstname": "Ann"},
        {"MailingCountryCode": None, "FirstName": None},
        None,
        translator=PICKLISTS_ON,
    )
    assert decision.salesforce_values == {"FirstName": "Ann"}
    assert problem_codes(decision) == [("COUNTRY_NOT_MATCHED", System.SALESFORCE)]


def test_r11_state_uses_the_country_of_the_same_record() -> None:
    decision = merge(
        CONTACT_WITH_CODES,
        {"country": "USA", "state": "California"},
        {},
        None,
        translator=PICKLISTS_ON,
    )
    assert decision.salesforce_values == {"MailingCountryCode": "US", "MailingStateCode": "CA"}


def test_r11_picklists_on_with_text_field_sends_the_name() -> None:
    decision = merge(
        DEFAULT_CONTACT_MAPPING,
        {"country": "Polska"},
        {},
        None,
        translator=PICKLISTS_ON,
    )
    assert decision.salesforce_values == {"MailingCountry": "Poland"}


def test_r23_owner_maps_by_email_in_both_directions() -> None:
    to_salesforce = merge(
        DEFAULT_CONTACT_MAPPING,
        {"hubspot_owner_id": "101"},
        {"OwnerId": "005B"},
        {"hubspot_owner_id": "005B"},
        translator=PICKLISTS_ON,
    )
    assert to_salesforce.salesforce_values == {"OwnerId": "005A"}
    to_hubspot = merge(
        DEFAULT_CONTACT_MAPPING,
        {"hubspot_owner_id": "101"},
        {"OwnerId": "005B"},
        {"hubspot_owner_id": "005A"},
        translator=PICKLISTS_ON,
    )
    assert to_hubspot.hubspot_values == {"hubspot_owner_id": "102"}


def test_r23_hubspot_owner_without_a_salesforce_user_is_an_error() -> None:
    decision = merge(
        DEFAULT_CONTACT_MAPPING,
        {"hubspot_owner_id": "999"},
        {"OwnerId": "005A"},
        {"hubspot_owner_id": "005A"},
        translator=PICKLISTS_ON,
    )
    assert problem_codes(decision) == [("OWNER_NOT_MATCHED", System.SALESFORCE)]
    assert decision.salesforce_values == {}


def test_r23_salesforce_owner_without_a_hubspot_owner_leaves_hubspot_alone() -> None:
    decision = merge(
        DEFAULT_CONTACT_MAPPING,
        {"hubspot_owner_id": "101"},
        {"OwnerId": "005C"},
        {"hubspot_owner_id": "005A"},
        translator=PICKLISTS_ON,
    )
    assert decision.hubspot_values == {}
    assert decision.problems == []


def test_lead_status_value_map_is_not_one_to_one_yet_does_not_echo() -> None:
    decision = merge(
        DEFAULT_LEAD_MAPPING,
        {"hs_lead_status": "CONNECTED"},
        {"Status": "Working - Contacted"},
        {"hs_lead_status": "Working - Contacted"},
        translator=PICKLISTS_ON,
    )
    assert decision.salesforce_values == {}
    assert decision.hubspot_values == {}
    back = merge(
        DEFAULT_LEAD_MAPPING,
        {"hs_lead_status": "NEW"},
        {"Status": "Closed - Not Converted"},
        {"hs_lead_status": "Open - Not Contacted"},
        translator=PICKLISTS_ON,
    )
    assert back.hubspot_values == {"hs_lead_status": "UNQUALIFIED"}


def create_from(
    mapping: ObjectMapping, source: System, fields: dict[str, Any], translator: Translator
) -> PairPlan:
    object_type = "contacts" if source is System.HUBSPOT else mapping.salesforce_object
    return creation_plan(
        source=RemoteRecord(object_type=object_type, id="1", fields=fields, modified_at=T0),
        source_system=source,
        mapping=mapping,
        translator=translator,
    )


def test_creation_translates_a_new_hubspot_contact_for_salesforce() -> None:
    plan = create_from(
        CONTACT_WITH_CODES,
        System.HUBSPOT,
        {"firstname": "Ann", "lastname": "", "country": "Polska", "state": "Nowhere"},
        PICKLISTS_ON,
    )
    assert plan.salesforce_values == {"FirstName": "Ann", "MailingCountryCode": "PL"}
    assert problem_codes(plan) == [("STATE_NOT_MATCHED", System.SALESFORCE)]


def test_creation_skips_rows_whose_rule_never_writes_that_way() -> None:
    mapping = ObjectMapping(
        hubspot_object="contacts",
        salesforce_object="Contact",
        fields=(
            FieldMapping(
                hubspot_property="firstname",
                salesforce_field="FirstName",
                rule=SyncRule.ALWAYS_SALESFORCE,
            ),
        ),
    )
    identity = IdentityTranslator()
    assert (
        create_from(mapping, System.HUBSPOT, {"firstname": "Ann"}, identity).salesforce_values == {}
    )
    from_salesforce = create_from(mapping, System.SALESFORCE, {"FirstName": "Ann"}, identity)
    assert from_salesforce.hubspot_values == {"firstname": "Ann"}
