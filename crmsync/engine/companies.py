"""HubSpot companies ⇄ Salesforce accounts, as an :class:`ObjectPair` (R21, R10).

HubSpot's own rules (integration behaviour §1.8), as this pair's strategies:

- **Matching** goes through contacts, never the domain. An unlinked company matches the
  account of the Salesforce contacts its own contacts are linked to; an unlinked account
  matches the company its linked contacts (and the leads converted into it) belong to.
- **Creation.** An account creates a company (it needs no contact). A company creates an
  account only when one of its contacts syncs to a *private* Salesforce contact (no
  account), or would be created as a Salesforce contact under the contact settings
  (create as Contact, and on the inclusion list when there is one). A company with no
  contacts, or whose contacts all sync to leads, creates nothing.
- **Idempotent creates** (R25). A company created from an account carries the account's
  id in ``salesforceaccountid`` (a unique property crmsync adds), an account created
  from a company carries the company's id in ``HubSpot_Company_ID__c`` (an external-id
  field the admin adds): after a crash the journal finds them by those keys, and
  HubSpot refuses a second company with the same key.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence

from crmsync.connectors.base import Associations, Connector, RemoteRecord, System
from crmsync.connectors.hubspot.writes import COMPANY_KEY_PROPERTY
from crmsync.core.mapping import DEFAULT_ACCOUNT_MAPPING, ObjectMapping, Transform
from crmsync.core.translation import FieldTranslator, Owners, Translator
from crmsync.engine.create_keys import ensure_hubspot_key, require_salesforce_key
from crmsync.engine.matching import MatchContext, MatchOutcome, Unlinked
from crmsync.engine.pairs import Action, CreateKey, Gate, ObjectPair
from crmsync.errors import ConfigurationError

ACCOUNT_KEY_FIELD = "HubSpot_Company_ID__c"
"""The Account external-id field holding the HubSpot company id an account was created for."""

NO_CONTACT_REASON = "company has no contact that syncs to a Salesforce contact (R21)"
WAITING_REASON = "waiting for its contacts to sync (R21)"

ContactEligibility = Callable[[str], bool]
"""True when the HubSpot contact would be created as a Salesforce contact (not a lead)."""


class CompanyPolicy:
    """Companies move both ways once company sync is on; creation rules live in matching."""

    def __init__(self, *, owners: Owners | None = None) -> None:
        self._owners = owners
        self._translator: Translator = FieldTranslator(owners=owners)

    def prepare(self, *, hubspot: Connector, salesforce: Connector) -> None:
        """Check the idempotency keys exist on both sides (adding HubSpot's own)."""
        require_salesforce_key(
            salesforce,
            object_type="Account",
            field=ACCOUNT_KEY_FIELD,
            missing=f"company sync needs the Account field {ACCOUNT_KEY_FIELD} (Text(64), "
            "External ID, Unique) so an account is never created twice: add it in Setup → "
            "Object Manager → Account → Fields, then run again (docs/architecture.md)",
        )
        ensure_hubspot_key(
            hubspot,
            object_type="companies",
            name=COMPANY_KEY_PROPERTY,
            label="Salesforce account id (crmsync)",
            missing=f"company sync needs the unique company property {COMPANY_KEY_PROPERTY}",
        )

    def outbound(self, record: RemoteRecord, *, linked_type: str | None) -> Gate:
        """Every company may go; whether an unlinked one creates is the matcher's call."""
        return Gate(action=Action.CREATE_OR_UPDATE, create_as=linked_type or "Account")

    def inbound(self, record: RemoteRecord, *, linked_hubspot_id: str | None) -> Gate:
        """Every account may create or update its company."""
        return Gate(action=Action.CREATE_OR_UPDATE)

    def translator(self) -> Translator:
        """Owners and value maps; states and countries as they are."""
        return self._translator

    def triggered(self, since: str | None) -> tuple[list[str], str | None]:
        """Companies sync on change only."""
        return [], since


class ThroughContacts:
    """Matches companies and accounts through the contacts linked to both (R21)."""

    def __init__(self, *, contact_eligible: ContactEligibility) -> None:
        self._contact_eligible = contact_eligible

    def match(
        self, source: System, unlinked: Sequence[Unlinked], context: MatchContext
    ) -> MatchOutcome:
        """Matches first; then creates as HubSpot's rules allow."""
        if source is System.HUBSPOT:
            return self._from_hubspot(unlinked, context)
        return self._from_salesforce(unlinked, context)

    # -- a HubSpot company looking for its account ----------------------------------

    def _from_hubspot(self, unlinked: Sequence[Unlinked], context: MatchContext) -> MatchOutcome:
        hubspot = _associations(context.connectors[System.HUBSPOT])
        company_ids = [record.id for record, _ in unlinked]
        contacts_of = hubspot.associated_ids("companies", "contacts", company_ids)
        every_contact = sorted({c for ids in contacts_of.values() for c in ids})
        with context.store.begin(context.scope) as tx:
            links = tx.links_by_hubspot(hubspot_type="contacts", ids=every_contact)
            linked_contacts = {
                hubspot_id: link.salesforce_id
                for hubspot_id, link in links.items()
                if link.salesforce_type == "Contact"
            }
        accounts_of_contact = _account_ids(context, sorted(set(linked_contacts.values())))
        candidates: dict[str, list[str]] = {}
        for record, _create_as in unlinked:
            accounts: list[str] = []
            for contact in contacts_of.get(record.id, ()):
                salesforce_contact = linked_contacts.get(contact)
                if salesforce_contact is not None:
                    accounts.append(accounts_of_contact.get(salesforce_contact) or "")
            candidates[record.id] = accounts
        taken = _linked_accounts(context, [a for ids in candidates.values() for a in ids if a])
        found = _read(context, System.SALESFORCE, "Account", sorted(_wanted(candidates, taken)))
        outcome = MatchOutcome()
        claimed: set[str] = set()
        for record, create_as in unlinked:
            accounts = candidates[record.id]
            choice = _most_shared([a for a in accounts if a and a not in taken | claimed])
            if choice is not None and choice in found:
                claimed.add(choice)
                outcome.matched.append((record, found[choice]))
                continue
            private_contact = "" in accounts
            would_create_contact = any(
                contact not in links and self._contact_eligible(contact)
                for contact in contacts_of.get(record.id, ())
            )
            if private_contact or (would_create_contact and context.pulled):
                outcome.creates.append((record, create_as or "Account"))
            elif would_create_contact:
                # Its contacts may match existing Salesforce contacts with an account:
                # the company is pulled, matched or created, when they sync.
                outcome.skipped.append(WAITING_REASON)
            else:
                outcome.skipped.append(NO_CONTACT_REASON)
        return outcome

    # -- a Salesforce account looking for its company -------------------------------

    def _from_salesforce(self, unlinked: Sequence[Unlinked], context: MatchContext) -> MatchOutcome:
        account_ids = [record.id for record, _ in unlinked]
        people_of: dict[str, list[str]] = defaultdict(list)
        for contact in context.find(
            System.SALESFORCE, "Contact", "AccountId", account_ids, fields=["AccountId"]
        ):
            people_of[str(contact.fields.get("AccountId"))].append(contact.id)
        # A lead converted into this account: its link may not have moved to the new
        # contact yet (leads convert in the contacts pair, which runs after this one).
        for lead in context.find(
            System.SALESFORCE,
            "Lead",
            "ConvertedAccountId",
            account_ids,
            fields=["ConvertedAccountId"],
        ):
            people_of[str(lead.fields.get("ConvertedAccountId"))].append(lead.id)
        every_person = sorted({p for ids in people_of.values() for p in ids})
        with context.store.begin(context.scope) as tx:
            links = tx.links_by_salesforce(salesforce_types=["Contact", "Lead"], ids=every_person)
        hubspot_contacts = sorted({link.hubspot_id for link in links.values()})
        hubspot = _associations(context.connectors[System.HUBSPOT])
        companies_of = hubspot.associated_ids("contacts", "companies", hubspot_contacts)
        candidates: dict[str, list[str]] = {}
        for record, _create_as in unlinked:
            companies: list[str] = []
            for person in people_of.get(record.id, ()):
                link = links.get(person)
                if link is not None:
                    companies.extend(companies_of.get(link.hubspot_id, ()))
            candidates[record.id] = companies
        every_company = sorted({c for ids in candidates.values() for c in ids})
        with context.store.begin(context.scope) as tx:
            taken = set(tx.links_by_hubspot(hubspot_type="companies", ids=every_company))
        found = _read(context, System.HUBSPOT, "companies", sorted(_wanted(candidates, taken)))
        outcome = MatchOutcome()
        claimed: set[str] = set()
        for record, create_as in unlinked:
            free = [c for c in candidates[record.id] if c not in taken | claimed]
            choice = _most_shared(free)
            if choice is not None and choice in found:
                claimed.add(choice)
                outcome.matched.append((record, found[choice]))
            elif not context.pulled and any(p not in links for p in people_of.get(record.id, ())):
                # Its people may link to contacts of an existing company when they sync;
                # they pull the account then (a converted lead's new account included).
                outcome.skipped.append(WAITING_REASON)
            else:
                outcome.creates.append((record, create_as))
        return outcome


def _associations(connector: Connector) -> Associations:
    if not isinstance(connector, Associations):
        raise ConfigurationError("company sync needs a HubSpot connector that reads associations")
    return connector


def _account_ids(context: MatchContext, contact_ids: Sequence[str]) -> dict[str, str | None]:
    """Each Salesforce contact's ``AccountId`` (``None``: a private contact)."""
    found = _read(context, System.SALESFORCE, "Contact", contact_ids, fields=["AccountId"])
    return {
        contact_id: (str(record.fields["AccountId"]) if record.fields.get("AccountId") else None)
        for contact_id, record in found.items()
    }


def _linked_accounts(context: MatchContext, account_ids: Sequence[str]) -> set[str]:
    with context.store.begin(context.scope) as tx:
        return set(tx.links_by_salesforce(salesforce_types=["Account"], ids=account_ids))


def _read(
    context: MatchContext,
    system: System,
    object_type: str,
    ids: Sequence[str],
    *,
    fields: Sequence[str] | None = None,
) -> dict[str, RemoteRecord]:
    if not ids:
        return {}
    connector = context.connectors[system]
    chosen = tuple(fields) if fields is not None else context.fields(system, object_type)
    size = max(1, connector.capabilities.max_batch_read)
    found: dict[str, RemoteRecord] = {}
    for start in range(0, len(ids), size):
        for record in connector.read_by_ids(object_type, ids[start : start + size], fields=chosen):
            found[record.id] = record
    return found


def _wanted(candidates: Mapping[str, list[str]], taken: set[str]) -> set[str]:
    return {value for ids in candidates.values() for value in ids if value and value not in taken}


def _most_shared(ids: Sequence[str]) -> str | None:
    """The record most of the contacts point at; ties go to the lowest id (stable)."""
    if not ids:
        return None
    counts = Counter(ids)
    return min(counts, key=lambda value: (-counts[value], value))


def _company_key(record: RemoteRecord, source: System) -> str | None:
    # The source's own id is stamped on the record created for it.
    return record.id


def companies_pair(
    *,
    mapping: ObjectMapping | None = None,
    owners: Owners | None = None,
    contact_eligible: ContactEligibility,
) -> ObjectPair:
    """The companies pair. Owner rows need an owner directory; without one they are left
    out. ``contact_eligible`` tells whether a HubSpot contact would become a Salesforce
    contact (the contact settings decide, R9 and R8)."""
    chosen = mapping or DEFAULT_ACCOUNT_MAPPING
    if owners is None:
        chosen = ObjectMapping(
            hubspot_object=chosen.hubspot_object,
            salesforce_object=chosen.salesforce_object,
            fields=tuple(r for r in chosen.fields if r.transform is not Transform.OWNER_BY_EMAIL),
        )
    return ObjectPair(
        name="companies",
        hubspot_object="companies",
        mappings={"Account": chosen},
        match=None,
        policy=CompanyPolicy(owners=owners),
        strategy=ThroughContacts(contact_eligible=contact_eligible),
        create_key=CreateKey(
            hubspot_property=COMPANY_KEY_PROPERTY,
            salesforce_field=ACCOUNT_KEY_FIELD,
            value=_company_key,
            stamped=True,
        ),
        settings_prefix="companies",
    )


__all__ = ["ACCOUNT_KEY_FIELD", "CompanyPolicy", "ThroughContacts", "companies_pair"]
