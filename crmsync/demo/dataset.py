"""A deterministic, realistic demo data set in both emulators' seed formats.

One seeded random generator builds people, then deals them out: some only in HubSpot,
some only in Salesforce (as leads, or as contacts under accounts), some on both sides
with the same email but differing fields. The awkward cases a real sync meets are
there on purpose: a lead and a contact sharing one email inside Salesforce, emails
Salesforce accepted but that are not valid addresses, country values written every
which way, leads a rep is about to convert, and a HubSpot inclusion list.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Final

INCLUSION_LIST_NAME: Final = "Sync to Salesforce"
"""The HubSpot list whose members go to Salesforce (R8)."""

CONVERSION_STATUS: Final = "Working - Contacted"
"""Lead status of the leads awaiting conversion."""

FIRST_NAMES: Final = (
    "Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Jan", "Agnieszka", "Michał",
    "Lukas", "Sophie", "Jonas", "Lea", "Felix", "Hannah", "Maximilian", "Emma",
    "James", "Olivia", "Michael", "Emily", "David", "Sarah", "Daniel", "Jessica",
    "Pierre", "Camille", "Marco", "Giulia", "Lars", "Ingrid", "Carlos", "Lucía",
)  # fmt: skip
LAST_NAMES: Final = (
    "Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamiński", "Lewandowska", "Zieliński",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann",
    "Smith", "Johnson", "Williams", "Brown", "Miller", "Davis", "Wilson", "Taylor",
    "Dubois", "Rossi", "Andersen", "García", "Jansen", "Novák", "Horvat", "O'Brien",
)  # fmt: skip
COMPANIES: Final = (
    "Nordlicht Logistik", "Wisła Software", "Baltic Amber Trading", "Alpenblick Hotels",
    "Copperline Analytics", "Harbor & Pine", "Krakowska Piekarnia", "Rheinwerk Maschinen",
    "Blue Mesa Foods", "Quantum Orchard", "Silverbirch Media", "Mazury Outdoor",
    "Lakeside Dental", "Ostsee Energie", "Granite Peak Capital", "Vistula Freight",
)  # fmt: skip
DOMAINS: Final = (
    "gmail.com", "outlook.com", "wp.pl", "onet.pl", "gmx.de", "web.de", "yahoo.com",
    "protonmail.com", "icloud.com", "interia.pl",
)  # fmt: skip
COUNTRIES: Final = (
    "Poland", "Polska", "PL", "Germany", "Deutschland", "DE", "United States", "USA",
    "US", "France", "United Kingdom", "Netherlands",
)  # fmt: skip
SALES_REPS: Final = (
    ("70001", "sales@crmsync.example", "Sam", "Seller"),
    ("70002", "admin@crmsync.example", "Ada", "Admin"),
)
"""HubSpot owners who are also Salesforce users (same email), so owners sync (R23)."""
OWNED_SHARE: Final = 0.6
"""Share of records on each side that a sales rep owns; the rest keep the default owner."""
HUBSPOT_COMPANIES: Final = 8
"""The first companies of :data:`COMPANIES` also exist in HubSpot (the rest only as accounts)."""
HUBSPOT_COMPANY_BASE: Final = 5000
BAD_EMAIL_SHAPES: Final = ("{a}..{b}@{d}", ".{a}@{d}", "{a}.@{d}")
"""Salesforce accepts these (its check is a loose pattern); they are not valid (R12)."""


@dataclass(frozen=True, kw_only=True)
class Person:
    """One human being, before deciding which CRM knows about them."""

    first_name: str
    last_name: str
    email: str
    phone: str
    company: str
    country: str


@dataclass(kw_only=True)
class DemoDataset:
    """Both seed documents plus what the demo wants to point at afterwards."""

    hubspot_seed: dict[str, Any]
    salesforce_seed: dict[str, Any]
    overlapping_emails: list[str] = field(default_factory=list)
    polish_hubspot_emails: list[str] = field(default_factory=list)
    leads_awaiting_conversion: list[str] = field(default_factory=list)
    duplicate_salesforce_emails: list[str] = field(default_factory=list)
    bad_salesforce_emails: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many records each seed holds, by object."""
        salesforce = self.salesforce_seed["records"]
        return {
            "hubspot_contacts": len(self.hubspot_seed["records"]["contacts"]),
            "hubspot_companies": len(self.hubspot_seed["records"]["companies"]),
            "salesforce_leads": len(salesforce["Lead"]),
            "salesforce_contacts": len(salesforce["Contact"]),
            "salesforce_accounts": len(salesforce["Account"]),
        }


def build_dataset(
    *,
    seed: int = 2026,
    hubspot_contacts: int = 300,
    salesforce_leads: int = 200,
    salesforce_contacts: int = 150,
    overlap: int = 60,
) -> DemoDataset:
    """The demo data; the same ``seed`` always gives the same documents."""
    rng = random.Random(seed)
    people = _people(rng, hubspot_contacts + salesforce_leads + salesforce_contacts)
    hubspot_people = people[:hubspot_contacts]
    rest = people[hubspot_contacts:]
    # The first ``overlap`` HubSpot people are also Salesforce leads/contacts.
    shared = hubspot_people[:overlap]
    lead_people = shared[: overlap // 2] + rest[: salesforce_leads - overlap // 2]
    contact_people = (
        shared[overlap // 2 :]
        + rest[salesforce_leads - overlap // 2 :][: salesforce_contacts - (overlap - overlap // 2)]
    )
    dataset = DemoDataset(
        hubspot_seed=_hubspot_seed(rng, hubspot_people),
        salesforce_seed={},
        overlapping_emails=[person.email for person in shared],
        polish_hubspot_emails=[
            person.email
            for person in hubspot_people[overlap:]
            if person.country in {"Polska", "PL", "Poland"}
        ],
    )
    dataset.salesforce_seed = _salesforce_seed(rng, dataset, lead_people, contact_people)
    # Owners come from a generator of their own, so adding them left the people as
    # they were.
    _assign_owners(random.Random(seed + 1), dataset)
    return dataset


def _assign_owners(rng: random.Random, dataset: DemoDataset) -> None:
    dataset.hubspot_seed["owners"] = [
        {
            "id": owner_id,
            "email": email,
            "firstName": first,
            "lastName": last,
            "userId": int(owner_id),
            "userIdIncludingInactive": int(owner_id),
            "createdAt": "2026-01-05T09:00:00.000Z",
            "updatedAt": "2026-01-05T09:00:00.000Z",
            "archived": False,
        }
        for owner_id, email, first, last in SALES_REPS
    ]
    for row in dataset.hubspot_seed["records"]["contacts"]:
        if rng.random() < OWNED_SHARE:
            row["properties"]["hubspot_owner_id"] = rng.choice(SALES_REPS)[0]
    salesforce = dataset.salesforce_seed["records"]
    for record in [*salesforce["Lead"], *salesforce["Contact"]]:
        if rng.random() < OWNED_SHARE:
            record["OwnerId"] = "@{user:" + rng.choice(SALES_REPS)[1] + "}"


def _people(rng: random.Random, count: int) -> list[Person]:
    seen: set[str] = set()
    people: list[Person] = []
    while len(people) < count:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 999)}"
        email = f"{local}@{rng.choice(DOMAINS)}"
        if email in seen:
            continue
        seen.add(email)
        people.append(
            Person(
                first_name=first,
                last_name=last,
                email=email,
                phone=_phone(rng),
                company=rng.choice(COMPANIES),
                country=rng.choice(COUNTRIES),
            )
        )
    return people


def _phone(rng: random.Random) -> str:
    return f"+48 {rng.randint(500, 799)} {rng.randint(100, 999)} {rng.randint(100, 999)}"


def _ascii(name: str) -> str:
    table = str.maketrans("ąćęłńóśźżäöüéíáñ'", "acelnoszzaoueian ")
    return name.lower().translate(table).replace(" ", "")


def _hubspot_seed(rng: random.Random, people: list[Person]) -> dict[str, Any]:
    records = []
    for number, person in enumerate(people, start=1):
        records.append(
            {
                "id": str(1000 + number),
                "properties": {
                    "email": person.email,
                    "firstname": person.first_name,
                    "lastname": person.last_name,
                    "phone": person.phone,
                    "company": person.company,
                    "country": person.country,
                },
            }
        )
    # Four in five contacts are on the inclusion list; the rest stay in HubSpot (R8).
    members = [row["id"] for row in records if rng.random() < 0.8]
    # Half the companies exist in HubSpot too, each person its primary company's contact:
    # they match their accounts through the contacts both sides share (R21).
    companies = [
        {"id": str(HUBSPOT_COMPANY_BASE + number), "properties": {"name": name}}
        for number, name in enumerate(COMPANIES[:HUBSPOT_COMPANIES])
    ]
    associations = [
        {
            "fromType": "contacts",
            "fromId": row["id"],
            "toType": "companies",
            "toId": str(HUBSPOT_COMPANY_BASE + COMPANIES.index(person.company)),
            "typeId": 1,
        }
        for row, person in zip(records, people, strict=True)
        if COMPANIES.index(person.company) < HUBSPOT_COMPANIES
    ]
    return {
        "records": {"contacts": records, "companies": companies},
        "associations": associations,
        "lists": [
            {
                "name": INCLUSION_LIST_NAME,
                "objectTypeId": "0-1",
                "processingType": "MANUAL",
                "recordIds": members,
            }
        ],
    }


def _salesforce_seed(
    rng: random.Random,
    dataset: DemoDataset,
    lead_people: list[Person],
    contact_people: list[Person],
) -> dict[str, Any]:
    accounts = [{"ref": f"account{n}", "Name": name} for n, name in enumerate(COMPANIES)]
    leads: list[dict[str, Any]] = []
    for number, person in enumerate(lead_people):
        lead = _salesforce_fields(rng, person, differ=person.email in dataset.overlapping_emails)
        lead.update(Company=person.company, Status="Open - Not Contacted", ref=f"lead{number}")
        leads.append(lead)
    contacts: list[dict[str, Any]] = []
    for person in contact_people:
        contact = _salesforce_fields(rng, person, differ=person.email in dataset.overlapping_emails)
        contact["AccountId"] = "@{account" + str(COMPANIES.index(person.company)) + "}"
        contacts.append(contact)
    # A handful of leads a rep is about to convert (the demo converts one of them).
    for lead in leads[-5:]:
        lead["Status"] = CONVERSION_STATUS
        dataset.leads_awaiting_conversion.append(lead["ref"])
    # The same person entered twice in Salesforce: a lead and a contact with one email.
    for lead, contact in zip(leads[40:45], contacts[40:45], strict=True):
        lead["Email"] = contact["Email"]
        dataset.duplicate_salesforce_emails.append(contact["Email"])
    # Addresses Salesforce took but which are not deliverable email addresses.
    for index, record in enumerate([*leads[60:64], *contacts[60:63]]):
        local = _ascii(record["LastName"])
        shape = BAD_EMAIL_SHAPES[index % len(BAD_EMAIL_SHAPES)]
        record["Email"] = shape.format(a=local, b="x", d=rng.choice(DOMAINS))
        dataset.bad_salesforce_emails.append(record["Email"])
    return {"records": {"Account": accounts, "Lead": leads, "Contact": contacts}}


def _salesforce_fields(rng: random.Random, person: Person, *, differ: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "FirstName": person.first_name,
        "LastName": person.last_name,
        "Email": person.email,
        "Phone": person.phone,
    }
    if differ and rng.random() < 0.5:
        # Someone updated the phone number in Salesforce only.
        fields["Phone"] = f"+49 30 {rng.randint(1000000, 9999999)}"
    return fields
