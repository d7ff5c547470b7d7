"""API error codes → the health page's error cards (R3, R27), as a tested table.

Each row names the system and its own code (Salesforce ``errorCode``/``statusCode``;
HubSpot ``category`` with an optional ``subCategory`` or per-error ``code``; crmsync's
own codes for records it skips on purpose), the :class:`ErrorCategory` card the error
belongs to, whether retrying later can succeed without a change by the user, and a
plain-language hint. ``{field}`` in a hint becomes the field's name.

Entry point: ``classify(source, code, *, sub_category=None, field=None) -> Classification``.
An unknown code lands on the ``other`` card with a generic hint; it never raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from crmsync.connectors.base import System


class ErrorCategory(StrEnum):
    """The error cards of the sync health page, after HubSpot's."""

    ASSOCIATIONS = "associations"
    CUSTOM_CODE_VALIDATION = "custom_code_validation"
    DUPLICATES = "duplicates"
    FIELD_PERMISSIONS = "field_permissions"
    PICKLISTS = "picklists"
    PROPERTY_VALUES = "property_values"
    REQUIRED_FIELDS = "required_fields"
    API_LIMIT = "api_limit"
    OTHER = "other"


class ErrorSource(StrEnum):
    """Who raised an error code: one of the CRMs, or crmsync itself."""

    SALESFORCE = "salesforce"
    HUBSPOT = "hubspot"
    CRMSYNC = "crmsync"


@dataclass(frozen=True, kw_only=True)
class ErrorRule:
    """One row of the table."""

    category: ErrorCategory
    retriable: bool
    hint: str


@dataclass(frozen=True, kw_only=True)
class Classification:
    """How one error is shown and handled."""

    source: ErrorSource
    code: str
    sub_category: str | None
    category: ErrorCategory
    retriable: bool
    hint: str
    known: bool


def _rule(category: ErrorCategory, hint: str, *, retriable: bool = False) -> ErrorRule:
    return ErrorRule(category=category, retriable=retriable, hint=hint)


_C = ErrorCategory
_SF = ErrorSource.SALESFORCE
_HS = ErrorSource.HUBSPOT
_US = ErrorSource.CRMSYNC
_VALIDATION = "VALIDATION_ERROR"

ERROR_TABLE: Mapping[tuple[ErrorSource, str, str | None], ErrorRule] = {
    # --- Salesforce errorCode / statusCode ---
    (_SF, "REQUIRED_FIELD_MISSING", None): _rule(
        _C.REQUIRED_FIELDS,
        "Salesforce requires {field}. Fill it in HubSpot, map a property to it, "
        "or give it a default value in Salesforce.",
    ),
    (_SF, "STRING_TOO_LONG", None): _rule(
        _C.PROPERTY_VALUES,
        "The value is longer than Salesforce allows for {field}. Shorten it in HubSpot "
        "or raise the field's length in Salesforce.",
    ),
    (_SF, "INVALID_EMAIL_ADDRESS", None): _rule(
        _C.PROPERTY_VALUES, "Salesforce refused the email in {field}. Correct the address."
    ),
    (_SF, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", None): _rule(
        _C.PICKLISTS,
        "The value is not an active option of the restricted picklist {field}. Add the "
        "option in Salesforce or change the HubSpot value to one of its options.",
    ),
    (_SF, "FIELD_INTEGRITY_EXCEPTION", None): _rule(
        _C.PICKLISTS,
        "Salesforce refused the value of {field}: usually a state or country that is "
        "not in the org's picklist, or a state for a country without states. Check the "
        "state/country settings or correct the value.",
    ),
    (_SF, "DUPLICATES_DETECTED", None): _rule(
        _C.DUPLICATES,
        "A Salesforce duplicate rule blocked the save. Merge the duplicates or review "
        "the org's matching and duplicate rules.",
    ),
    (_SF, "DUPLICATE_VALUE", None): _rule(
        _C.DUPLICATES,
        "{field} must be unique in Salesforce and another record already has this value.",
    ),
    (_SF, "INVALID_FIELD_FOR_INSERT_UPDATE", None): _rule(
        _C.FIELD_PERMISSIONS,
        "The integration user cannot write {field}. Give it edit access (field-level "
        "security) or change the mapping's sync rule.",
    ),
    (_SF, "INSUFFICIENT_ACCESS_OR_READONLY", None): _rule(
        _C.FIELD_PERMISSIONS,
        "The integration user may not edit this record or {field}. Grant edit access "
        "through its profile, permission set or sharing.",
    ),
    (_SF, "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY", None): _rule(
        _C.FIELD_PERMISSIONS,
        "The integration user cannot see the record {field} points to, or it is "
        "missing. Share the related record with the user or fix the reference.",
    ),
    (_SF, "FIELD_CUSTOM_VALIDATION_EXCEPTION", None): _rule(
        _C.CUSTOM_CODE_VALIDATION,
        "A Salesforce validation rule refused the record. Work with your Salesforce "
        "admin to change the data or the rule.",
    ),
    (_SF, "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", None): _rule(
        _C.CUSTOM_CODE_VALIDATION,
        "A Salesforce trigger or flow failed on this record. Ask your Salesforce admin "
        "to check the automation.",
    ),
    (_SF, "CANNOT_UPDATE_CONVERTED_LEAD", None): _rule(
        _C.OTHER,
        "The lead was converted and can no longer be edited. crmsync moves the link to "
        "the converted contact at the next sync; retry then.",
        retriable=True,
    ),
    (_SF, "ENTITY_IS_DELETED", None): _rule(
        _C.OTHER,
        "The linked Salesforce record was deleted. Restore it from the recycle bin or "
        "let crmsync re-match the contact by email.",
    ),
    (_SF, "REQUEST_LIMIT_EXCEEDED", None): _rule(
        _C.API_LIMIT,
        "The Salesforce org is out of API calls. Work waits until calls free up; raise "
        "the limit or lower other integrations' usage.",
        retriable=True,
    ),
    (_SF, "INVALID_CROSS_REFERENCE_KEY", None): _rule(
        _C.ASSOCIATIONS,
        "{field} points to a record that does not exist or has the wrong type. Sync the "
        "related record first or correct the reference.",
    ),
    (_SF, "MALFORMED_ID", None): _rule(
        _C.ASSOCIATIONS, "{field} holds a value that is not a Salesforce id. Correct it."
    ),
    (_SF, "INVALID_FIELD", None): _rule(
        _C.FIELD_PERMISSIONS,
        "Salesforce does not know {field}, or the integration user cannot see it. Check "
        "the mapping and the field-level security.",
    ),
    (_SF, "INVALID_TYPE", None): _rule(
        _C.FIELD_PERMISSIONS,
        "The object is unknown or hidden from the integration user. Check its profile.",
    ),
    (_SF, "NOT_FOUND", None): _rule(
        _C.OTHER,
        "The Salesforce record no longer exists. It may have been deleted or merged.",
    ),
    (_SF, "UNABLE_TO_LOCK_ROW", None): _rule(
        _C.OTHER, "Another process was editing the record; crmsync retries.", retriable=True
    ),
    (_SF, "ALL_OR_NONE_OPERATION_ROLLED_BACK", None): _rule(
        _C.OTHER,
        "Rolled back because another record of the batch failed; crmsync retries it.",
        retriable=True,
    ),
    (_SF, "INVALID_SESSION_ID", None): _rule(
        _C.OTHER,
        "The Salesforce session expired; crmsync signs in again. If it repeats, "
        "reconnect the integration user.",
        retriable=True,
    ),
    # --- HubSpot category (and subCategory / per-error code) ---
    (_HS, _VALIDATION, "INVALID_EMAIL"): _rule(
        _C.PROPERTY_VALUES, "HubSpot refused the email in {field}. Correct the address."
    ),
    (_HS, _VALIDATION, "INVALID_OPTION"): _rule(
        _C.PICKLISTS,
        "The value is not an option of the HubSpot property {field}. Add the option in "
        "HubSpot or change the Salesforce value.",
    ),
    (_HS, _VALIDATION, "PROPERTY_DOESNT_EXIST"): _rule(
        _C.PROPERTY_VALUES,
        "HubSpot has no property {field}. Create it or fix the property mapping.",
    ),
    (_HS, _VALIDATION, None): _rule(
        _C.PROPERTY_VALUES,
        "HubSpot refused the value of {field}. Check its format against the property type.",
    ),
    (_HS, "CONFLICT", None): _rule(
        _C.DUPLICATES,
        "Another HubSpot contact already has this email. Remove the email from the "
        "other contact or merge the two.",
    ),
    (_HS, "OBJECT_ALREADY_EXISTS", None): _rule(
        _C.DUPLICATES, "The HubSpot record already exists; merge or remove the duplicate."
    ),
    (_HS, "RATE_LIMITS", None): _rule(
        _C.API_LIMIT, "HubSpot's rate limit was reached; crmsync waits and retries.", retriable=True
    ),
    (_HS, "RATE_LIMIT", None): _rule(
        _C.API_LIMIT, "HubSpot's rate limit was reached; crmsync waits and retries.", retriable=True
    ),
    (_HS, "MISSING_SCOPES", None): _rule(
        _C.FIELD_PERMISSIONS,
        "The HubSpot app lacks a scope it needs. Reinstall it with the scopes crmsync asks for.",
    ),
    (_HS, "INVALID_AUTHENTICATION", None): _rule(
        _C.OTHER, "HubSpot refused the access token. Reconnect HubSpot."
    ),
    (_HS, "EXPIRED_AUTHENTICATION", None): _rule(
        _C.OTHER, "The HubSpot token expired; crmsync refreshes it.", retriable=True
    ),
    (_HS, "OBJECT_NOT_FOUND", None): _rule(
        _C.OTHER,
        "The HubSpot record no longer exists. It may have been deleted or merged.",
    ),
    (_HS, "LOCKED", None): _rule(
        _C.OTHER, "HubSpot locked the record for a moment; crmsync retries.", retriable=True
    ),
    # --- crmsync's own codes ---
    (_US, "INVALID_EMAIL_SKIPPED", None): _rule(
        _C.PROPERTY_VALUES,
        "Only records with a valid email sync to HubSpot (R12). Correct {field} in Salesforce.",
    ),
    (_US, "COUNTRY_NOT_MATCHED", None): _rule(
        _C.PICKLISTS,
        "The country in {field} does not match a Salesforce country. Correct it, add it "
        "to the org's picklist, or sync state/country values as they are.",
    ),
    (_US, "STATE_NOT_MATCHED", None): _rule(
        _C.PICKLISTS,
        "The state in {field} does not match a Salesforce state of the record's country. "
        "Correct it or set the country first.",
    ),
    (_US, "VALUE_NOT_MAPPED", None): _rule(
        _C.PICKLISTS,
        "The value of {field} has no counterpart in the mapping's value table. Add it "
        "to the mapping.",
    ),
    (_US, "OWNER_NOT_MATCHED", None): _rule(
        _C.ASSOCIATIONS,
        "No active user on the other side has this owner's email. Create the user or "
        "give both the same email.",
    ),
    (_US, "REFERENCE_NOT_LINKED", None): _rule(
        _C.ASSOCIATIONS,
        "The record {field} points at is not synced yet (for a company: none of its "
        "contacts syncs to a Salesforce contact, or company sync is off). It is retried "
        "after the record it points at syncs.",
    ),
    (_US, "DEAL_PIPELINE_NOT_SYNCED", None): _rule(
        _C.PICKLISTS,
        "The deal's pipeline does not sync with Salesforce. Move the deal to a synced "
        "pipeline, or add the pipeline's stages to the stage table (deals.stages).",
    ),
    (_US, "DEAL_STAGE_NOT_MAPPED", None): _rule(
        _C.PICKLISTS,
        "This stage has no counterpart in the deal stage table. Add a row for it (deals.stages).",
    ),
    (_US, "DEAL_RECORD_TYPE_NOT_SYNCED", None): _rule(
        _C.PICKLISTS,
        "The opportunity's record type has no HubSpot pipeline. Create a pipeline named "
        "after the record type and regenerate the stage table, or add rows for it "
        "(deals.stages).",
    ),
    (_US, "DEAL_CURRENCY_NOT_ACTIVE", None): _rule(
        _C.PICKLISTS,
        "The deal's currency is not active in Salesforce, so neither its amount nor "
        "anything else of it syncs. Activate the currency in Salesforce or change the "
        "deal's currency.",
    ),
    (_US, "DEAL_CURRENCY_MISMATCH", None): _rule(
        _C.PROPERTY_VALUES,
        "The deal's amount is in another currency than the Salesforce org's only one; "
        "crmsync does not convert amounts. Change the deal's currency or turn on "
        "multi-currency in Salesforce.",
    ),
    (_US, "CONTACT_ROLE_NOT_SYNCED", None): _rule(
        _C.ASSOCIATIONS,
        "The contact of this opportunity contact role does not sync to HubSpot yet. The "
        "role waits and becomes a deal contact once the contact syncs.",
    ),
    (_US, "ACTIVITY_CONTACT_NOT_SYNCED", None): _rule(
        _C.ASSOCIATIONS,
        "The activity's contact does not sync to Salesforce (not linked yet, or not on "
        "the inclusion list). The activity waits and syncs once its contact does.",
    ),
    (_US, "DUPLICATE_EMAIL_IN_SALESFORCE", None): _rule(
        _C.DUPLICATES,
        "Several Salesforce records share this email; crmsync syncs one and reports the "
        "others. Merge the duplicates in Salesforce.",
    ),
    (_US, "MISSING_EMAIL", None): _rule(
        _C.REQUIRED_FIELDS, "Contacts sync only with an email address. Fill in {field}."
    ),
    (_US, "BUDGET_EXHAUSTED", None): _rule(
        _C.API_LIMIT,
        "The API calls allocated to crmsync are spent. Work waits for the 24-hour window "
        "to free calls; raise the allocation to go faster.",
        retriable=True,
    ),
}
"""(source, code, sub-category or None) → category, retriability and hint."""

_UNKNOWN = _rule(
    _C.OTHER,
    "An unexpected error. Read the API's message; if it persists, retry the record "
    "or ask for help with the code shown.",
)


def classify(
    source: ErrorSource | System,
    code: str,
    *,
    sub_category: str | None = None,
    field: str | None = None,
) -> Classification:
    """Classify an error code for the health page, never raising on unknown codes.

    ``source`` may be a :class:`~crmsync.connectors.base.System` or
    :class:`ErrorSource`. For HubSpot, pass the body's ``category`` as ``code`` and its
    ``subCategory`` (or the first per-error ``code``) as ``sub_category``; an unknown
    sub-category falls back to the category's own row.
    """
    origin = ErrorSource(source.value)
    rule = ERROR_TABLE.get((origin, code, sub_category)) or ERROR_TABLE.get((origin, code, None))
    found = rule is not None
    chosen = rule or _UNKNOWN
    return Classification(
        source=origin,
        code=code,
        sub_category=sub_category,
        category=chosen.category,
        retriable=chosen.retriable,
        hint=chosen.hint.format(field=field or "the field"),
        known=found,
    )
