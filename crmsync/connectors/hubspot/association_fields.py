"""Associations read as plain values: the ``associations.<object>[@type]`` pseudo-fields.

A deal's company is not a property in HubSpot but an association. The engine names it
as a field (:func:`crmsync.connectors.base.association_field`); the connector strips
such names from the properties it asks for, reads the batch's associations with one v4
``batch/read`` per 100 records and object type, and adds the value to each record, so
references resolve like ``associatedcompanyid`` does (R22).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from crmsync.connectors.base import ASSOCIATION_FIELD_PREFIX, RemoteRecord

Targets = Mapping[str, Sequence[tuple[str, frozenset[int]]]]
"""Each record's associated ids with their type ids, by record id."""
ReadTargets = Callable[[str, str, Sequence[str]], Targets]
"""``read(from_object, to_object, ids)``: the batch's associations of one object type."""


@dataclass(frozen=True, kw_only=True)
class AssociationField:
    """One pseudo-field: the associated ``to_object`` id, preferring ``type_id``."""

    name: str
    to_object: str
    type_id: int | None


def parse(name: str) -> AssociationField | None:
    """The pseudo-field ``name`` stands for, or ``None`` for a real property."""
    if not name.startswith(ASSOCIATION_FIELD_PREFIX):
        return None
    rest = name.removeprefix(ASSOCIATION_FIELD_PREFIX)
    to_object, _, type_text = rest.partition("@")
    type_id = int(type_text) if type_text.isdigit() else None
    return AssociationField(name=name, to_object=to_object, type_id=type_id)


def split(fields: Sequence[str]) -> tuple[list[str], list[AssociationField]]:
    """Real properties, and the pseudo-fields among ``fields``."""
    real: list[str] = []
    wanted: list[AssociationField] = []
    for name in fields:
        found = parse(name)
        if found is None:
            real.append(name)
        else:
            wanted.append(found)
    return real, wanted


def chosen(targets: Sequence[tuple[str, frozenset[int]]], type_id: int | None) -> str | None:
    """The id a pseudo-field holds: the one with ``type_id``, else the lowest id."""
    if not targets:
        return None
    ordered = sorted(targets, key=lambda target: (len(target[0]), target[0]))
    if type_id is not None:
        for target_id, types in ordered:
            if type_id in types:
                return target_id
    return ordered[0][0]


def enrich(
    records: Sequence[RemoteRecord],
    wanted: Sequence[AssociationField],
    *,
    from_object: str,
    read: ReadTargets,
) -> list[RemoteRecord]:
    """``records`` with each wanted pseudo-field filled (``None`` when unassociated)."""
    live = [record.id for record in records if not record.deleted]
    if not wanted or not live:
        return list(records)
    by_object: dict[str, Targets] = {}
    for field in wanted:
        if field.to_object not in by_object:
            by_object[field.to_object] = read(from_object, field.to_object, live)
    enriched: list[RemoteRecord] = []
    for record in records:
        values = dict(record.fields)
        for field in wanted:
            targets = by_object[field.to_object].get(record.id, ())
            values[field.name] = chosen(targets, field.type_id)
        enriched.append(replace(record, fields=values))
    return enriched
