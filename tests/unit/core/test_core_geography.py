"""R11: country and state values that Salesforce accepts, and back to HubSpot."""

from __future__ import annotations

import pytest

from crmsync.core.geography import (
    GeoError,
    GeographyMode,
    OrgPicklists,
    PicklistOption,
    PicklistSetup,
    country_code,
    country_to_hubspot,
    country_to_salesforce,
    state_to_hubspot,
    state_to_salesforce,
)

MATCH = GeographyMode.MATCH_SALESFORCE
AS_IS = GeographyMode.AS_IS
ENABLED = PicklistSetup.ENABLED
DISABLED = PicklistSetup.DISABLED
CUSTOMIZED = PicklistSetup.CUSTOMIZED

POLISH_ORG = OrgPicklists(
    countries=(
        PicklistOption(value="PL", label="Polska"),
        PicklistOption(value="DE", label="Niemcy"),
    ),
    states={"PL": (PicklistOption(value="MZ", label="Mazowieckie"),)},
)


@pytest.mark.parametrize(
    "text",
    ["Polska", "PL", "pl", "POL", "Poland", "poland", " Republic of Poland ", "Polen", "Pologne"],
)
def test_r11_every_spelling_of_poland_is_recognised(text: str) -> None:
    assert country_code(text) == "PL"


@pytest.mark.parametrize(
    ("text", "code"),
    [("Deutschland", "DE"), ("Niemcy", "DE"), ("España", "ES"), ("USA", "US"), ("UK", "GB")],
)
def test_r11_other_language_names_and_aliases_are_recognised(text: str, code: str) -> None:
    assert country_code(text) == code


def test_r11_polska_becomes_pl_when_picklists_enabled() -> None:
    result = country_to_salesforce("Polska", picklists=ENABLED, mode=MATCH)
    assert result.ok and result.converted
    assert result.value == "PL"


def test_r11_polska_becomes_salesforce_default_name_when_picklists_disabled() -> None:
    result = country_to_salesforce("Polska", picklists=DISABLED, mode=MATCH)
    assert result.value == "Poland"


def test_r11_united_states_uses_salesforce_default_name() -> None:
    assert country_to_salesforce("usa", picklists=DISABLED, mode=MATCH).value == "United States"


def test_r11_as_is_mode_sends_hubspot_text_unchanged() -> None:
    result = country_to_salesforce("Polska", picklists=ENABLED, mode=AS_IS)
    assert (result.value, result.converted, result.ok) == ("Polska", False, True)


def test_r11_unknown_country_is_an_error_when_picklists_enabled() -> None:
    result = country_to_salesforce("Atlantis", picklists=ENABLED, mode=MATCH)
    assert not result.ok
    assert result.error is GeoError.COUNTRY_NOT_MATCHED
    assert result.value is None
    assert "Atlantis" in result.detail


def test_r11_unknown_country_passes_unchanged_when_picklists_disabled() -> None:
    result = country_to_salesforce("Atlantis", picklists=DISABLED, mode=MATCH)
    assert (result.ok, result.value, result.converted) == (True, "Atlantis", False)


def test_r11_customized_picklist_matches_the_org_label() -> None:
    result = country_to_salesforce("Polska", picklists=CUSTOMIZED, mode=MATCH, org=POLISH_ORG)
    assert result.value == "PL"


def test_r11_customized_picklist_matches_english_name_to_org_value() -> None:
    result = country_to_salesforce("Germany", picklists=CUSTOMIZED, mode=MATCH, org=POLISH_ORG)
    assert result.value == "DE"


def test_r11_customized_picklist_refuses_a_country_missing_from_the_org() -> None:
    result = country_to_salesforce("France", picklists=CUSTOMIZED, mode=MATCH, org=POLISH_ORG)
    assert result.error is GeoError.COUNTRY_NOT_MATCHED


def test_r11_blank_country_is_blank() -> None:
    result = country_to_salesforce("  ", picklists=ENABLED, mode=MATCH)
    assert (result.ok, result.value) == (True, None)


@pytest.mark.parametrize(("text", "code"), [("California", "CA"), ("ca", "CA"), ("US-NY", "NY")])
def test_r11_us_states_by_name_or_code_become_state_codes(text: str, code: str) -> None:
    result = state_to_salesforce(text, country="US", picklists=ENABLED, mode=MATCH)
    assert result.value == code


def test_r11_canadian_province_by_name() -> None:
    result = state_to_salesforce("Ontario", country="CA", picklists=ENABLED, mode=MATCH)
    assert result.value == "ON"


def test_r11_state_of_country_without_salesforce_states_is_an_error() -> None:
    result = state_to_salesforce("Mazowieckie", country="PL", picklists=ENABLED, mode=MATCH)
    assert result.error is GeoError.STATE_NOT_MATCHED


def test_r11_state_without_country_is_an_error_when_picklists_enabled() -> None:
    result = state_to_salesforce("California", country=None, picklists=ENABLED, mode=MATCH)
    assert result.error is GeoError.STATE_NOT_MATCHED


def test_r11_state_becomes_full_name_when_picklists_disabled() -> None:
    result = state_to_salesforce("ca", country="US", picklists=DISABLED, mode=MATCH)
    assert result.value == "California"


def test_r11_customized_state_picklist_uses_the_org_values() -> None:
    result = state_to_salesforce(
        "mazowieckie", country="PL", picklists=CUSTOMIZED, mode=MATCH, org=POLISH_ORG
    )
    assert result.value == "MZ"


def test_r11_salesforce_country_code_becomes_hubspot_name() -> None:
    assert country_to_hubspot("PL").value == "Poland"
    assert country_to_hubspot("PL", org=POLISH_ORG).value == "Polska"


def test_r11_salesforce_state_code_becomes_hubspot_name() -> None:
    assert state_to_hubspot("CA", country="US").value == "California"
    assert state_to_hubspot("Somewhere", country="US").value == "Somewhere"


def test_r11_round_trip_of_a_converted_country_is_stable() -> None:
    code = country_to_salesforce("Polska", picklists=ENABLED, mode=MATCH).value
    name = country_to_hubspot(code).value
    assert country_to_salesforce(name, picklists=ENABLED, mode=MATCH).value == code
