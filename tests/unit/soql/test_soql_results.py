"""Result shape (Salesforce JSON records), relationships, ORDER BY, LIMIT/OFFSET, queryAll."""

from __future__ import annotations

import pytest
from soql_fake_org import (
    FakeOrg,
    account,
    contact,
    contact_role,
    default_rows,
    ids,
    opportunity,
    run,
    user,
)

from crmsync.emulators.salesforce.soql import SoqlError


def test_rows_carry_attributes_and_canonical_field_names_in_select_order() -> None:
    result = run(f"select email, ID, lastname from CONTACT where id = '{contact(1)}'")
    assert result.rows == [
        {
            "attributes": {
                "type": "Contact",
                "url": f"/services/data/v59.0/sobjects/Contact/{contact(1)}",
            },
            "Email": "ada@acme.example",
            "Id": contact(1),
            "LastName": "Lovelace",
        }
    ]
    assert list(result.rows[0]) == ["attributes", "Email", "Id", "LastName"]
    assert (result.total_size, result.is_count) == (1, False)


def test_parent_paths_nest_one_object_per_relationship() -> None:
    result = run(
        "SELECT Id, account.name, Account.Owner.Email, Account.Industry, Owner.Email "
        f"FROM Contact WHERE Id = '{contact(1)}'"
    )
    (row,) = result.rows
    assert row["Account"] == {
        "attributes": {
            "type": "Account",
            "url": f"/services/data/v59.0/sobjects/Account/{account(1)}",
        },
        "Name": "Acme",
        "Owner": {
            "attributes": {"type": "User", "url": f"/services/data/v59.0/sobjects/User/{user(1)}"},
            "Email": "owner.one@example.com",
        },
        "Industry": "Technology",
    }
    assert row["Owner"]["Email"] == "owner.one@example.com"


def test_missing_or_deleted_parent_is_null() -> None:
    result = run(
        "SELECT Id, Account.Name, Account.Owner.Email FROM Contact "
        f"WHERE Id IN ('{contact(2)}', '{contact(5)}')"
    )
    assert [row["Account"] for row in result.rows] == [None, None]


def test_deleted_parent_is_visible_to_query_all() -> None:
    result = run(
        f"SELECT Account.Name FROM Contact WHERE Id = '{contact(5)}'", include_deleted=True
    )
    assert result.rows[0]["Account"]["Name"] == "Initech"


def test_parent_rows_are_fetched_once_per_execution() -> None:
    org = FakeOrg()
    run("SELECT Account.Name, Account.Industry FROM Contact WHERE Account.Name != null", org)
    # Three distinct accounts are referenced by the four visible contacts.
    assert org.get_record_calls == 3


def test_child_subquery_lists_children_or_null() -> None:
    result = run(
        "SELECT Id, (SELECT Id, ContactId, Contact.LastName FROM OpportunityContactRoles "
        "ORDER BY Role) FROM Opportunity ORDER BY Name"
    )
    big, small = result.rows
    assert big["OpportunityContactRoles"]["totalSize"] == 2
    assert big["OpportunityContactRoles"]["done"] is True
    records = big["OpportunityContactRoles"]["records"]
    assert [r["Id"] for r in records] == [contact_role(1), contact_role(2)]
    assert records[0]["attributes"]["type"] == "OpportunityContactRole"
    assert records[1]["Contact"]["LastName"] == "O'Brien"
    assert [r["ContactId"] for r in small["OpportunityContactRoles"]["records"]] == [contact(1)]

    no_children = run(
        f"SELECT Id, (SELECT Id FROM Contacts) FROM Account WHERE Id = '{account(2)}'"
    ).rows[0]
    assert no_children["Contacts"]["totalSize"] == 1
    filtered = run(
        "SELECT Id, (SELECT Id FROM OpportunityContactRoles WHERE Role = 'Nobody') FROM Opportunity"
    )
    assert [row["OpportunityContactRoles"] for row in filtered.rows] == [None, None]


def test_child_subquery_where_limit_and_deleted_children() -> None:
    query = (
        "SELECT Id, (SELECT Id FROM OpportunityContactRoles WHERE IsPrimary = false "
        f"ORDER BY Id DESC LIMIT 5) FROM Opportunity WHERE Id = '{opportunity(1)}'"
    )
    live = run(query).rows[0]["OpportunityContactRoles"]["records"]
    assert [r["Id"] for r in live] == [contact_role(2)]
    every = run(query, include_deleted=True).rows[0]["OpportunityContactRoles"]["records"]
    assert [r["Id"] for r in every] == [contact_role(3), contact_role(2)]
    limited = run(query.replace("LIMIT 5", "LIMIT 1"), include_deleted=True)
    assert limited.rows[0]["OpportunityContactRoles"]["totalSize"] == 1


def test_deleted_rows_only_with_query_all() -> None:
    assert contact(3) not in ids(run("SELECT Id FROM Contact"))
    every = run("SELECT Id, IsDeleted FROM Contact", include_deleted=True)
    assert contact(3) in ids(every)
    assert [row["IsDeleted"] for row in every.rows if row["Id"] == contact(3)] == [True]
    assert run("SELECT COUNT() FROM Contact WHERE IsDeleted = true").total_size == 0


def test_count() -> None:
    result = run("SELECT COUNT() FROM Contact WHERE Email != null")
    assert (result.rows, result.total_size, result.is_count) == ([], 3, True)
    assert run("SELECT COUNT() FROM Contact", include_deleted=True).total_size == 5
    assert run("SELECT COUNT() FROM Contact LIMIT 2").total_size == 2


def test_order_by_ascending_puts_nulls_first_by_default() -> None:
    result = run("SELECT Id, Email FROM Contact ORDER BY Email")
    assert ids(result) == [contact(2), contact(1), contact(5), contact(4)]


def test_order_by_descending_puts_nulls_last_by_default() -> None:
    result = run("SELECT Id FROM Contact ORDER BY Email DESC, LastName DESC")
    # ada@ and ADA@ tie case-insensitively; LastName DESC breaks the tie.
    assert ids(result) == [contact(4), contact(1), contact(5), contact(2)]


def test_order_by_explicit_nulls_placement() -> None:
    assert ids(run("SELECT Id FROM Contact ORDER BY Email ASC NULLS LAST, Id"))[-1] == contact(2)
    assert ids(run("SELECT Id FROM Contact ORDER BY Email DESC NULLS FIRST"))[0] == contact(2)


def test_order_by_numbers_dates_and_parent_fields() -> None:
    assert ids(run("SELECT Id FROM Account ORDER BY NumberOfEmployees")) == [account(2), account(1)]
    assert ids(run("SELECT Id FROM Contact ORDER BY Birthdate DESC")) == [
        contact(1),
        contact(4),
        contact(2),
        contact(5),
    ]
    assert ids(run("SELECT Id FROM Contact ORDER BY Account.Name DESC NULLS LAST, Id")) == [
        contact(4),
        contact(1),
        contact(2),
        contact(5),
    ]


def test_order_by_datetime_uses_instants_not_text() -> None:
    rows = default_rows()
    # Text order would put "...T09..." before "...T10..."; as instants 09:00+02 is 07:00Z.
    rows["Contact"][0]["CreatedDate"] = "2024-05-20T09:00:00.000+0200"
    rows["Contact"][1]["CreatedDate"] = "2024-05-20T08:00:00.000+0000"
    result = run("SELECT Id FROM Contact ORDER BY CreatedDate DESC LIMIT 2", FakeOrg(rows))
    assert ids(result) == [contact(2), contact(1)]


def test_limit_and_offset() -> None:
    every = ids(run("SELECT Id FROM Contact ORDER BY LastName"))
    assert ids(run("SELECT Id FROM Contact ORDER BY LastName LIMIT 2")) == every[:2]
    assert ids(run("SELECT Id FROM Contact ORDER BY LastName LIMIT 2 OFFSET 1")) == every[1:3]
    assert ids(run("SELECT Id FROM Contact ORDER BY LastName OFFSET 3")) == every[3:]
    assert run("SELECT Id FROM Contact LIMIT 0").total_size == 0
    assert run("SELECT Id FROM Contact OFFSET 10").rows == []


def test_offset_above_salesforce_maximum_is_refused() -> None:
    with pytest.raises(SoqlError) as caught:
        run("SELECT Id FROM Contact OFFSET 2001")
    assert caught.value.code == "NUMBER_OUTSIDE_VALID_RANGE"


def test_security_enforced_changes_nothing() -> None:
    plain = run("SELECT Id FROM Contact")
    enforced = run("SELECT Id FROM Contact WITH SECURITY_ENFORCED")
    assert plain.rows == enforced.rows
