"""HubSpot contacts ⇄ Salesforce contacts and leads, as an :class:`ObjectPair` (R8-R14, R20).

The seed's contact settings become a :class:`ContactPolicy` over the decisions in
:mod:`crmsync.core.policies`; the mapping tables come from :mod:`crmsync.core.mapping`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from crmsync.connectors.base import (
    AssociationType,
    Connector,
    FieldInfo,
    PicklistEntry,
    RemoteRecord,
    System,
)
from crmsync.core.email import check_email, normalise_email
from crmsync.core.geography import GeographyMode, OrgPicklists, PicklistOption, PicklistSetup
from crmsync.core.mapping import (
    DEFAULT_CONTACT_MAPPING,
    DEFAULT_LEAD_MAPPING,
    ObjectMapping,
    Transform,
    for_picklists,
)
from crmsync.core.matching import conversion_move
from crmsync.core.policies import (
    ContactSettings,
    InboundAction,
    OutboundAction,
    hubspot_to_salesforce,
    salesforce_to_hubspot,
)
from crmsync.core.translation import FieldTranslator, Owners, Translator
from crmsync.engine.contacts_matching import EmailMatch
from crmsync.engine.pairs import Action, CreateKey, Gate, MatchKey, ObjectPair, Reference
from crmsync.errors import ConfigurationError

INVALID_EMAIL_CODE = "INVALID_EMAIL_SKIPPED"


@runtime_checkable
class ListMembership(Protocol):
    """A HubSpot connector that can list a contact list's members (R8)."""

    def list_member_ids(self, list_id: str) -> Sequence[str]:
        """Ids of the records on the list."""
        ...


@runtime_checkable
class ListJoins(Protocol):
    """A HubSpot connector that says when each member joined a list."""

    def list_members(self, list_id: str) -> Mapping[str, str]:
        """Record id → when it joined (an ISO timestamp)."""
        ...


class ContactPolicy:
    """The seed's contact settings as decisions for the engine."""

    def __init__(
        self,
        *,
        settings: ContactSettings,
        owners: Owners | None = None,
        allow_test_domains: bool = False,
    ) -> None:
        self.settings = settings
        self._owners = owners
        self._allow_test_domains = allow_test_domains
        self._members: frozenset[str] = frozenset()
        self._joined: dict[str, datetime] = {}
        self._translator: Translator = FieldTranslator(
            picklists=settings.state_country_picklists,
            mode=settings.state_country_mode,
            owners=owners,
        )

    def prepare(self, *, hubspot: Connector, salesforce: Connector) -> None:
        """Load the inclusion list (R8) and, when customised, the org's picklists (R11)."""
        list_id = self.settings.inclusion_list_id
        if list_id is not None:
            if not isinstance(hubspot, ListMembership):
                raise ConfigurationError(
                    "an inclusion list is set but the HubSpot connector cannot read lists"
                )
            if isinstance(hubspot, ListJoins):
                joins = hubspot.list_members(list_id)
                self._members = frozenset(joins)
                self._joined = {
                    member: when
                    for member, text in joins.items()
                    if (when := _timestamp(text)) is not None
                }
            else:
                self._members = frozenset(str(m) for m in hubspot.list_member_ids(list_id))
        org = None
        if self.settings.state_country_picklists is PicklistSetup.CUSTOMIZED:
            org = _org_picklists(salesforce)
        self._translator = FieldTranslator(
            picklists=self.settings.state_country_picklists,
            mode=self.settings.state_country_mode,
            org_picklists=org,
            owners=self._owners,
        )

    def triggered(self, since: str | None) -> tuple[list[str], str | None]:
        """Contacts that joined the inclusion list since the mark ``since`` (R8: joining
        the list syncs a contact, though joining does not change the contact), and the
        new mark. The mark names the list: a list just chosen counts all its members.
        """
        list_id = self.settings.inclusion_list_id
        if list_id is None:
            return [], since
        marked_list, _, marked_at = (since or "").partition("@")
        after: datetime | None = None
        if marked_list == list_id and marked_at:
            after = _timestamp(marked_at)
            if after is None:
                return [], since  # an unreadable mark: keep it, trigger nothing
        # A list just chosen, or empty at the last mark: every member counts as joined.
        joined = sorted(
            member
            for member in self._members
            if after is None or ((when := self._joined.get(member)) is not None and when > after)
        )
        latest = max([*self._joined.values(), *([after] if after else [])], default=None)
        return joined, f"{list_id}@{latest.isoformat() if latest else ''}"

    def eligible(self, hubspot_id: str) -> bool:
        """True when the HubSpot contact may sync to Salesforce (R8: no list, or on it)."""
        return self.settings.inclusion_list_id is None or hubspot_id in self._members

    def creates_contact(self, hubspot_id: str) -> bool:
        """True when an unlinked HubSpot contact would be created as a Salesforce contact
        (R9 says Contact, and R8's inclusion list, if set, holds it)."""
        decision = hubspot_to_salesforce(
            settings=self.settings,
            on_inclusion_list=hubspot_id in self._members,
            linked_object=None,
        )
        return decision.salesforce_object == "Contact"

    def outbound(self, record: RemoteRecord, *, linked_type: str | None) -> Gate:
        """R8 (inclusion list) and R9 (create as lead or contact)."""
        decision = hubspot_to_salesforce(
            settings=self.settings,
            on_inclusion_list=record.id in self._members,
            linked_object=linked_type,
        )
        if decision.action is OutboundAction.SKIP_NOT_ON_INCLUSION_LIST:
            return Gate(action=Action.SKIP, reason="not on the inclusion list (R8)")
        if decision.action is OutboundAction.UPDATE_LINKED:
            return Gate(action=Action.UPDATE)
        return Gate(action=Action.CREATE_OR_UPDATE, create_as=decision.salesforce_object)

    def inbound(self, record: RemoteRecord, *, linked_hubspot_id: str | None) -> Gate:
        """R12 (valid email only), R13 (policy per object), R14 and R8 for updates."""
        raw = record.fields.get("Email")
        check = check_email(
            raw if isinstance(raw, str) else None, allow_test_domains=self._allow_test_domains
        )
        action = salesforce_to_hubspot(
            settings=self.settings,
            salesforce_object=record.object_type,
            email_valid=check.valid,
            linked=linked_hubspot_id is not None,
            on_inclusion_list=linked_hubspot_id in self._members,
        )
        match action:
            case InboundAction.SKIP_INVALID_EMAIL:
                return Gate(
                    action=Action.SKIP,
                    reason=f"invalid email (R12): {check.reason}",
                    error_code=INVALID_EMAIL_CODE,
                    field="Email",
                )
            case InboundAction.SKIP_POLICY_NOTHING:
                return Gate(
                    action=Action.SKIP, reason=f"{record.object_type} policy: nothing (R13)"
                )
            case InboundAction.SKIP_NOT_ON_INCLUSION_LIST:
                return Gate(action=Action.SKIP, reason="not on the inclusion list (R8)")
            case InboundAction.UPDATE_LINKED:
                return Gate(action=Action.UPDATE)
            case InboundAction.CREATE_OR_UPDATE_BY_EMAIL:
                return Gate(action=Action.CREATE_OR_UPDATE)

    def translator(self) -> Translator:
        """The translator for this run's R11 settings."""
        return self._translator


def _timestamp(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _org_picklists(salesforce: Connector) -> OrgPicklists:
    """The org's own countries and states from describe (customised picklists, R11).

    Labels are what people type ("Kosovo"), values what Salesforce stores ("XK"); each
    state is offered under the countries its ``validFor`` names. A describe without
    ``validFor`` offers every state under every country (the geography lookup still
    checks a state code against its country).
    """
    fields = salesforce.describe("Contact")
    countries = tuple(
        PicklistOption(value=entry.value, label=entry.label)
        for entry in _entries(fields, "MailingCountryCode")
    )
    state_entries = _entries(fields, "MailingStateCode")
    dependent = any(entry.valid_for for entry in state_entries)
    states = {
        country.value: tuple(
            PicklistOption(value=entry.value, label=entry.label)
            for entry in state_entries
            if not dependent or country.value in entry.valid_for
        )
        for country in countries
    }
    return OrgPicklists(countries=countries, states=states)


def _entries(fields: Mapping[str, FieldInfo], name: str) -> tuple[PicklistEntry, ...]:
    info = fields.get(name)
    return info.picklist_entries if info is not None else ()


def _lead_conversion(record: RemoteRecord) -> tuple[str, str] | None:
    if record.object_type != "Lead":
        return None
    move = conversion_move(lead_id=record.id, lead_fields=record.fields)
    return None if move is None else (move.to_object, move.to_id)


def _without_owner(mapping: ObjectMapping) -> ObjectMapping:
    rows = tuple(row for row in mapping.fields if row.transform is not Transform.OWNER_BY_EMAIL)
    return ObjectMapping(
        hubspot_object=mapping.hubspot_object,
        salesforce_object=mapping.salesforce_object,
        fields=rows,
    )


PRIMARY_COMPANY = Reference(
    hubspot_property="associatedcompanyid",
    salesforce_field="AccountId",
    target_pair="companies",
    target_hubspot_object="companies",
    target_salesforce_objects=("Account",),
    salesforce_objects=("Contact",),
    hubspot_association=AssociationType(from_object="contacts", to_object="companies", type_id=1),
)
"""A contact's primary company ⇄ ``Contact.AccountId`` (leads have no account, R21)."""

EMAIL_KEY = MatchKey(hubspot_property="email", salesforce_field="Email", normalise=normalise_email)


def _email_of(record: RemoteRecord, source: System) -> str | None:
    raw = record.fields.get("email" if source is System.HUBSPOT else "Email")
    return normalise_email(raw if isinstance(raw, str) else None)


def contacts_pair(
    settings: ContactSettings,
    *,
    mappings: Mapping[str, ObjectMapping] | None = None,
    owners: Owners | None = None,
    allow_test_domains: bool = False,
    with_companies: bool = False,
) -> ObjectPair:
    """The contacts pair under ``settings``.

    ``mappings`` (keyed ``Contact``/``Lead``) defaults to core's tables. Owner rows need
    an owner directory (:class:`~crmsync.core.translation.Owners`); without one they are
    left out rather than failing every record with ``OWNER_NOT_MATCHED``. With
    ``with_companies`` (company sync on) a contact's primary company syncs with its
    ``AccountId``, and the companies pair runs first.
    """
    chosen = dict(mappings or {"Contact": DEFAULT_CONTACT_MAPPING, "Lead": DEFAULT_LEAD_MAPPING})
    use_codes = (
        settings.state_country_picklists is not PicklistSetup.DISABLED
        and settings.state_country_mode is GeographyMode.MATCH_SALESFORCE
    )
    ordered: dict[str, ObjectMapping] = {
        name: for_picklists(
            chosen[name] if owners is not None else _without_owner(chosen[name]),
            use_code_fields=use_codes,
        )
        for name in ("Contact", "Lead")
        if name in chosen
    }
    return ObjectPair(
        name="contacts",
        hubspot_object="contacts",
        mappings=ordered,
        match=EMAIL_KEY,
        strategy=EmailMatch(EMAIL_KEY),
        create_key=CreateKey(hubspot_property="email", salesforce_field="Email", value=_email_of),
        references=(PRIMARY_COMPANY,) if with_companies else (),
        depends_on=("companies",) if with_companies else (),
        settings_prefix="contacts",
        policy=ContactPolicy(
            settings=settings, owners=owners, allow_test_domains=allow_test_domains
        ),
        salesforce_extra_fields={
            "Lead": ("CreatedDate", "IsConverted", "ConvertedContactId"),
            "Contact": ("CreatedDate",),
        },
        conversion=_lead_conversion,
        salesforce_read_order=tuple(name for name in ("Lead", "Contact") if name in ordered),
    )
