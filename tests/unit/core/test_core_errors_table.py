"""R3/R27: every API error code lands on the right health-page card with a hint."""

from __future__ import annotations

import pytest

from crmsync.connectors.base import System
from crmsync.core.errors_table import (
    ERROR_TABLE,
    ErrorCategory,
    ErrorSource,
    classify,
)

C = ErrorCategory
SF = ErrorSource.SALESFORCE
HS = ErrorSource.HUBSPOT
US = ErrorSource.CRMSYNC

# The expected table, written out independently of the module: (source, code, sub) →
# (category, retriable).
EXPECTED: dict[tuple[ErrorSource, str, str | None], tuple[ErrorCategory, bool]] = {
    (SF, "REQUIRED_FIELD_MISSING", None): (C.REQUIRED_FIELDS, False),
    (SF, "STRING_TOO_LONG", None): (C.PROPERTY_VALUES, False),
    (SF, "INVALID_EMAIL_ADDRESS", None): (C.PROPERTY_VALUES, False),
    (SF, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", None): (C.PICKLISTS, False),
    (SF, "FIELD_INTEGRITY_EXCEPTION", None): (C.PICKLISTS, False),
    (SF, "DUPLICATES_DETECTED", None): (C.DUPLICATES, False),
    (SF, "DUPLICATE_VALUE", None): (C.DUPLICATES, False),
    (SF, "INVALID_FIELD_FOR_INSERT_UPDATE", None): (C.FIELD_PERMISSIONS, False),
    (SF, "INSUFFICIENT_ACCESS_OR_READONLY", None): (C.FIELD_PERMISSIONS, False),
    (SF, "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY", None): (C.FIELD_PERMISSIONS, False),
    (SF, "FIELD_CUSTOM_VALIDATION_EXCEPTION", None): (C.CUSTOM_CODE_VALIDATION, False),
    (SF, "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", None): (C.CUSTOM_CODE_VALIDATION, False),
    (SF, "CANNOT_UPDATE_CONVERTED_LEAD", None): (C.OTHER, True),
    (SF, "ENTITY_IS_DELETED", None): (C.OTHER, False),
    (SF, "REQUEST_LIMIT_EXCEEDED", None): (C.API_LIMIT, True),
    (SF, "INVALID_CROSS_REFERENCE_KEY", None): (C.ASSOCIATIONS, False),
    (SF, "MALFORMED_ID", None): (C.ASSOCIATIONS, False),
    (SF, "INVALID_FIELD", None): (C.FIELD_PERMISSIONS, False),
    (SF, "INVALID_TYPE", None): (C.FIELD_PERMISSIONS, False),
    (SF, "NOT_FOUND", None): (C.OTHER, False),
    (SF, "UNABLE_TO_LOCK_ROW", None): (C.OTHER, True),
    (SF, "ALL_OR_NONE_OPERATION_ROLLED_BACK", None): (C.OTHER, True),
    (SF, "INVALID_SESSION_ID", None): (C.OTHER, True),
    (HS, "VALIDATION_ERROR", "INVALID_EMAIL"): (C.PROPERTY_VALUES, False),
    (HS, "VALIDATION_ERROR", "INVALID_OPTION"): (C.PICKLISTS, False),
    (HS, "VALIDATION_ERROR", "PROPERTY_DOESNT_EXIST"): (C.PROPERTY_VALUES, False),
    (HS, "VALIDATION_ERROR", None): (C.PROPERTY_VALUES, False),
    (HS, "CONFLICT", None): (C.DUPLICATES, False),
    (HS, "OBJECT_ALREADY_EXISTS", None): (C.DUPLICATES, False),
    (HS, "RATE_LIMITS", None): (C.API_LIMIT, True),
    (HS, "RATE_LIMIT", None): (C.API_LIMIT, True),
    (HS, "MISSING_SCOPES", None): (C.FIELD_PERMISSIONS, False),
    (HS, "INVALID_AUTHENTICATION", None): (C.OTHER, False),
    (HS, "EXPIRED_AUTHENTICATION", None): (C.OTHER, True),
    (HS, "OBJECT_NOT_FOUND", None): (C.OTHER, False),
    (HS, "LOCKED", None): (C.OTHER, True),
    (US, "INVALID_EMAIL_SKIPPED", None): (C.PROPERTY_VALUES, False),
    (US, "COUNTRY_NOT_MATCHED", None): (C.PICKLISTS, False),
    (US, "STATE_NOT_MATCHED", None): (C.PICKLISTS, False),
    (US, "VALUE_NOT_MAPPED", None): (C.PICKLISTS, False),
    (US, "OWNER_NOT_MATCHED", None): (C.ASSOCIATIONS, False),
    (US, "DUPLICATE_EMAIL_IN_SALESFORCE", None): (C.DUPLICATES, False),
    (US, "REFERENCE_NOT_LINKED", None): (C.ASSOCIATIONS, False),
    (US, "DEAL_PIPELINE_NOT_SYNCED", None): (C.PICKLISTS, False),
    (US, "DEAL_STAGE_NOT_MAPPED", None): (C.PICKLISTS, False),
    (US, "DEAL_RECORD_TYPE_NOT_SYNCED", None): (C.PICKLISTS, False),
    (US, "DEAL_CURRENCY_NOT_ACTIVE", None): (C.PICKLISTS, False),
    (US, "DEAL_CURRENCY_MISMATCH", None): (C.PROPERTY_VALUES, False),
    (US, "CONTACT_ROLE_NOT_SYNCED", None): (C.ASSOCIATIONS, False),
    (US, "ACTIVITY_CONTACT_NOT_SYNCED", None): (C.ASSOCIATIONS, False),
    (US, "MISSING_EMAIL", None): (C.REQUIRED_FIELDS, False),
    (US, "BUDGET_EXHAUSTED", None): (C.API_LIMIT, True),
}


def test_r27_table_has_exactly_the_expected_rows() -> None:
    assert set(ERROR_TABLE) == set(EXPECTED)


@pytest.mark.parametrize(("key", "expected"), list(EXPECTED.items()))
def test_r3_each_code_lands_on_its_card(
    key: tuple[ErrorSource, str, str | None], expected: tuple[ErrorCategory, bool]
) -> None:
    source, code, sub = key
    result = classify(source, code, sub_category=sub, field="Email")
    assert (result.category, result.retriable) == expected
    assert result.known
    assert result.hint
    assert "{field}" not in result.hint


def test_r3_hint_names_the_field() -> None:
    result = classify(System.SALESFORCE, "REQUIRED_FIELD_MISSING", field="LastName")
    assert "LastName" in result.hint


def test_r3_hint_without_a_field_still_reads_well() -> None:
    assert "the field" in classify(System.SALESFORCE, "STRING_TOO_LONG").hint


def test_connector_system_is_accepted_as_source() -> None:
    assert classify(System.HUBSPOT, "CONFLICT").source is ErrorSource.HUBSPOT


def test_unknown_hubspot_sub_category_falls_back_to_its_category() -> None:
    result = classify(HS, "VALIDATION_ERROR", sub_category="SOMETHING_NEW")
    assert result.category is C.PROPERTY_VALUES
    assert result.known
    assert result.sub_category == "SOMETHING_NEW"


def test_unknown_code_lands_on_other_without_raising() -> None:
    result = classify(SF, "BRAND_NEW_CODE")
    assert (result.category, result.known, result.retriable) == (C.OTHER, False, False)
    assert result.code == "BRAND_NEW_CODE"


def test_same_code_from_another_source_is_not_confused() -> None:
    assert not classify(HS, "REQUIRED_FIELD_MISSING").known
