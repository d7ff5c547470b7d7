"""The port every CRM adapter implements, and the plain values that cross it.

The engine sees CRMs only through :class:`Connector`. Records are plain mappings of the
CRM's own field names (``Email``, ``email``) to JSON values; object types keep the CRM's
own names (``Lead``, ``Contact``, ``contacts``, ``companies``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class System(StrEnum):
    """The two CRMs crmsync connects."""

    SALESFORCE = "salesforce"
    HUBSPOT = "hubspot"


class FieldType(StrEnum):
    """A field's value type, common to both CRMs (used to refuse bad mappings, R23)."""

    STRING = "string"
    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    PICKLIST = "picklist"
    MULTIPICKLIST = "multipicklist"
    REFERENCE = "reference"
    ID = "id"


@dataclass(frozen=True, kw_only=True)
class PicklistEntry:
    """One active option of a picklist.

    ``valid_for`` lists the controlling field's values the option is offered for (a
    dependent picklist such as a state under its country); empty when independent.
    """

    value: str
    label: str
    valid_for: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FieldInfo:
    """What a CRM says about one field of an object type."""

    name: str
    label: str
    type: FieldType
    length: int | None = None
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted_on_create: bool = False
    picklist_values: tuple[str, ...] = ()
    restricted_picklist: bool = False
    picklist_entries: tuple[PicklistEntry, ...] = ()
    """The options with labels (and controlling values); ``picklist_values`` are their values."""

    @property
    def required_on_create(self) -> bool:
        """Salesforce's rule: a create must give it (createable, not nillable, no default)."""
        return self.createable and not self.nillable and not self.defaulted_on_create


@dataclass(frozen=True, kw_only=True)
class RemoteRecord:
    """One record as read from a CRM."""

    object_type: str
    id: str
    fields: Mapping[str, Any]
    modified_at: datetime
    deleted: bool = False


@dataclass(frozen=True, kw_only=True)
class ChangePage:
    """A page of changed records and the cursor to resume after it.

    The caller makes the cursor durable only after it has durably handled every
    record of the page (R25).
    """

    records: Sequence[RemoteRecord]
    next_cursor: str | None
    has_more: bool


@dataclass(frozen=True, kw_only=True)
class WriteRequest:
    """Create (``id is None``) or update one record.

    ``key`` is the caller's own name for the request (for instance a link id or a
    normalised email); results carry it back so they can be matched to requests.
    """

    object_type: str
    key: str
    fields: Mapping[str, Any]
    id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ApiErrorDetail:
    """An error exactly as the API reported it."""

    code: str
    message: str
    fields: tuple[str, ...] = ()
    status: int | None = None
    sub_code: str | None = None
    """A finer code under ``code`` where the API gives one (HubSpot's ``subCategory``,
    or the per-property ``error`` of a VALIDATION_ERROR such as INVALID_OPTION)."""


@dataclass(frozen=True, kw_only=True)
class WriteResult:
    """What became of one :class:`WriteRequest`."""

    key: str
    id: str | None
    created: bool = False
    errors: tuple[ApiErrorDetail, ...] = ()
    existing: bool = False
    """A create found the record already there (HubSpot 409 "already exists");
    ``id`` is that record's id, nothing was written, and the caller links to it."""

    @property
    def ok(self) -> bool:
        """True when the write succeeded."""
        return not self.errors and self.id is not None


@dataclass(frozen=True, kw_only=True)
class ObjectCapabilities:
    """What one object type offers for matching and idempotent creates.

    ``unique_fields`` are values the CRM refuses twice (a HubSpot contact's ``email``, a
    unique company property): a create that collides finds the record instead.
    ``external_id_fields`` can be looked up (and upserted) by value.
    """

    unique_fields: tuple[str, ...] = ()
    external_id_fields: tuple[str, ...] = ()
    supports_upsert: bool = False
    case_insensitive_fields: tuple[str, ...] = ()
    """Unique fields compared without case (HubSpot stores emails lower-cased)."""


@dataclass(frozen=True, kw_only=True)
class Capabilities:
    """What an adapter can do, as data the engine reads (no ``if crm == ...``)."""

    max_batch_write: int
    max_batch_read: int
    supports_upsert: bool = False
    supports_bulk_read: bool = False
    objects: Mapping[str, ObjectCapabilities] = field(default_factory=dict)

    def of(self, object_type: str) -> ObjectCapabilities:
        """The capabilities of one object type (none declared: nothing special)."""
        return self.objects.get(object_type, ObjectCapabilities())


@dataclass(frozen=True, kw_only=True)
class AssociationType:
    """A HubSpot association type from one object type to another (v4 type id)."""

    from_object: str
    to_object: str
    type_id: int
    category: str = "HUBSPOT_DEFINED"


@dataclass(frozen=True, kw_only=True)
class AssociationWrite:
    """Associate ``from_id`` with ``to_id``; ``key`` comes back on the result."""

    key: str
    from_id: str
    to_id: str


ASSOCIATION_FIELD_PREFIX = "associations."
"""Field names under this prefix are a record's associations read as a plain value
(HubSpot property names never hold a dot, so they cannot collide)."""


def association_field(to_object: str, *, type_id: int | None = None) -> str:
    """The pseudo-field holding a record's associated ``to_object`` id.

    With ``type_id`` (a primary label such as deal → company type 5) the record
    associated with that type, else the first associated record (lowest id); without,
    the first associated record. A connector that keeps relations as associations
    fills it on every read; the engine sees a plain value (a reference, R22).
    """
    suffix = "" if type_id is None else f"@{type_id}"
    return f"{ASSOCIATION_FIELD_PREFIX}{to_object}{suffix}"


@dataclass(frozen=True, kw_only=True)
class StageInfo:
    """One deal stage (HubSpot, per pipeline) or opportunity stage (Salesforce).

    ``pipeline`` is the HubSpot pipeline id (empty for Salesforce); ``id`` is the
    HubSpot stage id or the Salesforce ``StageName`` value.
    """

    pipeline: str
    pipeline_label: str
    id: str
    label: str
    closed: bool
    won: bool
    order: int


@dataclass(frozen=True, kw_only=True)
class RecordTypeInfo:
    """One active Opportunity record type and the ``StageName`` values its sales process
    allows (empty: every stage)."""

    id: str
    developer_name: str
    name: str
    stages: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CurrencySetup:
    """The org's currencies: the corporate one, and the active ISO codes when the org has
    multi-currency (``multi``; a single-currency org holds every amount in ``corporate``)."""

    corporate: str
    active: frozenset[str]
    multi: bool


@runtime_checkable
class OrgSetup(Protocol):
    """A Salesforce org that says which Opportunity record types and currencies it has."""

    def opportunity_record_types(self, *, with_stages: bool = True) -> Sequence[RecordTypeInfo]:
        """The active record types of Opportunity (none: the master record type only),
        with the stages each allows unless ``with_stages`` is off."""
        ...

    def currencies(self) -> CurrencySetup:
        """The org's corporate currency and, with multi-currency, its active currencies."""
        ...


@runtime_checkable
class Stages(Protocol):
    """A CRM that says which deal/opportunity stages it has and what they mean."""

    def deal_stages(self) -> Sequence[StageInfo]:
        """Every active stage (HubSpot: of every deal pipeline), in display order."""
        ...


@runtime_checkable
class Deletes(Protocol):
    """A CRM crmsync may delete records in (a deal whose opportunity was deleted)."""

    def delete(self, object_type: str, ids: Sequence[str]) -> Sequence[WriteResult]:
        """Delete (HubSpot: archive) records; one result per id, ``key`` is the id."""
        ...


@runtime_checkable
class Dissociations(Protocol):
    """A CRM whose associations crmsync may remove (a deal's contact whose role is gone)."""

    def dissociate(
        self, from_object: str, to_object: str, pairs: Sequence[tuple[str, str]]
    ) -> None:
        """Remove every association between each ``(from id, to id)`` pair."""
        ...


@runtime_checkable
class Associations(Protocol):
    """A CRM whose relations are associations rather than lookup fields (HubSpot)."""

    def associate(
        self, kind: AssociationType, requests: Sequence[AssociationWrite]
    ) -> Sequence[WriteResult]:
        """Create associations of one type in as few calls as the API allows."""
        ...

    def associated_ids(
        self, from_object: str, to_object: str, ids: Sequence[str]
    ) -> Mapping[str, tuple[str, ...]]:
        """Each record's associated ``to_object`` ids (any type), by record id."""
        ...


@dataclass(frozen=True, kw_only=True)
class AssociationLabel:
    """One association type between two object types, as the portal defines it."""

    type_id: int
    category: str
    label: str | None


@dataclass(frozen=True, kw_only=True)
class LabelChange:
    """Association types to add to (or remove from) one pair; ``key`` comes back."""

    key: str
    from_id: str
    to_id: str
    labels: tuple[AssociationLabel, ...]


@runtime_checkable
class AssociationLabels(Protocol):
    """A CRM whose associations carry portal-defined labels (HubSpot v4)."""

    def association_labels(self, from_object: str, to_object: str) -> Sequence[AssociationLabel]:
        """Every association type from one object type to another, labels included."""
        ...

    def create_association_label(
        self, from_object: str, to_object: str, label: str
    ) -> AssociationLabel:
        """Define a new label (and its reverse); the forward type."""
        ...

    def associated_types(
        self, from_object: str, to_object: str, ids: Sequence[str]
    ) -> Mapping[str, Mapping[str, frozenset[int]]]:
        """Each record's associated ``to_object`` ids with their type ids."""
        ...

    def add_labels(
        self, from_object: str, to_object: str, changes: Sequence[LabelChange]
    ) -> Sequence[WriteResult]:
        """Add types to pairs (associating them if they were not)."""
        ...

    def remove_labels(
        self, from_object: str, to_object: str, changes: Sequence[LabelChange]
    ) -> None:
        """Remove types from pairs; the pairs stay associated."""
        ...


@dataclass(frozen=True, kw_only=True)
class ApiUsage:
    """API calls as the CRM last reported them (``Sforce-Limit-Info``, HubSpot headers)."""

    calls_made: int
    org_used: int | None = None
    org_limit: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Connector(Protocol):
    """The small interface the engine uses to talk to one CRM."""

    system: System
    capabilities: Capabilities

    def account_id(self) -> str:
        """The Salesforce org id or HubSpot portal id the connector is bound to."""
        ...

    def describe(self, object_type: str) -> Mapping[str, FieldInfo]:
        """The fields of an object type, by API name."""
        ...

    def read_changes(
        self, object_type: str, *, cursor: str | None, fields: Sequence[str], page_size: int
    ) -> ChangePage:
        """Records created, updated or deleted since ``cursor`` (``None``: everything)."""
        ...

    def read_by_ids(
        self, object_type: str, ids: Sequence[str], *, fields: Sequence[str]
    ) -> Sequence[RemoteRecord]:
        """Records by id; missing ids are left out."""
        ...

    def find_by(
        self, object_type: str, field_name: str, values: Sequence[str], *, fields: Sequence[str]
    ) -> Sequence[RemoteRecord]:
        """Records whose ``field_name`` equals one of ``values`` (matching by email)."""
        ...

    def write(self, requests: Sequence[WriteRequest]) -> Sequence[WriteResult]:
        """Create or update records in as few calls as the API allows; one result each."""
        ...

    def usage(self) -> ApiUsage:
        """API usage as last reported by the CRM."""
        ...

    def owner_emails(self) -> Mapping[str, str]:
        """Who can own records, by owner/user id → email (active ones, with an email)."""
        ...


class CallObserver(Protocol):
    """Asked before and told after every API call a connector makes (the API budget).

    ``before_call`` may raise :class:`crmsync.errors.BudgetExhaustedError` to defer the
    work; ``after_call`` receives the response status and headers (``Sforce-Limit-Info``,
    ``X-HubSpot-RateLimit-*``) so usage is counted where it happens.
    """

    def before_call(self, system: System, *, purpose: str) -> None:
        """Called before a call; raise BudgetExhaustedError to refuse it."""
        ...

    def after_call(self, system: System, *, status: int, headers: Mapping[str, str]) -> None:
        """Called after a call with the response status and headers."""
        ...


class NoBudget:
    """A :class:`CallObserver` that allows every call and records nothing."""

    def before_call(self, system: System, *, purpose: str) -> None:
        """Allow the call."""

    def after_call(self, system: System, *, status: int, headers: Mapping[str, str]) -> None:
        """Ignore the result."""
