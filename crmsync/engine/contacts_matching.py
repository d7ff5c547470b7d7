"""The contacts pair's match strategy: by normalised email, in batches (R20).

Lookups go out with ``find_by`` in chunks of the connector's ``max_batch_read``, never
one call per record. Salesforce may hold several leads/contacts with one email;
:func:`crmsync.core.matching.choose_salesforce_record` picks one deterministically and
the others are reported (``DUPLICATE_EMAIL_IN_SALESFORCE``), never synced as new
HubSpot contacts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from crmsync.connectors.base import RemoteRecord, System
from crmsync.core.matching import candidate_from_record, choose_salesforce_record
from crmsync.engine.matching import MatchContext, Matched, MatchOutcome, Notice, Unlinked
from crmsync.engine.pairs import MatchKey

DUPLICATE_CODE = "DUPLICATE_EMAIL_IN_SALESFORCE"


class EmailMatch:
    """Matches people by normalised email; several Salesforce records per email are
    resolved by :func:`~crmsync.core.matching.choose_salesforce_record`."""

    def __init__(self, key: MatchKey) -> None:
        self.key = key

    def hubspot_key(self, record: RemoteRecord) -> str | None:
        """The normalised email of a HubSpot record (its match key), or ``None``."""
        raw = record.fields.get(self.key.hubspot_property)
        return self.key.normalise(raw if isinstance(raw, str) else None)

    def match(
        self, source: System, unlinked: Sequence[Unlinked], context: MatchContext
    ) -> MatchOutcome:
        """Split unlinked records into matched pairs, creates and notices."""
        match = self.key
        notices: list[Notice] = []
        keyed: dict[str, list[tuple[RemoteRecord, str | None]]] = defaultdict(list)
        for record, create_as in unlinked:
            field = match.hubspot_property if source is System.HUBSPOT else match.salesforce_field
            raw = record.fields.get(field)
            key = match.normalise(raw if isinstance(raw, str) else None)
            if key is None:
                notices.append(
                    Notice(
                        system=source,
                        record_id=record.id,
                        object_type=record.object_type,
                        code=match.missing_code,
                        message=f"{field} is blank: the record cannot be matched or created",
                        field=field,
                    )
                )
                continue
            keyed[key].append((record, create_as))
        if source is System.HUBSPOT:
            matched, creates, more = self._match_in_salesforce(match, keyed, context)
        else:
            matched, creates, more = self._match_in_hubspot(match, keyed, context)
        return MatchOutcome(matched=matched, creates=creates, notices=notices + more)

    def _match_in_salesforce(
        self, match: MatchKey, keyed: Mapping[str, list[Unlinked]], context: MatchContext
    ) -> tuple[list[Matched], list[Unlinked], list[Notice]]:
        found: list[RemoteRecord] = []
        for name in context.pair.salesforce_objects:
            found.extend(
                context.find(System.SALESFORCE, name, match.salesforce_field, sorted(keyed))
            )
        # A converted lead is read-only; its contact is found on its own.
        found = [record for record in found if not record.fields.get("IsConverted")]
        with context.store.begin(context.scope) as tx:
            taken = tx.links_by_salesforce(
                salesforce_types=context.pair.salesforce_objects, ids=[r.id for r in found]
            )
        by_key: dict[str, list[RemoteRecord]] = defaultdict(list)
        for record in found:
            raw = record.fields.get(match.salesforce_field)
            key = match.normalise(raw if isinstance(raw, str) else None)
            if key is not None and record.id not in taken:
                by_key[key].append(record)
        matched: list[Matched] = []
        creates: list[Unlinked] = []
        notices: list[Notice] = []
        for key, sources in keyed.items():
            for record, create_as in sources:
                candidates = by_key.get(key, [])
                choice = choose_salesforce_record(
                    [candidate_from_record(c, linked=False) for c in candidates]
                )
                if choice is None:
                    creates.append((record, create_as))
                    continue
                chosen = next(c for c in candidates if c.id == choice.chosen.id)
                matched.append((record, chosen))
                notices.extend(
                    _duplicate(other.object_type, other.id, key, chosen.id)
                    for other in choice.others
                )
        return matched, creates, notices

    def _match_in_hubspot(
        self, match: MatchKey, keyed: Mapping[str, list[Unlinked]], context: MatchContext
    ) -> tuple[list[Matched], list[Unlinked], list[Notice]]:
        hubspot_object = context.pair.hubspot_object
        found = self._hubspot_candidates(match, keyed, context)
        with context.store.begin(context.scope) as tx:
            taken = tx.links_by_hubspot(hubspot_type=hubspot_object, ids=[r.id for r in found])
        by_key: dict[str, RemoteRecord] = {}
        for record in found:
            raw = record.fields.get(match.hubspot_property)
            key = match.normalise(raw if isinstance(raw, str) else None)
            if key is not None:
                by_key.setdefault(key, record)
        matched: list[Matched] = []
        creates: list[Unlinked] = []
        notices: list[Notice] = []
        for key, sources in keyed.items():
            records = [record for record, _create_as in sources]
            counterpart = by_key.get(key)
            if counterpart is not None and counterpart.id in taken:
                # The HubSpot contact already syncs with another Salesforce record.
                linked_to = taken[counterpart.id].salesforce_id
                notices.extend(
                    _duplicate(record.object_type, record.id, key, linked_to) for record in records
                )
                continue
            choice = choose_salesforce_record(
                [candidate_from_record(record, linked=False) for record in records]
            )
            if choice is None:
                continue
            chosen = next(record for record in records if record.id == choice.chosen.id)
            notices.extend(
                _duplicate(other.object_type, other.id, key, chosen.id) for other in choice.others
            )
            if counterpart is None:
                creates.append((chosen, None))
            else:
                matched.append((chosen, counterpart))
        return matched, creates, notices

    def _hubspot_candidates(
        self, match: MatchKey, keyed: Mapping[str, list[Unlinked]], context: MatchContext
    ) -> list[RemoteRecord]:
        """HubSpot records holding the batch's keys: looked up by email, or, when this run
        read every HubSpot record, read by id for the keys it saw (none for the rest).

        An indexed record is read again (it is merged with current values) and its key
        checked; one whose email changed since is looked up as usual.
        """
        hubspot_object = context.pair.hubspot_object
        index = context.hubspot_keys
        if index is None:
            return context.find(
                System.HUBSPOT, hubspot_object, match.hubspot_property, sorted(keyed)
            )
        known = {key: index[key] for key in keyed if key in index}
        found = [
            record
            for record in context.read(System.HUBSPOT, hubspot_object, sorted(known.values()))
            if self.hubspot_key(record) in known
        ]
        confirmed = {self.hubspot_key(record) for record in found}
        moved = sorted(key for key in known if key not in confirmed)
        if moved:
            found += context.find(System.HUBSPOT, hubspot_object, match.hubspot_property, moved)
        return found


def _duplicate(object_type: str, record_id: str, key: str, chosen_id: str) -> Notice:
    return Notice(
        system=System.SALESFORCE,
        record_id=record_id,
        object_type=object_type,
        code=DUPLICATE_CODE,
        message=f"{key} is shared with Salesforce record {chosen_id}, which syncs instead",
        field="Email",
    )
