"""HubSpot records whose current values one run knows without reading them again.

A first sync reads every HubSpot contact and creates a Salesforce lead from it; the
Salesforce feed then reads those leads back with what Salesforce filled in on create
(lead status) and merges each with its HubSpot partner. The partner was read by this
run moments before, and the link's snapshot was recorded from that read. When the
record as read is fully described by its snapshot (:func:`hubspot_changed` is false:
every synced field, translated, equals its snapshot entry, or is blank and has none —
so one-way and blank fields the snapshot leaves out are covered too), the merge takes
the HubSpot side as the snapshot (:func:`merge_unchanged_hubspot`) instead of reading
it again by id.

Only a fingerprint of (Salesforce type, snapshot) is kept per HubSpot id, about 150
bytes a record, for the run and the pair: memory stays flat at any size. A later
write changes the snapshot (or a conversion the type), so an entry is used only
against the snapshot it was checked with; anything else is read again as before.

A HubSpot edit made after this run read the record is not lost (R25, R26):

- the merge writes to HubSpot only the fields whose Salesforce value differs from the
  snapshot (what Salesforce changed or filled in), as a partial update: a property
  edited in HubSpot that Salesforce did not change is not sent and keeps the edit;
- the edit moved the record's last-modified time past the position the HubSpot feed
  saved in this run, so the next run's feed reads it, finds it differs from the
  snapshot while Salesforce still holds the snapshot's value, and carries it over
  (where a HubSpot-first rule wrote the snapshot's value back to Salesforce, the edit
  differs from that value and goes over it the same way).

A field edited on both sides in that interval is a two-way conflict that this merge
decides for Salesforce, without comparing modification times: the same outcome a
re-read gives when the HubSpot edit lands between the re-read and the write (HubSpot
has no conditional update), over the longer interval from the HubSpot read to the
Salesforce feed's merge. A record deleted in HubSpot in that interval is not seen
missing: its update fails as that record's sync error (R27), and the error's retry
reads it by id, finds it gone and creates it again from Salesforce, as a re-read
would have at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from crmsync.connectors.base import RemoteRecord, System
from crmsync.core.mapping import ObjectMapping
from crmsync.core.translation import Translator
from crmsync.engine.merge import hubspot_changed
from crmsync.engine.work import Item


class KnownHubSpot:
    """HubSpot ids this run read (or read and wrote) whose values equal their snapshot."""

    def __init__(self) -> None:
        self._known: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._known)

    def note(
        self,
        record: RemoteRecord,
        *,
        salesforce_type: str,
        snapshot: Mapping[str, Any],
        mapping: ObjectMapping,
        translator: Translator,
    ) -> None:
        """Remember ``record`` (as this run read it) if its link's ``snapshot`` after
        this run's writes describes it fully; forget it otherwise."""
        if hubspot_changed(record, mapping=mapping, snapshot=snapshot, translator=translator):
            self._known.pop(record.id, None)
        else:
            self._known[record.id] = _fingerprint(salesforce_type, snapshot)

    def note_written(
        self,
        items: Iterable[Item],
        *,
        mapping_for: Callable[[str], ObjectMapping],
        translator: Translator,
    ) -> None:
        """Note the HubSpot records of a batch once its writes are recorded."""
        for item in items:
            link = item.link
            if item.source_system is not System.HUBSPOT or link is None or link.id is None:
                continue
            if item.failed:
                self._known.pop(item.source.id, None)
                continue
            self.note(
                item.source,
                salesforce_type=link.salesforce_type,
                snapshot=link.snapshot,
                mapping=mapping_for(link.salesforce_type),
                translator=translator,
            )

    def holds(self, hubspot_id: str, *, salesforce_type: str, snapshot: Mapping[str, Any]) -> bool:
        """True when the record is known to hold ``snapshot`` (checked against this type)."""
        known = self._known.get(hubspot_id)
        return known is not None and known == _fingerprint(salesforce_type, snapshot)


def _fingerprint(salesforce_type: str, snapshot: Mapping[str, Any]) -> int:
    """A hash of the snapshot as the store keeps it (JSON), stable within one process."""
    return hash(
        (salesforce_type, json.dumps(snapshot, sort_keys=True, default=str, separators=(",", ":")))
    )
