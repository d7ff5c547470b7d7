"""A corpus of bad input pushed through both sync directions against the emulators (R27).

Every value either syncs (the record is linked and the value arrives, translated where a
transform applies) or is filed as a typed sync error with the API's code; nothing
crashes the run and nothing stops the other records.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from crmsync.connectors.base import WriteRequest
from crmsync.store import Scope
from crmsync.store.models import Link, SyncErrorRecord
from tests.e2e.conftest import World

CORPUS: dict[str, str] = {
    "emoji": "Zoë 😀👩🏽‍💻",
    "rtl": "مرحبا بالعالم",
    "bidi_override": "abc\u202edef",
    "long_100kb": "x" * 100_000,
    "nul": "a\x00b",
    "controls": "tab\there\nnew\rline\x07\x1b[31m",
    "html": "<script>alert('x')</script><b>bold</b>",
    "sql": "Robert'); DROP TABLE Contacts;--",
    "markup": "[/][bold red]not markup[/]",
    "date_like": "2024-13-45",
    "number_like": "1e309",
    "nan": "NaN",
}
"""Text for every text field: each goes into last name, first name, title and city."""

TEXT_PROPERTIES = ("lastname", "firstname", "jobtitle", "city")
SALESFORCE_TEXT_FIELDS = {"lastname": "LastName", "firstname": "FirstName",
                          "jobtitle": "Title", "city": "City"}  # fmt: skip


def _scope(world: World) -> Scope:
    return Scope(
        salesforce_org_id=world.salesforce.account_id(),
        hubspot_portal_id=world.hubspot.account_id(),
    )


def _outcome(
    world: World, *, hubspot_id: str | None = None, salesforce_id: str | None = None
) -> str | None:
    """``linked``, the code of the open sync error of the record, or None (lost)."""
    with world.store.begin(_scope(world)) as tx:
        session = tx.session
        link = session.scalars(
            select(Link).where(
                Link.hubspot_id == hubspot_id if hubspot_id else Link.salesforce_id == salesforce_id
            )
        ).first()
        error = session.scalars(
            select(SyncErrorRecord).where(
                SyncErrorRecord.resolved_at.is_(None),
                SyncErrorRecord.source_id == (hubspot_id or salesforce_id),
            )
        ).first()
    if error is not None:
        return error.api_code
    return "linked" if link is not None else None


REFUSED_AT_THE_SOURCE: dict[str, list[str]] = {}


def _create(
    world: World, system: str, object_type: str, key: str, fields: dict[str, Any]
) -> str | None:
    """A record made through the CRM's API, or None when the CRM itself refuses the value.

    A refusal must be the API's typed error (a code), noted in REFUSED_AT_THE_SOURCE: such
    a value can never reach the sync.
    """
    connector = world.hubspot if system == "hubspot" else world.salesforce
    (result,) = connector.write([WriteRequest(object_type=object_type, key=key, fields=fields)])
    if result.ok:
        return result.id
    assert result.errors and all(error.code for error in result.errors), result
    REFUSED_AT_THE_SOURCE.setdefault(system, []).append(key)
    return None


@pytest.mark.parametrize("create_as", ["Lead", "Contact"])
def test_r27_hubspot_bad_input_syncs_or_is_a_typed_error(world: World, create_as: str) -> None:
    world.set("contacts.create_as", create_as)
    created: dict[str, str] = {}
    for name, value in CORPUS.items():
        for prop in TEXT_PROPERTIES:
            properties = {"email": f"{name}.{prop}@example.com", "lastname": "Base",
                          "company": "Acme", prop: value}  # fmt: skip
            record_id = _create(world, "hubspot", "contacts", f"{name}:{prop}", properties)
            if record_id is not None:
                created[f"{name}:{prop}"] = record_id
    for name, properties in {
        "invalid_email": {"email": "not-an-email", "lastname": "Bad"},
        "unknown_picklist": {"email": "pick@example.com", "lastname": "P",
                             "hs_lead_status": "NOT_A_STATUS", "industry": "Underwater Basket"},
        "state_without_country": {"email": "state@example.com", "lastname": "S",
                                  "state": "California"},
        "unknown_country": {"email": "country@example.com", "lastname": "C",
                            "country": "Atlantis", "state": "Mu"},
        "phone_text": {"email": "phone@example.com", "lastname": "Ph", "phone": "12/34/5678"},
    }.items():  # fmt: skip
        with_company = {"company": "Acme", **properties}
        record_id = _create(world, "hubspot", "contacts", name, with_company)
        if record_id is not None:
            created[name] = record_id

    report = world.sync()

    assert report is not None
    outcomes = {key: _outcome(world, hubspot_id=record_id) for key, record_id in created.items()}
    lost = [key for key, outcome in outcomes.items() if outcome is None]
    assert lost == [], outcomes
    # HubSpot refuses an invalid email and unknown options itself; everything else exists.
    assert {"invalid_email", "unknown_picklist"}.isdisjoint(created)
    assert len(created) == len(CORPUS) * len(TEXT_PROPERTIES) + 3
    assert {outcomes[f"long_100kb:{prop}"] for prop in TEXT_PROPERTIES} == {"STRING_TOO_LONG"}
    # Values that Salesforce takes arrive unchanged (no markup, escaping or trimming).
    for key, outcome in outcomes.items():
        name, _, prop = key.partition(":")
        if outcome == "linked" and prop:
            field = SALESFORCE_TEXT_FIELDS[prop]
            if create_as == "Contact" and field == "City":
                field = "MailingCity"
            (record,) = world.sf_by_email(create_as, f"{name}.{prop}@example.com", "Title", field)
            assert record.fields[field] == CORPUS[name], key


def test_r27_salesforce_bad_input_syncs_or_is_a_typed_error(world: World) -> None:
    created: dict[str, str] = {}
    for name, value in CORPUS.items():
        for prop, field in SALESFORCE_TEXT_FIELDS.items():
            fields = {"Email": f"{name}.{prop}@example.com", "LastName": "Base",
                      "Company": "Acme", field: value}  # fmt: skip
            record_id = _create(world, "salesforce", "Lead", f"{name}:{prop}", fields)
            if record_id is not None:
                created[f"{name}:{prop}"] = record_id
    for name, (object_type, fields) in {
        "unknown_status": ("Lead", {"Email": "status@example.com", "LastName": "S",
                                    "Company": "A", "Status": "Bogus"}),
        "state_without_country": ("Contact", {"Email": "state@example.com", "LastName": "S",
                                              "MailingState": "California"}),
        "unknown_country": ("Contact", {"Email": "country@example.com", "LastName": "C",
                                        "MailingCountry": "Atlantis"}),
        "no_email": ("Contact", {"LastName": "NoEmail"}),
    }.items():  # fmt: skip
        record_id = _create(world, "salesforce", object_type, name, fields)
        if record_id is not None:
            created[name] = record_id

    report = world.sync()

    assert report is not None
    outcomes = {key: _outcome(world, salesforce_id=record_id) for key, record_id in created.items()}
    lost = [key for key, outcome in outcomes.items() if outcome is None]
    assert lost == [], outcomes
    assert outcomes["no_email"] == "INVALID_EMAIL_SKIPPED"  # R12
    for key, outcome in outcomes.items():
        name, _, prop = key.partition(":")
        if outcome == "linked" and prop and prop in {"lastname", "firstname"}:
            (record,) = world.hs_by_email(f"{name}.{prop}@example.com")
            assert record.fields[prop] == CORPUS[name], key
