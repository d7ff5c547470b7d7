"""Property-based tests (hypothesis) of the pure sync functions: value comparison, the
per-field decision, translation round trips, and the merge of a linked pair (R23, R26).

Each property is what the sync relies on for every input, not just the examples the
other tests pick: equal values never write, a settled field never writes again, a
translated value comes back as itself, and a merged pair converges in one run.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from crmsync.connectors.base import RemoteRecord, System
from crmsync.core.geography import GeographyMode, PicklistSetup
from crmsync.core.mapping import (
    DEFAULT_LEAD_MAPPING,
    FieldMapping,
    ObjectMapping,
    Transform,
)
from crmsync.core.sync_rules import FieldSnapshot, SyncRule, decide_field
from crmsync.core.translation import FieldTranslator, IdentityTranslator
from crmsync.core.values import is_blank, values_equal
from crmsync.engine.merge import creation_plan, hubspot_value, merge_pair

PROFILE = settings(max_examples=150, deadline=None, derandomize=True, database=None)

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
blanks = st.sampled_from([None, "", " ", "\t"])
field_values = st.one_of(
    blanks,
    texts,
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    # Text that looks like another type: what HubSpot sends for numbers and booleans.
    st.sampled_from(["42", "42.0", "true", "FALSE", "0", "-0", "1e3"]),
)
moments = st.one_of(
    st.none(),
    st.datetimes(
        # hypothesis takes naive bounds and attaches the zone it is given.
        min_value=datetime(2020, 1, 1),  # noqa: DTZ001
        max_value=datetime(2030, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
rules = st.sampled_from(list(SyncRule))


# --- values -------------------------------------------------------------------------


@PROFILE
@given(field_values)
def test_every_value_equals_itself(value: Any) -> None:
    assert values_equal(value, value)


@PROFILE
@given(field_values, field_values)
def test_equality_is_symmetric(left: Any, right: Any) -> None:
    assert values_equal(left, right) == values_equal(right, left)


@PROFILE
@given(blanks, blanks)
def test_all_blanks_are_one_value(left: Any, right: Any) -> None:
    assert values_equal(left, right)


# --- decide_field ------------------------------------------------------------------


@PROFILE
@given(
    rule=rules,
    hubspot=field_values,
    salesforce=field_values,
    snapshot=st.one_of(st.none(), field_values),
    hubspot_at=moments,
    salesforce_at=moments,
)
def test_r26_a_decision_writes_only_where_its_rule_may_and_only_a_side_s_value(
    *,
    rule: SyncRule,
    hubspot: Any,
    salesforce: Any,
    snapshot: Any,
    hubspot_at: datetime | None,
    salesforce_at: datetime | None,
) -> None:
    decision = decide_field(
        rule=rule,
        hubspot_value=hubspot,
        salesforce_value=salesforce,
        snapshot=None if snapshot is None else FieldSnapshot(value=snapshot),
        hubspot_modified_at=hubspot_at,
        salesforce_modified_at=salesforce_at,
    )
    if values_equal(hubspot, salesforce) or rule is SyncRule.DONT_SYNC:
        assert not decision.writes
    if decision.write_to is not None:
        assert decision.write_to in rule.writes_to
        source = hubspot if decision.write_to is System.SALESFORCE else salesforce
        assert decision.value == source
        assert decision.settled


@PROFILE
@given(
    rule=rules,
    hubspot=field_values,
    salesforce=field_values,
    snapshot=st.one_of(st.none(), field_values),
    hubspot_at=moments,
    salesforce_at=moments,
)
def test_r26_a_settled_decision_never_writes_again(
    *,
    rule: SyncRule,
    hubspot: Any,
    salesforce: Any,
    snapshot: Any,
    hubspot_at: datetime | None,
    salesforce_at: datetime | None,
) -> None:
    first = decide_field(
        rule=rule,
        hubspot_value=hubspot,
        salesforce_value=salesforce,
        snapshot=None if snapshot is None else FieldSnapshot(value=snapshot),
        hubspot_modified_at=hubspot_at,
        salesforce_modified_at=salesforce_at,
    )
    if not first.settled:
        return
    # Both sides now hold the decided value and it is the snapshot: no ping-pong.
    again = decide_field(
        rule=rule,
        hubspot_value=first.value,
        salesforce_value=first.value,
        snapshot=FieldSnapshot(value=first.value),
        hubspot_modified_at=salesforce_at,
        salesforce_modified_at=hubspot_at,
    )
    assert not again.writes


@PROFILE
@given(field_values, field_values, moments, moments)
def test_two_way_an_edit_on_one_side_only_wins(
    synced: Any, edit: Any, hubspot_at: datetime | None, salesforce_at: datetime | None
) -> None:
    if values_equal(edit, synced):
        return
    decision = decide_field(
        rule=SyncRule.TWO_WAY,
        hubspot_value=edit,
        salesforce_value=synced,
        snapshot=FieldSnapshot(value=synced),
        hubspot_modified_at=hubspot_at,
        salesforce_modified_at=salesforce_at,
    )
    assert (decision.write_to, decision.value, decision.conflict) == (
        System.SALESFORCE,
        edit,
        False,
    )


# --- translation ----------------------------------------------------------------------

GEOGRAPHY = [
    FieldTranslator(picklists=setup, mode=mode)
    for setup in (PicklistSetup.DISABLED, PicklistSetup.ENABLED)
    for mode in GeographyMode
]
place_names = st.one_of(
    texts,
    st.sampled_from(
        ["Poland", "Polska", "PL", "United States", "USA", "us", "Deutschland", "Germany",
         "California", "CA", "Ontario", "ON", "Bavaria", "Bayern", "Mazowieckie", "Nowhere"]
    ),
)  # fmt: skip


@PROFILE
@given(
    st.sampled_from(GEOGRAPHY),
    st.sampled_from([Transform.COUNTRY, Transform.STATE]),
    place_names,
    place_names,
)
def test_r11_r26_a_translated_place_comes_back_as_itself(
    translator: FieldTranslator, transform: Transform, value: str, country: str
) -> None:
    row = FieldMapping(
        hubspot_property="state" if transform is Transform.STATE else "country",
        salesforce_field="State" if transform is Transform.STATE else "Country",
        rule=SyncRule.TWO_WAY,
        transform=transform,
    )
    hubspot_record = {"country": country, row.hubspot_property: value}
    forward = translator.to_salesforce(row, value, record=hubspot_record)
    if not forward.ok or is_blank(forward.value):
        return  # refused with a typed error code, or nothing to write
    salesforce_record = {"Country": country, row.salesforce_field: forward.value}
    back = translator.to_hubspot(row, forward.value, record=salesforce_record)
    if not back.ok or back.skip:
        return
    hubspot_record = {**hubspot_record, row.hubspot_property: back.value}
    again = translator.to_salesforce(row, back.value, record=hubspot_record)
    assert again.ok, again
    assert values_equal(again.value, forward.value)


LEAD_STATUS = DEFAULT_LEAD_MAPPING.by_hubspot_property("hs_lead_status")


@PROFILE
@given(st.one_of(texts, st.sampled_from([pair[0] for pair in LEAD_STATUS.value_map])))
def test_a_value_map_round_trip_lands_on_the_same_salesforce_value(value: str) -> None:
    assert LEAD_STATUS is not None
    translator = FieldTranslator()
    forward = translator.to_salesforce(LEAD_STATUS, value, record={})
    if not forward.ok:
        assert forward.error_code
        return
    back = translator.to_hubspot(LEAD_STATUS, forward.value, record={})
    assert back.ok
    assert translator.to_salesforce(LEAD_STATUS, back.value, record={}).value == forward.value


# --- merge ---------------------------------------------------------------------------

PLAIN_ROWS = tuple(row for row in DEFAULT_LEAD_MAPPING.fields if row.transform is None)
"""The rows whose values cross unchanged (names, email, phone...)."""


LinkedPair = tuple[ObjectMapping, RemoteRecord, RemoteRecord, dict[str, Any]]
"""A mapping, both records of a link, and the link's snapshot."""


@st.composite
def linked_pairs(
    draw: st.DrawFn,
) -> tuple[ObjectMapping, RemoteRecord, RemoteRecord, dict[str, Any]]:
    rows = tuple(replace(row, rule=draw(rules)) for row in PLAIN_ROWS)
    mapping = ObjectMapping(hubspot_object="contacts", salesforce_object="Lead", fields=rows)
    text_values = st.one_of(blanks, texts)
    hubspot = {row.hubspot_property: draw(text_values) for row in rows}
    salesforce = {row.salesforce_field: draw(text_values) for row in rows}
    snapshot = {row.hubspot_property: draw(text_values) for row in rows if draw(st.booleans())}
    return (
        mapping,
        _record("contacts", hubspot, draw(moments)),
        _record("Lead", salesforce, draw(moments)),
        snapshot,
    )


def _record(object_type: str, fields: dict[str, Any], at: datetime | None) -> RemoteRecord:
    moment = at or datetime(2024, 1, 1, tzinfo=UTC)
    return RemoteRecord(object_type=object_type, id="1", fields=fields, modified_at=moment)


@PROFILE
@given(linked_pairs())
def test_r26_a_merged_pair_converges_in_one_run(
    pair: LinkedPair,
) -> None:
    mapping, hubspot, salesforce, snapshot = pair
    translator = IdentityTranslator()
    plan = merge_pair(
        hubspot=hubspot, salesforce=salesforce, mapping=mapping, snapshot=snapshot,
        translator=translator,
    )  # fmt: skip
    assert not plan.problems
    # Apply the writes and the snapshot they settle, as the writer does.
    later = timedelta(seconds=30)
    hubspot_after = _record(
        "contacts", {**hubspot.fields, **plan.hubspot_values}, hubspot.modified_at + later
    )
    salesforce_after = _record(
        "Lead", {**salesforce.fields, **plan.salesforce_values}, salesforce.modified_at + later
    )
    snapshot_after = {
        **snapshot, **plan.settled, **plan.on_hubspot_write, **plan.on_salesforce_write
    }  # fmt: skip

    again = merge_pair(
        hubspot=hubspot_after, salesforce=salesforce_after, mapping=mapping,
        snapshot=snapshot_after, translator=translator,
    )  # fmt: skip

    assert again.changes == []


@PROFILE
@given(linked_pairs(), st.sampled_from([System.HUBSPOT, System.SALESFORCE]))
def test_a_creation_writes_only_what_its_rules_send_that_way(
    pair: LinkedPair, source: System
) -> None:
    mapping, hubspot, salesforce, _snapshot = pair
    record = hubspot if source is System.HUBSPOT else salesforce
    target = System.SALESFORCE if source is System.HUBSPOT else System.HUBSPOT
    plan = creation_plan(
        source=record, source_system=source, mapping=mapping, translator=IdentityTranslator()
    )
    written = plan.values_for(target)
    for row in mapping.fields:
        name = row.salesforce_field if target is System.SALESFORCE else row.hubspot_property
        if name in written:
            assert target in row.rule.writes_to
            assert not is_blank(written[name])
    # Blank values are never sent on create; HubSpot's own blank is "" (hubspot_value).
    assert hubspot_value(None) == ""
