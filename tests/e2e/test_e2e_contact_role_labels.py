"""Contact roles' ``Role`` and ``IsPrimary`` ⇄ deal ⇄ contact association labels, end to
end over HTTP (R22): labels become roles with their role and primary flag, roles label
their deal contacts, a change on either side follows, an opportunity keeps one primary
role, and a ``Role`` value the org refuses is a typed sync error while the rest syncs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.core.policies import SettingError
from crmsync.engine.hooks import Checkpoint
from tests.e2e.conftest import HUBSPOT_TOKEN, CrashInRoles, SimulatedCrash, World
from tests.unit.cli.test_cli_failures import assert_one_line_failure

LABELS = "deals.contact_roles.labels"


def _hubspot(world: World, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(
        method,
        world.servers.hubspot.url + path,
        json=body,
        headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"},
    )
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def _define(world: World, label: str) -> int:
    """A portal label from deals to contacts, as an admin defines it; its type id."""
    name = label.lower().replace(" ", "_")
    answer = _hubspot(
        world, "POST", "/crm/v4/associations/deals/contacts/labels", {"label": label, "name": name}
    )
    return int(answer["results"][0]["typeId"])


def _label(world: World, deal: str, person: str, *type_ids: int) -> None:
    """Associate a contact with a deal with labels (the unlabelled type comes along)."""
    types = [{"associationCategory": "USER_DEFINED", "associationTypeId": t} for t in type_ids]
    _hubspot(
        world,
        "POST",
        "/crm/v4/associations/deals/contacts/batch/create",
        {"inputs": [{"from": {"id": deal}, "to": {"id": person}, "types": types}]},
    )


def _unlabel(world: World, deal: str, person: str, *type_ids: int) -> None:
    types = [{"associationCategory": "USER_DEFINED", "associationTypeId": t} for t in type_ids]
    _hubspot(
        world,
        "POST",
        "/crm/v4/associations/deals/contacts/batch/labels/archive",
        {"inputs": [{"from": {"id": deal}, "to": {"id": person}, "types": types}]},
    )


def _labels_on(world: World, deal: str) -> dict[str, set[str]]:
    """Each contact of the deal with its labels (read back over the API)."""
    answer = _hubspot(
        world,
        "POST",
        "/crm/v4/associations/deals/contacts/batch/read",
        {"inputs": [{"id": deal}]},
    )
    found: dict[str, set[str]] = {}
    for row in answer.get("results") or ():
        for target in row["to"]:
            found[str(target["toObjectId"])] = {
                str(kind["label"]) for kind in target["associationTypes"] if kind.get("label")
            }
    return found


def _roles(world: World, opportunity: str) -> dict[str, tuple[str | None, bool]]:
    found = world.salesforce.find_by(
        "OpportunityContactRole",
        "OpportunityId",
        [opportunity],
        fields=("ContactId", "Role", "IsPrimary"),
    )
    return {
        str(r.fields["ContactId"]): (r.fields.get("Role"), bool(r.fields.get("IsPrimary")))
        for r in found
    }


def _person(world: World, email: str) -> tuple[str, str]:
    contact = world.sf_create("Contact", LastName=email.split("@", maxsplit=1)[0], Email=email)
    world.sync()
    (person,) = world.hs_by_email(email)
    return contact, person.id


def _deal_of(world: World, opportunity: str) -> str:
    with world.store.begin(world.engine().scope) as tx:
        found = tx.links_by_salesforce(salesforce_types=["Opportunity"], ids=[opportunity])
        return found[opportunity].hubspot_id


def _opportunity(world: World, name: str) -> tuple[str, str]:
    opportunity = world.sf_create(
        "Opportunity", Name=name, StageName="Prospecting", CloseDate="2026-07-01"
    )
    world.sync()
    return opportunity, _deal_of(world, opportunity)


def _setup(world: World) -> None:
    world.enable_deals(with_companies=False)
    world.set("contacts.create_as", "contact")


def test_r22_labelled_deal_contacts_become_roles_with_their_role_and_primary_flag(
    world: World,
) -> None:
    _setup(world)
    decision, primary, champion = (
        _define(world, "Decision Maker"),
        _define(world, "Primary"),
        _define(world, "Champion"),
    )
    world.set(LABELS, {"Champion": "Executive Sponsor"})
    ann_sf, ann = _person(world, "ann@labels.example")
    bob_sf, bob = _person(world, "bob@labels.example")
    opportunity, deal = _opportunity(world, "Labelled")

    _label(world, deal, ann, decision, primary)
    _label(world, deal, bob, champion)
    world.hs_update_deal(deal, description="contacts labelled")
    world.sync()
    assert _roles(world, opportunity) == {
        ann_sf: ("Decision Maker", True),  # a label named after a Role value means it
        bob_sf: ("Executive Sponsor", False),  # the setting maps "Champion"
    }

    world.sync()
    world.clear_writes()
    world.sync()
    assert world.writes() == [], "an idle run writes nothing (no echo)"

    # The primary label moves from Ann to Bob: Salesforce follows, one primary role.
    _unlabel(world, deal, ann, primary)
    _label(world, deal, bob, primary)
    world.hs_update_deal(deal, description="Bob is primary now")
    world.sync()
    assert _roles(world, opportunity) == {
        ann_sf: ("Decision Maker", False),
        bob_sf: ("Executive Sponsor", True),
    }
    # A label removed clears the role's Role.
    _unlabel(world, deal, ann, decision)
    world.hs_update_deal(deal, description="Ann's label removed")
    world.sync()
    assert _roles(world, opportunity)[ann_sf] == (None, False)
    world.sync()
    assert _labels_on(world, deal) == {ann: set(), bob: {"Champion", "Primary"}}


def test_r22_a_role_and_primary_flag_set_in_salesforce_label_the_deal_contact(
    world: World,
) -> None:
    _setup(world)
    _define(world, "Evaluator")
    _define(world, "Primary")
    _define(world, "Decision Maker")
    ann_sf, ann = _person(world, "ann@roles-out.example")
    bob_sf, bob = _person(world, "bob@roles-out.example")
    opportunity, deal = _opportunity(world, "Roles out")

    world.sf_create(
        "OpportunityContactRole", OpportunityId=opportunity, ContactId=ann_sf,
        Role="Evaluator", IsPrimary=True,
    )  # fmt: skip
    bob_role = world.sf_create(
        "OpportunityContactRole", OpportunityId=opportunity, ContactId=bob_sf,
        Role="Technical Buyer",
    )  # fmt: skip
    world.sync()
    # No "Technical Buyer" label in the portal, and crmsync may not define one: the
    # association stays unlabelled and the role keeps its value.
    assert _labels_on(world, deal) == {ann: {"Evaluator", "Primary"}, bob: set()}
    assert _roles(world, opportunity)[bob_sf] == ("Technical Buyer", False)

    world.sync()
    world.clear_writes()
    world.sync()
    assert world.writes() == [], "an idle run writes nothing (no echo)"

    # Bob becomes primary in Salesforce, which clears Ann's flag: the label follows.
    world.sf_update("OpportunityContactRole", bob_role, IsPrimary=True)
    world.sync()
    assert _roles(world, opportunity) == {
        ann_sf: ("Evaluator", False),
        bob_sf: ("Technical Buyer", True),
    }
    assert _labels_on(world, deal) == {ann: {"Evaluator"}, bob: {"Primary"}}
    # Ann's Role changes: her label is replaced, not added to.
    ann_role = next(
        r.id
        for r in world.salesforce.find_by(
            "OpportunityContactRole", "OpportunityId", [opportunity], fields=("ContactId",)
        )
        if r.fields["ContactId"] == ann_sf
    )
    world.sf_update("OpportunityContactRole", ann_role, Role="Decision Maker")
    world.sync()
    assert _labels_on(world, deal)[ann] == {"Decision Maker"}

    # With crmsync allowed to define labels, a Role with none gets one.
    world.set("deals.contact_roles.create_labels", True)
    world.sf_update("OpportunityContactRole", bob_role, Role="Economic Buyer")
    world.sync()
    assert _labels_on(world, deal)[bob] == {"Economic Buyer", "Primary"}
    portal = _hubspot(world, "GET", "/crm/v4/associations/deals/contacts/labels")["results"]
    assert "Economic Buyer" in {row.get("label") for row in portal}
    assert _roles(world, opportunity)[bob_sf] == ("Economic Buyer", True)


def test_r22_a_role_value_the_org_refuses_is_a_sync_error_and_the_rest_syncs(
    world: World,
) -> None:
    _setup(world)
    champion, evaluator = _define(world, "Champion"), _define(world, "Evaluator")
    world.set(LABELS, {"Champion": "Influencer"})
    ann_sf, ann = _person(world, "ann@refused.example")
    bob_sf, bob = _person(world, "bob@refused.example")
    opportunity, deal = _opportunity(world, "Refused")
    # The admin then restricts the Role picklist to values without "Influencer".
    allowed = ["Business User", "Decision Maker", "Evaluator", "Other"]
    world.sf_control.update_settings(restricted_picklists={"OpportunityContactRole.Role": allowed})

    _label(world, deal, ann, champion)
    _label(world, deal, bob, evaluator)
    world.hs_update_deal(deal, description="labelled")
    report = world.sync()
    assert _roles(world, opportunity) == {bob_sf: ("Evaluator", False)}
    assert report.errors >= 1
    with world.store.begin(world.engine().scope) as tx:
        errors = [row for row in tx.open_errors(pair="contact_roles")]
    assert [(e.api_code, e.source_id, e.system) for e in errors] == [
        ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", opportunity, "salesforce")
    ]
    assert "Influencer" in errors[0].api_message

    # Retried on the next runs (no deal change needed) once the org allows the value.
    world.sf_control.update_settings(
        restricted_picklists={"OpportunityContactRole.Role": [*allowed, "Influencer"]}
    )
    world.sync()
    assert _roles(world, opportunity) == {
        ann_sf: ("Influencer", False),
        bob_sf: ("Evaluator", False),
    }
    with world.store.begin(world.engine().scope) as tx:
        assert tx.open_errors(pair="contact_roles") == []


def test_r22_a_label_mapped_to_an_unknown_role_is_refused_when_saved(world: World) -> None:
    with pytest.raises(SettingError, match="not a value of the org's") as refused:
        world.set(LABELS, {"Champion": "Chief Buyer"})
    assert "\n" not in str(refused.value)
    with pytest.raises(SettingError, match="expected a JSON object"):
        world.set(LABELS, '["Champion"]')
    world.set(LABELS, '{"Champion": "Influencer"}')
    world.set("deals.contact_roles.primary_label", "Main contact")
    with world.store.begin() as tx:
        saved = tx.settings()
    assert saved[LABELS] == {"Champion": "Influencer"}
    assert saved["deals.contact_roles.primary_label"] == "Main contact"


def test_r22_settings_set_refuses_an_unknown_role_in_one_line(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    refused = CliRunner().invoke(
        app, ["settings", "set", 'deals.contact_roles.labels={"Champion": "Chief"}'], env=env
    )
    assert_one_line_failure(refused, mentions="not a value of the org's")
    saved = CliRunner().invoke(
        app, ["settings", "set", 'deals.contact_roles.labels={"Champion": "Influencer"}'], env=env
    )
    assert saved.exit_code == 0, saved.output
    assert '"Champion": "Influencer"' in saved.output


@pytest.mark.parametrize("point", list(Checkpoint))
def test_r22_r25_labels_and_roles_settle_once_after_a_crash(
    world: World, point: Checkpoint
) -> None:
    _setup(world)
    evaluator = _define(world, "Evaluator")
    _define(world, "Primary")
    _define(world, "Influencer")
    ann_sf, ann = _person(world, "ann@crash-labels.example")
    bob_sf, bob = _person(world, "bob@crash-labels.example")
    opportunity, deal = _opportunity(world, "Crash labels")
    world.sf_create(
        "OpportunityContactRole", OpportunityId=opportunity, ContactId=ann_sf,
        Role="Influencer", IsPrimary=True,
    )  # fmt: skip
    _label(world, deal, bob, evaluator)
    world.hs_update_deal(deal, description="bob labelled")

    with pytest.raises(SimulatedCrash):
        world.sync(hooks=CrashInRoles(point))
    world.sync()
    world.sync()

    assert _roles(world, opportunity) == {
        ann_sf: ("Influencer", True),
        bob_sf: ("Evaluator", False),
    }
    assert _labels_on(world, deal) == {ann: {"Influencer", "Primary"}, bob: {"Evaluator"}}
    world.clear_writes()
    world.sync()
    assert world.writes() == []
