"""Associations v4 (B.5), properties (B.6), pipelines (B.8), owners (B.9) and account info."""

from __future__ import annotations

import json

import pytest
from hubspot import HubSpot
from hubspot.crm.associations.v4 import BatchInputPublicAssociationMultiPost
from hubspot.crm.associations.v4.models import (
    BatchInputPublicAssociationMultiArchive,
    BatchInputPublicFetchAssociationsBatchRequest,
)
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException


def _contact(client: HubSpot, email: str) -> str:
    return str(client.crm.contacts.basic_api.create({"properties": {"email": email}}).id)


def _company(client: HubSpot, name: str) -> str:
    return str(client.crm.companies.basic_api.create({"properties": {"name": name}}).id)


def test_create_with_associations_and_read_them_in_v3_and_v4(client: HubSpot) -> None:
    company = _company(client, "Acme")
    contact = client.crm.contacts.basic_api.create(
        {
            "properties": {"email": "a@acme.com"},
            "associations": [
                {
                    "to": {"id": company},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
                }
            ],
        }
    )
    v3 = client.crm.contacts.basic_api.get_by_id(contact.id, associations=["companies"])
    assert [(a.id, a.type) for a in v3.associations["companies"].results] == [
        (company, "contact_to_company_unlabeled")
    ]
    reverse = client.crm.associations.v4.basic_api.get_page("companies", company, "contacts")
    assert reverse.results[0].to_object_id == contact.id
    assert [t.type_id for t in reverse.results[0].association_types] == [280]


def test_labeled_primary_create_default_and_archive(client: HubSpot) -> None:
    contact, company = _contact(client, "p@acme.com"), _company(client, "Acme")
    created = client.crm.associations.v4.basic_api.create(
        "contacts",
        contact,
        "companies",
        company,
        [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}],
    )
    assert created.labels == ["Primary"]
    page = client.crm.associations.v4.basic_api.get_page("contacts", contact, "companies")
    assert sorted(t.type_id for t in page.results[0].association_types) == [1, 279]
    deal = client.crm.deals.basic_api.create({"properties": {"dealname": "D"}}).id
    default = client.crm.associations.v4.basic_api.create_default(
        "deals", deal, "contacts", contact
    )
    assert default.results[0].association_spec.association_type_id == 3
    client.crm.associations.v4.basic_api.archive("contacts", contact, "companies", company)
    assert (
        client.crm.associations.v4.basic_api.get_page("contacts", contact, "companies").results
        == []
    )


def test_wrong_type_id_is_400(client: HubSpot) -> None:
    contact, company = _contact(client, "w@acme.com"), _company(client, "Acme")
    from hubspot.crm.associations.v4.exceptions import ApiException

    with pytest.raises(ApiException) as caught:
        client.crm.associations.v4.basic_api.create(
            "contacts",
            contact,
            "companies",
            company,
            [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}],
        )
    assert caught.value.status == 400


def test_batch_create_read_archive(client: HubSpot) -> None:
    contacts = [_contact(client, f"b{i}@acme.com") for i in range(2)]
    company = _company(client, "Acme")
    batch = client.crm.associations.v4.batch_api
    created = batch.create(
        "contacts",
        "companies",
        BatchInputPublicAssociationMultiPost(
            inputs=[
                {
                    "from": {"id": c},
                    "to": {"id": company},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
                }
                for c in contacts
            ]
        ),
    )
    assert len(created.results) == 2
    read = batch.get_page(
        "companies",
        "contacts",
        BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": company}, {"id": "999999"}]),
    )
    assert read.num_errors == 1
    assert sorted(t.to_object_id for t in read.results[0].to) == sorted(contacts)
    batch.archive(
        "companies",
        "contacts",
        BatchInputPublicAssociationMultiArchive(
            inputs=[{"from": {"id": company}, "to": [{"id": contacts[0]}]}]
        ),
    )
    left = client.crm.associations.v4.basic_api.get_page("companies", company, "contacts")
    assert [r.to_object_id for r in left.results] == [contacts[1]]


def test_properties_list_get_create_update_and_enumeration_validation(client: HubSpot) -> None:
    core = client.crm.properties.core_api
    names = {p.name for p in core.get_all("contacts").results}
    assert {"email", "lifecyclestage", "hs_object_id", "lastmodifieddate"} <= names
    lifecycle = core.get_by_name("contacts", "lifecyclestage")
    assert [o.value for o in lifecycle.options] == [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
        "evangelist",
        "other",
    ]
    created = core.create(
        "contacts",
        {
            "name": "tier",
            "label": "Tier",
            "type": "enumeration",
            "fieldType": "select",
            "groupName": "contactinformation",
            "options": [{"label": "Gold", "value": "gold"}, {"label": "Silver", "value": "silver"}],
        },
    )
    assert created.name == "tier" and created.hubspot_defined is False
    client.crm.contacts.basic_api.create({"properties": {"email": "t@x.com", "tier": "gold"}})
    from hubspot.crm.contacts.exceptions import ApiException

    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.create(
            {"properties": {"email": "t2@x.com", "tier": "bronze"}}
        )
    assert "INVALID_OPTION" in json.loads(caught.value.body)["message"]
    updated = core.update(
        "contacts",
        "tier",
        {"label": "Customer tier", "options": [{"label": "Bronze", "value": "bronze"}]},
    )
    assert updated.label == "Customer tier"
    client.crm.contacts.basic_api.create({"properties": {"email": "t3@x.com", "tier": "bronze"}})
    with pytest.raises(PropertiesApiException) as dup:
        core.create(
            "contacts",
            {
                "name": "tier",
                "label": "T",
                "type": "string",
                "fieldType": "text",
                "groupName": "contactinformation",
            },
        )
    assert dup.value.status == 409
    with pytest.raises(PropertiesApiException) as bad_type:
        core.create(
            "contacts",
            {
                "name": "n",
                "label": "N",
                "type": "number",
                "fieldType": "select",
                "groupName": "contactinformation",
            },
        )
    assert bad_type.value.status == 400
    groups = client.crm.properties.groups_api.get_all("contacts").results
    assert "contactinformation" in {g.name for g in groups}


def test_owners_pipelines_and_account_portal_id(client: HubSpot) -> None:
    owners = client.crm.owners.owners_api.get_page()
    owner = owners.results[0]
    assert owner.type == "PERSON"
    assert client.crm.owners.owners_api.get_page(email=owner.email).results[0].id == owner.id
    assert (
        client.crm.owners.owners_api.get_by_id(str(owner.user_id), id_property="userId").id
        == owner.id
    )
    contact = client.crm.contacts.basic_api.create(
        {"properties": {"email": "o@x.com", "hubspot_owner_id": owner.id}}
    )
    assert contact.properties["hubspot_owner_id"] == owner.id
    (pipeline,) = client.crm.pipelines.pipelines_api.get_all("deals").results
    assert pipeline.id == "default"
    closed = {s.id: s.metadata for s in pipeline.stages}
    assert closed["closedwon"] == {"isClosed": "true", "probability": "1.0"}
    details = client.api_request({"method": "GET", "path": "/account-info/v3/details"}).json()
    assert isinstance(details["portalId"], int)
