"""R22 amounts with their currency, end to end.

A multi-currency org maps ``deal_currency_code`` ⇄ ``CurrencyIsoCode`` next to the
amount, both ways; a deal in a currency the org does not have active does not sync at
all (its amount alone would be wrong money). A single-currency org refuses a deal whose
amount is in another currency, naming both, and is otherwise unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from crmsync.store.state import Scope
from tests.e2e.conftest import World

CLOSE = "2026-06-30T00:00:00Z"


@pytest.fixture
def multi(world: World) -> World:
    """A multi-currency org: EUR (corporate) and USD active, GBP inactive."""
    world.sf_control.update_settings(
        currencies=[
            {"iso_code": "EUR"},
            {"iso_code": "USD", "conversion_rate": 1.08},
            {"iso_code": "GBP", "conversion_rate": 0.85, "active": False},
        ],
        corporate_currency="EUR",
    )
    world.enable_deals(with_companies=False)
    return world


def _scope(world: World) -> Scope:
    return world.engine().scope


def _link(world: World, deal: str) -> str | None:
    with world.store.begin(_scope(world)) as tx:
        found = tx.links_by_hubspot(hubspot_type="deals", ids=[deal]).get(deal)
    return None if found is None else found.salesforce_id


def _deal_of(world: World, opportunity: str) -> str:
    with world.store.begin(_scope(world)) as tx:
        found = tx.links_by_salesforce(salesforce_types=["Opportunity"], ids=[opportunity])
        return found[opportunity].hubspot_id


def _opportunity(world: World, record_id: str, *fields: str) -> dict[str, Any]:
    (record,) = world.salesforce.read_by_ids(
        "Opportunity", [record_id], fields=("Name", "Amount", *fields)
    )
    return dict(record.fields)


def _open_errors(world: World) -> dict[str, Any]:
    with world.store.begin(_scope(world)) as tx:
        return {row.api_code: row for row in tx.open_errors()}


def _deal(world: World, **properties: Any) -> str:
    return world.hs_create_deal(
        closedate=CLOSE, pipeline="default", dealstage="qualifiedtobuy", **properties
    )


def test_r22_multi_currency_a_deal_writes_its_amount_with_its_currency(multi: World) -> None:
    dollars = _deal(multi, dealname="In dollars", amount="1200", deal_currency_code="USD")
    euros = _deal(multi, dealname="In euros", amount="800", deal_currency_code="EUR")

    multi.sync()

    in_dollars = _opportunity(multi, str(_link(multi, dollars)), "CurrencyIsoCode")
    assert (float(in_dollars["Amount"]), in_dollars["CurrencyIsoCode"]) == (1200, "USD")
    in_euros = _opportunity(multi, str(_link(multi, euros)), "CurrencyIsoCode")
    assert (float(in_euros["Amount"]), in_euros["CurrencyIsoCode"]) == (800, "EUR")
    assert _open_errors(multi) == {}

    # A change of currency travels with the amount.
    multi.tick()
    multi.hs_update_deal(euros, amount="900", deal_currency_code="USD")
    multi.sync()
    changed = _opportunity(multi, str(_link(multi, euros)), "CurrencyIsoCode")
    assert (float(changed["Amount"]), changed["CurrencyIsoCode"]) == (900, "USD")


def test_r22_multi_currency_an_opportunity_gives_its_deal_the_currency(multi: World) -> None:
    multi.sync()
    opportunity = multi.sf_create(
        "Opportunity", Name="Priced in dollars", StageName="Prospecting",
        CloseDate="2026-07-01", Amount=5000, CurrencyIsoCode="USD",
    )  # fmt: skip
    corporate = multi.sf_create(
        "Opportunity", Name="No currency given", StageName="Prospecting",
        CloseDate="2026-07-01", Amount=70,
    )  # fmt: skip
    multi.tick()

    multi.sync()

    deal = multi.hs_read_deal(_deal_of(multi, opportunity), "amount", "deal_currency_code")
    assert (float(deal.fields["amount"]), deal.fields["deal_currency_code"]) == (5000, "USD")
    other = multi.hs_read_deal(_deal_of(multi, corporate), "deal_currency_code")
    assert other.fields["deal_currency_code"] == "EUR"  # the corporate currency

    multi.tick()
    multi.sf_update("Opportunity", opportunity, CurrencyIsoCode="EUR", Amount=4600)
    multi.sync()
    moved = multi.hs_read_deal(_deal_of(multi, opportunity), "amount", "deal_currency_code")
    assert (float(moved.fields["amount"]), moved.fields["deal_currency_code"]) == (4600, "EUR")


def test_r22_a_currency_the_org_does_not_have_active_stops_the_whole_deal(
    multi: World,
) -> None:
    pounds = _deal(multi, dealname="In pounds", amount="300", deal_currency_code="GBP")
    fine = _deal(multi, dealname="In euros", amount="10", deal_currency_code="EUR")

    multi.sync()

    assert _link(multi, pounds) is None
    assert _link(multi, fine) is not None  # one bad deal never stops the rest
    error = _open_errors(multi)["DEAL_CURRENCY_NOT_ACTIVE"]
    assert error.source_id == pounds
    assert "GBP" in error.api_message and "wrong money" in error.api_message

    # A linked deal moved to the inactive currency keeps its opportunity's amount and
    # currency as they were: neither is written without the other.
    multi.tick()
    multi.hs_update_deal(fine, amount="99", deal_currency_code="GBP")
    multi.sync()
    kept = _opportunity(multi, str(_link(multi, fine)), "CurrencyIsoCode")
    assert (float(kept["Amount"]), kept["CurrencyIsoCode"]) == (10, "EUR")

    # Back in an active currency, both sync and the errors clear.
    multi.tick()
    multi.hs_update_deal(pounds, deal_currency_code="USD")
    multi.hs_update_deal(fine, deal_currency_code="USD")
    multi.sync()
    assert _link(multi, pounds) is not None
    assert _opportunity(multi, str(_link(multi, fine)), "CurrencyIsoCode")["CurrencyIsoCode"] == (
        "USD"
    )
    assert _open_errors(multi) == {}


def test_r22_single_currency_refuses_an_amount_in_another_currency(world: World) -> None:
    world.enable_deals(with_companies=False)
    euros = _deal(world, dealname="In euros", amount="500", deal_currency_code="EUR")
    dollars = _deal(world, dealname="In dollars", amount="700", deal_currency_code="USD")
    no_amount = _deal(world, dealname="Euros, no amount yet", deal_currency_code="EUR")

    world.sync()

    assert _link(world, euros) is None
    error = _open_errors(world)["DEAL_CURRENCY_MISMATCH"]
    assert error.source_id == euros
    assert "EUR" in error.api_message and "USD" in error.api_message
    assert float(_opportunity(world, str(_link(world, dollars)))["Amount"]) == 700
    assert _link(world, no_amount) is not None  # no amount, no wrong money


def test_r22_orgs_without_record_types_or_currencies_sync_as_before(world: World) -> None:
    world.enable_deals(with_companies=False)
    deal = _deal(world, dealname="Plain", amount="42")

    world.sync()

    opportunity = _opportunity(world, str(_link(world, deal)), "StageName")
    assert (float(opportunity["Amount"]), opportunity["StageName"]) == (42, "Needs Analysis")
    mapping = world.engine().pairs
    deals = next(pair for pair in mapping if pair.name == "deals")
    fields = deals.mapping_for("Opportunity").salesforce_fields()
    assert "CurrencyIsoCode" not in fields and "RecordTypeId" not in fields
    assert _open_errors(world) == {}
