"""The sync engine: one entry point that syncs any :class:`ObjectPair` both ways.

One run, per pair:

1. recover creates journalled but never recorded (a crash between write and record);
2. retry records with open sync errors whose backoff has run out
   (:mod:`crmsync.core.retry_schedule`);
3. read HubSpot changes from the saved cursor, in batches of pages;
4. read Salesforce changes of each object type likewise;
5. per batch: follow lead conversions, drop echoes (values equal to the snapshot),
   ask the policy, match unlinked records by key in batches, merge linked pairs field
   by field, create the rest; then write in batches and record durably;
6. move the cursor past the batch only once all of that is durable (R25).

A dry run does the reads and decisions and lists every planned field write; it
writes nothing to either CRM or the store (not even cursors).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from crmsync.connectors.base import Connector, RemoteRecord, System
from crmsync.core.references import ReferenceTranslator
from crmsync.core.retry_schedule import retry_due
from crmsync.core.translation import Translator
from crmsync.engine.deletes import delete_partners
from crmsync.engine.hooks import Checkpoint, NoHooks, SyncHooks
from crmsync.engine.known import KnownHubSpot
from crmsync.engine.links import LinkBook
from crmsync.engine.matching import Matcher
from crmsync.engine.merge import (
    PairPlan,
    creation_plan,
    hubspot_changed,
    merge_pair,
    merge_unchanged_hubspot,
    salesforce_changed,
)
from crmsync.engine.pairs import Action, ObjectPair
from crmsync.engine.references import ReferenceResolver
from crmsync.engine.report import SyncReport
from crmsync.engine.steps import RunStep, StepContext
from crmsync.engine.work import Item, LinkView, other_side
from crmsync.engine.writer import Writer
from crmsync.errors import ConfigurationError
from crmsync.store.state import Scope, StateStore

LATE_WRITE_HORIZON = timedelta(minutes=10)
"""How long an unanswered create is looked for before it is made again: well past any
client timeout and the time a landed write takes to show in a lookup."""

TRIGGER_FEED = "triggers"
"""The cursor row holding a policy's trigger mark (the inclusion list's last join)."""

DEFAULT_BATCH_SIZE = 1000
"""Records gathered from change pages before they are matched and written together."""


class SyncEngine:
    """Syncs object pairs between one HubSpot portal and one Salesforce org."""

    def __init__(
        self,
        *,
        hubspot: Connector,
        salesforce: Connector,
        store: StateStore,
        pairs: Sequence[ObjectPair],
        hooks: SyncHooks | None = None,
        page_size: int = 1000,
        batch_size: int = DEFAULT_BATCH_SIZE,
        retries_paused: Callable[[], bool] | None = None,
        clock: Callable[[], datetime] | None = None,
        late_write_horizon: timedelta = LATE_WRITE_HORIZON,
        steps: Sequence[RunStep] = (),
    ) -> None:
        self.connectors: Mapping[System, Connector] = {
            System.HUBSPOT: hubspot,
            System.SALESFORCE: salesforce,
        }
        self.store = store
        self.pairs = tuple(pairs)
        self.steps = tuple(steps)
        """Rules applied after the pairs (lifecycle stages from contact roles, R15)."""
        self.hooks: SyncHooks = hooks or NoHooks()
        self.page_size = page_size
        self.batch_size = batch_size
        # Asked before retrying old errors: above 75 % of the API allocation new changes
        # get the remaining calls (R2); the errors stay open for a later run.
        self.retries_paused = retries_paused or (lambda: False)
        # The store stamps errors with this machine's time; retry backoff reads it too.
        self.clock = clock or (lambda: datetime.now(UTC))
        # How long a create sent without an answer may still land (R25).
        self.late_write_horizon = late_write_horizon
        self._scope: Scope | None = None

    @property
    def scope(self) -> Scope:
        """The (org, portal) pair this engine's links belong to (R6), read once."""
        if self._scope is None:
            self._scope = Scope(
                salesforce_org_id=self.connectors[System.SALESFORCE].account_id(),
                hubspot_portal_id=self.connectors[System.HUBSPOT].account_id(),
            )
        return self._scope

    # -- entry points ----------------------------------------------------------------

    def run_once(self, *, dry_run: bool = False) -> SyncReport:
        """One full incremental sync of every pair, both ways, in dependency order."""
        report = SyncReport()
        runs = self._runs(report, dry_run=dry_run)
        for run in runs.values():
            pair = run.pair
            if not dry_run:
                run.recover_journal()
                if not self.retries_paused():
                    run.retry_errors()
            fresh = run.cursor_of(System.HUBSPOT, pair.hubspot_object) is None
            # A first read sees every HubSpot record: the Salesforce feeds then match
            # on what it read instead of looking every email up (a backfill).
            run.matcher.read_in_full([] if fresh else None)
            run.sync_source(System.HUBSPOT, pair.hubspot_object)
            if fresh:
                run.matcher.use_index()
            run.sync_triggered(first_read=fresh)
            for salesforce_object in pair.salesforce_feeds():
                run.sync_source(System.SALESFORCE, salesforce_object)
        if not dry_run:
            context = StepContext(
                connectors=self.connectors,
                store=self.store,
                scope=self.scope,
                report=report,
                page_size=self.page_size,
                hooks=self.hooks,
            )
            for step in self.steps:
                step.run(context)
        return report

    def resync(self, key: str, *, dry_run: bool = False) -> SyncReport:
        """Re-evaluate one record both ways, ignoring cursors and the echo filter.

        ``key`` is an email (matched on both sides) or a record id of either CRM.
        """
        report = SyncReport()
        for run in self._runs(report, dry_run=dry_run).values():
            hubspot_records, salesforce_records = run.find_records(key)
            run.process(System.HUBSPOT, hubspot_records, force=True)
            # The HubSpot pass may just have written these records: look at them as they
            # are now, or their old values would be carried back as changes (R26).
            fresh: list[RemoteRecord] = []
            for object_type in dict.fromkeys(record.object_type for record in salesforce_records):
                ids = [r.id for r in salesforce_records if r.object_type == object_type]
                fresh.extend(run._read_ids(System.SALESFORCE, object_type, ids))
            run.process(System.SALESFORCE, fresh, force=True)
        return report

    def _runs(self, report: SyncReport, *, dry_run: bool) -> dict[str, _PairRun]:
        """One prepared run per pair, in dependency order (a pair after those it names)."""
        runs: dict[str, _PairRun] = {}
        for pair in ordered_pairs(self.pairs):
            run = _PairRun(engine=self, pair=pair, report=report, dry_run=dry_run, runs=runs)
            run.prepare()
            runs[pair.name] = run
        return runs


def ordered_pairs(pairs: Sequence[ObjectPair]) -> list[ObjectPair]:
    """``pairs`` with every pair after the pairs it depends on (companies → contacts...).

    A dependency on a pair that is not enabled is ignored; a cycle is a configuration
    error.
    """
    by_name = {pair.name: pair for pair in pairs}
    ordered: list[ObjectPair] = []
    visiting: set[str] = set()

    def visit(pair: ObjectPair) -> None:
        if pair in ordered:
            return
        if pair.name in visiting:
            raise ConfigurationError(f"object pairs depend on each other in a cycle: {pair.name}")
        visiting.add(pair.name)
        for name in pair.depends_on:
            if name in by_name:
                visit(by_name[name])
        visiting.discard(pair.name)
        ordered.append(pair)

    for pair in pairs:
        visit(pair)
    return ordered


class _PairRun:
    """The work of one run for one pair (kept apart so the engine stays reusable)."""

    def __init__(
        self,
        *,
        engine: SyncEngine,
        pair: ObjectPair,
        report: SyncReport,
        dry_run: bool,
        runs: Mapping[str, _PairRun],
    ) -> None:
        self.engine = engine
        self.runs = runs
        self.waiting: set[tuple[str, str]] = set()
        """(system, id) of sources whose earlier create may still land: not created again."""
        self.pair = pair
        self.report = report
        self.dry_run = dry_run
        self.store = engine.store
        self.scope = engine.scope
        self.connectors = engine.connectors
        self.writer = Writer(
            pair=pair,
            store=engine.store,
            scope=engine.scope,
            connectors=engine.connectors,
            hooks=engine.hooks,
            report=report,
            dry_run=dry_run,
        )
        self.links = LinkBook(
            pair=pair, store=engine.store, scope=engine.scope, report=report, dry_run=dry_run
        )
        self.matcher = Matcher(
            pair=pair, store=engine.store, scope=engine.scope, connectors=engine.connectors
        )
        self.references = ReferenceResolver(
            pair=pair, store=engine.store, scope=engine.scope, pull=self._pull
        )
        self.known = KnownHubSpot()
        """HubSpot records this run read whose values equal their snapshot: their
        partners' changes merge without reading them again."""

    def prepare(self) -> None:
        """Let the policy load what it needs (inclusion list, picklists)."""
        self.pair.policy.prepare(
            hubspot=self.connectors[System.HUBSPOT], salesforce=self.connectors[System.SALESFORCE]
        )
        self.base_translator = self.pair.policy.translator()
        self.translator: Translator = self.base_translator

    def _pull(self, pair_name: str, system: System, object_type: str, ids: Sequence[str]) -> None:
        """Sync records another pair's references point at, before resolving them again.

        A contact's company that never changed since company sync was turned on is not
        in this run's company feed; reading it by id lets it link (or be created) now.
        """
        run = self.runs.get(pair_name)
        if run is None or run is self:
            return
        run.process(system, run._read_ids(system, object_type, ids), force=False, pulled=True)

    def fields(self, system: System, object_type: str) -> tuple[str, ...]:
        """The fields to read of ``object_type``."""
        if system is System.HUBSPOT:
            return self.pair.hubspot_fields()
        return self.pair.salesforce_fields(object_type)

    # -- recovery --------------------------------------------------------------------

    def recover_journal(self) -> None:
        """Link records created before a crash could record them, or give the intent up."""
        with self.store.begin(self.scope) as tx:
            pending = [
                (
                    entry.id,
                    entry.target_system,
                    entry.target_type,
                    entry.key,
                    entry.source_system,
                    entry.source_type,
                    entry.source_id,
                    entry.state == "sent"
                    and not self._refuses_twice(System(entry.target_system), entry.target_type)
                    and self._may_still_land(entry.created_at),
                )
                for entry in tx.pending_intents(pair=self.pair.name)
            ]
        abandoned: dict[tuple[str, str], list[str]] = defaultdict(list)
        for (
            entry_id,
            target_name,
            target_type,
            key,
            source_name,
            source_type,
            source_id,
            may_land,
        ) in pending:
            target = System(target_name)
            found = self.matcher.find_created(target, target_type, key) if key else None
            with self.store.begin(self.scope) as tx:
                if found is None and may_land:
                    # Sent, unanswered, not visible yet: it may still land (a write the
                    # API applies after the client gave up). Creating it again now could
                    # duplicate it; the record waits and is looked up again next run.
                    self.waiting.add((source_name, source_id))
                    continue
                if found is None:
                    tx.resolve_intent(entry_id, state="abandoned", result_id=None)
                    abandoned[(source_name, source_type)].append(source_id)
                    continue
                source_is_hubspot = System(source_name) is System.HUBSPOT
                hubspot_id = source_id if source_is_hubspot else found
                salesforce_id = found if source_is_hubspot else source_id
                salesforce_type = target_type if source_is_hubspot else source_type
                taken = tx.links_by_hubspot(hubspot_type=self.pair.hubspot_object, ids=[hubspot_id])
                taken_sf = tx.links_by_salesforce(
                    salesforce_types=[salesforce_type], ids=[salesforce_id]
                )
                if not taken and not taken_sf:
                    # Empty snapshot: the next look at the pair finds equal values and settles.
                    tx.add_link(
                        pair=self.pair.name,
                        hubspot_type=self.pair.hubspot_object,
                        hubspot_id=hubspot_id,
                        salesforce_type=salesforce_type,
                        salesforce_id=salesforce_id,
                    )
                tx.resolve_intent(entry_id, state="recovered", result_id=found)
                self.report.recovered += 1
        # A create that never landed: its source may be past the cursor by now (it was
        # held while the create could still land), so it is read again and synced.
        for (source_name, source_type), ids in abandoned.items():
            system = System(source_name)
            if system is System.SALESFORCE and source_type not in self.pair.mappings:
                continue
            self.process(system, self._read_ids(system, source_type, ids), force=False)

    def _refuses_twice(self, target: System, object_type: str) -> bool:
        """True when ``target`` refuses a second record with the same create key (a
        HubSpot contact's email): creating again is then safe, a collision links."""
        create_key = self.pair.create_key
        if create_key is None:
            return False
        unique = self.connectors[target].capabilities.of(object_type).unique_fields
        return create_key.field_on(target) in unique

    def _may_still_land(self, sent_at: datetime) -> bool:
        if sent_at.tzinfo is None:  # SQLite hands back naive datetimes
            sent_at = sent_at.replace(tzinfo=UTC)
        return self.engine.clock() - sent_at < self.engine.late_write_horizon

    def retry_errors(self) -> None:
        """Re-process records with open errors: an error clears itself on success (R3)."""
        with self.store.begin(self.scope) as tx:
            wanted: dict[tuple[str, str], list[str]] = defaultdict(list)
            now = self.engine.clock()
            for row in tx.open_errors(pair=self.pair.name):
                last_seen = row.last_seen or now
                if last_seen.tzinfo is None:  # SQLite hands back naive datetimes
                    last_seen = last_seen.replace(tzinfo=UTC)
                if retry_due(attempts=row.attempts, last_seen=last_seen, now=now):
                    wanted[(row.source_system, row.object_type)].append(row.source_id)
        for (system_name, object_type), ids in wanted.items():
            system = System(system_name)
            if system is System.SALESFORCE and object_type not in self.pair.mappings:
                continue
            records = self._read_ids(system, object_type, sorted(set(ids)))
            self.process(system, records, force=False)

    def _read_ids(self, system: System, object_type: str, ids: Sequence[str]) -> list[RemoteRecord]:
        return self.matcher.context.read(system, object_type, ids)

    def find_records(self, key: str) -> tuple[list[RemoteRecord], list[RemoteRecord]]:
        """Both sides' records for an email or an id (``resync``)."""
        match = self.pair.match
        if match is not None and "@" in key:
            value = match.normalise(key) or key
            hubspot = list(
                self.connectors[System.HUBSPOT].find_by(
                    self.pair.hubspot_object,
                    match.hubspot_property,
                    [value],
                    fields=self.fields(System.HUBSPOT, self.pair.hubspot_object),
                )
            )
            salesforce: list[RemoteRecord] = []
            for name in self.pair.salesforce_objects:
                salesforce.extend(
                    self.connectors[System.SALESFORCE].find_by(
                        name,
                        match.salesforce_field,
                        [value],
                        fields=self.fields(System.SALESFORCE, name),
                    )
                )
            return hubspot, salesforce
        if key.isdigit():
            return self._read_ids(System.HUBSPOT, self.pair.hubspot_object, [key]), []
        found: list[RemoteRecord] = []
        for name in self.pair.salesforce_objects:
            found.extend(self._read_ids(System.SALESFORCE, name, [key]))
        return [], found

    # -- change feeds ----------------------------------------------------------------

    def cursor_of(self, system: System, object_type: str) -> str | None:
        """The saved position of one feed of this pair."""
        with self.store.begin(self.scope) as tx:
            return tx.cursor(pair=self.pair.name, system=system.value, object_type=object_type)

    def sync_triggered(self, *, first_read: bool) -> None:
        """Sync HubSpot records the policy names although they did not change (R8: a
        contact that joined the inclusion list), then save the policy's new mark.

        On a pair's first read the feed has just read every record, so none is re-read.
        """
        feed = TRIGGER_FEED
        since = self.cursor_of(System.HUBSPOT, feed)
        ids, mark = self.pair.policy.triggered(since)
        if ids and not first_read:
            self.process(
                System.HUBSPOT,
                self._read_ids(System.HUBSPOT, self.pair.hubspot_object, ids),
                force=True,
            )
        if mark != since and not self.dry_run:
            with self.store.begin(self.scope) as tx:
                tx.set_cursor(
                    pair=self.pair.name, system=System.HUBSPOT.value, object_type=feed, value=mark
                )

    def sync_source(self, system: System, object_type: str) -> None:
        """Read one object type's changes from its cursor and process them in batches.

        The cursor belongs to (org, portal, pair, side): switching org or portal never
        reuses another's position (R6, R25).
        """
        connector = self.connectors[system]
        with self.store.begin(self.scope) as tx:
            cursor = tx.cursor(pair=self.pair.name, system=system.value, object_type=object_type)
        fields = self.fields(system, object_type)
        more = True
        while more:
            batch: list[RemoteRecord] = []
            next_cursor = cursor
            while more and len(batch) < self.engine.batch_size:
                page = connector.read_changes(
                    object_type, cursor=next_cursor, fields=fields, page_size=self.engine.page_size
                )
                batch.extend(page.records)
                if system is System.HUBSPOT:
                    self.matcher.remember_hubspot(page.records)
                more = page.has_more
                if page.next_cursor is not None:
                    next_cursor = page.next_cursor
            self.process(system, batch, force=False)
            self.engine.hooks.progress(
                source=system.value, object_type=object_type, records=len(batch)
            )
            self.engine.hooks.checkpoint(Checkpoint.BEFORE_CURSOR)
            if not self.dry_run and next_cursor != cursor:
                with self.store.begin(self.scope) as tx:
                    tx.set_cursor(
                        pair=self.pair.name,
                        system=system.value,
                        object_type=object_type,
                        value=next_cursor,
                    )
                self.engine.hooks.checkpoint(Checkpoint.AFTER_CURSOR)
            cursor = next_cursor

    # -- one batch -------------------------------------------------------------------

    def process(
        self,
        source: System,
        records: Iterable[RemoteRecord],
        *,
        force: bool,
        pulled: bool = False,
    ) -> None:
        """Decide, write and record one batch of records read from ``source``.

        ``pulled``: the records are synced because a record of another pair refers to
        them (its strategy may then match or create what it would otherwise defer).
        """
        latest: dict[tuple[str, str], RemoteRecord] = {}
        for record in records:
            key = (record.object_type, record.id)
            if key not in latest or record.modified_at >= latest[key].modified_at:
                latest[key] = record
        live = [record for record in latest.values() if not record.deleted]
        self.report.read[source.value] += len(latest)
        self.report.skipped["deleted"] += len(latest) - len(live)
        if len(live) < len(latest) and not self.dry_run:
            deleted = [r for r in latest.values() if r.deleted]
            followed = set()
            if source in self.pair.deletes_follow:
                followed = delete_partners(self.writer, self.links, source, deleted)
            self.links.unlink_deleted(source, deleted, partners_deleted=followed)
        if not live:
            return
        # One map per batch; links known now serve the echo check, and what is missing
        # is pulled once the batch's own matches are linked (below).
        self.reference_map = self.references.resolve(source, live, pull=False)
        self.translator = ReferenceTranslator(
            inner=self.base_translator, references=self.reference_map
        )
        links = self.links.find(source, live)
        if source is System.SALESFORCE:
            live = self._follow_conversions(live, links)
        to_merge: list[tuple[RemoteRecord, LinkView]] = []
        unlinked: list[tuple[RemoteRecord, str | None]] = []
        for record in live:
            link = links.get(record.id)
            if link is not None and not force and not self._changed(source, record, link):
                self.report.unchanged += 1
                if source is System.HUBSPOT and not self.dry_run:
                    self._note_known(record, link)
                continue
            if source is System.HUBSPOT:
                gate = self.pair.policy.outbound(
                    record, linked_type=None if link is None else link.salesforce_type
                )
            else:
                gate = self.pair.policy.inbound(
                    record, linked_hubspot_id=None if link is None else link.hubspot_id
                )
            if gate.action is Action.SKIP:
                if gate.error_code is not None:
                    self.writer.record_skip(
                        record.id,
                        source=source,
                        object_type=record.object_type,
                        code=gate.error_code,
                        message=gate.reason,
                        field=gate.field,
                    )
                else:
                    self.report.skipped[gate.reason] += 1
                continue
            if link is not None:
                to_merge.append((record, link))
            elif gate.action is Action.CREATE_OR_UPDATE:
                unlinked.append((record, gate.create_as))
            else:
                self.report.skipped["not linked and creation not allowed"] += 1
        matched, creates, duplicates, skipped = self.matcher.match(source, unlinked, pulled=pulled)
        for reason in skipped:
            self.report.skipped[reason] += 1
        held = [c for c in creates if (source.value, c[0].id) in self.waiting]
        if held:
            self.report.skipped["an earlier create may still land (R25)"] += len(held)
            creates = [c for c in creates if (source.value, c[0].id) not in self.waiting]
        for duplicate in duplicates:
            self.writer.record_skip(
                duplicate.record_id,
                source=duplicate.system,
                object_type=duplicate.object_type,
                code=duplicate.code,
                message=duplicate.message,
                field=duplicate.field,
            )
        sources = [record for record, _ in to_merge] + [record for record, _k, _t in creates]
        sources += [record for record, _found in matched]
        items, orphaned = self._merge_items(source, to_merge, matched, sources)
        items.extend(self._create_items(source, creates))
        self.writer.settle(items)
        self.writer.relinked.clear()
        creating = [item for item in items if item.is_create and item.key]
        self.writer.write(items)
        if source is System.HUBSPOT and not self.dry_run:
            self.known.note_written(
                items, mapping_for=self.pair.mapping_for, translator=self.translator
            )
        if source is System.SALESFORCE:
            self.matcher.remember_created(
                [(str(item.key), item.link.hubspot_id) for item in creating if item.link]
            )
        again = [item.source for item in self.writer.relinked]
        if again:
            # Linked to a record that already existed: merge the pair now (it is linked,
            # so this cannot create again).
            self.process(source, again, force=True)
        if orphaned and not self.dry_run:
            # Their partners are gone and the links with them: now they are new records.
            self.links.unlink_orphans(source, orphaned)
            self.process(source, [record for record, _ in orphaned], force=True)

    def _follow_conversions(
        self, records: list[RemoteRecord], links: dict[str, LinkView]
    ) -> list[RemoteRecord]:
        """Move links of converted leads to their contacts; a converted lead is never written."""
        conversion = self.pair.conversion
        if conversion is None:
            return records
        kept: list[RemoteRecord] = []
        for record in records:
            moved_to = conversion(record)
            if moved_to is None:
                kept.append(record)
                continue
            self.report.converted += 1
            link = links.pop(record.id, None)
            if link is None or self.dry_run:
                continue
            self.links.move(link, *moved_to)
        return kept

    def _past_conversion(
        self, counterpart: RemoteRecord, link: LinkView
    ) -> tuple[RemoteRecord, LinkView] | None:
        """The record a HubSpot change must go to when its linked lead was converted.

        A HubSpot change can be read before the Salesforce feed shows the conversion,
        and Salesforce refuses writes to a converted lead (CANNOT_UPDATE_CONVERTED_LEAD):
        follow the conversion here too, or leave the record alone when the link cannot
        move (``None``).
        """
        conversion = self.pair.conversion
        moved_to = None if conversion is None else conversion(counterpart)
        if moved_to is None:
            return counterpart, link
        to_type, to_id = moved_to
        if to_type not in self.pair.mappings:
            self.report.skipped["linked lead was converted"] += 1
            return None
        if not self.dry_run and not self.links.move(link, to_type, to_id):
            self.report.skipped["linked lead was converted"] += 1
            return None
        self.report.converted += 1
        found = self._read_ids(System.SALESFORCE, to_type, [to_id])
        if not found:
            self.report.skipped["linked record missing on the other side"] += 1
            return None
        moved = LinkView(
            id=link.id,
            hubspot_id=link.hubspot_id,
            salesforce_type=to_type,
            salesforce_id=to_id,
            snapshot=link.snapshot,
        )
        return found[0], moved

    def _note_known(self, record: RemoteRecord, link: LinkView) -> None:
        self.known.note(
            record,
            salesforce_type=link.salesforce_type,
            snapshot=link.snapshot,
            mapping=self.pair.mapping_for(link.salesforce_type),
            translator=self.translator,
        )

    def _changed(self, source: System, record: RemoteRecord, link: LinkView) -> bool:
        mapping = self.pair.mapping_for(link.salesforce_type)
        if source is System.HUBSPOT:
            return hubspot_changed(
                record, mapping=mapping, snapshot=link.snapshot, translator=self.translator
            )
        return salesforce_changed(record, mapping=mapping, snapshot=link.snapshot)

    def _merge_items(
        self,
        source: System,
        to_merge: Sequence[tuple[RemoteRecord, LinkView]],
        matched: Sequence[tuple[RemoteRecord, RemoteRecord]],
        sources: Sequence[RemoteRecord],
    ) -> tuple[list[Item], list[tuple[RemoteRecord, LinkView]]]:
        """Merge plans of linked pairs, and the records whose linked partner is gone."""
        orphaned: list[tuple[RemoteRecord, LinkView]] = []
        pairs: list[tuple[RemoteRecord, LinkView, RemoteRecord | None]] = [
            (record, link, None) for record, link in to_merge
        ]
        for record, found_record in matched:
            pairs.append(
                (record, self.links.add_matched(source, record, found_record), found_record)
            )
        target = other_side(source)
        wanted: dict[str, list[str]] = defaultdict(list)
        for _record, link, known in pairs:
            if known is None and not self._known_partner(target, link):
                object_type = (
                    self.pair.hubspot_object if target is System.HUBSPOT else link.salesforce_type
                )
                wanted[object_type].append(link.id_on(target))
        fetched: dict[str, RemoteRecord] = {}
        for object_type, ids in wanted.items():
            for found in self._read_ids(target, object_type, ids):
                fetched[found.id] = found
        counterparts = [*fetched.values(), *(known for _r, _l, known in pairs if known)]
        # With this batch's matches linked, referenced records still unlinked are pulled
        # through their pairs (a company is matched through its now-linked contacts).
        self.references.resolve(source, sources, into=self.reference_map, pull=True)
        if counterparts:
            # The other side's references are translated through the same links.
            self.references.resolve(target, counterparts, into=self.reference_map, pull=True)
        items: list[Item] = []
        for record, paired_link, counterpart in pairs:
            link = paired_link
            other = counterpart or fetched.get(link.id_on(target))
            if other is None and self._known_partner(target, link):
                # Read (or written) by this run and equal to the snapshot: only
                # Salesforce's changes since it are merged (crmsync.engine.known).
                plan = merge_unchanged_hubspot(
                    salesforce=record,
                    mapping=self.pair.mapping_for(link.salesforce_type),
                    snapshot=link.snapshot,
                    translator=self.translator,
                )
                self._complete(plan, salesforce=record)
                items.append(Item(source=record, source_system=source, plan=plan, link=link))
                continue
            if other is None:
                if link.id is not None and not self.dry_run:
                    orphaned.append((record, link))
                else:
                    self.report.skipped["linked record missing on the other side"] += 1
                continue
            if target is System.SALESFORCE:
                followed = self._past_conversion(other, link)
                if followed is None:
                    continue
                other, link = followed
            hubspot_record, salesforce_record = (
                (record, other) if source is System.HUBSPOT else (other, record)
            )
            plan = merge_pair(
                hubspot=hubspot_record,
                salesforce=salesforce_record,
                mapping=self.pair.mapping_for(link.salesforce_type),
                snapshot=link.snapshot,
                translator=self.translator,
            )
            self._complete(plan, salesforce=salesforce_record)
            items.append(Item(source=record, source_system=source, plan=plan, link=link))
        return items, orphaned

    def _complete(self, plan: PairPlan, *, salesforce: RemoteRecord) -> None:
        """The pair's own additions to a linked pair's plan (a deal's stage follows its
        pipeline), on both ways of merging."""
        if self.pair.complete_plan is not None:
            self.pair.complete_plan(plan, salesforce=salesforce)

    def _known_partner(self, target: System, link: LinkView) -> bool:
        """True when ``link``'s HubSpot record needs no read to merge (see ``known``)."""
        return target is System.HUBSPOT and self.known.holds(
            link.hubspot_id, salesforce_type=link.salesforce_type, snapshot=link.snapshot
        )

    def _create_items(
        self, source: System, creates: Sequence[tuple[RemoteRecord, str, str | None]]
    ) -> list[Item]:
        items: list[Item] = []
        for record, key, create_as in creates:
            object_type = create_as if source is System.HUBSPOT else record.object_type
            if object_type is None or object_type not in self.pair.mappings:
                self.report.skipped["no target object to create"] += 1
                continue
            plan = creation_plan(
                source=record,
                source_system=source,
                mapping=self.pair.mapping_for(object_type),
                translator=self.translator,
            )
            items.append(
                Item(
                    source=record,
                    source_system=source,
                    plan=plan,
                    create_type=object_type if source is System.HUBSPOT else None,
                    key=key,
                )
            )
        return items
