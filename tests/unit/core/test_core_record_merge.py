"""The record-level three-way merge with value translation (R11, R26)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from crmsync.connectors.base import System
from crmsync.core.geography import GeographyMode, PicklistSetup
from crmsync.core.mapping import (
    DEFAULT_CONTACT_MAPPING,
    DEFAULT_LEAD_MAPPING,
    FieldMapping,
    ObjectMapping,
    for_picklists,
)
from crmsync.core.record_merge import RecordDecision, decide_record, initial_values
from crmsync.core.sync_rules import SyncRule
from crmsync.core.translation import FieldTranslator, OwnerDirectory, Translator
from crmsync.core.values import FieldValue

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
    salesforce_user_emails={"005A": "Ann@Acme.com", "005B": "bob@acme.com"},
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
) -> RecordDecision:
    if translator is None:
        return decide_record(
            mapping=mapping,
            hubspot=hubspot,
            salesforce=salesforce,
            snapshot=snapshot,
            hubspot_modified_at=hubspot_at,
            salesforce_modified_at=salesforce_at,
        )
    return decide_record(
        mapping=mapping,
        hubspot=hubspot,
        salesforce=salesforce,
        snapshot=snapshot,
        hubspot_modified_at=hubspot_at,
        salesforce_modified_at=salesforce_at,
        translator=translator,
    )


def test_only_fields_changed_since_snapshot_move_in_each_direction() -> None:
    decision = merge(
        NAMES,
        {"firstname": "Ann", "lastname": "Smith"},
        {"FirstName": "Anna", "LastName": "Smyth"},
        {"firstname": "Anna", "lastname": "Smith"},
        salesforce_at=LATER,
    )
    # HubSpot changed the first name, Salesforce the last name: both move, no conflict.
    assert decision.salesforce_writes() == {"FirstName": "Ann"}
    assert decision.hubspot_writes() == {"lastname": "Smyth"}
    assert decision.conflicts() == ()


def test_r26_equal_records_write_nothing() -> None:
    decision = merge(
        NAMES,
        {"firstname": "Ann", "lastname": "Smith", "jobtitle": "CEO"},
        {"FirstName": "Ann", "LastName": "Smith", "Title": "Boss"},
        {"firstname": "Ann", "lastname": "Smith"},
    )
    assert decision.salesforce_writes() == {}
    assert decision.hubspot_writes() == {}


def test_conflict_keeps_the_losing_value_for_the_audit_log() -> None:
    decision = merge(
        NAMES,
        {"firstname": "Ann"},
        {"FirstName": "Annie"},
        {"firstname": "Anna"},
        hubspot_at=LATER,
    )
    (conflict,) = decision.conflicts()
    assert conflict.mapping.hubspot_property == "firstname"
    assert conflict.write_value == "Ann"
    assert conflict.losing_value == "Annie"


def test_snapshot_after_records_settled_values_and_keeps_failed_sides() -> None:
    previous: dict[str, FieldValue] = {"firstname": "Anna", "lastname": "Smith"}
    decision = merge(
        NAMES,
        {"firstname": "Ann", "lastname": "Smith"},
        {"FirstName": "Anna", "LastName": "Smyth"},
        previous,
    )
    assert decision.snapshot_after(previous) == {"firstname": "Ann", "lastname": "Smyth"}
    kept = decision.snapshot_after(previous, failed=frozenset({System.SALESFORCE}))
    assert kept == {"firstname": "Anna", "lastname": "Smyth"}
    assert "jobtitle" not in decision.snapshot_after(None)


def test_r11_polska_is_written_as_pl_and_does_not_echo() -> None:
    first = merge(
        CONTACT_WITH_CODES,
        {"country": "Polska"},
        {"MailingCountryCode": None},
        None,
        translator=PICKLISTS_ON,
    )
    assert first.salesforce_writes() == {"MailingCountryCode": "PL"}
    snapshot = first.snapshot_after(None)
    # Next poll: Salesforce holds PL, HubSpot still says Polska: nothing moves (R26).
    second = merge(
        CONTACT_WITH_CODES,
        {"country": "Polska"},
        {"MailingCountryCode": "PL"},
        snapshot,
        translator=PICKLISTS_ON,
        salesforce_at=LATER,
    )
    assert second.salesforce_writes() == {}
    assert second.hubspot_writes() == {}


def test_r11_salesforce_country_code_reaches_hubspot_as_a_name() -> None:
    decision = merge(
        CONTACT_WITH_CODES,
        {"country": "Poland"},
        {"MailingCountryCode": "DE"},
        {"country": "PL"},
        translator=PICKLISTS_ON,
    )
    assert decision.hubspot_writes() == {"country": "Germany"}


def test_r11_unmatched_country_is_an_error_not_a_write() -> None:
    decision = merge(
        CONTACT_WITH_CODES,
        {"country": "Atlantis", "firstname": "Ann"},
        {"MailingCountryCode": None, "FirstName": None},
        None,
        translator=PICKLISTS_ON,
    )
    assert decision.salesforce_writes() == {"FirstName": "Ann"}
    (error,) = decision.errors()
    assert error.problem is not None
    assert (error.problem.code, error.problem.target) == ("COUNTRY_NOT_MATCHED", System.SALESFORCE)


def test_r11_state_uses_the_country_of_the_same_record() -> None:
    decision = merge(
        CONTACT_WITH_CODES,
        {"country": "USA", "state": "California"},
        {},
        None,
        translator=PICKLISTS_ON,
    )
    assert decision.salesforce_writes() == {"MailingCountryCode": "US", "MailingStateCode": "CA"}


def test_r11_picklists_on_with_text_field_sends_the_name() -> None:
    decision = merge(
        DEFAULT_CONTACT_MAPPING,
        {"country": "Polska"},
        {},
        None,
        translator=PICKLISTS_ON,
    )
    assert decision.salesforce_writes() == {"MailingCountry": "Poland"}


def test_owner_maps_by_email_in_both_directions() -> None:
    to_salesforce = merge(
        DEFAULT_CONTACT_MAPPING,
        {"hubspot_owner_id": "101"},
        {"OwnerId": "005B"},
        {"hubspot_owner_id": "005B"},
        translator=PICKLISTS_ON,
    )
    assert to_salesforce.salesforce_writes() == {"OwnerId": "005A"}
    to_hubspot = merge(
        DEFAULT_CONTACT_MAPPING,
        {"hubspot_owner_id": "101"},
        {"OwnerId": "005B"},
        {"hubspot_owner_id": "005A"},
        translator=PICKLISTS_ON,
    )
    assert to_hubspot.hubspot_writes() == {"hubspot_owner_id": "102"}


def test_unknown_owner_is_an_error() -> None:
    decision = merge(
        DEFAULT_CONTACT_MAPPING,
        {"hubspot_owner_id": "999"},
        {"OwnerId": "005A"},
        {"hubspot_owner_id": "005A"},
        translator=PICKLISTS_ON,
    )
    assert [outcome.problem.code for outcome in decision.errors() if outcome.problem] == [
        "OWNER_NOT_MATCHED"
    ]


def test_lead_status_value_map_is_not_one_to_one_yet_does_not_echo() -> None:
    decision = merge(
        DEFAULT_LEAD_MAPPING,
        {"hs_lead_status": "CONNECTED"},
        {"Status": "Working - Contacted"},
        {"hs_lead_status": "Working - Contacted"},
        translator=PICKLISTS_ON,
    )
    assert decision.salesforce_writes() == {}
    assert decision.hubspot_writes() == {}
    back = merge(
        DEFAULT_LEAD_MAPPING,
        {"hs_lead_status": "NEW"},
        {"Status": "Closed - Not Converted"},
        {"hs_lead_status": "Open - Not Contacted"},
        translator=PICKLISTS_ON,
    )
    assert back.hubspot_writes() == {"hs_lead_status": "UNQUALIFIED"}


def test_initial_values_translate_a_new_hubspot_contact_for_salesforce() -> None:
    values, problems = initial_values(
        mapping=CONTACT_WITH_CODES,
        source=System.HUBSPOT,
        record={"firstname": "Ann", "lastname": "", "country": "Polska", "state": "Nowhere"},
        translator=PICKLISTS_ON,
    )
    assert values == {"FirstName": "Ann", "MailingCountryCode": "PL"}
    assert [p.problem.code for p in problems if p.problem] == ["STATE_NOT_MATCHED"]


def test_initial_values_skip_rows_whose_rule_never_writes_that_way() -> None:
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
    values, _ = initial_values(mapping=mapping, source=System.HUBSPOT, record={"firstname": "Ann"})
    assert values == {}
    values, _ = initial_values(
        mapping=mapping, source=System.SALESFORCE, record={"FirstName": "Ann"}
    )
    assert values == {"firstname": "Ann"}
