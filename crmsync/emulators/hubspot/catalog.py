"""What a fresh HubSpot account holds: object types, standard properties, association
types, the default deal pipeline and the first owner.

Everything here is data; the store copies it when an account starts empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LIFECYCLE_STAGES: tuple[str, ...] = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)


@dataclass(frozen=True, kw_only=True)
class ObjectType:
    """One CRM object type as the API names it."""

    name: str  # plural path segment, e.g. "contacts"
    type_id: str  # e.g. "0-1"
    singular: str  # e.g. "contact" (association type names, webhook event prefixes)
    modified_property: str  # lastmodifieddate for contacts, hs_lastmodifieddate otherwise
    default_properties: tuple[str, ...]
    search_text_properties: tuple[str, ...]
    group: str


_ENGAGEMENT_DEFAULTS = ("createdate", "hs_lastmodifieddate", "hs_object_id")

OBJECT_TYPES: dict[str, ObjectType] = {
    t.name: t
    for t in (
        ObjectType(
            name="contacts",
            type_id="0-1",
            singular="contact",
            modified_property="lastmodifieddate",
            default_properties=(
                "createdate",
                "email",
                "firstname",
                "hs_object_id",
                "lastmodifieddate",
                "lastname",
            ),
            search_text_properties=("email", "firstname", "lastname", "phone", "company"),
            group="contactinformation",
        ),
        ObjectType(
            name="companies",
            type_id="0-2",
            singular="company",
            modified_property="hs_lastmodifieddate",
            default_properties=(
                "createdate",
                "domain",
                "hs_lastmodifieddate",
                "hs_object_id",
                "name",
            ),
            search_text_properties=("name", "domain", "phone", "website"),
            group="companyinformation",
        ),
        ObjectType(
            name="deals",
            type_id="0-3",
            singular="deal",
            modified_property="hs_lastmodifieddate",
            default_properties=(
                "amount",
                "closedate",
                "createdate",
                "dealname",
                "dealstage",
                "hs_lastmodifieddate",
                "hs_object_id",
                "pipeline",
            ),
            search_text_properties=("dealname",),
            group="dealinformation",
        ),
        ObjectType(
            name="tasks",
            type_id="0-27",
            singular="task",
            modified_property="hs_lastmodifieddate",
            default_properties=_ENGAGEMENT_DEFAULTS,
            search_text_properties=("hs_task_subject", "hs_task_body"),
            group="task",
        ),
        ObjectType(
            name="notes",
            type_id="0-46",
            singular="note",
            modified_property="hs_lastmodifieddate",
            default_properties=_ENGAGEMENT_DEFAULTS,
            search_text_properties=("hs_note_body",),
            group="note",
        ),
        ObjectType(
            name="meetings",
            type_id="0-47",
            singular="meeting",
            modified_property="hs_lastmodifieddate",
            default_properties=_ENGAGEMENT_DEFAULTS,
            search_text_properties=("hs_meeting_title", "hs_meeting_body"),
            group="meeting",
        ),
        ObjectType(
            name="calls",
            type_id="0-48",
            singular="call",
            modified_property="hs_lastmodifieddate",
            default_properties=_ENGAGEMENT_DEFAULTS,
            search_text_properties=("hs_call_title", "hs_call_body"),
            group="call",
        ),
        ObjectType(
            name="emails",
            type_id="0-49",
            singular="email",
            modified_property="hs_lastmodifieddate",
            default_properties=_ENGAGEMENT_DEFAULTS,
            search_text_properties=("hs_email_subject", "hs_email_text"),
            group="email",
        ),
    )
}

ENGAGEMENT_TYPES = frozenset({"tasks", "notes", "meetings", "calls", "emails"})

_ALIASES: dict[str, str] = {}
for _t in OBJECT_TYPES.values():
    _ALIASES[_t.name] = _t.name
    _ALIASES[_t.singular] = _t.name
    _ALIASES[_t.type_id] = _t.name


def resolve_object_type(segment: str) -> ObjectType | None:
    """The object type a path segment names: plural, singular or type id ("0-1")."""
    name = _ALIASES.get(segment.lower())
    return OBJECT_TYPES[name] if name else None


# --- association types -------------------------------------------------------------
# (from, to, typeId, label). Labelled "Primary" types imply the unlabeled type too.
_ASSOCIATION_ROWS: tuple[tuple[str, str, int, str | None], ...] = (
    ("contacts", "companies", 279, None),
    ("contacts", "companies", 1, "Primary"),
    ("companies", "contacts", 280, None),
    ("companies", "contacts", 2, "Primary"),
    ("deals", "contacts", 3, None),
    ("contacts", "deals", 4, None),
    ("deals", "companies", 341, None),
    ("deals", "companies", 5, "Primary"),
    ("companies", "deals", 342, None),
    ("companies", "deals", 6, "Primary"),
    ("contacts", "contacts", 449, None),
    ("companies", "companies", 13, "Parent Company"),
    ("companies", "companies", 14, "Child Company"),
    ("contacts", "calls", 193, None),
    ("calls", "contacts", 194, None),
    ("contacts", "emails", 197, None),
    ("emails", "contacts", 198, None),
    ("contacts", "meetings", 199, None),
    ("meetings", "contacts", 200, None),
    ("contacts", "notes", 201, None),
    ("notes", "contacts", 202, None),
    ("contacts", "tasks", 203, None),
    ("tasks", "contacts", 204, None),
    ("companies", "calls", 181, None),
    ("calls", "companies", 182, None),
    ("companies", "emails", 185, None),
    ("emails", "companies", 186, None),
    ("companies", "meetings", 187, None),
    ("meetings", "companies", 188, None),
    ("companies", "notes", 189, None),
    ("notes", "companies", 190, None),
    ("companies", "tasks", 191, None),
    ("tasks", "companies", 192, None),
    ("deals", "calls", 205, None),
    ("calls", "deals", 206, None),
    ("deals", "emails", 209, None),
    ("emails", "deals", 210, None),
    ("deals", "meetings", 211, None),
    ("meetings", "deals", 212, None),
    ("deals", "notes", 213, None),
    ("notes", "deals", 214, None),
    ("deals", "tasks", 215, None),
    ("tasks", "deals", 216, None),
)

# Pairs of type ids that are each other's reverse.
_REVERSE_PAIRS: tuple[tuple[int, int], ...] = (
    (279, 280),
    (1, 2),
    (3, 4),
    (341, 342),
    (5, 6),
    (449, 449),
    (13, 14),
    (193, 194),
    (197, 198),
    (199, 200),
    (201, 202),
    (203, 204),
    (181, 182),
    (185, 186),
    (187, 188),
    (189, 190),
    (191, 192),
    (205, 206),
    (209, 210),
    (211, 212),
    (213, 214),
    (215, 216),
)


@dataclass(frozen=True, kw_only=True)
class AssociationType:
    """One association type, directional: HUBSPOT_DEFINED here, USER_DEFINED per account."""

    from_type: str
    to_type: str
    type_id: int
    label: str | None
    reverse_id: int
    implies: int | None  # a "Primary" (or user) label also carries the unlabeled type
    category: str = "HUBSPOT_DEFINED"
    name: str | None = None
    """A USER_DEFINED label's internal name (its v3 association type name)."""


ASSOCIATION_TYPES: dict[int, AssociationType] = {}
DEFAULT_ASSOCIATION: dict[tuple[str, str], int] = {}


def _build_association_types() -> None:
    reverse: dict[int, int] = {}
    for a, b in _REVERSE_PAIRS:
        reverse[a] = b
        reverse[b] = a
    unlabeled = {(f, t): i for f, t, i, label in _ASSOCIATION_ROWS if label is None}
    for from_type, to_type, type_id, label in _ASSOCIATION_ROWS:
        implies = None
        if label == "Primary":
            implies = unlabeled[(from_type, to_type)]
        ASSOCIATION_TYPES[type_id] = AssociationType(
            from_type=from_type,
            to_type=to_type,
            type_id=type_id,
            label=label,
            reverse_id=reverse[type_id],
            implies=implies,
        )
    DEFAULT_ASSOCIATION.update(unlabeled)


_build_association_types()


def association_types_between(from_type: str, to_type: str) -> list[AssociationType]:
    """Every defined type from one object type to another, by type id."""
    return sorted(
        (a for a in ASSOCIATION_TYPES.values() if (a.from_type, a.to_type) == (from_type, to_type)),
        key=lambda a: a.type_id,
    )


def v3_association_name(kind: AssociationType) -> str:
    """The v3 ``associations`` type name, e.g. ``contact_to_company_unlabeled``."""
    src = OBJECT_TYPES[kind.from_type].singular
    dst = OBJECT_TYPES[kind.to_type].singular
    base = f"{src}_to_{dst}"
    has_primary = any(
        a.label == "Primary" and (a.from_type, a.to_type) == (kind.from_type, kind.to_type)
        for a in ASSOCIATION_TYPES.values()
    )
    if kind.name is not None:
        return kind.name
    if kind.label == "Primary" or not has_primary:
        return base
    if kind.label is None:
        return f"{base}_unlabeled"
    return kind.label.lower().replace(" ", "_")


# --- properties ------------------------------------------------------------------

_FIELD_TYPE_FOR = {
    "string": "text",
    "number": "number",
    "date": "date",
    "datetime": "date",
    "bool": "booleancheckbox",
    "enumeration": "select",
}


def _options(*values: str, labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
    return [
        {
            "label": (labels or {}).get(v, v.replace("_", " ").title()),
            "value": v,
            "displayOrder": i,
            "hidden": False,
            "description": "",
        }
        for i, v in enumerate(values)
    ]


_LIFECYCLE_LABELS = {
    "subscriber": "Subscriber",
    "lead": "Lead",
    "marketingqualifiedlead": "Marketing Qualified Lead",
    "salesqualifiedlead": "Sales Qualified Lead",
    "opportunity": "Opportunity",
    "customer": "Customer",
    "evangelist": "Evangelist",
    "other": "Other",
}
_BOOL_OPTIONS = [
    {"label": "True", "value": "true", "displayOrder": 0, "hidden": False, "description": ""},
    {"label": "False", "value": "false", "displayOrder": 1, "hidden": False, "description": ""},
]

# name -> (type, options or None, flags). Flags: r = read-only value, c = calculated,
# x = externalOptions, u = hasUniqueValue, t = textarea, p = phonenumber, m = checkbox.
_Spec = tuple[str, list[dict[str, Any]] | None, str]

_SYSTEM: dict[str, _Spec] = {
    "createdate": ("datetime", None, ""),
    "hs_object_id": ("number", None, "r"),
    "hubspot_owner_id": ("enumeration", [], "x"),
}
_ENGAGEMENT_COMMON: dict[str, _Spec] = {
    **_SYSTEM,
    "hs_timestamp": ("datetime", None, ""),
    "hs_createdate": ("datetime", None, "r"),
    "hs_lastmodifieddate": ("datetime", None, "r"),
}

STANDARD_PROPERTIES: dict[str, dict[str, _Spec]] = {
    "contacts": {
        **_SYSTEM,
        "lastmodifieddate": ("datetime", None, "r"),
        "email": ("string", None, ""),
        "firstname": ("string", None, ""),
        "lastname": ("string", None, ""),
        "phone": ("string", None, "p"),
        "mobilephone": ("string", None, "p"),
        "company": ("string", None, ""),
        "jobtitle": ("string", None, ""),
        "website": ("string", None, ""),
        "industry": ("string", None, ""),
        "address": ("string", None, ""),
        "city": ("string", None, ""),
        "state": ("string", None, ""),
        "zip": ("string", None, ""),
        "country": ("string", None, ""),
        "salutation": ("string", None, ""),
        "lifecyclestage": (
            "enumeration",
            _options(*LIFECYCLE_STAGES, labels=_LIFECYCLE_LABELS),
            "",
        ),
        "hs_lead_status": (
            "enumeration",
            _options(
                "NEW",
                "OPEN",
                "IN_PROGRESS",
                "OPEN_DEAL",
                "UNQUALIFIED",
                "ATTEMPTED_TO_CONTACT",
                "CONNECTED",
                "BAD_TIMING",
            ),
            "",
        ),
        "associatedcompanyid": ("number", None, ""),
        "hs_additional_emails": ("enumeration", [], "rm"),
        "hs_merged_object_ids": ("enumeration", [], "rm"),
        "hs_email_domain": ("string", None, "rc"),
    },
    "companies": {
        **_SYSTEM,
        "hs_lastmodifieddate": ("datetime", None, "r"),
        "name": ("string", None, ""),
        "domain": ("string", None, ""),
        "industry": ("string", None, ""),
        "phone": ("string", None, "p"),
        "website": ("string", None, ""),
        "address": ("string", None, ""),
        "city": ("string", None, ""),
        "state": ("string", None, ""),
        "zip": ("string", None, ""),
        "country": ("string", None, ""),
        "description": ("string", None, "t"),
        "numberofemployees": ("number", None, ""),
        "annualrevenue": ("number", None, ""),
        "lifecyclestage": (
            "enumeration",
            _options(*LIFECYCLE_STAGES, labels=_LIFECYCLE_LABELS),
            "",
        ),
        "hs_merged_object_ids": ("enumeration", [], "rm"),
    },
    "deals": {
        **_SYSTEM,
        "hs_lastmodifieddate": ("datetime", None, "r"),
        "dealname": ("string", None, ""),
        "pipeline": ("enumeration", [], "x"),
        "dealstage": ("enumeration", [], "x"),
        "amount": ("number", None, ""),
        "closedate": ("datetime", None, ""),
        "dealtype": (
            "enumeration",
            _options(
                "newbusiness",
                "existingbusiness",
                labels={"newbusiness": "New Business", "existingbusiness": "Existing Business"},
            ),
            "",
        ),
        "description": ("string", None, "t"),
        "hs_next_step": ("string", None, "t"),
        "deal_currency_code": ("enumeration", [], "x"),
        "hs_is_closed": ("bool", _BOOL_OPTIONS, "rc"),
        "hs_is_closed_won": ("bool", _BOOL_OPTIONS, "rc"),
        "hs_deal_stage_probability": ("number", None, "rc"),
        "hs_merged_object_ids": ("enumeration", [], "rm"),
    },
    "tasks": {
        **_ENGAGEMENT_COMMON,
        "hs_task_subject": ("string", None, ""),
        "hs_task_body": ("string", None, "t"),
        "hs_task_status": (
            "enumeration",
            _options("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"),
            "",
        ),
        "hs_task_priority": ("enumeration", _options("LOW", "MEDIUM", "HIGH", "NONE"), ""),
        "hs_task_type": ("enumeration", _options("TODO", "EMAIL", "CALL"), ""),
    },
    "notes": {**_ENGAGEMENT_COMMON, "hs_note_body": ("string", None, "t")},
    "calls": {
        **_ENGAGEMENT_COMMON,
        "hs_call_title": ("string", None, ""),
        "hs_call_body": ("string", None, "t"),
        "hs_call_duration": ("number", None, ""),
        "hs_call_direction": ("enumeration", _options("INBOUND", "OUTBOUND"), ""),
        "hs_call_status": (
            "enumeration",
            _options(
                "BUSY",
                "CALLING_CRM_USER",
                "CANCELED",
                "COMPLETED",
                "CONNECTING",
                "FAILED",
                "IN_PROGRESS",
                "NO_ANSWER",
                "QUEUED",
                "RINGING",
            ),
            "",
        ),
    },
    "emails": {
        **_ENGAGEMENT_COMMON,
        "hs_email_subject": ("string", None, ""),
        "hs_email_text": ("string", None, "t"),
        "hs_email_html": ("string", None, "t"),
        "hs_email_direction": (
            "enumeration",
            _options("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"),
            "",
        ),
        "hs_email_status": (
            "enumeration",
            _options("BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT"),
            "",
        ),
    },
    "meetings": {
        **_ENGAGEMENT_COMMON,
        "hs_meeting_title": ("string", None, ""),
        "hs_meeting_body": ("string", None, "t"),
        "hs_meeting_start_time": ("datetime", None, ""),
        "hs_meeting_end_time": ("datetime", None, ""),
        "hs_meeting_outcome": (
            "enumeration",
            _options("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"),
            "",
        ),
    },
}


def standard_property(
    *, object_type: str, name: str, spec: _Spec, order: int, timestamp: str
) -> dict[str, Any]:
    """The Properties API body of one standard (HubSpot-defined) property."""
    kind, options, flags = spec
    field_type = _FIELD_TYPE_FOR[kind]
    if "t" in flags:
        field_type = "textarea"
    elif "p" in flags:
        field_type = "phonenumber"
    elif "m" in flags:
        field_type = "checkbox"
    read_only = "r" in flags
    return {
        "name": name,
        "label": name.replace("hs_", "").replace("_", " ").title(),
        "type": kind,
        "fieldType": field_type,
        "description": "",
        "groupName": OBJECT_TYPES[object_type].group,
        "options": list(options or []),
        "displayOrder": order,
        "calculated": "c" in flags,
        "externalOptions": "x" in flags,
        "hasUniqueValue": "u" in flags,
        "hidden": False,
        "hubspotDefined": True,
        "formField": not read_only,
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": read_only,
        },
        "createdAt": timestamp,
        "updatedAt": timestamp,
        "archived": False,
    }


def standard_groups(object_type: str) -> list[dict[str, Any]]:
    """The property groups of a fresh account for one object type."""
    group = OBJECT_TYPES[object_type].group
    label = group.replace("information", " information").capitalize()
    return [{"name": group, "label": label, "displayOrder": 0, "archived": False}]


# --- deal pipeline and owners ----------------------------------------------------------

DEFAULT_DEAL_STAGES: tuple[tuple[str, str, str, bool], ...] = (
    ("appointmentscheduled", "Appointment Scheduled", "0.2", False),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", False),
    ("presentationscheduled", "Presentation Scheduled", "0.6", False),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", False),
    ("contractsent", "Contract Sent", "0.9", False),
    ("closedwon", "Closed Won", "1.0", True),
    ("closedlost", "Closed Lost", "0.0", True),
)


def default_pipeline(timestamp: str) -> dict[str, Any]:
    """HubSpot's "Sales Pipeline" with its seven stages."""
    return {
        "id": "default",
        "label": "Sales Pipeline",
        "displayOrder": 0,
        "archived": False,
        "createdAt": timestamp,
        "updatedAt": timestamp,
        "stages": [
            {
                "id": stage_id,
                "label": label,
                "displayOrder": i,
                "metadata": {"isClosed": "true" if closed else "false", "probability": prob},
                "archived": False,
                "createdAt": timestamp,
                "updatedAt": timestamp,
                "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
            }
            for i, (stage_id, label, prob, closed) in enumerate(DEFAULT_DEAL_STAGES)
        ],
    }


def default_owner(timestamp: str) -> dict[str, Any]:
    """The account's one user, as the Owners API shows it."""
    return {
        "id": "41629779",
        "email": "owner@crmsync.example",
        "firstName": "Avery",
        "lastName": "Owner",
        "userId": 9586504,
        "userIdIncludingInactive": 9586504,
        "createdAt": timestamp,
        "updatedAt": timestamp,
        "archived": False,
        "type": "PERSON",
        "teams": [{"id": "1", "name": "Sales", "primary": True}],
    }
