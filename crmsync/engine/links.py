"""The links between HubSpot and Salesforce records, as one pair's run keeps them.

Finding the links of a batch, linking a matched pair, moving a converted lead's link to
its contact, and forgetting links whose record is gone (deleted on one side, or missing
when its partner changes). Every change is audit-logged by the store; a dry run reads
but never writes.
"""

from __future__ import annotations

from collections.abc import Sequence, Set

from crmsync.connectors.base import RemoteRecord, System
from crmsync.engine.pairs import ObjectPair
from crmsync.engine.report import SyncReport
from crmsync.engine.work import LinkView, other_side
from crmsync.store.models import Link
from crmsync.store.state import Scope, StateStore, StoreTransaction


class LinkBook:
    """The links of one pair in one (org, portal) scope."""

    def __init__(
        self,
        *,
        pair: ObjectPair,
        store: StateStore,
        scope: Scope,
        report: SyncReport,
        dry_run: bool,
    ) -> None:
        self.pair = pair
        self.store = store
        self.scope = scope
        self.report = report
        self.dry_run = dry_run

    def find(self, source: System, records: Sequence[RemoteRecord]) -> dict[str, LinkView]:
        """The links of ``records`` (read from ``source``), by record id."""
        with self.store.begin(self.scope) as tx:
            found = self._stored(tx, source, [record.id for record in records])
            return {record_id: LinkView.of(link) for record_id, link in found.items()}

    def add_matched(
        self, source: System, record: RemoteRecord, counterpart: RemoteRecord
    ) -> LinkView:
        """Link ``record`` to the ``counterpart`` matched for it (by email)."""
        hubspot_record, salesforce_record = (
            (record, counterpart) if source is System.HUBSPOT else (counterpart, record)
        )
        self.report.linked += 1
        view = LinkView(
            id=None,
            hubspot_id=hubspot_record.id,
            salesforce_type=salesforce_record.object_type,
            salesforce_id=salesforce_record.id,
        )
        if self.dry_run:
            return view
        with self.store.begin(self.scope) as tx:
            link = tx.add_link(
                pair=self.pair.name,
                hubspot_type=self.pair.hubspot_object,
                hubspot_id=view.hubspot_id,
                salesforce_type=view.salesforce_type,
                salesforce_id=view.salesforce_id,
            )
            return LinkView.of(link)

    def move(self, link: LinkView, to_type: str, to_id: str) -> bool:
        """Point a converted lead's link at its contact; False when that cannot be done.

        A contact already linked to another HubSpot record keeps that link; the lead's
        link then stays where it is, and the run's ``_past_conversion`` keeps it unwritten.
        """
        with self.store.begin(self.scope) as tx:
            if tx.links_by_salesforce(salesforce_types=[to_type], ids=[to_id]):
                return False
            stored = tx.link(link.id) if link.id is not None else None
            if stored is None:
                return False
            tx.move_link(
                stored,
                salesforce_type=to_type,
                salesforce_id=to_id,
                note=f"lead {link.salesforce_id} converted to {to_type} {to_id}",
            )
        return True

    def partners(self, source: System, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """The linked partner ``(object type, id)`` of each ``source`` record linked."""
        target = other_side(source)
        with self.store.begin(self.scope) as tx:
            return {
                record_id: (
                    self.pair.hubspot_object if target is System.HUBSPOT else link.salesforce_type,
                    link_id(link, target),
                )
                for record_id, link in self._stored(tx, source, list(ids)).items()
            }

    def unlink_deleted(
        self,
        source: System,
        records: Sequence[RemoteRecord],
        *,
        partners_deleted: Set[str] = frozenset(),
    ) -> None:
        """Forget the links of records deleted on ``source``; the other side is kept
        unless its id is in ``partners_deleted`` (the pair carries the delete across).

        A link to a deleted record would fail every later update of its partner
        (``ENTITY_IS_DELETED``). Unlinked, the partner is treated as new on its next
        change: matched again by email, or created under the current policy.
        """
        other = other_side(source)
        with self.store.begin(self.scope) as tx:
            for record_id, link in self._stored(tx, source, [r.id for r in records]).items():
                fate = "deleted too" if record_id in partners_deleted else "kept"
                tx.remove_link(
                    link,
                    note=f"{source.value} record {record_id} was deleted; "
                    f"the {other.value} record {link_id(link, other)} is {fate}",
                )
                tx.resolve_errors(
                    pair=self.pair.name, source_system=source.value, source_id=record_id
                )
                self.report.unlinked += 1

    def unlink_orphans(
        self, source: System, orphaned: Sequence[tuple[RemoteRecord, LinkView]]
    ) -> None:
        """Forget links whose partner no longer exists (deleted, or archived in HubSpot)."""
        target = other_side(source)
        with self.store.begin(self.scope) as tx:
            for record, view in orphaned:
                link = tx.link(view.id) if view.id is not None else None
                if link is None:
                    continue
                tx.remove_link(
                    link,
                    note=f"the {target.value} record {view.id_on(target)} linked to "
                    f"{source.value} record {record.id} no longer exists",
                )
                self.report.unlinked += 1

    def _stored(self, tx: StoreTransaction, source: System, ids: list[str]) -> dict[str, Link]:
        if source is System.HUBSPOT:
            return tx.links_by_hubspot(hubspot_type=self.pair.hubspot_object, ids=ids)
        return tx.links_by_salesforce(salesforce_types=self.pair.salesforce_objects, ids=ids)


def link_id(link: Link, system: System) -> str:
    """The id ``link`` holds on ``system``."""
    return link.hubspot_id if system is System.HUBSPOT else link.salesforce_id
