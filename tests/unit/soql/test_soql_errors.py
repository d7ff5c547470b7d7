"""Semantic errors: unknown names, ill-typed filters, bad operators — Salesforce's codes."""

from __future__ import annotations

import pytest
from soql_fake_org import run

from crmsync.emulators.salesforce.soql import SoqlError


def _error(text: str) -> SoqlError:
    with pytest.raises(SoqlError) as caught:
        run(text)
    return caught.value


def test_unknown_object_is_invalid_type() -> None:
    error = _error("SELECT Id FROM Foo")
    assert error.code == "INVALID_TYPE"
    assert error.message.startswith(
        "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\n"
        "sObject type 'Foo' is not supported."
    )


def test_unknown_field_is_invalid_field_with_salesforce_message() -> None:
    error = _error("SELECT Foo FROM Contact")
    assert error.code == "INVALID_FIELD"
    assert error.message == (
        "\nSELECT Foo FROM Contact\n       ^\nERROR at Row:1:Column:8\n"
        "No such column 'Foo' on entity 'Contact'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference "
        "your WSDL or the describe call for the appropriate names."
    )


@pytest.mark.parametrize(
    "text",
    [
        "SELECT Account.Foo FROM Contact",
        "SELECT Id FROM Contact WHERE Foo = 'x'",
        "SELECT Id FROM Contact ORDER BY Foo",
        "SELECT Id, (SELECT Foo FROM OpportunityContactRoles) FROM Opportunity",
        "SELECT Id FROM Contact WHERE Id IN (SELECT Foo FROM OpportunityContactRole)",
        "SELECT COUNT() FROM Contact WHERE Foo = null",
    ],
)
def test_unknown_field_anywhere_is_invalid_field(text: str) -> None:
    assert _error(text).code == "INVALID_FIELD"


def test_unknown_parent_field_names_the_parent_entity() -> None:
    assert (
        "No such column 'Foo' on entity 'User'"
        in _error("SELECT Account.Owner.Foo FROM Contact").message
    )


@pytest.mark.parametrize(
    "text",
    [
        "SELECT Foo.Name FROM Contact",
        "SELECT Account.Foo.Name FROM Contact",
        "SELECT Email.Name FROM Contact",
        "SELECT Id FROM Contact WHERE Boss.Email = 'x'",
    ],
)
def test_unknown_parent_relationship_is_invalid_field(text: str) -> None:
    error = _error(text)
    assert error.code == "INVALID_FIELD"
    assert "Didn't understand relationship" in error.message


def test_unknown_child_relationship_is_invalid_type() -> None:
    error = _error("SELECT Id, (SELECT Id FROM Widgets) FROM Account")
    assert error.code == "INVALID_TYPE"
    assert "Didn't understand relationship 'Widgets' in FROM part of query call" in error.message


@pytest.mark.parametrize(
    ("where", "type_name", "quotes"),
    [
        ("CreatedDate > '2024-05-01T00:00:00Z'", "dateTime", "should not be"),
        ("CreatedDate > 2024-05-01", "dateTime", "should not be"),
        ("Birthdate = 2024-05-01T00:00:00Z", "date", "should not be"),
        ("Birthdate = '1990-12-10'", "date", "should not be"),
        ("HasOptedOutOfEmail = 'true'", "boolean", "should not be"),
        ("LastName = 5", "string", "should be"),
        ("LastName = TODAY", "string", "should be"),
        ("Email IN ('a@b.c', 5)", "string", "should be"),
        ("Account.NumberOfEmployees = '5'", "integer", "should not be"),
        ("AccountId = true", "id", "should be"),
    ],
)
def test_literal_of_the_wrong_type_is_invalid_field(
    where: str, type_name: str, quotes: str
) -> None:
    error = _error(f"SELECT Id FROM Contact WHERE {where}")
    assert error.code == "INVALID_FIELD"
    assert f"must be of type {type_name} and {quotes} enclosed in quotes" in error.message


def test_malformed_id_literal_is_invalid_query_filter_operator() -> None:
    error = _error("SELECT Id FROM Contact WHERE Id = 'not-an-id'")
    assert error.code == "INVALID_QUERY_FILTER_OPERATOR"
    assert error.message.endswith("invalid ID field: not-an-id")


@pytest.mark.parametrize(
    "where",
    [
        "Interests__c LIKE 'Golf%'",
        "Birthdate LIKE '1990%'",
        "HasOptedOutOfEmail > false",
        "Email INCLUDES ('a')",
        "Email EXCLUDES ('a')",
        "Interests__c < 'b'",
    ],
)
def test_operator_the_field_type_does_not_support(where: str) -> None:
    assert _error(f"SELECT Id FROM Contact WHERE {where}").code == "INVALID_QUERY_FILTER_OPERATOR"


@pytest.mark.parametrize("where", ["Email < null", "Email LIKE null"])
def test_null_with_an_ordering_operator_is_malformed(where: str) -> None:
    assert _error(f"SELECT Id FROM Contact WHERE {where}").code == "MALFORMED_QUERY"


def test_semi_join_on_non_id_fields_is_invalid_field() -> None:
    error = _error(
        "SELECT Id FROM Contact WHERE Email IN (SELECT Role FROM OpportunityContactRole)"
    )
    assert error.code == "INVALID_FIELD"


def test_duplicate_field_is_malformed() -> None:
    error = _error("SELECT Id, Email, email FROM Contact")
    assert error.code == "MALFORMED_QUERY"
    assert error.message.endswith("duplicate field selected: email")
