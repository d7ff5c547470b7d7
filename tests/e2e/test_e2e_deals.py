"""Deals ⇄ opportunities end to end (R22): stages both ways through the stage table,
closed won/lost kept consistent, the company ⇄ ``AccountId`` both ways, deals never
deduplicated, the asymmetric delete, and a deal in an unsynced pipeline reported."""

from __future__ import annotations

from typing import Any

import pytest

from crmsync.core.mapping import MappingValidationError
from crmsync.core.policies import SettingError
from crmsync.store.state import Scope
from tests.e2e.conftest import World

CLOSE = "2026-06-30T00:00:00Z"


def _scope(world: World) -> Scope:
    return world.engine().scope


def _opportunity_of(world: World, deal: str) -> str:
    with world.store.begin(_scope(world)) as tx:
        return tx.links_by_hubspot(hubspot_type="deals", ids=[deal])[deal].salesforce_id


def _deal_of(world: World, opportunity: str) -> str:
    with world.store.begin(_scope(world)) as tx:
        found = tx.links_by_salesforce(salesforce_types=["Opportunity"], ids=[opportunity])
        return found[opportunity].hubspot_id


def _opportunity(world: World, record_id: str) -> dict[str, Any]:
    (record,) = world.salesforce.read_by_ids(
        "Opportunity",
        [record_id],
        fields=_OPPORTUNITY_FIELDS,
    )
    return dict(record.fields)


def _opportunities(world: World) -> list[str]:
    page = world.salesforce.read_changes(
        "Opportunity", cursor=None, fields=("Name",), page_size=200
    )
    return sorted({record.id for record in page.records if not record.deleted})


_OPPORTUNITY_FIELDS = (
    "Name",
    "StageName",
    "IsClosed",
    "IsWon",
    "Amount",
    "CloseDate",
    "AccountId",
    "Type",
    "NextStep",
)


def _open_errors(world: World) -> dict[str, Any]:
    with world.store.begin(_scope(world)) as tx:
        return {row.api_code: row for row in tx.open_errors()}


def test_r22_a_deal_creates_its_opportunity_with_stage_amount_close_date_and_account(
    world: World,
) -> None:
    world.enable_deals()
    company = world.hs_create_company(name="Acme")
    person = world.hs_create(email="buyer@acme.example", lastname="Buyer")
    world.set("contacts.create_as", "contact")
    world.hs_primary_company(person, company)
    deal = world.hs_create_deal(
        dealname="Acme renewal",
        amount="1200",
        closedate=CLOSE,
        dealstage="qualifiedtobuy",
        pipeline="default",
        dealtype="newbusiness",
        hs_next_step="Send the quote",
    )
    world.hs_associate("deals", deal, "companies", company, 5)

    world.sync()

    opportunity = _opportunity(world, _opportunity_of(world, deal))
    assert opportunity["Name"] == "Acme renewal"
    assert float(opportunity["Amount"]) == 1200
    assert opportunity["CloseDate"] == "2026-06-30"
    assert opportunity["StageName"] == "Needs Analysis"
    assert opportunity["Type"] == "New Customer"
    assert opportunity["NextStep"] == "Send the quote"
    with world.store.begin(_scope(world)) as tx:
        account = tx.links_by_hubspot(hubspot_type="companies", ids=[company])[company]
    assert opportunity["AccountId"] == account.salesforce_id
    assert _open_errors(world) == {}


def test_r22_closed_won_and_lost_stay_consistent_with_is_closed_and_is_won(
    world: World,
) -> None:
    world.enable_deals(with_companies=False)
    won = world.hs_create_deal(dealname="Won", closedate=CLOSE, dealstage="qualifiedtobuy")
    lost = world.hs_create_deal(dealname="Lost", closedate=CLOSE, dealstage="qualifiedtobuy")
    world.sync()

    world.hs_update_deal(won, dealstage="closedwon")
    world.hs_update_deal(lost, dealstage="closedlost")
    world.sync()

    assert _opportunity(world, _opportunity_of(world, won))["IsWon"] is True
    lost_opportunity = _opportunity(world, _opportunity_of(world, lost))
    assert (lost_opportunity["IsClosed"], lost_opportunity["IsWon"]) == (True, False)
    assert lost_opportunity["StageName"] == "Closed Lost"

    # And back: Salesforce closes one as won, HubSpot's deal follows.
    world.sf_update("Opportunity", _opportunity_of(world, lost), StageName="Closed Won")
    world.sync()
    deal = world.hs_read_deal(lost, "hs_is_closed_won")
    assert deal.fields["dealstage"] == "closedwon"
    assert deal.fields["hs_is_closed_won"] == "true"


def test_r22_an_opportunity_creates_its_deal_in_the_mapped_pipeline_and_stage(
    world: World,
) -> None:
    world.enable_deals()
    account = world.sf_create("Account", Name="Globex")
    opportunity = world.sf_create(
        "Opportunity",
        Name="Globex expansion",
        StageName="Closed Won",
        CloseDate="2026-07-01",
        Amount=5000,
        AccountId=account,
    )

    world.sync()

    deal = world.hs_read_deal(
        _deal_of(world, opportunity), "amount", "closedate", "associations.companies@5"
    )
    assert deal.fields["dealname"] == "Globex expansion"
    assert (deal.fields["pipeline"], deal.fields["dealstage"]) == ("default", "closedwon")
    assert float(deal.fields["amount"]) == 5000
    assert str(deal.fields["closedate"]).startswith("2026-07-01")
    with world.store.begin(_scope(world)) as tx:
        company = tx.links_by_salesforce(salesforce_types=["Account"], ids=[account])[account]
    assert deal.fields["associations.companies@5"] == company.hubspot_id

    world.sync()
    world.clear_writes()
    world.sync()
    assert world.writes() == [], "an idle run writes nothing (no echo)"


def test_r22_the_account_moves_both_ways(world: World) -> None:
    world.enable_deals()
    first = world.sf_create("Account", Name="First")
    second = world.sf_create("Account", Name="Second")
    opportunity = world.sf_create(
        "Opportunity", Name="Moving", StageName="Prospecting", CloseDate="2026-07-01",
        AccountId=first,
    )  # fmt: skip
    world.sync()
    deal = _deal_of(world, opportunity)

    world.sf_update("Opportunity", opportunity, AccountId=second)
    world.sync()
    with world.store.begin(_scope(world)) as tx:
        links = tx.links_by_salesforce(salesforce_types=["Account"], ids=[first, second])
    field = "associations.companies@5"
    assert world.hs_read_deal(deal, field).fields[field] == links[second].hubspot_id

    world.hs_associate("deals", deal, "companies", links[first].hubspot_id, 5)
    world.hs_update_deal(deal, description="back to the first")
    world.sync()
    assert _opportunity(world, opportunity)["AccountId"] == first


def test_r22_deals_with_one_name_are_never_deduplicated(world: World) -> None:
    world.enable_deals(with_companies=False)
    world.hs_create_deal(dealname="Same name", closedate=CLOSE, dealstage="qualifiedtobuy")
    world.hs_create_deal(dealname="Same name", closedate=CLOSE, dealstage="qualifiedtobuy")
    world.sf_create(
        "Opportunity", Name="Same name", StageName="Prospecting", CloseDate="2026-07-01"
    )

    world.sync()

    assert len(world.hs_deals()) == 3
    assert len(_opportunities(world)) == 3


def test_r22_a_deleted_opportunity_deletes_its_deal_and_a_deleted_deal_keeps_its_opportunity(
    world: World,
) -> None:
    world.enable_deals(with_companies=False)
    goes = world.sf_create(
        "Opportunity", Name="Goes", StageName="Prospecting", CloseDate="2026-07-01"
    )
    stays = world.hs_create_deal(dealname="Stays", closedate=CLOSE, dealstage="qualifiedtobuy")
    world.sync()
    goes_deal = _deal_of(world, goes)
    stays_opportunity = _opportunity_of(world, stays)

    world.sf_delete("Opportunity", goes)
    world.hs_delete("deals", stays)
    world.tick()
    world.sync()

    remaining = {deal.id for deal in world.hs_deals()}
    assert goes_deal not in remaining, "the opportunity's delete carried across"
    assert _opportunities(world) == [stays_opportunity]
    with world.store.begin() as tx:
        notes = [entry.note or "" for entry in tx.audit_entries(kind="link")]
    assert any(goes_deal in note and "deleted too" in note for note in notes)


def test_r22_deleting_the_deal_with_its_opportunity_can_be_turned_off(world: World) -> None:
    world.enable_deals(with_companies=False)
    world.set("deals.delete_with_opportunity", False)
    goes = world.sf_create(
        "Opportunity", Name="Goes", StageName="Prospecting", CloseDate="2026-07-01"
    )
    world.sync()
    deal = _deal_of(world, goes)

    world.sf_delete("Opportunity", goes)
    world.tick()
    world.sync()

    assert deal in {record.id for record in world.hs_deals()}


def _renewals_pipeline() -> dict[str, Any]:
    stages = [
        ("renewal-open", "Renewal due", "false", "0.5"),
        ("renewed", "Renewed", "true", "1.0"),
    ]
    return {
        "id": "renewals",
        "label": "Renewals",
        "displayOrder": 1,
        "archived": False,
        "stages": [
            {
                "id": stage_id,
                "label": label,
                "displayOrder": order,
                "metadata": {"isClosed": closed, "probability": probability},
                "archived": False,
            }
            for order, (stage_id, label, closed, probability) in enumerate(stages)
        ],
    }


def test_r22_a_deal_in_an_unsynced_pipeline_does_not_sync_and_says_so(world: World) -> None:
    world.enable_deals(with_companies=False)
    world.sync()  # the stage table is generated from the pipelines there are now
    world.hs_control.seed({"pipelines": {"deals": [_renewals_pipeline()]}})
    deal = world.hs_create_deal(
        dealname="Renewal", closedate=CLOSE, pipeline="renewals", dealstage="renewal-open"
    )

    world.sync()

    assert _opportunities(world) == []
    error = _open_errors(world)["DEAL_PIPELINE_NOT_SYNCED"]
    assert error.source_id == deal and "renewals" in error.api_message

    # Moved to a synced pipeline, it syncs and the error clears.
    world.hs_update_deal(deal, pipeline="default", dealstage="contractsent")
    world.sync()
    assert _opportunity(world, _opportunity_of(world, deal))["StageName"] == "Negotiation/Review"
    assert _open_errors(world) == {}


def test_r22_a_stage_table_breaking_closed_won_is_refused_when_saved(world: World) -> None:
    world.enable_deals(with_companies=False)
    with pytest.raises(SettingError, match="IsClosed/IsWon must agree"):
        world.set(
            "deals.stages",
            [{"pipeline": "default", "stage": "closedwon", "salesforce_stage": "Closed Lost"}],
        )
    with pytest.raises(SettingError, match="no active stage"):
        world.set(
            "deals.stages",
            [{"pipeline": "default", "stage": "closedwon", "salesforce_stage": "Won-ish"}],
        )


def test_r17_a_mapping_writing_lifecyclestage_to_salesforce_is_refused(world: World) -> None:
    rows = [
        {"hubspot_property": "lastname", "salesforce_field": "LastName", "rule": "two_way"},
        {"hubspot_property": "lifecyclestage", "salesforce_field": "Title",
         "rule": "two_way"},
        # HubSpot's unique key, which every contacts table must write to HubSpot (R23).
        {"hubspot_property": "email", "salesforce_field": "Email", "rule": "two_way"},
    ]  # fmt: skip
    with pytest.raises(MappingValidationError, match="R17"):
        world.set("contacts.mappings.Contact", rows)
    # Salesforce → HubSpot only is allowed.
    rows[1]["rule"] = "always_salesforce"
    world.set("contacts.mappings.Contact", rows)


def _deal_contacts(world: World, deal: str) -> set[str]:
    return set(world.hubspot.associated_ids("deals", "contacts", [deal]).get(deal, ()))


def _roles(world: World, opportunity: str) -> dict[str, str]:
    found = world.salesforce.find_by(
        "OpportunityContactRole", "OpportunityId", [opportunity], fields=("ContactId",)
    )
    return {str(role.fields["ContactId"]): role.id for role in found}


def _person(world: World, email: str) -> tuple[str, str]:
    contact = world.sf_create("Contact", LastName=email.split("@", maxsplit=1)[0], Email=email)
    world.sync()
    (person,) = world.hs_by_email(email)
    return contact, person.id


def test_r22_contact_roles_become_deal_contacts_and_back(world: World) -> None:
    world.enable_deals(with_companies=False)
    world.set("contacts.create_as", "contact")
    ann_sf, ann = _person(world, "ann@roles.example")
    bob_sf, bob = _person(world, "bob@roles.example")
    opportunity = world.sf_create(
        "Opportunity", Name="Roles", StageName="Prospecting", CloseDate="2026-07-01"
    )
    world.sf_create(
        "OpportunityContactRole", OpportunityId=opportunity, ContactId=ann_sf, Role="Evaluator"
    )
    world.sync()
    deal = _deal_of(world, opportunity)
    assert _deal_contacts(world, deal) == {ann}

    # A contact associated with the deal in HubSpot becomes a contact role.
    world.hs_associate("deals", deal, "contacts", bob, 3)
    world.hs_update_deal(deal, description="bob joins")
    world.sync()
    roles = _roles(world, opportunity)
    assert set(roles) == {ann_sf, bob_sf}

    world.sync()
    world.clear_writes()
    world.sync()
    assert world.writes() == [], "an idle run writes nothing (no echo)"

    # A role deleted in Salesforce removes the deal's contact; an association removed in
    # HubSpot deletes the role.
    world.sf_delete("OpportunityContactRole", roles[ann_sf])
    world.hubspot.dissociate("deals", "contacts", [(deal, bob)])
    world.hs_update_deal(deal, description="both leave")
    world.tick()
    world.sync()
    assert _deal_contacts(world, deal) == set()
    assert _roles(world, opportunity) == {}


def test_r22_a_role_whose_contact_does_not_sync_yet_waits(world: World) -> None:
    world.enable_deals(with_companies=False)
    world.set("contacts.create_as", "contact")
    world.set("contacts.salesforce_contacts", "nothing")
    contact = world.sf_create("Contact", LastName="Later", Email="later@roles.example")
    opportunity = world.sf_create(
        "Opportunity", Name="Waiting", StageName="Prospecting", CloseDate="2026-07-01"
    )
    world.sf_create("OpportunityContactRole", OpportunityId=opportunity, ContactId=contact)
    world.sync()
    assert "CONTACT_ROLE_NOT_SYNCED" in _open_errors(world)

    person = world.hs_create(email="later@roles.example", lastname="Later")
    world.sync()
    world.sync()
    assert _deal_contacts(world, _deal_of(world, opportunity)) == {person}
    assert "CONTACT_ROLE_NOT_SYNCED" not in _open_errors(world)
