"""The standard objects of an empty org, with the fields a sync engine reads and writes.

Field lists follow Salesforce's describe for the objects (labels, lengths, required
fields, read-only derived fields). Each address is a read-only compound
(``BillingAddress``, type ``address``) after its components, which name it in
``compound_field_name``. State/Country code fields are not listed here: they exist only
while the org's state and country picklists are enabled, and
:mod:`crmsync.emulators.salesforce.geography` adds them.
"""

from __future__ import annotations

from typing import Any, Final

from crmsync.emulators.salesforce.ids import KEY_PREFIXES
from crmsync.emulators.salesforce.schema import (
    ChildRelationship,
    FieldDef,
    FieldType,
    ObjectDef,
    PicklistValue,
    picklist,
    system_fields,
)

# Opportunity stages: (probability, is_closed, is_won, forecast category).
OPPORTUNITY_STAGES: Final[dict[str, tuple[int, bool, bool, str]]] = {
    "Prospecting": (10, False, False, "Pipeline"),
    "Qualification": (10, False, False, "Pipeline"),
    "Needs Analysis": (20, False, False, "Pipeline"),
    "Value Proposition": (50, False, False, "Pipeline"),
    "Id. Decision Makers": (60, False, False, "Pipeline"),
    "Perception Analysis": (70, False, False, "Pipeline"),
    "Proposal/Price Quote": (75, False, False, "Pipeline"),
    "Negotiation/Review": (90, False, False, "Commit"),
    "Closed Won": (100, True, True, "Closed"),
    "Closed Lost": (0, True, False, "Omitted"),
}
LEAD_STATUSES: Final = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)
TASK_STATUSES: Final = (
    "Not Started",
    "In Progress",
    "Completed",
    "Waiting on someone else",
    "Deferred",
)
LEAD_SOURCES: Final = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
INDUSTRIES: Final = (
    "Agriculture", "Banking", "Communications", "Education", "Energy", "Finance",
    "Healthcare", "Manufacturing", "Media", "Retail", "Technology", "Other",
)  # fmt: skip
OCR_ROLES: Final = (
    "Business User", "Decision Maker", "Economic Buyer", "Economic Decision Maker",
    "Evaluator", "Executive Sponsor", "Influencer", "Technical Buyer", "Other",
)  # fmt: skip

GEOCODE_ACCURACIES: Final = tuple(
    PicklistValue(value=value, label=label)
    for value, label in (
        ("Address", "Address"), ("NearAddress", "Near Address"), ("Block", "Block"),
        ("Street", "Street"), ("ExtendedZip", "Extended Zip"), ("Zip", "Zip"),
        ("Neighborhood", "Neighborhood"), ("City", "City"), ("County", "County"),
        ("State", "State"), ("Unknown", "Unknown"),
    )
)  # fmt: skip

# Address compounds per object: the prefix of the compound (``BillingAddress``) and of its
# components (``BillingStreet``, ``BillingCity``, ``BillingLatitude``...).
ADDRESS_PREFIXES: Final[dict[str, tuple[str, ...]]] = {
    "Account": ("Billing", "Shipping"),
    "Contact": ("Mailing", "Other"),
    "Lead": ("",),
}


def _f(name: str, label: str, field_type: FieldType, length: int = 0, **kw: Any) -> FieldDef:
    if not length and field_type in {"string", "email", "phone", "url", "picklist", "combobox"}:
        length = 255 if field_type != "phone" else 40
    if field_type == "textarea" and not length:
        length = 32000
    if field_type == "reference":
        length = 18
        kw.setdefault("relationship_name", name[: -len("Id")])
    return FieldDef(name=name, label=label, type=field_type, length=length, **kw)


_READ_ONLY: Final = {"createable": False, "updateable": False, "defaulted_on_create": True}


def _address(prefix: str) -> list[FieldDef]:
    """The components of one address compound, then the read-only compound itself."""
    label = f"{prefix} " if prefix else ""
    compound: dict[str, Any] = {"compound_field_name": f"{prefix}Address"}
    coordinate: dict[str, Any] = {"precision": 18, "scale": 15, **compound}
    return [
        _f(f"{prefix}Street", f"{label}Street", "textarea", 255, **compound),
        _f(f"{prefix}City", f"{label}City", "string", 40, **compound),
        _f(f"{prefix}State", f"{label}State/Province", "string", 80, **compound),
        _f(f"{prefix}PostalCode", f"{label}Zip/Postal Code", "string", 20, **compound),
        _f(f"{prefix}Country", f"{label}Country", "string", 80, **compound),
        _f(f"{prefix}Latitude", f"{label}Latitude", "double", **coordinate),
        _f(f"{prefix}Longitude", f"{label}Longitude", "double", **coordinate),
        _f(f"{prefix}GeocodeAccuracy", f"{label}Geocode Accuracy", "picklist", restricted=True,
           picklist=GEOCODE_ACCURACIES, **compound),
        _f(f"{prefix}Address", f"{label}Address", "address", createable=False,
           updateable=False),
    ]  # fmt: skip


def _person_name(*, last_required: bool) -> list[FieldDef]:
    return [
        _f("FirstName", "First Name", "string", 40),
        _f("LastName", "Last Name", "string", 80, nillable=not last_required),
        _f("Name", "Full Name", "string", 121, calculated=True, name_field=True, **_READ_ONLY),
    ]


def _object(name: str, label: str, plural: str, fields: list[FieldDef], *, owned: bool = True,
            children: tuple[ChildRelationship, ...] = ()) -> ObjectDef:  # fmt: skip
    definition = ObjectDef(
        name=name, label=label, label_plural=plural, key_prefix=KEY_PREFIXES[name],
        children=children,
    )  # fmt: skip
    for item in [*system_fields(owned=owned), *fields]:
        definition.add(item)
    return definition


def _stage_object() -> ObjectDef:
    """``OpportunityStage``: the org's stage picklist with what each stage means
    (read-only through the API; Setup edits it)."""
    definition = _object("OpportunityStage", "Opportunity Stage", "Opportunity Stages", [
        _f("MasterLabel", "Master Label", "string", 255, **_READ_ONLY),
        _f("ApiName", "Api Name", "string", 255, **_READ_ONLY),
        _f("IsActive", "Is Active", "boolean", nillable=False, **_READ_ONLY),
        _f("IsClosed", "Closed", "boolean", nillable=False, **_READ_ONLY),
        _f("IsWon", "Won", "boolean", nillable=False, **_READ_ONLY),
        _f("DefaultProbability", "Probability (%)", "percent", precision=3, **_READ_ONLY),
        _f("ForecastCategoryName", "Forecast Category", "string", 40, **_READ_ONLY),
        _f("SortOrder", "Sort Order", "int", precision=9, **_READ_ONLY),
    ], owned=False)  # fmt: skip
    definition.createable = definition.updateable = definition.deletable = False
    return definition


def _setup_object(name: str, label: str, plural: str, fields: list[FieldDef]) -> ObjectDef:
    """A Setup object: read-only through the API (Setup or org settings change it)."""
    definition = _object(name, label, plural, fields, owned=False)
    definition.createable = definition.updateable = definition.deletable = False
    return definition


def _setup_objects() -> list[ObjectDef]:
    """``RecordType``, ``CurrencyType`` (multi-currency orgs only) and ``Organization``."""
    return [
        _setup_object("RecordType", "Record Type", "Record Types", [
            _f("Name", "Record Type Name", "string", 80, name_field=True, **_READ_ONLY),
            _f("DeveloperName", "Record Type Name", "string", 80, **_READ_ONLY),
            _f("SobjectType", "SObject Type Name", "picklist", 40, **_READ_ONLY),
            _f("IsActive", "Active", "boolean", nillable=False, **_READ_ONLY),
            _f("Description", "Description", "string", 255, **_READ_ONLY),
        ]),
        _setup_object("CurrencyType", "Currency Type", "Currency Types", [
            _f("IsoCode", "Currency ISO Code", "picklist", 3, **_READ_ONLY),
            _f("ConversionRate", "Conversion Rate", "double", precision=15, scale=6,
               **_READ_ONLY),
            _f("DecimalPlaces", "Decimal Places", "int", precision=9, **_READ_ONLY),
            _f("IsActive", "Active", "boolean", nillable=False, **_READ_ONLY),
            _f("IsCorporate", "Corporate Currency", "boolean", nillable=False, **_READ_ONLY),
        ]),
        _setup_object("Organization", "Organization", "Organizations", [
            _f("Name", "Name", "string", 80, name_field=True, **_READ_ONLY),
            _f("DefaultCurrencyIsoCode", "Locale Currency Code", "picklist", 3, **_READ_ONLY),
            _f("IsSandbox", "Is Sandbox", "boolean", nillable=False, **_READ_ONLY),
        ]),
    ]  # fmt: skip


def currency_field(codes: list[str], corporate: str) -> FieldDef:
    """``CurrencyIsoCode``: on records of a multi-currency org, restricted to the active
    currencies, the corporate currency by default."""
    return _f("CurrencyIsoCode", "Currency ISO Code", "picklist", 3, restricted=True,
              nillable=True, defaulted_on_create=True, default_value=corporate,
              picklist=picklist(*codes, default=corporate))  # fmt: skip


def record_type_field() -> FieldDef:
    """``Opportunity.RecordTypeId``: present while the object has record types."""
    return _f("RecordTypeId", "Record Type ID", "reference", reference_to=("RecordType",),
              relationship_name="RecordType")  # fmt: skip


CURRENCY_OBJECTS: Final = ("Account", "Contact", "Lead", "Opportunity", "Campaign")
"""Objects given ``CurrencyIsoCode`` in a multi-currency org (every object with an amount
or a record a person owns; Salesforce adds it to all of them)."""


def stage_rows() -> list[dict[str, Any]]:
    """The ``OpportunityStage`` rows of a fresh org, in sort order."""
    return [
        {
            "MasterLabel": name,
            "ApiName": name,
            "IsActive": True,
            "IsClosed": closed,
            "IsWon": won,
            "DefaultProbability": probability,
            "ForecastCategoryName": forecast,
            "SortOrder": order,
        }
        for order, (name, (probability, closed, won, forecast)) in enumerate(
            OPPORTUNITY_STAGES.items(), start=1
        )
    ]


def standard_objects() -> dict[str, ObjectDef]:
    """Fresh definitions of every standard object (each org gets its own copy)."""
    stage_values = picklist(*OPPORTUNITY_STAGES)
    objects = [
        _object("User", "User", "Users", [
            _f("Username", "Username", "string", 80, nillable=False),
            _f("Email", "Email", "email", 128, nillable=False),
            *_person_name(last_required=True),
            _f("Alias", "Alias", "string", 8),
            _f("IsActive", "Active", "boolean", nillable=False, defaulted_on_create=True,
               default_value=True),
            _f("Title", "Title", "string", 80),
        ], owned=False),
        _object("Account", "Account", "Accounts", [
            _f("Name", "Account Name", "string", 255, nillable=False, name_field=True),
            _f("Website", "Website", "url"),
            _f("Phone", "Account Phone", "phone"),
            _f("Industry", "Industry", "picklist", picklist=picklist(*INDUSTRIES)),
            _f("Type", "Account Type", "picklist",
               picklist=picklist("Prospect", "Customer - Direct", "Customer - Channel",
                                 "Partner", "Other")),
            _f("NumberOfEmployees", "Employees", "int", precision=8),
            _f("AnnualRevenue", "Annual Revenue", "currency", precision=18, scale=0),
            _f("Description", "Account Description", "textarea"),
            _f("ParentId", "Parent Account ID", "reference", reference_to=("Account",),
               relationship_name="Parent"),
            *_address("Billing"), *_address("Shipping"),
        ], children=(
            ChildRelationship("Contacts", "Contact", "AccountId"),
            ChildRelationship("Opportunities", "Opportunity", "AccountId"),
            ChildRelationship("Tasks", "Task", "WhatId"),
            ChildRelationship("ChildAccounts", "Account", "ParentId"),
        )),
        _object("Contact", "Contact", "Contacts", [
            *_person_name(last_required=True),
            _f("Salutation", "Salutation", "picklist",
               picklist=picklist("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")),
            _f("Email", "Email", "email", 80),
            _f("Phone", "Business Phone", "phone"),
            _f("MobilePhone", "Mobile Phone", "phone"),
            _f("Title", "Title", "string", 128),
            _f("Department", "Department", "string", 80),
            _f("AccountId", "Account ID", "reference", reference_to=("Account",)),
            _f("LeadSource", "Lead Source", "picklist", picklist=picklist(*LEAD_SOURCES)),
            _f("Birthdate", "Birthdate", "date"),
            _f("Description", "Contact Description", "textarea"),
            _f("HasOptedOutOfEmail", "Email Opt Out", "boolean", nillable=False,
               defaulted_on_create=True, default_value=False),
            *_address("Mailing"), *_address("Other"),
        ], children=(
            ChildRelationship("OpportunityContactRoles", "OpportunityContactRole", "ContactId"),
            ChildRelationship("Tasks", "Task", "WhoId"),
            ChildRelationship("CampaignMembers", "CampaignMember", "ContactId"),
        )),
        _object("Lead", "Lead", "Leads", [
            *_person_name(last_required=True),
            _f("Company", "Company", "string", 255, nillable=False),
            _f("Email", "Email", "email", 80),
            _f("Phone", "Phone", "phone"),
            _f("MobilePhone", "Mobile Phone", "phone"),
            _f("Title", "Title", "string", 128),
            _f("Website", "Website", "url"),
            _f("Industry", "Industry", "picklist", picklist=picklist(*INDUSTRIES)),
            _f("LeadSource", "Lead Source", "picklist", picklist=picklist(*LEAD_SOURCES)),
            _f("Rating", "Rating", "picklist", picklist=picklist("Hot", "Warm", "Cold")),
            _f("Status", "Status", "picklist", nillable=False, defaulted_on_create=True,
               default_value=LEAD_STATUSES[0], restricted=True,
               picklist=picklist(*LEAD_STATUSES, default=LEAD_STATUSES[0])),
            _f("Description", "Description", "textarea"),
            _f("NumberOfEmployees", "Employees", "int", precision=8),
            _f("AnnualRevenue", "Annual Revenue", "currency", precision=18, scale=0),
            *_address(""),
            _f("IsConverted", "Converted", "boolean", nillable=False, **_READ_ONLY),
            _f("ConvertedDate", "Converted Date", "date", **_READ_ONLY),
            _f("ConvertedAccountId", "Converted Account ID", "reference",
               reference_to=("Account",), **_READ_ONLY),
            _f("ConvertedContactId", "Converted Contact ID", "reference",
               reference_to=("Contact",), **_READ_ONLY),
            _f("ConvertedOpportunityId", "Converted Opportunity ID", "reference",
               reference_to=("Opportunity",), **_READ_ONLY),
        ], children=(
            ChildRelationship("Tasks", "Task", "WhoId"),
            ChildRelationship("CampaignMembers", "CampaignMember", "LeadId"),
        )),
        _object("Opportunity", "Opportunity", "Opportunities", [
            _f("Name", "Name", "string", 120, nillable=False, name_field=True),
            _f("AccountId", "Account ID", "reference", reference_to=("Account",)),
            _f("StageName", "Stage", "picklist", nillable=False, restricted=True,
               picklist=stage_values),
            _f("Amount", "Amount", "currency", precision=18, scale=2),
            _f("Probability", "Probability (%)", "percent", precision=3,
               defaulted_on_create=True),
            _f("CloseDate", "Close Date", "date", nillable=False),
            _f("Type", "Opportunity Type", "picklist",
               picklist=picklist("Existing Customer - Upgrade", "New Customer")),
            _f("LeadSource", "Lead Source", "picklist", picklist=picklist(*LEAD_SOURCES)),
            _f("Description", "Description", "textarea"),
            _f("NextStep", "Next Step", "string", 255),
            _f("IsClosed", "Closed", "boolean", nillable=False, **_READ_ONLY),
            _f("IsWon", "Won", "boolean", nillable=False, **_READ_ONLY),
            _f("ForecastCategoryName", "Forecast Category", "picklist",
               picklist=picklist("Omitted", "Pipeline", "Best Case", "Commit", "Closed"),
               defaulted_on_create=True),
        ], children=(
            ChildRelationship("OpportunityContactRoles", "OpportunityContactRole",
                              "OpportunityId"),
            ChildRelationship("Tasks", "Task", "WhatId"),
        )),
        _stage_object(),
        *_setup_objects(),
        _object("OpportunityContactRole", "Opportunity Contact Role",
                "Opportunity Contact Roles", [
            _f("OpportunityId", "Opportunity ID", "reference", nillable=False,
               reference_to=("Opportunity",), updateable=False),
            _f("ContactId", "Contact ID", "reference", nillable=False,
               reference_to=("Contact",)),
            _f("Role", "Role", "picklist", picklist=picklist(*OCR_ROLES)),
            _f("IsPrimary", "Primary", "boolean", nillable=False, defaulted_on_create=True,
               default_value=False),
        ], owned=False),
        _object("Task", "Task", "Tasks", [
            _f("Subject", "Subject", "combobox", 255,
               picklist=picklist("Call", "Send Letter", "Send Quote", "Other")),
            _f("WhoId", "Name ID", "reference", reference_to=("Contact", "Lead"),
               relationship_name="Who"),
            _f("WhatId", "Related To ID", "reference",
               reference_to=("Account", "Opportunity", "Campaign"), relationship_name="What"),
            _f("Status", "Status", "picklist", nillable=False, defaulted_on_create=True,
               default_value="Not Started", restricted=True,
               picklist=picklist(*TASK_STATUSES, default="Not Started")),
            _f("Priority", "Priority", "picklist", nillable=False, defaulted_on_create=True,
               default_value="Normal", restricted=True,
               picklist=picklist("High", "Normal", "Low", default="Normal")),
            _f("ActivityDate", "Due Date Only", "date"),
            _f("Description", "Description", "textarea"),
            _f("Type", "Type", "picklist", picklist=picklist("Call", "Email", "Meeting", "Other")),
            _f("TaskSubtype", "Task Subtype", "picklist", updateable=False,
               picklist=picklist("Task", "Email", "ListEmail", "Cadence", "Call")),
            _f("IsClosed", "Closed", "boolean", nillable=False, **_READ_ONLY),
            _f("CompletedDateTime", "Completed Date/Time", "datetime", **_READ_ONLY),
        ]),
        _object("Campaign", "Campaign", "Campaigns", [
            _f("Name", "Name", "string", 80, nillable=False, name_field=True),
            _f("Type", "Type", "picklist",
               picklist=picklist("Conference", "Webinar", "Email", "Advertisement", "Other")),
            _f("Status", "Status", "picklist",
               picklist=picklist("Planned", "In Progress", "Completed", "Aborted")),
            _f("StartDate", "Start Date", "date"),
            _f("EndDate", "End Date", "date"),
            _f("IsActive", "Active", "boolean", nillable=False, defaulted_on_create=True,
               default_value=False),
            _f("Description", "Description", "textarea"),
        ], children=(ChildRelationship("CampaignMembers", "CampaignMember", "CampaignId"),)),
        _object("CampaignMember", "Campaign Member", "Campaign Members", [
            _f("CampaignId", "Campaign ID", "reference", nillable=False,
               reference_to=("Campaign",), updateable=False),
            _f("LeadId", "Lead ID", "reference", reference_to=("Lead",), updateable=False),
            _f("ContactId", "Contact ID", "reference", reference_to=("Contact",),
               updateable=False),
            _f("Status", "Status", "picklist", defaulted_on_create=True, default_value="Sent",
               picklist=picklist("Sent", "Responded", default="Sent")),
            _f("HasResponded", "Responded", "boolean", nillable=False, **_READ_ONLY),
        ], owned=False),
    ]  # fmt: skip
    return {definition.name: definition for definition in objects}
