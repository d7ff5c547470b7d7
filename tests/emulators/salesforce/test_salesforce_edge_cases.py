"""Edge cases where the emulator answers as Salesforce does: malformed ids, rolled-back
rows, the org id's length, FIELDS() in SOQL and the identity URL."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from salesforce_clients import TOKEN
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crmsync.emulators.common.server import BackgroundServer
from crmsync.emulators.salesforce.ids import normalise_id, to18


def _contact(sf: Salesforce, **fields: Any) -> str:
    return str(sf.Contact.create({"LastName": "Edge", **fields})["id"])


def _bad_checksums(record_id: str) -> list[str]:
    """18-character ids whose suffix cannot be the checksum of their first 15 characters."""
    base = record_id[:15]
    # '9' is outside the checksum alphabet; the other suffix is valid-looking but wrong.
    wrong = "B" if record_id[15] != "B" else "C"
    return [base + "999", base + wrong + record_id[16:]]


def test_an_18_character_id_with_a_bad_checksum_is_malformed(sf: Salesforce) -> None:
    record_id = _contact(sf)
    for bad in _bad_checksums(record_id):
        with pytest.raises(SalesforceMalformedRequest) as refused:
            sf.Contact.get(bad)
        assert refused.value.content[0]["errorCode"] == "MALFORMED_ID"


def test_the_15_character_form_names_the_same_record(sf: Salesforce) -> None:
    record_id = _contact(sf)
    assert sf.Contact.get(record_id[:15])["Id"] == record_id


def test_soql_refuses_a_bad_checksum_instead_of_matching_nothing(sf: Salesforce) -> None:
    bad = _bad_checksums(_contact(sf))[1]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query(f"SELECT Id FROM Contact WHERE Id = '{bad}'")
    assert "invalid ID field" in refused.value.content[0]["message"]


def test_rows_rolled_back_by_all_or_none_carry_no_id(sf: Salesforce) -> None:
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Contact"}, "LastName": "Kept"},
                {"attributes": {"type": "Contact"}},  # no LastName: REQUIRED_FIELD_MISSING
            ],
        },
    )
    assert [result["success"] for result in results] == [False, False]
    assert "id" not in results[0]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0


def test_the_org_id_has_salesforce_s_18_character_form(server: BackgroundServer) -> None:
    answer = requests.get(
        server.url + "/services/oauth2/userinfo",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    org = answer.json()["organization_id"]
    assert len(org) == 18
    assert org.startswith("00D")
    assert to18(org[:15]) == org
    assert normalise_id(org[:15]) == org


def test_fields_standard_selects_every_standard_field(sf: Salesforce) -> None:
    _contact(sf, Email="edge@example.com")

    (row,) = sf.query("SELECT FIELDS(STANDARD) FROM Contact")["records"]

    assert row["LastName"] == "Edge"
    assert row["Email"] == "edge@example.com"
    assert {"Id", "CreatedDate", "OwnerId"} <= row.keys()
    assert not [name for name in row if name.endswith("__c")]


def test_fields_all_needs_a_limit_of_at_most_200(sf: Salesforce) -> None:
    _contact(sf)
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query("SELECT FIELDS(ALL) FROM Contact")
    assert refused.value.content[0]["errorCode"] == "MALFORMED_QUERY"
    assert sf.query("SELECT FIELDS(ALL) FROM Contact LIMIT 200")["totalSize"] == 1


def test_the_identity_url_of_the_version_resource_answers(
    sf: Salesforce, server: BackgroundServer
) -> None:
    identity = sf.restful("")["identity"]
    path = "/" + identity.split("/", 3)[3]
    headers = {"Authorization": f"Bearer {TOKEN}"}

    answer = requests.get(server.url + path, headers=headers, timeout=10)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["id"] == identity
    assert body["organization_id"] in identity
    assert body["username"]
    refused = requests.get(server.url + path, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert (refused.status_code, refused.text) == (403, "Bad_OAuth_Token")


def test_group_by_with_aggregates_answers_aggregate_results(sf: Salesforce) -> None:
    for last_name, email in [
        ("A", "x@example.com"),
        ("B", "x@example.com"),
        ("C", "y@example.com"),
    ]:
        _contact(sf, LastName=last_name, Email=email)

    result = sf.query(
        "SELECT Email, COUNT(Id) people, MAX(LastName) FROM Contact "
        "GROUP BY Email ORDER BY Email DESC"
    )

    assert result["records"] == [
        {"attributes": {"type": "AggregateResult"}, "Email": "y@example.com", "people": 1,
         "expr0": "C"},
        {"attributes": {"type": "AggregateResult"}, "Email": "x@example.com", "people": 2,
         "expr0": "B"},
    ]  # fmt: skip
    assert result["totalSize"] == 2


def test_aggregates_without_group_by_answer_one_row(sf: Salesforce) -> None:
    for last_name in ("A", "B", "B"):
        _contact(sf, LastName=last_name)

    (row,) = sf.query("SELECT COUNT(Id), COUNT_DISTINCT(LastName), MIN(LastName) FROM Contact")[
        "records"
    ]

    assert (row["expr0"], row["expr1"], row["expr2"]) == (3, 2, "A")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("SELECT LastName, COUNT(Id) FROM Contact GROUP BY Email", "MALFORMED_QUERY"),
        ("SELECT SUM(LastName) FROM Contact", "INVALID_FIELD"),
        ("SELECT Email, COUNT(Id) FROM Contact GROUP BY Email HAVING COUNT(Id) > 1",
         "MALFORMED_QUERY"),
    ],
)  # fmt: skip
def test_aggregate_queries_salesforce_refuses_are_refused(
    sf: Salesforce, query: str, code: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query(query)
    assert refused.value.content[0]["errorCode"] == code
