"""USER_DEFINED association labels (B.5): defined per account through the official
client's schema API, carried on pairs by the v4 batch calls, read back with their label,
renamed, removed from a pair, deleted, and kept across a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from hubspot import HubSpot
from hubspot.crm.associations.v4 import BatchInputPublicAssociationMultiPost
from hubspot.crm.associations.v4.exceptions import ApiException
from hubspot.crm.associations.v4.models import BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.associations.v4.schema.exceptions import ApiException as SchemaApiException

from crmsync.emulators.hubspot.account import HubSpotAccount


def _deal_and_contact(client: HubSpot) -> tuple[str, str]:
    deal = client.crm.deals.basic_api.create({"properties": {"dealname": "Labelled"}}).id
    contact = client.crm.contacts.basic_api.create({"properties": {"email": "l@acme.com"}}).id
    return str(deal), str(contact)


def _define(client: HubSpot, label: str, name: str) -> int:
    made = client.crm.associations.v4.schema.definitions_api.create(
        "deals", "contacts", {"label": label, "name": name}
    )
    forward, reverse = made.results
    assert (forward.category, forward.label) == ("USER_DEFINED", label)
    assert (reverse.category, reverse.label) == ("USER_DEFINED", label)
    assert forward.type_id != reverse.type_id
    return int(forward.type_id)


def _types(client: HubSpot, deal: str) -> list[tuple[str, int, str | None]]:
    page = client.crm.associations.v4.batch_api.get_page(
        "deals", "contacts", BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": deal}])
    )
    (row,) = page.results
    (target,) = row.to
    return sorted((t.category, t.type_id, t.label) for t in target.association_types)


def test_a_label_is_defined_listed_and_carried_on_a_pair(client: HubSpot) -> None:
    deal, contact = _deal_and_contact(client)
    decision = _define(client, "Decision Maker", "decision_maker")
    listed = client.crm.associations.v4.schema.definitions_api.get_all("deals", "contacts")
    assert ("USER_DEFINED", decision, "Decision Maker") in {
        (k.category, k.type_id, k.label) for k in listed.results
    }
    assert ("HUBSPOT_DEFINED", 3) in {(k.category, k.type_id) for k in listed.results}

    created = client.crm.associations.v4.batch_api.create(
        "deals",
        "contacts",
        BatchInputPublicAssociationMultiPost(
            inputs=[
                {
                    "from": {"id": deal},
                    "to": {"id": contact},
                    "types": [
                        {"associationCategory": "USER_DEFINED", "associationTypeId": decision}
                    ],
                }
            ]
        ),
    )
    assert created.results[0].labels == ["Decision Maker"]
    # A labelled association carries the unlabelled type too, as HubSpot's do.
    assert _types(client, deal) == [
        ("HUBSPOT_DEFINED", 3, None),
        ("USER_DEFINED", decision, "Decision Maker"),
    ]
    reverse = client.crm.associations.v4.basic_api.get_page("contacts", contact, "deals")
    assert {t.label for t in reverse.results[0].association_types} == {None, "Decision Maker"}

    # Removing the label leaves the pair associated.
    client.crm.associations.v4.batch_api.archive_labels(
        "deals",
        "contacts",
        {
            "inputs": [
                {
                    "from": {"id": deal},
                    "to": {"id": contact},
                    "types": [
                        {"associationCategory": "USER_DEFINED", "associationTypeId": decision}
                    ],
                }
            ]
        },
    )
    assert _types(client, deal) == [("HUBSPOT_DEFINED", 3, None)]


def test_a_label_is_renamed_and_deleted_and_bad_ones_are_refused(client: HubSpot) -> None:
    deal, contact = _deal_and_contact(client)
    champion = _define(client, "Champion", "champion")
    schema = client.crm.associations.v4.schema.definitions_api
    with pytest.raises(SchemaApiException) as taken:
        schema.create("deals", "contacts", {"label": "Champion", "name": "champion"})
    assert taken.value.status == 400
    # A USER_DEFINED id passed as HUBSPOT_DEFINED (or an unknown one) is refused.
    with pytest.raises(ApiException) as wrong:
        client.crm.associations.v4.basic_api.create(
            "deals",
            deal,
            "contacts",
            contact,
            [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": champion}],
        )
    assert wrong.value.status == 400
    client.crm.associations.v4.basic_api.create(
        "deals",
        deal,
        "contacts",
        contact,
        [{"associationCategory": "USER_DEFINED", "associationTypeId": champion}],
    )
    schema.update("deals", "contacts", {"associationTypeId": champion, "label": "Sponsor"})
    assert ("USER_DEFINED", champion, "Sponsor") in _types(client, deal)
    schema.remove("deals", "contacts", champion)
    assert _types(client, deal) == [("HUBSPOT_DEFINED", 3, None)]
    listed = schema.get_all("deals", "contacts")
    assert champion not in {k.type_id for k in listed.results}
    with pytest.raises(SchemaApiException) as gone:
        schema.remove("deals", "contacts", champion)
    assert gone.value.status == 404


def test_labels_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "hubspot.sqlite"
    first = HubSpotAccount(token="t", data=data)
    forward, _reverse = first.links.labels.create(
        from_type="deals", to_type="contacts", label="Evaluator", name="evaluator", inverse=None
    )
    first.close()
    second = HubSpotAccount(token="t", data=data)
    assert second.links.labels.get(forward.type_id) == forward
    second.close()
