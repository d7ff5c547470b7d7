"""Lists v3 (B.10): manual and dynamic lists, memberships, search — enough for R8."""

from __future__ import annotations

import pytest
from hubspot import HubSpot
from hubspot.crm.lists.exceptions import ApiException


def _contacts(client: HubSpot, *emails: str, **props: str) -> list[str]:
    return [
        str(client.crm.contacts.basic_api.create({"properties": {"email": e, **props}}).id)
        for e in emails
    ]


def test_r8_manual_inclusion_list_membership_add_remove_and_read(client: HubSpot) -> None:
    a, b, c = _contacts(client, "a@x.com", "b@x.com", "c@x.com")
    created = client.crm.lists.lists_api.create(
        {"name": "Sync to Salesforce", "objectTypeId": "0-1", "processingType": "MANUAL"}
    )
    list_id = created.list.list_id
    added = client.crm.lists.memberships_api.add(list_id, [a, b, "999999"])
    assert sorted(added.records_ids_added) == sorted([a, b])
    assert added.record_ids_missing == ["999999"]
    removed = client.crm.lists.memberships_api.remove(list_id, [b])
    assert removed.record_ids_removed == [b]
    client.crm.lists.memberships_api.add_and_remove(
        list_id, {"recordIdsToAdd": [c], "recordIdsToRemove": []}
    )
    page = client.crm.lists.memberships_api.get_page(list_id, limit=1)
    assert [m.record_id for m in page.results] == [a]
    rest = client.crm.lists.memberships_api.get_page(list_id, after=page.paging.next.after)
    assert [m.record_id for m in rest.results] == [c]
    fetched = client.crm.lists.lists_api.get_by_id(list_id)
    assert fetched.list.size == 2 and fetched.list.processing_type == "MANUAL"
    reverse = client.crm.lists.memberships_api.get_lists(object_type_id="0-1", record_id=a)
    assert [m.list_id for m in reverse.results] == [list_id]


def test_dynamic_list_follows_property_values(client: HubSpot) -> None:
    lead, customer = _contacts(client, "l@x.com", "c@x.com")
    client.crm.contacts.basic_api.update(customer, {"properties": {"lifecyclestage": "customer"}})
    branch = {
        "filterBranchType": "OR",
        "filters": [],
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filterBranches": [],
                "filters": [
                    {
                        "filterType": "PROPERTY",
                        "property": "lifecyclestage",
                        "operation": {
                            "operationType": "ENUMERATION",
                            "operator": "IS_ANY_OF",
                            "values": ["customer", "evangelist"],
                        },
                    }
                ],
            }
        ],
    }
    list_id = client.crm.lists.lists_api.create(
        {
            "name": "Customers",
            "objectTypeId": "0-1",
            "processingType": "DYNAMIC",
            "filterBranch": branch,
        }
    ).list.list_id
    members = client.crm.lists.memberships_api.get_page(list_id).results
    assert [m.record_id for m in members] == [customer]
    client.crm.contacts.basic_api.update(lead, {"properties": {"lifecyclestage": "evangelist"}})
    members = client.crm.lists.memberships_api.get_page(list_id).results
    assert sorted(m.record_id for m in members) == sorted([lead, customer])
    with pytest.raises(ApiException) as caught:
        client.crm.lists.memberships_api.add(list_id, [lead])
    assert caught.value.status == 400


def test_list_search_by_name_and_fetch_by_name(client: HubSpot) -> None:
    for name in ("Alpha", "Beta", "Alphabet"):
        client.crm.lists.lists_api.create(
            {"name": name, "objectTypeId": "0-1", "processingType": "MANUAL"}
        )
    found = client.crm.lists.lists_api.do_search({"query": "alpha", "offset": 0, "count": 10})
    assert sorted(lst.name for lst in found.lists) == ["Alpha", "Alphabet"]
    assert found.total == 2 and found.has_more is False
    by_name = client.crm.lists.lists_api.get_by_name("Beta", "0-1")
    assert by_name.list.name == "Beta"
    with pytest.raises(ApiException) as dup:
        client.crm.lists.lists_api.create(
            {"name": "Beta", "objectTypeId": "0-1", "processingType": "MANUAL"}
        )
    assert dup.value.status == 409
