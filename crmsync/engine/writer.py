"""Sending a batch's writes in as few calls as the APIs allow, and recording them durably.

For each target CRM: creates are journalled first (R25), requests go out in chunks of
the connector's ``max_batch_write`` (Salesforce 200, HubSpot 100), and each chunk's
results are recorded in one transaction: links and snapshots for successes, typed sync
errors with the API's own code and message for failures (R27). A failed record never
stops the others.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from crmsync.connectors.base import (
    ApiErrorDetail,
    Associations,
    AssociationWrite,
    Connector,
    System,
    WriteRequest,
    WriteResult,
)
from crmsync.connectors.writes import WriteInterruptedError
from crmsync.core.errors_table import ErrorCategory, ErrorSource, classify
from crmsync.engine.hooks import Checkpoint, SyncHooks
from crmsync.engine.pairs import ObjectPair
from crmsync.engine.report import PlannedWrite, SyncReport
from crmsync.engine.work import Item, LinkView, direction, other_side
from crmsync.errors import ConfigurationError, RecordError, RetriableError
from crmsync.store.chunked import AuditRow, IntentOutcome, NewIntent, NewLink
from crmsync.store.models import Link
from crmsync.store.state import ErrorReport, Scope, StateStore, StoreTransaction


class Writer:
    """Writes and records the items of one batch of one object pair."""

    def __init__(
        self,
        *,
        pair: ObjectPair,
        store: StateStore,
        scope: Scope,
        connectors: Mapping[System, Connector],
        hooks: SyncHooks,
        report: SyncReport,
        dry_run: bool,
    ) -> None:
        self.pair = pair
        self.store = store
        self.scope = scope
        self.connectors = connectors
        self.hooks = hooks
        self.report = report
        self.dry_run = dry_run
        self.relinked: list[Item] = []
        """Creates that found the record already there (HubSpot 409): linked, not merged."""

    # -- before any write ------------------------------------------------------------

    def settle(self, items: Sequence[Item]) -> None:
        """Store translation problems and snapshots that need no write."""
        for item in items:
            self.report.errors += len(item.plan.problems)
        if self.dry_run:
            return
        resolved: dict[str, list[str]] = {}
        with self.store.begin(self.scope) as tx:
            stored_links = tx.links_by_id(
                item.link.id
                for item in items
                if item.link is not None and item.link.id is not None and item.plan.settled
            )
            for item in items:
                for problem in item.plan.problems:
                    classification = classify(
                        ErrorSource.CRMSYNC, problem.code, field=problem.target_field
                    )
                    report = self._error_report(
                        item,
                        target=problem.target,
                        system=ErrorSource.CRMSYNC.value,
                        code=problem.code,
                        message=problem.detail,
                        field=problem.target_field,
                        category=classification.category.value,
                        hint=classification.hint,
                    )
                    tx.record_error(self._owned_by_origin(item, report, target=problem.target))
                link = item.link
                if link is not None and link.id is not None and item.plan.settled:
                    merged = {**link.snapshot, **item.plan.settled}
                    if merged != link.snapshot:
                        stored = stored_links.get(link.id)
                        if stored is not None:
                            tx.save_snapshot(stored, merged)
                            link.snapshot = merged
                writes = item.plan.salesforce_values or item.plan.hubspot_values
                if not writes and not item.plan.problems:
                    resolved.setdefault(item.source_system.value, []).append(item.source.id)
            self._resolve_errors(tx, resolved)

    def _resolve_errors(self, tx: StoreTransaction, resolved: dict[str, list[str]]) -> None:
        """Close the open errors of every record that synced, one statement per side."""
        for source_system, source_ids in resolved.items():
            tx.resolve_errors_for(
                pair=self.pair.name, source_system=source_system, source_ids=source_ids
            )

    def record_skip(
        self,
        record_id: str,
        *,
        source: System,
        object_type: str,
        code: str,
        message: str,
        field: str | None,
    ) -> None:
        """Store a record skipped on purpose with a visible reason (R12)."""
        self.report.errors += 1
        if self.dry_run:
            return
        classification = classify(ErrorSource.CRMSYNC, code, field=field)
        with self.store.begin(self.scope) as tx:
            tx.record_error(
                ErrorReport(
                    pair=self.pair.name,
                    object_type=object_type,
                    source_system=source.value,
                    source_id=record_id,
                    salesforce_id=record_id if source is System.SALESFORCE else None,
                    hubspot_id=record_id if source is System.HUBSPOT else None,
                    direction=direction(other_side(source)),
                    system=ErrorSource.CRMSYNC.value,
                    api_code=code,
                    api_message=message,
                    category=classification.category.value,
                    field=field,
                    hint=classification.hint,
                )
            )

    # -- writes ----------------------------------------------------------------------

    def write(self, items: Sequence[Item]) -> None:
        """Send every write of ``items``: Salesforce first, then HubSpot."""
        for target in (System.SALESFORCE, System.HUBSPOT):
            chosen = [
                item
                for item in items
                if item.plan.values_for(target)
                and not (item.is_create and target is item.source_system)
            ]
            if not chosen:
                continue
            if self.dry_run:
                self._plan(chosen, target)
                continue
            self._journal([item for item in chosen if item.is_create], target)
            size = max(1, self.connectors[target].capabilities.max_batch_write)
            for start in range(0, len(chosen), size):
                self._write_chunk(chosen[start : start + size], target)

    def _target_type(self, item: Item, target: System) -> str:
        if target is System.HUBSPOT:
            return self.pair.hubspot_object
        if item.link is not None:
            return item.link.salesforce_type
        return str(item.create_type)

    def _plan(self, items: Sequence[Item], target: System) -> None:
        for item in items:
            record_id = None if item.link is None else item.link.id_on(target)
            for change in item.plan.changes:
                if change.target is not target:
                    continue
                self.report.planned.append(
                    PlannedWrite(
                        system=target.value,
                        object_type=self._target_type(item, target),
                        record_id=record_id,
                        source=f"{item.source_system.value}/{item.source.id}",
                        field=change.target_field,
                        old_value=change.old_value,
                        new_value=change.new_value,
                        action="create" if item.is_create else "update",
                    )
                )

    def _journal(self, creates: Sequence[Item], target: System) -> None:
        """Journal every create before any is sent (R25): one multi-row insert."""
        if not creates:
            return
        with self.store.begin(self.scope) as tx:
            ids = tx.journal_intents(
                [
                    NewIntent(
                        pair=self.pair.name,
                        target_system=target.value,
                        target_type=self._target_type(item, target),
                        key=item.key or "",
                        source_system=item.source_system.value,
                        source_type=item.source.object_type,
                        source_id=item.source.id,
                    )
                    for item in creates
                ]
            )
        for item, entry_id in zip(creates, ids, strict=True):
            item.journal_id = entry_id

    def _fields(self, item: Item, target: System) -> dict[str, Any]:
        """The values written as fields: references HubSpot keeps as associations are
        sent apart (:meth:`_associate`); a create carries its stamped key (R25)."""
        values = dict(item.plan.values_for(target))
        if target is System.HUBSPOT:
            for name in list(values):
                reference = self.pair.reference_for(name)
                if reference is not None and reference.hubspot_association is not None:
                    item.associations[name] = values.pop(name)
        create_key = self.pair.create_key
        if item.is_create and create_key is not None and create_key.stamped and item.key:
            values[create_key.field_on(target)] = item.key
        return values

    def _write_chunk(self, items: Sequence[Item], target: System) -> None:
        fields = {index: self._fields(item, target) for index, item in enumerate(items)}
        # An update whose only change is an association sends no field write.
        requests = [
            WriteRequest(
                object_type=self._target_type(item, target),
                key=str(index),
                fields=fields[index],
                id=None if item.link is None else item.link.id_on(target),
            )
            for index, item in enumerate(items)
            if fields[index] or item.is_create
        ]
        self.hooks.checkpoint(Checkpoint.BEFORE_WRITE)
        journalled = [item.journal_id for item in items if item.journal_id is not None]
        if journalled:
            # From here a create may land even if no answer comes back (R25).
            with self.store.begin(self.scope) as tx:
                tx.mark_sent(journalled)
        try:
            answered: Sequence[WriteResult] = (
                self.connectors[target].write(requests) if requests else []
            )
        except RecordError as error:
            # The whole call was refused for a record-level reason: every record gets it.
            detail = ApiErrorDetail(code=error.api_code, message=error.api_message)
            answered = [WriteResult(key=r.key, id=None, errors=(detail,)) for r in requests]
        except WriteInterruptedError as error:
            # Part of the chunk went out: record it, then let the run stop and resume
            # later (the rest keeps its pending journal entries and old cursor, R25).
            self._record(items, target, error.completed, partial=True)
            raise
        except RetriableError as error:
            if journalled and getattr(error, "safe_to_resend", False):
                # Refused before any work (429, 503): nothing can land; recreate freely.
                with self.store.begin(self.scope) as tx:
                    tx.mark_sent(journalled, sent=False)
            raise
        results = list(answered)
        sent = {request.key for request in requests}
        for index, item in enumerate(items):
            if str(index) not in sent and item.link is not None:
                results.append(WriteResult(key=str(index), id=item.link.id_on(target)))
        self._associate(items, target, results)
        self.hooks.checkpoint(Checkpoint.AFTER_WRITE_BEFORE_RECORD)
        self._record(items, target, results, partial=False)
        self.hooks.checkpoint(Checkpoint.AFTER_RECORD)

    def _associate(
        self, items: Sequence[Item], target: System, results: Sequence[WriteResult]
    ) -> None:
        """Write the references HubSpot keeps as associations, for records written ok.

        A refused association leaves the field out of the snapshot (it is tried again)
        and is stored as an ``associations`` error; the record's fields stay written.
        """
        connector = self.connectors[target]
        by_key = {result.key: result for result in results}
        wanted: dict[str, list[tuple[Item, AssociationWrite]]] = {}
        for index, item in enumerate(items):
            result = by_key.get(str(index))
            if result is None or not result.ok or not item.associations:
                continue
            for name, value in item.associations.items():
                request = AssociationWrite(key=str(index), from_id=str(result.id), to_id=str(value))
                wanted.setdefault(name, []).append((item, request))
        if not wanted:
            return
        if not isinstance(connector, Associations):
            raise ConfigurationError(f"the {target.value} connector cannot write associations")
        for name, pending in wanted.items():
            reference = self.pair.reference_for(name)
            if reference is None or reference.hubspot_association is None:
                continue
            done = connector.associate(
                reference.hubspot_association, [request for _item, request in pending]
            )
            outcome = {result.key: result for result in done}
            for item, request in pending:
                answer = outcome.get(request.key)
                if answer is not None and answer.ok:
                    continue
                item.plan.snapshot_after(target).pop(name, None)
                detail = (
                    answer.errors[0]
                    if answer is not None and answer.errors
                    else ApiErrorDetail(code="NO_RESULT", message="no answer for the association")
                )
                item.association_errors.append((name, detail))

    def _record(
        self,
        items: Sequence[Item],
        target: System,
        results: Sequence[WriteResult],
        *,
        partial: bool,
    ) -> None:
        """Record a chunk's results in one transaction with a few statements: one read
        of its links, one multi-row insert of its new links and of its audit entries,
        one update closing its journal entries and one per side closing its errors; no
        query per record (a failure's error row is the exception: it is rare)."""
        by_key = {result.key: result for result in results}
        chunk = _ChunkRecord()
        with self.store.begin(self.scope) as tx:
            stored_links = tx.links_by_id(
                item.link.id for item in items if item.link is not None and item.link.id is not None
            )
            created: list[tuple[Item, str, bool]] = []
            for index, item in enumerate(items):
                result = by_key.get(str(index))
                if result is not None and result.ok:
                    if item.link is None:
                        created.append((item, str(result.id), result.existing))
                    else:
                        self._record_update(
                            tx, item, item.link, target, stored_links=stored_links, chunk=chunk
                        )
                elif result is not None or not partial:
                    self._record_failure(tx, item, target, result, chunk)
            self._record_creates(tx, created, target, chunk)
            tx.resolve_intents(chunk.intents)
            tx.audit_many(chunk.audits)
            self._resolve_errors(tx, chunk.resolved)

    def _record_creates(
        self,
        tx: StoreTransaction,
        created: Sequence[tuple[Item, str, bool]],
        target: System,
        chunk: _ChunkRecord,
    ) -> None:
        """Link every record the chunk created (one multi-row insert) and close its
        journal entry. A create that found the record already there wrote nothing: it
        links with an empty snapshot and the pair is merged afterwards."""
        if not created:
            return
        new_links = []
        for item, new_id, existing in created:
            plan = item.plan
            new_links.append(
                NewLink(
                    pair=self.pair.name,
                    hubspot_type=self.pair.hubspot_object,
                    hubspot_id=new_id if target is System.HUBSPOT else item.source.id,
                    salesforce_type=(
                        self._target_type(item, target)
                        if target is System.SALESFORCE
                        else item.source.object_type
                    ),
                    salesforce_id=new_id if target is System.SALESFORCE else item.source.id,
                    snapshot={} if existing else {**plan.settled, **plan.snapshot_after(target)},
                )
            )
        links = tx.add_links(new_links)
        for (item, new_id, existing), link in zip(created, links, strict=True):
            item.link = LinkView.of(link)
            if item.journal_id is not None:
                chunk.intents.append(
                    IntentOutcome(entry_id=item.journal_id, state="done", result_id=new_id)
                )
            if existing:
                self.relinked.append(item)
                self.report.linked += 1
                continue
            self.report.created[target.value] += 1
            self._record_changes(tx, item, target, link, chunk)

    def _record_update(
        self,
        tx: StoreTransaction,
        item: Item,
        view: LinkView,
        target: System,
        *,
        stored_links: Mapping[int, Link],
        chunk: _ChunkRecord,
    ) -> None:
        stored = stored_links.get(view.id) if view.id is not None else None
        if stored is None:
            return
        plan = item.plan
        snapshot = {**(stored.snapshot or {}), **plan.settled, **plan.snapshot_after(target)}
        tx.save_snapshot(stored, snapshot)
        view.snapshot = snapshot
        self.report.updated[target.value] += 1
        self._record_changes(tx, item, target, stored, chunk)

    def _record_changes(
        self, tx: StoreTransaction, item: Item, target: System, link: Link, chunk: _ChunkRecord
    ) -> None:
        """A written record's audit entries, its association errors, or its errors closed."""
        plan = item.plan
        for change in plan.changes:
            if change.target is not target:
                continue
            self.report.conflicts += int(change.conflict)
            chunk.audits.append(
                AuditRow(
                    kind="field",
                    link=link,
                    field=change.hubspot_property,
                    direction=direction(target),
                    old_value=_json(change.old_value),
                    new_value=_json(change.new_value),
                    rule=f"{change.rule}:{change.reason}",
                    losing_value=_json(change.losing_value),
                    note=f"{target.value} field {change.target_field}",
                )
            )
        if item.association_errors:
            for name, detail in item.association_errors:
                self._record_api_error(
                    tx, item, target, detail, field=name, category=ErrorCategory.ASSOCIATIONS
                )
            return
        if not item.failed and not plan.problems:
            chunk.resolved.setdefault(item.source_system.value, []).append(item.source.id)

    def _record_failure(
        self,
        tx: StoreTransaction,
        item: Item,
        target: System,
        result: WriteResult | None,
        chunk: _ChunkRecord,
    ) -> None:
        item.failed = True
        self.report.errors += 1
        detail = (
            result.errors[0]
            if result is not None and result.errors
            else ApiErrorDetail(code="NO_RESULT", message="the API returned no result")
        )
        field = detail.fields[0] if detail.fields else None
        self._record_api_error(tx, item, target, detail, field=field)
        if item.journal_id is not None:
            chunk.intents.append(
                IntentOutcome(entry_id=item.journal_id, state="failed", result_id=None)
            )

    def _record_api_error(
        self,
        tx: StoreTransaction,
        item: Item,
        target: System,
        detail: ApiErrorDetail,
        *,
        field: str | None,
        category: ErrorCategory | None = None,
    ) -> None:
        """Store the API's own code and message for ``item`` (its category as classified,
        unless the caller knows better)."""
        classification = classify(target, detail.code, sub_category=detail.sub_code, field=field)
        tx.record_error(
            self._error_report(
                item,
                target=target,
                system=target.value,
                code=detail.code,
                message=detail.message,
                field=field,
                category=(category or classification.category).value,
                hint=classification.hint,
            )
        )

    def _owned_by_origin(self, item: Item, report: ErrorReport, *, target: System) -> ErrorReport:
        """``report`` filed under the record whose value failed to translate.

        A linked pair is merged whichever side changed, so a value one side cannot take
        fails from both sides' runs; filing it under the value's own record keeps it
        one error (R3) that clears when that record syncs.
        """
        origin = other_side(target)
        if item.source_system is origin or item.link is None:
            return report
        hubspot_origin = origin is System.HUBSPOT
        return replace(
            report,
            source_system=origin.value,
            source_id=item.link.id_on(origin),
            object_type=(self.pair.hubspot_object if hubspot_origin else item.link.salesforce_type),
        )

    def _error_report(
        self,
        item: Item,
        *,
        target: System,
        system: str,
        code: str,
        message: str,
        field: str | None,
        category: str,
        hint: str,
    ) -> ErrorReport:
        link = item.link
        source_is_hubspot = item.source_system is System.HUBSPOT
        return ErrorReport(
            pair=self.pair.name,
            object_type=item.source.object_type,
            source_system=item.source_system.value,
            source_id=item.source.id,
            hubspot_id=item.source.id if source_is_hubspot else _linked_id(link, System.HUBSPOT),
            salesforce_id=(
                _linked_id(link, System.SALESFORCE) if source_is_hubspot else item.source.id
            ),
            direction=direction(target),
            system=system,
            api_code=code,
            api_message=message,
            category=category,
            field=field,
            hint=hint,
        )


@dataclass
class _ChunkRecord:
    """What recording one chunk collects, to store with one statement each."""

    intents: list[IntentOutcome] = dataclasses.field(default_factory=list)
    audits: list[AuditRow] = dataclasses.field(default_factory=list)
    resolved: dict[str, list[str]] = dataclasses.field(default_factory=dict)


def _linked_id(link: LinkView | None, system: System) -> str | None:
    return None if link is None else link.id_on(system)


def _json(value: Any) -> Any:
    """Values as JSON can store them (dates and the like as text)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
