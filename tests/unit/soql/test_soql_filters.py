"""WHERE semantics: typed comparisons, null handling, LIKE, IN, INCLUDES, semi-joins."""

from __future__ import annotations

import datetime as dt

import pytest
from soql_fake_org import (
    FakeOrg,
    account,
    contact,
    default_rows,
    ids,
    opportunity,
    run,
)


def _contacts(where: str, **kwargs: object) -> list[str]:
    return ids(run(f"SELECT Id FROM Contact WHERE {where}", **kwargs))  # type: ignore[arg-type]


def test_string_equality_is_case_insensitive() -> None:
    assert _contacts("Email = 'ADA@acme.example'") == [contact(1), contact(5)]
    assert _contacts("LastName = 'lovelace'") == [contact(1)]


def test_escaped_quote_in_string_literal_matches() -> None:
    assert _contacts(r"LastName = 'o\'brien'") == [contact(4)]


def test_not_equal_keeps_rows_whose_field_is_null() -> None:
    # SOQL differs from SQL here: Bob has no Email and still passes "!=".
    assert _contacts("Email != 'ada@acme.example'") == [contact(2), contact(4)]
    assert _contacts("Email <> 'ada@acme.example'") == [contact(2), contact(4)]


def test_null_tests() -> None:
    assert _contacts("Email = null") == [contact(2)]
    assert _contacts("Email != null") == [contact(1), contact(4), contact(5)]
    assert _contacts("AccountId = null") == [contact(2)]


def test_empty_string_means_null_for_text() -> None:
    assert _contacts("FirstName = ''") == [contact(5)]
    assert _contacts("FirstName != ''") == [contact(1), contact(2), contact(4)]


def test_boolean_comparison() -> None:
    assert _contacts("HasOptedOutOfEmail = true") == [contact(2)]
    assert _contacts("HasOptedOutOfEmail = FALSE") == [contact(1), contact(4), contact(5)]


def test_numbers_compare_numerically() -> None:
    query = "SELECT Id FROM Account WHERE NumberOfEmployees > 10"
    assert ids(run(query)) == [account(1)]  # 50 > 10 although "50" < "7" as text
    assert ids(run("SELECT Id FROM Account WHERE NumberOfEmployees <= 7")) == [account(2)]
    assert ids(run("SELECT Id FROM Opportunity WHERE Amount >= 250.5")) == [
        opportunity(1),
        opportunity(2),
    ]
    assert ids(run("SELECT Id FROM Opportunity WHERE Amount < 251")) == [opportunity(2)]


def test_ordering_comparison_excludes_nulls() -> None:
    assert ids(run("SELECT Id FROM Account WHERE AnnualRevenue < 5")) == []
    assert ids(run("SELECT Id FROM Account WHERE AnnualRevenue > 5")) == [account(1)]


def test_dates_compare_as_dates() -> None:
    assert _contacts("Birthdate > 1989-01-01") == [contact(1)]
    assert _contacts("Birthdate = 1985-01-02") == [contact(4)]
    assert _contacts("Birthdate < 2000-01-01") == [contact(1), contact(4)]


def test_datetime_literal_offsets_are_normalised_to_instants() -> None:
    # Contact 4 was created 2024-05-10T10:00Z, i.e. 12:00+02:00 and 02:00-08:00.
    assert _contacts("CreatedDate = 2024-05-10T12:00:00+02:00") == [contact(4)]
    assert _contacts("CreatedDate = 2024-05-10T02:00:00.000-08:00") == [contact(4)]
    assert _contacts("CreatedDate = 2024-05-10T10:00:00Z") == [contact(4)]
    assert _contacts("CreatedDate > 2024-05-10T11:59:59+02:00") == [contact(4), contact(5)]
    assert _contacts("CreatedDate >= 2024-05-10T12:00:00.001+02:00") == [contact(5)]


def test_stored_datetimes_with_other_offsets_compare_as_instants() -> None:
    rows = default_rows()
    rows["Contact"][0]["CreatedDate"] = "2024-05-10T12:00:00.000+0200"
    org = FakeOrg(rows)
    assert _contacts("CreatedDate = 2024-05-10T10:00:00Z", org=org) == [contact(1), contact(4)]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("CreatedDate = YESTERDAY", [contact(5)]),
        ("CreatedDate = TODAY", []),
        ("CreatedDate < YESTERDAY", [contact(1), contact(2), contact(4)]),
        ("CreatedDate <= YESTERDAY", [contact(1), contact(2), contact(4), contact(5)]),
        ("CreatedDate > YESTERDAY", []),
        ("CreatedDate >= YESTERDAY", [contact(5)]),
        ("CreatedDate = LAST_N_DAYS:5", [contact(4), contact(5)]),
        ("CreatedDate = LAST_N_DAYS:4", [contact(5)]),
        ("CreatedDate != LAST_N_DAYS:5", [contact(1), contact(2)]),
        ("CreatedDate = THIS_MONTH", [contact(1), contact(2), contact(4), contact(5)]),
        ("CreatedDate = LAST_MONTH", []),
        ("CreatedDate = THIS_WEEK", [contact(5)]),
        ("CreatedDate = LAST_WEEK", [contact(2), contact(4)]),
        ("CreatedDate = N_DAYS_AGO:10", [contact(2)]),
        ("Birthdate < LAST_N_DAYS:30", [contact(1), contact(4)]),
    ],
)
def test_relative_date_literals_use_now(where: str, expected: list[str]) -> None:
    # NOW is Wednesday 2024-05-15 12:00 UTC; contacts were created on May 1, 5, 10, 14.
    assert _contacts(where) == expected


def test_next_n_days_starts_tomorrow() -> None:
    query = "SELECT Id FROM Opportunity WHERE CloseDate = NEXT_N_DAYS:60"
    assert ids(run(query)) == [opportunity(1)]
    later = dt.datetime(2024, 5, 13, 9, tzinfo=dt.UTC)
    assert ids(run(query, now=later)) == [opportunity(1), opportunity(2)]
    assert ids(run("SELECT Id FROM Opportunity WHERE CloseDate = TODAY", now=later)) == []


def test_like_wildcards_are_case_insensitive() -> None:
    assert _contacts("Email LIKE 'ADA@%'") == [contact(1), contact(5)]
    assert _contacts("Email LIKE '%@globex.example'") == [contact(4)]
    assert _contacts("LastName LIKE 'L_velace'") == [contact(1)]
    assert _contacts("LastName LIKE 'L_lace'") == []
    assert _contacts("LastName LIKE 'Lovelace'") == [contact(1)]


def test_like_escaped_wildcards_match_literally() -> None:
    assert _contacts(r"LastName LIKE '100\% Sure\_%'") == [contact(5)]
    assert _contacts(r"LastName LIKE '100\%%'") == [contact(5)]
    assert _contacts(r"LastName LIKE 'Lovelac\_'") == []


def test_like_never_matches_null() -> None:
    assert _contacts("Email LIKE '%'") == [contact(1), contact(4), contact(5)]


def test_not_like() -> None:
    assert _contacts("NOT Email LIKE 'ada%'") == [contact(2), contact(4)]


def test_in_and_not_in() -> None:
    assert _contacts("FirstName IN ('ada', 'DARA')") == [contact(1), contact(4)]
    assert _contacts("FirstName NOT IN ('ada', 'DARA')") == [contact(2), contact(5)]
    assert _contacts("Email IN ('dara@globex.example', null)") == [contact(2), contact(4)]
    assert _contacts(f"Id IN ('{contact(1)}', '{contact(4)}')") == [contact(1), contact(4)]


def test_fifteen_character_id_matches_eighteen_character_id() -> None:
    assert _contacts(f"Id = '{contact(4)[:15]}'") == [contact(4)]
    assert _contacts(f"AccountId = '{account(1)[:15]}'") == [contact(1)]


def test_includes_and_excludes_on_multipicklist() -> None:
    assert _contacts("Interests__c INCLUDES ('golf')") == [contact(1), contact(5)]
    assert _contacts("Interests__c INCLUDES ('Golf;Tennis')") == [contact(1)]
    assert _contacts("Interests__c INCLUDES ('Tennis;Chess', 'chess')") == [contact(4)]
    assert _contacts("Interests__c EXCLUDES ('Golf')") == [contact(2), contact(4)]


def test_multipicklist_equality_ignores_value_order() -> None:
    assert _contacts("Interests__c = 'tennis;golf'") == [contact(1)]


def test_and_or_not_parentheses() -> None:
    assert _contacts("FirstName = 'Ada' OR FirstName = 'Bob'") == [contact(1), contact(2)]
    assert _contacts("(FirstName = 'Ada' OR FirstName = 'Bob') AND Email != null") == [contact(1)]
    assert _contacts("NOT (FirstName = 'Ada' OR FirstName = 'Bob')") == [contact(4), contact(5)]
    assert _contacts("Email != null AND NOT (LastName LIKE 'L%' OR LastName LIKE '1%')") == [
        contact(4)
    ]


def test_parent_path_in_where() -> None:
    assert _contacts("Account.Name = 'acme'") == [contact(1)]
    assert _contacts("Account.Owner.Email LIKE 'owner.two%'") == [contact(4)]
    # Contact 5's account is deleted: its parent reads as absent.
    assert _contacts("Account.Name = null") == [contact(2), contact(5)]


def test_semi_join_filters_by_ids_of_another_query() -> None:
    primary = "SELECT ContactId FROM OpportunityContactRole WHERE IsPrimary = true"
    assert _contacts(f"Id IN ({primary})") == [contact(1)]
    assert _contacts(f"Id NOT IN ({primary})") == [contact(2), contact(4), contact(5)]
    # The deleted contact role (contact 2) counts only for queryAll.
    every = "SELECT ContactId FROM OpportunityContactRole"
    assert _contacts(f"Id IN ({every})") == [contact(1), contact(4)]
    assert _contacts(f"Id IN ({every})", include_deleted=True) == [
        contact(1),
        contact(2),
        contact(4),
    ]
