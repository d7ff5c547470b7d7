"""Property mappings as data: HubSpot property ⇄ Salesforce field, with a sync rule.

An :class:`ObjectMapping` pairs one HubSpot object type with one Salesforce object
(``contacts`` ⇄ ``Lead``, ``contacts`` ⇄ ``Contact``) and lists its
:class:`FieldMapping` rows. Lead and Contact name some fields differently (``Street`` vs
``MailingStreet``), so each gets its own mapping built from one shared table.

Defaults (:data:`DEFAULT_LEAD_MAPPING`, :data:`DEFAULT_CONTACT_MAPPING`):

- Every default row is ``two_way``: crmsync is a two-way sync and users edit the table.
  (HubSpot's own defaults prefer Salesforce unless blank; pick that rule per row if
  you want HubSpot's behaviour.)
- ``company``, ``website``, ``industry`` and ``hs_lead_status`` map on Lead only. A
  Contact's company is its Account's ``Name``, which cannot be written through the
  Contact; company data moves with the companies ⇄ accounts sync (R21).
- ``lifecyclestage`` is not mapped: it never changes Salesforce (R17).
- ``state``/``country`` carry a transform (R11) and a picklist *code* field
  (``StateCode``...). :func:`for_picklists` swaps to the code fields when the org's
  state/country picklists are on and values are matched.

Validation on save (R23): :func:`validate_object_mapping` raises
:class:`MappingValidationError` listing every problem (missing field, type mismatch in a
direction the rule writes, write to a non-updateable field, two rows writing one field,
a field Salesforce requires on create or HubSpot's unique key left without a row that
writes it, an owner row that is not two-way).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from crmsync.connectors.base import FieldInfo, FieldType, System
from crmsync.core.sync_rules import SyncRule
from crmsync.errors import ConfigurationError


class Transform(StrEnum):
    """A named value transform applied when a value crosses between the CRMs."""

    COUNTRY = "country"
    STATE = "state"
    OWNER_BY_EMAIL = "owner_by_email"
    VALUE_MAP = "value_map"
    REFERENCE = "reference"
    """The value is the id of a record of another pair (``reference_pair``), mapped
    through that pair's links (``Contact.AccountId`` ⇄ the primary company)."""
    DATE = "date"
    """A HubSpot datetime at midnight UTC ⇄ a Salesforce date (a deal's close date)."""
    DEAL_STAGE = "deal_stage"
    """A deal's stage ⇄ ``StageName`` through the pipeline and stage table (R22)."""
    DEAL_PIPELINE = "deal_pipeline"
    """A deal's pipeline ⇄ the pipeline of its ``StageName`` in the stage table (R22)."""
    TRUNCATE = "truncate"
    """Text cut to the Salesforce field's ``max_length``, ending with a marker (R24)."""
    CONSTANT = "constant"
    """The Salesforce value is fixed (``value_map``'s first Salesforce value): a task's
    ``Type`` for a HubSpot call is always ``Call`` (R24)."""


@dataclass(frozen=True, kw_only=True)
class FieldMapping:
    """One HubSpot property ⇄ one Salesforce field of an object pair.

    ``value_map`` (for :attr:`Transform.VALUE_MAP`) lists ``(hubspot, salesforce)``
    value pairs; several HubSpot values may share a Salesforce value, and the first
    pair naming a Salesforce value gives its HubSpot value. ``salesforce_code_field``
    is the picklist code field used instead when state/country picklists are on.
    """

    hubspot_property: str
    salesforce_field: str
    rule: SyncRule
    transform: Transform | None = None
    value_map: tuple[tuple[str, str], ...] = ()
    salesforce_code_field: str | None = None
    reference_pair: str | None = None
    """For :attr:`Transform.REFERENCE`: the pair whose links translate the id."""
    max_length: int | None = None
    """For :attr:`Transform.TRUNCATE`: the Salesforce field's length."""
    salesforce_default: str | None = None
    """The Salesforce value written when HubSpot's is blank (a required picklist such
    as a task's ``Status``, which Salesforce refuses to clear)."""


@dataclass(frozen=True, kw_only=True)
class ObjectMapping:
    """The mapping table of one HubSpot object type and one Salesforce object."""

    hubspot_object: str
    salesforce_object: str
    fields: tuple[FieldMapping, ...]

    def hubspot_properties(self) -> tuple[str, ...]:
        """HubSpot properties to read for this pair (mapped rows, including don't-sync)."""
        return tuple(row.hubspot_property for row in self.fields)

    def salesforce_fields(self) -> tuple[str, ...]:
        """Salesforce fields to read for this pair."""
        return tuple(row.salesforce_field for row in self.fields)

    def by_hubspot_property(self, name: str) -> FieldMapping | None:
        """The row for a HubSpot property, if mapped."""
        return next((row for row in self.fields if row.hubspot_property == name), None)


LEAD_STATUS_VALUE_MAP: tuple[tuple[str, str], ...] = (
    # HubSpot hs_lead_status → Salesforce's default Lead Status values. The first row
    # naming a Salesforce value is what that value becomes in HubSpot.
    ("NEW", "Open - Not Contacted"),
    ("OPEN", "Open - Not Contacted"),
    ("ATTEMPTED_TO_CONTACT", "Working - Contacted"),
    ("IN_PROGRESS", "Working - Contacted"),
    ("CONNECTED", "Working - Contacted"),
    ("OPEN_DEAL", "Closed - Converted"),
    ("UNQUALIFIED", "Closed - Not Converted"),
    ("BAD_TIMING", "Closed - Not Converted"),
)

_TWO_WAY = SyncRule.TWO_WAY

# hubspot property, Lead field, Contact field (None: not on that object), rule, transform
_CONTACT_ROWS: tuple[tuple[str, str | None, str | None, SyncRule, Transform | None], ...] = (
    ("firstname", "FirstName", "FirstName", _TWO_WAY, None),
    ("lastname", "LastName", "LastName", _TWO_WAY, None),
    ("email", "Email", "Email", _TWO_WAY, None),
    ("phone", "Phone", "Phone", _TWO_WAY, None),
    ("mobilephone", "MobilePhone", "MobilePhone", _TWO_WAY, None),
    ("company", "Company", None, _TWO_WAY, None),
    ("jobtitle", "Title", "Title", _TWO_WAY, None),
    ("address", "Street", "MailingStreet", _TWO_WAY, None),
    ("city", "City", "MailingCity", _TWO_WAY, None),
    ("zip", "PostalCode", "MailingPostalCode", _TWO_WAY, None),
    ("state", "State", "MailingState", _TWO_WAY, Transform.STATE),
    ("country", "Country", "MailingCountry", _TWO_WAY, Transform.COUNTRY),
    ("website", "Website", None, _TWO_WAY, None),
    ("industry", "Industry", None, _TWO_WAY, None),
    ("hs_lead_status", "Status", None, _TWO_WAY, Transform.VALUE_MAP),
    # HubSpot only syncs owners two-way, matched by the user's email.
    ("hubspot_owner_id", "OwnerId", "OwnerId", _TWO_WAY, Transform.OWNER_BY_EMAIL),
)

PICKLIST_CODE_FIELDS: Mapping[str, str] = {
    "State": "StateCode",
    "Country": "CountryCode",
    "MailingState": "MailingStateCode",
    "MailingCountry": "MailingCountryCode",
    "BillingState": "BillingStateCode",
    "BillingCountry": "BillingCountryCode",
}
"""Text address field → the code field Salesforce adds when state/country picklists are on."""

_VALUE_MAPS: Mapping[str, tuple[tuple[str, str], ...]] = {"hs_lead_status": LEAD_STATUS_VALUE_MAP}


def _build(salesforce_object: str, column: int) -> ObjectMapping:
    rows: list[FieldMapping] = []
    for row in _CONTACT_ROWS:
        salesforce_field = row[column]
        if not isinstance(salesforce_field, str):
            continue
        rows.append(
            FieldMapping(
                hubspot_property=row[0],
                salesforce_field=salesforce_field,
                rule=row[3],
                transform=row[4],
                value_map=_VALUE_MAPS.get(row[0], ()),
                salesforce_code_field=PICKLIST_CODE_FIELDS.get(salesforce_field),
            )
        )
    return ObjectMapping(
        hubspot_object="contacts", salesforce_object=salesforce_object, fields=tuple(rows)
    )


DEFAULT_LEAD_MAPPING = _build("Lead", 1)
"""contacts ⇄ Lead, the default table."""

DEFAULT_CONTACT_MAPPING = _build("Contact", 2)
"""contacts ⇄ Contact, the default table."""


# hubspot company property, Account field, transform (R21, R23)
_ACCOUNT_ROWS: tuple[tuple[str, str, Transform | None], ...] = (
    ("name", "Name", None),
    ("website", "Website", None),
    ("phone", "Phone", None),
    ("address", "BillingStreet", None),
    ("city", "BillingCity", None),
    ("zip", "BillingPostalCode", None),
    ("state", "BillingState", Transform.STATE),
    ("country", "BillingCountry", Transform.COUNTRY),
    ("industry", "Industry", None),
    ("numberofemployees", "NumberOfEmployees", None),
    ("annualrevenue", "AnnualRevenue", None),
    ("description", "Description", None),
    ("hubspot_owner_id", "OwnerId", Transform.OWNER_BY_EMAIL),
)

DEFAULT_ACCOUNT_MAPPING = ObjectMapping(
    hubspot_object="companies",
    salesforce_object="Account",
    fields=tuple(
        FieldMapping(
            hubspot_property=prop,
            salesforce_field=field,
            rule=_TWO_WAY,
            transform=transform,
            salesforce_code_field=PICKLIST_CODE_FIELDS.get(field),
        )
        for prop, field, transform in _ACCOUNT_ROWS
    ),
)
"""companies ⇄ Account, the default table. The address goes to the billing address's
component fields; the compound ``BillingAddress`` is read-only and never selected."""


# deal property, Opportunity field, transform (R22). The stage and pipeline rows are
# added by the deals pair from its stage table (:mod:`crmsync.core.deal_stages`).
_OPPORTUNITY_ROWS: tuple[tuple[str, str, Transform | None], ...] = (
    ("dealname", "Name", None),
    ("amount", "Amount", None),
    ("closedate", "CloseDate", Transform.DATE),
    ("dealtype", "Type", Transform.VALUE_MAP),
    ("description", "Description", None),
    ("hs_next_step", "NextStep", None),
    ("hubspot_owner_id", "OwnerId", Transform.OWNER_BY_EMAIL),
)

DEAL_TYPE_VALUE_MAP: tuple[tuple[str, str], ...] = (
    ("newbusiness", "New Customer"),
    ("existingbusiness", "Existing Customer - Upgrade"),
)
"""HubSpot's deal types ⇄ Salesforce's default Opportunity types."""

DEFAULT_OPPORTUNITY_MAPPING = ObjectMapping(
    hubspot_object="deals",
    salesforce_object="Opportunity",
    fields=tuple(
        FieldMapping(
            hubspot_property=prop,
            salesforce_field=field,
            rule=_TWO_WAY,
            transform=transform,
            value_map=DEAL_TYPE_VALUE_MAP if transform is Transform.VALUE_MAP else (),
        )
        for prop, field, transform in _OPPORTUNITY_ROWS
    ),
)
"""deals ⇄ Opportunity, the default table (name, amount, close date, type, description,
next step, owner; the stage comes from the stage table)."""


def for_picklists(mapping: ObjectMapping, *, use_code_fields: bool) -> ObjectMapping:
    """The mapping with state/country rows pointed at their picklist code fields.

    Pass ``use_code_fields=True`` when the org's state/country picklists are enabled
    (or customised) and values are matched to Salesforce's (R11); the code field then
    receives ``PL``, ``CA``... Otherwise the mapping is returned unchanged.
    """
    if not use_code_fields:
        return mapping
    rows = tuple(
        replace(row, salesforce_field=row.salesforce_code_field)
        if row.salesforce_code_field
        else row
        for row in mapping.fields
    )
    return replace(mapping, fields=rows)


# --- validation (R23) ---------------------------------------------------------------

TYPE_COMPATIBILITY: Mapping[FieldType, frozenset[FieldType]] = {
    # A value of the key type may be written into a field of any listed type.
    FieldType.STRING: frozenset(
        {
            FieldType.STRING,
            FieldType.TEXT,
            FieldType.EMAIL,
            FieldType.PHONE,
            FieldType.URL,
            FieldType.PICKLIST,
        }
    ),
    FieldType.TEXT: frozenset({FieldType.TEXT, FieldType.STRING}),
    FieldType.EMAIL: frozenset({FieldType.EMAIL, FieldType.STRING, FieldType.TEXT}),
    FieldType.PHONE: frozenset({FieldType.PHONE, FieldType.STRING, FieldType.TEXT}),
    FieldType.URL: frozenset({FieldType.URL, FieldType.STRING, FieldType.TEXT}),
    FieldType.NUMBER: frozenset({FieldType.NUMBER, FieldType.STRING, FieldType.TEXT}),
    FieldType.BOOLEAN: frozenset({FieldType.BOOLEAN, FieldType.STRING, FieldType.TEXT}),
    FieldType.DATE: frozenset(
        {FieldType.DATE, FieldType.DATETIME, FieldType.STRING, FieldType.TEXT}
    ),
    FieldType.DATETIME: frozenset(
        {FieldType.DATETIME, FieldType.DATE, FieldType.STRING, FieldType.TEXT}
    ),
    FieldType.PICKLIST: frozenset(
        {FieldType.PICKLIST, FieldType.STRING, FieldType.TEXT, FieldType.REFERENCE}
    ),
    FieldType.MULTIPICKLIST: frozenset({FieldType.MULTIPICKLIST, FieldType.STRING, FieldType.TEXT}),
    FieldType.REFERENCE: frozenset(
        {FieldType.REFERENCE, FieldType.PICKLIST, FieldType.STRING, FieldType.ID}
    ),
    FieldType.ID: frozenset({FieldType.ID, FieldType.REFERENCE, FieldType.STRING}),
}
"""Which source type may be written into which target type (HubSpot's compatibility table)."""


class ProblemKind(StrEnum):
    """Why a mapping row is refused."""

    MISSING_FIELD = "missing_field"
    TYPE_MISMATCH = "type_mismatch"
    NOT_UPDATEABLE = "not_updateable"
    DUPLICATE_TARGET = "duplicate_target"
    ONE_WAY_ONLY = "one_way_only"
    REQUIRED_NOT_WRITTEN = "required_not_written"
    UNIQUE_KEY_NOT_WRITTEN = "unique_key_not_written"
    OWNER_NOT_TWO_WAY = "owner_not_two_way"


ONE_WAY_PROPERTIES: Mapping[str, str] = {
    "lifecyclestage": "a HubSpot lifecycle stage never changes a Salesforce record (R17)",
}
"""HubSpot properties no rule may write to Salesforce, and why."""

HUBSPOT_UNIQUE_KEYS: Mapping[str, str] = {"contacts": "email"}
"""The property HubSpot deduplicates an object type by; creates from Salesforce need it."""

OWNER_RULES: frozenset[SyncRule] = frozenset({SyncRule.TWO_WAY, SyncRule.DONT_SYNC})
"""HubSpot's integration syncs record owners two-way or not at all."""

WRITTEN_OUTSIDE_MAPPINGS: Mapping[str, frozenset[str]] = {
    # The deal stage table (deals.stages) writes an opportunity's stage, not a mapping row.
    "Opportunity": frozenset({"StageName"}),
}
"""Required Salesforce fields that something other than the mapping table fills."""


@dataclass(frozen=True, kw_only=True)
class MappingProblem:
    """One reason a mapping cannot be saved, in words a user can act on."""

    kind: ProblemKind
    hubspot_property: str
    salesforce_field: str
    message: str


class MappingValidationError(ConfigurationError):
    """A mapping table was refused; ``problems`` lists every reason (R23)."""

    def __init__(self, problems: Iterable[MappingProblem]) -> None:
        self.problems = tuple(problems)
        lines = "; ".join(problem.message for problem in self.problems)
        super().__init__(f"mapping refused ({len(self.problems)} problems): {lines}")


def find_mapping_problems(
    mapping: ObjectMapping,
    *,
    hubspot_fields: Mapping[str, FieldInfo],
    salesforce_fields: Mapping[str, FieldInfo],
) -> tuple[MappingProblem, ...]:
    """Every problem of a mapping table against both sides' field descriptions."""
    problems: list[MappingProblem] = []
    described = {System.HUBSPOT: hubspot_fields, System.SALESFORCE: salesforce_fields}
    targets: dict[tuple[System, str], str] = {}
    for row in mapping.fields:
        why = ONE_WAY_PROPERTIES.get(row.hubspot_property)
        if why is not None and System.SALESFORCE in row.rule.writes_to:
            problems.append(
                _problem(
                    ProblemKind.ONE_WAY_ONLY,
                    row,
                    f"rule '{row.rule.value}' would write it to Salesforce: {why}",
                )
            )
        names = {System.HUBSPOT: row.hubspot_property, System.SALESFORCE: row.salesforce_field}
        found = {system: described[system].get(names[system]) for system in System}
        infos: dict[System, FieldInfo] = {}
        for system, info in found.items():
            if info is None:
                problems.append(
                    _problem(
                        ProblemKind.MISSING_FIELD,
                        row,
                        f"{system.value} has no field '{names[system]}' on "
                        f"{_object_name(mapping, system)}",
                    )
                )
            else:
                infos[system] = info
        if len(infos) < len(found):
            continue
        for target in sorted(row.rule.writes_to):
            source = System.HUBSPOT if target is System.SALESFORCE else System.SALESFORCE
            problems.extend(_row_problems(row, infos[source], infos[target], target))
            key = (target, names[target])
            if key in targets:
                problems.append(
                    _problem(
                        ProblemKind.DUPLICATE_TARGET,
                        row,
                        f"'{names[target]}' in {target.value} is written by both "
                        f"'{targets[key]}' and '{row.hubspot_property}'",
                    )
                )
            else:
                targets[key] = row.hubspot_property
    problems.extend(_owner_problems(mapping))
    problems.extend(_coverage_problems(mapping, salesforce_fields=salesforce_fields))
    return tuple(problems)


def _owner_problems(mapping: ObjectMapping) -> list[MappingProblem]:
    return [
        _problem(
            ProblemKind.OWNER_NOT_TWO_WAY,
            row,
            f"record owners sync two-way only (or not at all); rule '{row.rule.value}' "
            f"is not allowed, use '{SyncRule.TWO_WAY.value}' or '{SyncRule.DONT_SYNC.value}'",
        )
        for row in mapping.fields
        if (row.transform is Transform.OWNER_BY_EMAIL or row.hubspot_property == "hubspot_owner_id")
        and row.rule not in OWNER_RULES
    ]


def _coverage_problems(
    mapping: ObjectMapping, *, salesforce_fields: Mapping[str, FieldInfo]
) -> list[MappingProblem]:
    """Fields a create needs on each side, with no row writing them there."""
    problems: list[MappingProblem] = []
    into_salesforce = {
        name
        for row in mapping.fields
        if System.SALESFORCE in row.rule.writes_to
        for name in (row.salesforce_field, row.salesforce_code_field)
        if name
    }
    into_salesforce |= WRITTEN_OUTSIDE_MAPPINGS.get(mapping.salesforce_object, frozenset())
    for name, info in sorted(salesforce_fields.items()):
        if info.required_on_create and name not in into_salesforce:
            problems.append(
                MappingProblem(
                    kind=ProblemKind.REQUIRED_NOT_WRITTEN,
                    hubspot_property="",
                    salesforce_field=name,
                    message=f"Salesforce requires {mapping.salesforce_object}.{name} on "
                    "create: map a HubSpot property to it with a rule that writes to "
                    "Salesforce",
                )
            )
    key = HUBSPOT_UNIQUE_KEYS.get(mapping.hubspot_object)
    writes_key = any(
        row.hubspot_property == key and System.HUBSPOT in row.rule.writes_to
        for row in mapping.fields
    )
    if key is not None and not writes_key:
        problems.append(
            MappingProblem(
                kind=ProblemKind.UNIQUE_KEY_NOT_WRITTEN,
                hubspot_property=key,
                salesforce_field="",
                message=f"HubSpot {mapping.hubspot_object} are kept unique by '{key}': map "
                f"it from a Salesforce field with a rule that writes to HubSpot",
            )
        )
    return problems


def validate_object_mapping(
    mapping: ObjectMapping,
    *,
    hubspot_fields: Mapping[str, FieldInfo],
    salesforce_fields: Mapping[str, FieldInfo],
) -> None:
    """Refuse a mapping table with :class:`MappingValidationError` unless it is sound."""
    problems = find_mapping_problems(
        mapping, hubspot_fields=hubspot_fields, salesforce_fields=salesforce_fields
    )
    if problems:
        raise MappingValidationError(problems)


def _row_problems(
    row: FieldMapping, source: FieldInfo, target: FieldInfo, target_system: System
) -> list[MappingProblem]:
    problems: list[MappingProblem] = []
    if target.type not in TYPE_COMPATIBILITY.get(source.type, frozenset()):
        problems.append(
            _problem(
                ProblemKind.TYPE_MISMATCH,
                row,
                f"cannot write {source.type.value} '{source.name}' into "
                f"{target.type.value} '{target.name}' ({target_system.value})",
            )
        )
    if not target.updateable:
        problems.append(
            _problem(
                ProblemKind.NOT_UPDATEABLE,
                row,
                f"'{target.name}' is read-only in {target_system.value}; "
                f"rule '{row.rule.value}' would write to it",
            )
        )
    return problems


def _problem(kind: ProblemKind, row: FieldMapping, message: str) -> MappingProblem:
    return MappingProblem(
        kind=kind,
        hubspot_property=row.hubspot_property,
        salesforce_field=row.salesforce_field,
        message=f"{row.hubspot_property} ⇄ {row.salesforce_field}: {message}",
    )


def _object_name(mapping: ObjectMapping, system: System) -> str:
    return mapping.hubspot_object if system is System.HUBSPOT else mapping.salesforce_object
