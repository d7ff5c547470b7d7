"""One emulated HubSpot account: data, definitions, tokens, limits, faults and webhooks."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from crmsync.emulators.common.clock import MovableClock
from crmsync.emulators.common.faults import FaultInjector
from crmsync.emulators.hubspot import catalog
from crmsync.emulators.hubspot.associations import AssociationStore
from crmsync.emulators.hubspot.limits import LimitConfig, RateLimiter
from crmsync.emulators.hubspot.lists import ListStore
from crmsync.emulators.hubspot.oauth import OAuthServer
from crmsync.emulators.hubspot.persistence import MemoryPersistence, Persistence, SqlitePersistence
from crmsync.emulators.hubspot.schema import AccountSchema
from crmsync.emulators.hubspot.search import FilterLimits
from crmsync.emulators.hubspot.store import ChangeEvent, RecordStore, Settings
from crmsync.emulators.hubspot.values import iso
from crmsync.emulators.hubspot.webhooks import WebhookDispatcher

DEFAULT_PORTAL_ID = 40012345


class HubSpotAccount:
    """Everything one emulator instance serves; handlers receive it."""

    def __init__(
        self,
        *,
        token: str,
        data: Path | None = None,
        seed: Path | None = None,
        portal_id: int | None = None,
        limits: LimitConfig | None = None,
    ) -> None:
        self.clock = MovableClock()
        self.faults = FaultInjector()
        self.persistence: Persistence = (
            SqlitePersistence(path=data) if data is not None else MemoryPersistence()
        )
        snapshot = self.persistence.load()
        self.portal_id = int(snapshot.meta.get("portal_id") or portal_id or DEFAULT_PORTAL_ID)
        self.persistence.save_meta("portal_id", self.portal_id)
        now = iso(self.clock.now())
        self.schema = AccountSchema(persistence=self.persistence, timestamp=now)
        self.settings = Settings()
        self.filter_limits = FilterLimits()
        self.webhooks = WebhookDispatcher(portal_id=self.portal_id, clock=self.clock)
        self.store = RecordStore(
            schema=self.schema,
            persistence=self.persistence,
            clock=self.clock,
            settings=self.settings,
            on_change=self._changed,
        )
        self.links = AssociationStore(
            persistence=self.persistence, on_primary_change=self._primary_company_changed
        )
        self.lists = ListStore(persistence=self.persistence, records=self.store)
        self.limiter = RateLimiter(config=limits or LimitConfig())
        # token -> granted scopes; None grants every scope (the main private-app token).
        self.tokens: dict[str, frozenset[str] | None] = {token: None}
        self.oauth = OAuthServer(clock=self.clock)
        self.calls: Counter[str] = Counter()
        self._calls_lock = threading.Lock()
        if snapshot.meta:
            self.schema.load(snapshot.meta)
            self.store.load(snapshot.records, snapshot.meta)
            self.links.load(snapshot.associations)
            self.links.labels.load(snapshot.meta)
            self.lists.load(snapshot.meta)
        else:
            self.schema.save()
        if seed is not None and not snapshot.records:
            self.load_seed(json.loads(seed.read_text(encoding="utf-8")))

    def _primary_company_changed(self, contact_id: int, company_id: int | None) -> None:
        """Keep a contact's ``associatedcompanyid`` equal to its primary company, as HubSpot
        does; the change bumps the contact's last-modified date like any property change."""
        record = self.store.get("contacts", contact_id)
        if record is None:
            return
        value = "" if company_id is None else str(company_id)
        if record.properties.get("associatedcompanyid", "") == value:
            return
        self.store.update(record, {"associatedcompanyid": value})
        self.store.save([record])

    def _changed(self, change: ChangeEvent) -> None:
        self.webhooks.publish(change)

    def count_call(self, path: str) -> None:
        """Count one API call (test hooks are not counted)."""
        with self._calls_lock:
            self.calls[path] += 1

    def reset(self) -> None:
        """Back to an empty account: standard definitions, no records, real time."""
        self.persistence.clear()
        self.persistence.save_meta("portal_id", self.portal_id)
        self.clock.reset()
        self.faults.clear()
        for issued in self.oauth.access:
            self.tokens.pop(issued, None)
        self.oauth.reset()
        self.schema.reset(timestamp=iso(self.clock.now()))
        self.schema.save()
        self.store.clear()
        self.links.clear()
        self.lists.clear()
        self.webhooks.subscriptions.clear()
        self.limiter.configure(self.limiter.config)
        with self._calls_lock:
            self.calls.clear()

    def close(self) -> None:
        """Stop background work and close the data file."""
        self.webhooks.stop()
        if isinstance(self.persistence, SqlitePersistence):
            self.persistence.close()

    # --- seed data ---------------------------------------------------------------------
    def load_seed(self, doc: dict[str, Any]) -> dict[str, int]:
        """Load a seed document (see docs/emulators.md); returns counts of what was added."""
        now = iso(self.clock.now())
        for object_type, groups in doc.get("groups", {}).items():
            for group in groups:
                if group["name"] not in self.schema.groups[object_type]:
                    self.schema.create_group(object_type=object_type, body=group)
        for object_type, definitions in doc.get("properties", {}).items():
            for definition in definitions:
                self.schema.create_property(object_type=object_type, body=definition, timestamp=now)
        if "owners" in doc:
            self.schema.owners.extend(doc["owners"])
        for pipeline in doc.get("pipelines", {}).get("deals", []):
            self.schema.pipelines[pipeline["id"]] = pipeline
        self.schema.save()
        created = 0
        id_map: dict[str, int] = {}
        for segment, rows in doc.get("records", {}).items():
            meta = catalog.resolve_object_type(segment)
            if meta is None:
                raise ValueError(f"unknown object type {segment!r} in seed")
            touched = []
            for row in rows:
                changes = self.store.prepare(meta.name, row.get("properties", {}), current=None)
                wanted = row.get("id")
                record = self.store.insert(
                    meta.name, changes, record_id=int(wanted) if wanted is not None else None
                )
                if wanted is not None:
                    id_map[str(wanted)] = record.id
                touched.append(record)
                created += 1
            self.store.save(touched)
        for link in doc.get("associations", []):
            from_type = catalog.resolve_object_type(link["fromType"])
            to_type = catalog.resolve_object_type(link["toType"])
            if from_type is None or to_type is None:
                raise ValueError(f"unknown object type in seed association {link}")
            type_id = (
                link.get("typeId") or catalog.DEFAULT_ASSOCIATION[(from_type.name, to_type.name)]
            )
            self.links.add(
                from_type=from_type.name,
                from_id=int(link["fromId"]),
                to_type=to_type.name,
                to_id=int(link["toId"]),
                type_ids=[int(type_id)],
            )
        for spec in doc.get("lists", []):
            definition = self.lists.create(body=spec, now=now)
            if spec.get("recordIds"):
                self.lists.change(
                    definition["listId"],
                    add=[str(r) for r in spec["recordIds"]],
                    remove=[],
                    now=now,
                )
        return {
            "records": created,
            "associations": len(doc.get("associations", [])),
            "lists": len(doc.get("lists", [])),
        }
