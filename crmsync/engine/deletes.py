"""Carrying a delete across, for pairs that ask for it (``ObjectPair.deletes_follow``).

HubSpot deletes a deal when its opportunity is deleted, and keeps the opportunity when
the deal is deleted (integration behaviour §1.9). A pair names the sides whose deletes
follow; for a record deleted there, its linked partner is deleted through the other
connector's :class:`~crmsync.connectors.base.Deletes` port, before the link is removed
(audit-logged by :meth:`~crmsync.engine.links.LinkBook.unlink_deleted`). A refused
delete is a sync error on the deleted record's side; the link goes all the same (its
partner can no longer be updated through it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from crmsync.connectors.base import Deletes, RemoteRecord, System
from crmsync.engine.links import LinkBook
from crmsync.engine.work import other_side
from crmsync.engine.writer import Writer
from crmsync.errors import ConfigurationError


def delete_partners(
    writer: Writer, links: LinkBook, source: System, records: Sequence[RemoteRecord]
) -> set[str]:
    """Delete the linked partners of ``records`` (deleted on ``source``); the ids of
    the deleted records whose partner is gone now."""
    target = other_side(source)
    connector = writer.connectors[target]
    if not isinstance(connector, Deletes):
        raise ConfigurationError(f"the {target.value} connector cannot delete records")
    by_type: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for record_id, (target_type, partner) in links.partners(
        source, [record.id for record in records]
    ).items():
        by_type[target_type].append((record_id, partner))
    done: set[str] = set()
    kinds = {record.id: record.object_type for record in records}
    for target_type, wanted in by_type.items():
        results = {
            result.key: result
            for result in connector.delete(target_type, [partner for _r, partner in wanted])
        }
        for record_id, partner in wanted:
            result = results.get(partner)
            if result is not None and result.ok:
                done.add(record_id)
                writer.report.updated[f"{target.value} deleted"] += 1
                continue
            detail = result.errors[0] if result is not None and result.errors else None
            writer.record_skip(
                record_id,
                source=source,
                object_type=kinds.get(record_id, ""),
                code=detail.code if detail else "NO_RESULT",
                message=(
                    f"deleting the linked {target.value} record {partner} was refused: "
                    f"{detail.message if detail else 'no answer'}"
                ),
                field=None,
            )
    return done
