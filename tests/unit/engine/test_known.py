"""A HubSpot record this run read, merged from its snapshot without a second read (R26).

``KnownHubSpot`` holds a HubSpot record only when the record as read is fully described
by its link's snapshot; ``merge_unchanged_hubspot`` then decides exactly what
``merge_pair`` decides with the record itself, whatever the rules and the Salesforce
side hold.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from crmsync.connectors.base import RemoteRecord, System
from crmsync.core.mapping import DEFAULT_LEAD_MAPPING, FieldMapping, ObjectMapping
from crmsync.core.sync_rules import SyncRule
from crmsync.core.translation import FieldTranslator, IdentityTranslator, Translator
from crmsync.core.values import is_blank
from crmsync.engine.known import KnownHubSpot
from crmsync.engine.merge import PairPlan, creation_plan, merge_pair, merge_unchanged_hubspot

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PROPERTIES = ("firstname", "lastname", "jobtitle")
FIELDS = {"firstname": "FirstName", "lastname": "LastName", "jobtitle": "Title"}
RULES = [rule for rule in SyncRule if rule is not SyncRule.DONT_SYNC]


def _mapping(rules: dict[str, SyncRule]) -> ObjectMapping:
    return ObjectMapping(
        hubspot_object="contacts",
        salesforce_object="Lead",
        fields=tuple(
            FieldMapping(hubspot_property=prop, salesforce_field=FIELDS[prop], rule=rules[prop])
            for prop in PROPERTIES
        ),
    )


def _record(object_type: str, fields: dict[str, Any], at: datetime) -> RemoteRecord:
    return RemoteRecord(object_type=object_type, id="1", fields=fields, modified_at=at)


def _known(
    record: RemoteRecord, snapshot: dict[str, Any], mapping: ObjectMapping, translator: Translator
) -> KnownHubSpot:
    known = KnownHubSpot()
    known.note(
        record,
        salesforce_type="Lead",
        snapshot=snapshot,
        mapping=mapping,
        translator=translator,
    )
    return known


def _decided(plan: PairPlan) -> tuple[Any, ...]:
    """Writes, settled snapshot entries and problems, blanks as one (R26: all blanks
    are equal, so ``""`` and ``None`` settle the same)."""

    def blanks_as_none(values: dict[str, Any]) -> dict[str, Any]:
        return {name: None if is_blank(value) else value for name, value in values.items()}

    return (
        blanks_as_none(plan.hubspot_values),
        blanks_as_none(plan.salesforce_values),
        blanks_as_none(plan.settled),
        plan.problems,
    )


VALUES = st.sampled_from([None, "", "Ann", "Bo", "Cy"])


@settings(max_examples=300, deadline=None)
@given(
    rules=st.fixed_dictionaries({prop: st.sampled_from(RULES) for prop in PROPERTIES}),
    hubspot=st.fixed_dictionaries({prop: VALUES for prop in PROPERTIES}),
    blank_entries=st.sets(st.sampled_from(PROPERTIES)),
    salesforce=st.fixed_dictionaries({FIELDS[prop]: VALUES for prop in PROPERTIES}),
    hubspot_later=st.booleans(),
)
def test_a_held_record_merges_as_if_it_had_been_read_again(
    rules: dict[str, SyncRule],
    hubspot: dict[str, Any],
    blank_entries: set[str],
    salesforce: dict[str, Any],
    hubspot_later: bool,
) -> None:
    # The snapshot holds every non-blank value as read, and blank ones or not: what a
    # create or a merge records for a record this run read.
    snapshot = {
        prop: hubspot[prop]
        for prop in PROPERTIES
        if prop in blank_entries or not is_blank(hubspot[prop])
    }
    mapping = _mapping(rules)
    translator = IdentityTranslator()
    record = _record("contacts", hubspot, T0 + timedelta(minutes=5 if hubspot_later else -5))
    known = _known(record, snapshot, mapping, translator)
    assert known.holds("1", salesforce_type="Lead", snapshot=snapshot)
    lead = _record("Lead", salesforce, T0)

    read_again = merge_pair(
        hubspot=record, salesforce=lead, mapping=mapping, snapshot=snapshot, translator=translator
    )
    unread = merge_unchanged_hubspot(
        salesforce=lead, mapping=mapping, snapshot=snapshot, translator=translator
    )

    assert _decided(unread) == _decided(read_again)


def test_a_contact_created_as_a_lead_is_held_and_only_the_filled_status_goes_back() -> None:
    translator = FieldTranslator()
    contact = _record(
        "contacts", {"firstname": "Ann", "lastname": "Lee", "email": "ann@example.com"}, T0
    )
    created = creation_plan(
        source=contact,
        source_system=System.HUBSPOT,
        mapping=DEFAULT_LEAD_MAPPING,
        translator=translator,
    )
    snapshot = created.on_salesforce_write  # what the writer records for the new link
    known = _known(contact, snapshot, DEFAULT_LEAD_MAPPING, translator)
    lead = _record(
        "Lead",
        {**created.salesforce_values, "Status": "Open - Not Contacted"},
        T0 + timedelta(seconds=30),
    )

    plan = merge_unchanged_hubspot(
        salesforce=lead, mapping=DEFAULT_LEAD_MAPPING, snapshot=snapshot, translator=translator
    )

    assert known.holds("1", salesforce_type="Lead", snapshot=snapshot)
    assert plan.hubspot_values == {"hs_lead_status": "NEW"}
    assert plan.salesforce_values == {}


def test_a_value_the_snapshot_leaves_out_means_the_record_is_read_again() -> None:
    # An always-Salesforce field never writes to Salesforce, so a create leaves it out
    # of the snapshot: the record's HubSpot value cannot be rebuilt from it.
    rules = {"firstname": SyncRule.TWO_WAY, "lastname": SyncRule.TWO_WAY}
    rules["jobtitle"] = SyncRule.ALWAYS_SALESFORCE
    mapping = _mapping(rules)
    contact = _record("contacts", {"firstname": "Ann", "jobtitle": "CEO"}, T0)
    snapshot = {"firstname": "Ann"}

    known = _known(contact, snapshot, mapping, IdentityTranslator())

    assert not known.holds("1", salesforce_type="Lead", snapshot=snapshot)


def test_a_snapshot_changed_since_or_another_salesforce_type_is_not_held() -> None:
    rules = dict.fromkeys(PROPERTIES, SyncRule.TWO_WAY)
    mapping = _mapping(rules)
    contact = _record("contacts", {"firstname": "Ann"}, T0)
    snapshot = {"firstname": "Ann"}
    known = _known(contact, snapshot, mapping, IdentityTranslator())

    assert known.holds("1", salesforce_type="Lead", snapshot={"firstname": "Ann"})
    assert not known.holds("1", salesforce_type="Lead", snapshot={"firstname": "Bo"})
    assert not known.holds("1", salesforce_type="Contact", snapshot=snapshot)
    assert not known.holds("2", salesforce_type="Lead", snapshot=snapshot)


def test_a_record_read_with_a_change_is_forgotten() -> None:
    mapping = _mapping(dict.fromkeys(PROPERTIES, SyncRule.TWO_WAY))
    translator = IdentityTranslator()
    known = _known(
        _record("contacts", {"firstname": "Ann"}, T0), {"firstname": "Ann"}, mapping, translator
    )

    known.note(
        _record("contacts", {"firstname": "Edited"}, T0),
        salesforce_type="Lead",
        snapshot={"firstname": "Ann"},
        mapping=mapping,
        translator=translator,
    )

    assert not known.holds("1", salesforce_type="Lead", snapshot={"firstname": "Ann"})
    assert len(known) == 0
