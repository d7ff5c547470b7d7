"""A tiny in-memory org implementing the SOQL engine's ``QuerySource`` port.

Rows are in Salesforce JSON form, ids are real-looking 18-character ids. The data is
small and fixed so every expected result can be read off this file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from crmsync.emulators.salesforce.soql import QueryResult, execute, parse
from crmsync.emulators.salesforce.soql.field_types import to18

NOW = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.UTC)  # a Wednesday
API_VERSION = "59.0"


def make_id(prefix: str, number: int) -> str:
    """An 18-character id such as ``003AB0000000001`` + checksum."""
    return to18(f"{prefix}AB{number:010d}")


def user(number: int) -> str:
    return make_id("005", number)


def account(number: int) -> str:
    return make_id("001", number)


def contact(number: int) -> str:
    return make_id("003", number)


def opportunity(number: int) -> str:
    return make_id("006", number)


def contact_role(number: int) -> str:
    return make_id("00K", number)


_SYSTEM = {
    "Id": "id",
    "IsDeleted": "boolean",
    "CreatedDate": "datetime",
    "LastModifiedDate": "datetime",
    "SystemModstamp": "datetime",
}

SCHEMA: dict[str, dict[str, str]] = {
    "User": {**_SYSTEM, "Email": "email", "FirstName": "string", "LastName": "string",
             "IsActive": "boolean"},
    "Account": {**_SYSTEM, "Name": "string", "Industry": "picklist", "OwnerId": "reference",
                "NumberOfEmployees": "int", "AnnualRevenue": "currency", "Website": "url"},
    "Contact": {**_SYSTEM, "FirstName": "string", "LastName": "string", "Email": "email",
                "Phone": "phone", "AccountId": "reference", "OwnerId": "reference",
                "Birthdate": "date", "HasOptedOutOfEmail": "boolean",
                "Interests__c": "multipicklist", "Description": "textarea"},
    "Opportunity": {**_SYSTEM, "Name": "string", "StageName": "picklist", "Amount": "currency",
                    "Probability": "percent", "CloseDate": "date", "AccountId": "reference",
                    "OwnerId": "reference"},
    "OpportunityContactRole": {**_SYSTEM, "OpportunityId": "reference",
                               "ContactId": "reference", "Role": "picklist",
                               "IsPrimary": "boolean"},
}  # fmt: skip

PARENTS: dict[tuple[str, str], tuple[str, str]] = {
    ("Account", "owner"): ("OwnerId", "User"),
    ("Contact", "account"): ("AccountId", "Account"),
    ("Contact", "owner"): ("OwnerId", "User"),
    ("Opportunity", "account"): ("AccountId", "Account"),
    ("Opportunity", "owner"): ("OwnerId", "User"),
    ("OpportunityContactRole", "opportunity"): ("OpportunityId", "Opportunity"),
    ("OpportunityContactRole", "contact"): ("ContactId", "Contact"),
}

CHILDREN: dict[tuple[str, str], tuple[str, str]] = {
    ("Account", "contacts"): ("Contact", "AccountId"),
    ("Account", "opportunities"): ("Opportunity", "AccountId"),
    ("Opportunity", "opportunitycontactroles"): ("OpportunityContactRole", "OpportunityId"),
    ("Contact", "opportunitycontactroles"): ("OpportunityContactRole", "ContactId"),
}


def _stamp(day: int, hour: int = 10) -> str:
    return f"2024-05-{day:02d}T{hour:02d}:00:00.000+0000"


def _row(
    sobject: str, record_id: str, *, deleted: bool = False, day: int = 1, **values: Any
) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(SCHEMA[sobject])
    row.update(
        Id=record_id,
        IsDeleted=deleted,
        CreatedDate=_stamp(day),
        LastModifiedDate=_stamp(day),
        SystemModstamp=_stamp(day),
    )
    if sobject == "Contact":
        row["HasOptedOutOfEmail"] = False
    row.update(values)
    return row


def default_rows() -> dict[str, list[dict[str, Any]]]:
    """The fixed data set the tests read from."""
    return {
        "User": [
            _row("User", user(1), Email="owner.one@example.com", LastName="One", IsActive=True),
            _row("User", user(2), Email="owner.two@example.com", LastName="Two", IsActive=True),
        ],
        "Account": [
            _row("Account", account(1), Name="Acme", Industry="Technology", OwnerId=user(1),
                 NumberOfEmployees=50, AnnualRevenue=1000000.0, day=1),
            _row("Account", account(2), Name="Globex", Industry="Energy", OwnerId=user(2),
                 NumberOfEmployees=7, AnnualRevenue=None, day=2),
            _row("Account", account(3), Name="Initech", OwnerId=user(1), deleted=True, day=3),
        ],
        "Contact": [
            _row("Contact", contact(1), FirstName="Ada", LastName="Lovelace",
                 Email="ada@acme.example", AccountId=account(1), OwnerId=user(1),
                 Birthdate="1990-12-10", Interests__c="Golf;Tennis", day=1),
            _row("Contact", contact(2), FirstName="Bob", LastName="Brown", Email=None,
                 AccountId=None, OwnerId=user(2), HasOptedOutOfEmail=True, day=5),
            _row("Contact", contact(3), FirstName="Cy", LastName="Deleted",
                 Email="cy@acme.example", AccountId=account(1), OwnerId=user(1),
                 deleted=True, day=6),
            _row("Contact", contact(4), FirstName="Dara", LastName="O'Brien",
                 Email="dara@globex.example", AccountId=account(2), OwnerId=user(2),
                 Interests__c="Chess", Birthdate="1985-01-02", day=10),
            _row("Contact", contact(5), FirstName=None, LastName="100% Sure_Thing",
                 Email="ADA@ACME.EXAMPLE", AccountId=account(3), OwnerId=user(1),
                 Interests__c="Golf", day=14),
        ],
        "Opportunity": [
            _row("Opportunity", opportunity(1), Name="Big deal", StageName="Prospecting",
                 Amount=5000.0, Probability=10, CloseDate="2024-06-30", AccountId=account(1),
                 OwnerId=user(1)),
            _row("Opportunity", opportunity(2), Name="Small deal", StageName="Closed Won",
                 Amount=250.5, Probability=100, CloseDate="2024-05-14", AccountId=account(2),
                 OwnerId=user(2)),
        ],
        "OpportunityContactRole": [
            _row("OpportunityContactRole", contact_role(1), OpportunityId=opportunity(1),
                 ContactId=contact(1), Role="Decision Maker", IsPrimary=True),
            _row("OpportunityContactRole", contact_role(2), OpportunityId=opportunity(1),
                 ContactId=contact(4), Role="Evaluator", IsPrimary=False),
            _row("OpportunityContactRole", contact_role(3), OpportunityId=opportunity(1),
                 ContactId=contact(2), Role="Other", IsPrimary=False, deleted=True),
            _row("OpportunityContactRole", contact_role(4), OpportunityId=opportunity(2),
                 ContactId=contact(1), Role="Evaluator", IsPrimary=True),
        ],
    }  # fmt: skip


class FakeOrg:
    """In-memory ``QuerySource``: case-insensitive schema lookups over fixed rows."""

    def __init__(self, rows: Mapping[str, list[dict[str, Any]]] | None = None) -> None:
        self.rows = dict(rows if rows is not None else default_rows())
        self._by_id = {row["Id"]: row for rows_ in self.rows.values() for row in rows_}
        self.get_record_calls = 0

    def canonical_object(self, name: str) -> str | None:
        return next((obj for obj in SCHEMA if obj.lower() == name.lower()), None)

    def canonical_field(self, sobject: str, field: str) -> str | None:
        return next((f for f in SCHEMA[sobject] if f.lower() == field.lower()), None)

    def field_names(self, sobject: str) -> list[str]:
        return list(SCHEMA.get(sobject, {}))

    def field_type(self, sobject: str, field: str) -> str | None:
        return SCHEMA.get(sobject, {}).get(field)

    def components(self, sobject: str, field: str) -> tuple[tuple[str, str], ...]:
        return ()

    def parent_relationship(self, sobject: str, relationship: str) -> tuple[str, str] | None:
        return PARENTS.get((sobject, relationship.lower()))

    def child_relationship(self, sobject: str, relationship: str) -> tuple[str, str] | None:
        return CHILDREN.get((sobject, relationship.lower()))

    def records(self, sobject: str) -> Iterable[Mapping[str, Any]]:
        return self.rows.get(sobject, [])

    def get_record(self, sobject: str, record_id: str) -> Mapping[str, Any] | None:
        self.get_record_calls += 1
        row = self._by_id.get(record_id)
        if row is None or not row["Id"].startswith(
            {"User": "005", "Account": "001", "Contact": "003", "Opportunity": "006",
             "OpportunityContactRole": "00K"}[sobject]
        ):  # fmt: skip
            return None
        return row


def run(
    text: str,
    org: FakeOrg | None = None,
    *,
    include_deleted: bool = False,
    now: dt.datetime = NOW,
) -> QueryResult:
    """Parse and execute ``text`` against ``org`` (the default data set when omitted)."""
    return execute(
        parse(text),
        org or FakeOrg(),
        include_deleted=include_deleted,
        now=now,
        api_version=API_VERSION,
    )


def ids(result: QueryResult) -> list[str]:
    """The ``Id`` of each returned row, in order."""
    return [row["Id"] for row in result.rows]
