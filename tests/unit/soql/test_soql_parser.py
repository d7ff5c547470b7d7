"""Parsing SOQL text into the query tree, and refusing what is not SOQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crmsync.emulators.salesforce.soql import SoqlError, parse
from crmsync.emulators.salesforce.soql.ast import (
    And,
    FieldPath,
    LiteralKind,
    Not,
    Operator,
    Or,
    Predicate,
    SemiJoin,
)


def _where(text: str) -> Predicate:
    where = parse(f"SELECT Id FROM Contact WHERE {text}").where
    assert isinstance(where, Predicate)
    return where


def test_select_list_keeps_paths_and_subqueries_in_order() -> None:
    query = parse(
        "SELECT Id, Account.Name, Account.Owner.Email, "
        "(SELECT Id, ContactId FROM OpportunityContactRoles WHERE IsPrimary = true) "
        "FROM Opportunity"
    )
    assert query.sobject.name == "Opportunity"
    assert [f.parts for f in query.fields] == [
        ("Id",),
        ("Account", "Name"),
        ("Account", "Owner", "Email"),
    ]
    (sub,) = query.subqueries
    assert sub.sobject.name == "OpportunityContactRoles"
    assert [f.text for f in sub.fields] == ["Id", "ContactId"]
    assert isinstance(sub.where, Predicate)
    assert isinstance(query.items[3], type(sub))


def test_keywords_are_case_insensitive_and_names_kept_as_written() -> None:
    query = parse("select id, lastNAME from contact where email != NULL order by Id desc limit 3")
    assert [f.text for f in query.fields] == ["id", "lastNAME"]
    assert query.sobject.name == "contact"
    assert query.limit == 3
    assert query.order_by[0].descending is True


def test_field_names_that_look_like_keywords_are_fields() -> None:
    query = parse("SELECT Type, Name, Order, Count, Last FROM Account WHERE Limit = 1")
    assert [f.text for f in query.fields] == ["Type", "Name", "Order", "Count", "Last"]


def test_count_query() -> None:
    query = parse("SELECT COUNT() FROM Contact WHERE Email = null")
    assert query.is_count is True
    assert query.items == ()


def test_boolean_structure_and_not() -> None:
    query = parse(
        "SELECT Id FROM Contact WHERE (Email = 'a' OR Email = 'b') AND NOT LastName = 'x'"
    )
    assert isinstance(query.where, And)
    first, second = query.where.operands
    assert isinstance(first, Or)
    assert isinstance(second, Not)


def test_and_mixed_with_or_without_parentheses_is_malformed() -> None:
    with pytest.raises(SoqlError) as caught:
        parse("SELECT Id FROM Contact WHERE Email = 'a' AND Phone = 'b' OR LastName = 'c'")
    assert caught.value.code == "MALFORMED_QUERY"


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("=", Operator.EQ),
        ("!=", Operator.NE),
        ("<>", Operator.NE),
        ("<", Operator.LT),
        ("<=", Operator.LE),
        (">", Operator.GT),
        (">=", Operator.GE),
    ],
)
def test_comparison_operators(operator: str, expected: Operator) -> None:
    assert _where(f"NumberOfEmployees {operator} 5").operator is expected


def test_in_not_in_includes_excludes_like() -> None:
    assert _where("Email IN ('a', 'b')").operator is Operator.IN
    assert _where("Email NOT IN ('a')").operator is Operator.NOT_IN
    assert _where("Interests__c INCLUDES ('a;b', 'c')").operator is Operator.INCLUDES
    assert _where("Interests__c EXCLUDES ('a')").operator is Operator.EXCLUDES
    assert _where("Email LIKE 'a%'").operator is Operator.LIKE


def test_semi_join() -> None:
    where = parse(
        "SELECT Id FROM Contact WHERE Id NOT IN (SELECT ContactId FROM OpportunityContactRole)"
    ).where
    assert isinstance(where, SemiJoin)
    assert where.negated is True
    assert where.inner.fields == (FieldPath(("ContactId",), where.inner.fields[0].position),)


@pytest.mark.parametrize(
    ("literal", "kind", "value"),
    [
        (r"'O\'Brien'", LiteralKind.STRING, "O'Brien"),
        (r"'back\\slash'", LiteralKind.STRING, "back\\slash"),
        (r"'line\nbreak\ttab'", LiteralKind.STRING, "line\nbreak\ttab"),
        (r"'say \"hi\"'", LiteralKind.STRING, 'say "hi"'),
        (r"'\u00e9t\u00E9'", LiteralKind.STRING, "été"),
        ("42", LiteralKind.NUMBER, Decimal(42)),
        ("-1.5", LiteralKind.NUMBER, Decimal("-1.5")),
        ("TRUE", LiteralKind.BOOLEAN, True),
        ("false", LiteralKind.BOOLEAN, False),
        ("null", LiteralKind.NULL, None),
        ("2024-05-01", LiteralKind.DATE, dt.date(2024, 5, 1)),
        (
            "2024-05-01T10:00:00Z",
            LiteralKind.DATETIME,
            dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC),
        ),
        (
            "2024-05-01T10:00:00.250+02:00",
            LiteralKind.DATETIME,
            dt.datetime(2024, 5, 1, 8, 0, 0, 250000, tzinfo=dt.UTC),
        ),
        (
            "2024-05-01T23:30:00-08:00",
            LiteralKind.DATETIME,
            dt.datetime(2024, 5, 2, 7, 30, tzinfo=dt.UTC),
        ),
        ("today", LiteralKind.DATE_LITERAL, "TODAY"),
        ("LAST_N_DAYS:7", LiteralKind.DATE_LITERAL, "LAST_N_DAYS"),
    ],
)
def test_literals(literal: str, kind: LiteralKind, value: object) -> None:
    (parsed,) = _where(f"Email = {literal}").values
    assert parsed.kind is kind
    assert parsed.value == value


def test_parameterised_date_literal_keeps_its_amount() -> None:
    (parsed,) = _where("CreatedDate > NEXT_N_DAYS:30").values
    assert parsed.amount == 30


def test_order_by_defaults_nulls_first_ascending_last_descending() -> None:
    keys = parse(
        "SELECT Id FROM Contact ORDER BY LastName, Email DESC, Phone ASC NULLS LAST, "
        "Birthdate DESC NULLS FIRST"
    ).order_by
    assert [(k.field.text, k.descending, k.nulls_first) for k in keys] == [
        ("LastName", False, True),
        ("Email", True, False),
        ("Phone", False, False),
        ("Birthdate", True, True),
    ]


def test_limit_offset_and_security_enforced() -> None:
    query = parse("SELECT Id FROM Contact WITH SECURITY_ENFORCED ORDER BY Id LIMIT 10 OFFSET 20")
    assert (query.limit, query.offset) == (10, 20)


def test_parse_is_cached_by_text() -> None:
    text = "SELECT Id FROM Contact WHERE LastName = 'cache-check'"
    assert parse(text) is parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT Id FRM Contact",
        "SELECT Id FROM",
        "SELECT FROM Contact",
        "SELECT Id, FROM Contact",
        "SELECT Id FROM Contact WHERE",
        "SELECT Id FROM Contact WHERE Email LIKE",
        "SELECT Id FROM Contact WHERE Email = 'unterminated",
        r"SELECT Id FROM Contact WHERE Email = 'bad \q escape'",
        "SELECT Id FROM Contact WHERE Email = bareword",
        "SELECT Id FROM Contact WHERE CreatedDate > LAST_N_DAYS",
        "SELECT Id FROM Contact WHERE CreatedDate > LAST_N_DAYS:-1",
        "SELECT Id FROM Contact WHERE CreatedDate > TODAY:3",
        "SELECT Id FROM Contact WHERE CreatedDate > 2024-05-01T10:00:00",
        "SELECT Id FROM Contact WHERE Birthdate = 2024-13-01",
        "SELECT Id FROM Contact WHERE CreatedDate = 2024-02-30T10:00:00Z",
        "SELECT Id FROM Contact WHERE Email NOT LIKE 'a%'",
        "SELECT Id FROM Contact LIMIT 1.5",
        "SELECT Id FROM Contact LIMIT -1",
        "SELECT Id FROM Contact ORDER BY",
        "SELECT Id FROM Contact ORDER BY Id NULLS",
        "SELECT Id FROM Contact FOR UPDATE",
        "SELECT Id FROM Contact WHERE Email = 'a' trailing",
        "SELECT Id FROM Contact WHERE Email = 'a' #",
        "SELECT Id, (SELECT Id FROM Contacts, (SELECT Id FROM X)) FROM Account",
        "",
    ],
)
def test_unparseable_query_is_malformed_never_partially_read(text: str) -> None:
    with pytest.raises(SoqlError) as caught:
        parse(text)
    assert caught.value.code == "MALFORMED_QUERY"


def test_malformed_message_points_at_the_token_like_salesforce() -> None:
    with pytest.raises(SoqlError) as caught:
        parse("SELECT Id FRM Contact")
    assert caught.value.message == (
        "\nSELECT Id FRM Contact\n          ^\nERROR at Row:1:Column:11\nunexpected token: FRM"
    )


def test_error_on_second_line_reports_that_row() -> None:
    with pytest.raises(SoqlError) as caught:
        parse("SELECT Id\nFROM Contact\nWHER Email = 'x'")
    assert "ERROR at Row:3:Column:1" in caught.value.message


def test_query_longer_than_salesforce_allows_is_malformed() -> None:
    text = "SELECT Id FROM Contact WHERE Email IN (" + ",".join(["'a'"] * 30_000) + ")"
    with pytest.raises(SoqlError) as caught:
        parse(text)
    assert caught.value.code == "MALFORMED_QUERY"
