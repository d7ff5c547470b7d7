"""Webhook subscriptions and delivery (wire facts B.13).

Changes become events for matching subscriptions; a background thread posts them in
batches (a JSON array, at most 100) to the target URL, signed with HubSpot's v3 signature,
and retries failed batches with exponential back-off.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from crmsync.emulators.common.clock import MovableClock
from crmsync.emulators.hubspot import catalog
from crmsync.emulators.hubspot.errors import bad_request, not_found
from crmsync.emulators.hubspot.store import ChangeEvent
from crmsync.emulators.hubspot.values import epoch_ms, iso

EVENT_KINDS = ("creation", "deletion", "propertyChange", "merge")
_SUBSCRIBABLE = {"contacts", "companies", "deals"}


def sign_v3(*, secret: str, method: str, uri: str, body: str, timestamp: str) -> str:
    """``base64(HMAC-SHA256(secret, method + uri + body + timestamp))``."""
    digest = hmac.new(
        secret.encode(), f"{method}{uri}{body}{timestamp}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


@dataclass(kw_only=True)
class WebhookSettings:
    """Where and how to deliver."""

    target_url: str = ""
    app_secret: str = "crmsync-app-secret"
    app_id: int = 987654
    max_attempts: int = 10
    backoff_seconds: float = 1.0
    max_batch: int = 100
    timeout_seconds: float = 5.0
    max_concurrent_requests: int = 10


@dataclass(kw_only=True)
class DeliveryStats:
    """Counters the test hook reports."""

    delivered_batches: int = 0
    delivered_events: int = 0
    failed_attempts: int = 0
    dropped_batches: int = 0


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    attempt: int = field(compare=False)
    events: list[dict[str, Any]] = field(compare=False)


class WebhookDispatcher:
    """Subscriptions plus the delivery thread (started on first use, stopped with the app)."""

    def __init__(self, *, portal_id: int, clock: MovableClock) -> None:
        self.portal_id = portal_id
        self._clock = clock
        self.settings = WebhookSettings()
        self.stats = DeliveryStats()
        self.subscriptions: dict[int, dict[str, Any]] = {}
        self.settings_created_at = iso(clock.now())
        self._ids = itertools.count(1)
        self._event_ids = itertools.count(100_000)
        self._seq = itertools.count()
        self._queue: list[_Due] = []
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    # --- subscriptions ---------------------------------------------------------------
    def subscribe(
        self, *, event_type: str, property_name: str | None, active: bool
    ) -> dict[str, Any]:
        """Add a subscription such as ``contact.propertyChange`` on ``email``."""
        prefix, _, kind = event_type.partition(".")
        object_type = catalog.resolve_object_type(prefix)
        if object_type is None or object_type.name not in _SUBSCRIBABLE or kind not in EVENT_KINDS:
            raise bad_request(f"eventType {event_type!r} is not supported")
        if kind == "propertyChange" and not property_name:
            raise bad_request("propertyChange subscriptions need a propertyName")
        now = iso(self._clock.now())
        sub: dict[str, Any] = {
            "id": str(next(self._ids)),
            "eventType": event_type,
            "active": active,
            "createdAt": now,
            "updatedAt": now,
        }
        if property_name:
            sub["propertyName"] = property_name
        with self._lock:
            self.subscriptions[int(sub["id"])] = sub
        return sub

    def subscription(self, sub_id: int) -> dict[str, Any]:
        """One subscription or 404."""
        found = self.subscriptions.get(sub_id)
        if found is None:
            raise not_found(f"Subscription {sub_id} does not exist")
        return found

    def unsubscribe(self, sub_id: int) -> None:
        """Remove a subscription."""
        with self._lock:
            self.subscriptions.pop(sub_id, None)

    # --- events ---------------------------------------------------------------------
    def publish(self, change: ChangeEvent) -> None:
        """Turn one store change into events for each matching, active subscription."""
        if not self.subscriptions:
            return
        kind, object_type, record_id, extra = change
        singular = catalog.OBJECT_TYPES[object_type].singular
        event_type = f"{singular}.{kind}"
        now_ms = epoch_ms(self._clock.now())
        events = []
        for sub_id, sub in list(self.subscriptions.items()):
            if not sub["active"] or sub["eventType"] != event_type:
                continue
            if kind == "propertyChange" and sub.get("propertyName") != extra.get("propertyName"):
                continue
            event: dict[str, Any] = {
                "eventId": next(self._event_ids),
                "subscriptionId": sub_id,
                "portalId": self.portal_id,
                "appId": self.settings.app_id,
                "occurredAt": now_ms,
                "subscriptionType": event_type,
                "attemptNumber": 0,
                "objectId": record_id,
                "changeSource": "API",
                "sourceId": "crmsync-emulator",
            }
            if kind == "creation":
                event["changeFlag"] = "CREATED"
            elif kind == "deletion":
                event["changeFlag"] = "DELETED"
            event.update(extra)
            events.append(event)
        if not events or not self.settings.target_url:
            return
        with self._lock:
            self._pending.extend(events)
            self._ensure_thread()
            self._lock.notify_all()

    # --- delivery -------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="hubspot-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the delivery thread (queued batches are dropped)."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def idle(self) -> bool:
        """True when nothing waits to be delivered."""
        with self._lock:
            return not self._pending and not self._queue

    def _run(self) -> None:
        with httpx.Client() as client:
            while True:
                with self._lock:
                    while not self._stopping:
                        self._batch_pending()
                        if self._queue and self._queue[0].at <= time.monotonic():
                            break
                        wait = self._queue[0].at - time.monotonic() if self._queue else None
                        self._lock.wait(timeout=wait)
                    if self._stopping:
                        return
                    due = heapq.heappop(self._queue)
                self._deliver(client, due)

    def _batch_pending(self) -> None:
        size = self.settings.max_batch
        while self._pending:
            chunk, self._pending = self._pending[:size], self._pending[size:]
            heapq.heappush(
                self._queue, _Due(at=time.monotonic(), seq=next(self._seq), attempt=0, events=chunk)
            )

    def _deliver(self, client: httpx.Client, due: _Due) -> None:
        cfg = self.settings
        for event in due.events:
            event["attemptNumber"] = due.attempt
        body = json.dumps(due.events, separators=(",", ":"))
        timestamp = str(int(time.time() * 1000))
        headers = {
            "Content-Type": "application/json",
            "X-HubSpot-Request-Timestamp": timestamp,
            "X-HubSpot-Signature-v3": sign_v3(
                secret=cfg.app_secret,
                method="POST",
                uri=cfg.target_url,
                body=body,
                timestamp=timestamp,
            ),
            "X-HubSpot-Signature-Version": "v2",
            "X-HubSpot-Signature": hashlib.sha256(
                f"{cfg.app_secret}POST{cfg.target_url}{body}".encode()
            ).hexdigest(),
            "X-HubSpot-Timeout-Millis": str(int(cfg.timeout_seconds * 1000)),
            "User-Agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/) (crmsync emulator)",
        }
        try:
            answer = client.post(
                cfg.target_url, content=body, headers=headers, timeout=cfg.timeout_seconds
            )
            ok = 200 <= answer.status_code < 300
        except httpx.HTTPError:
            ok = False
        with self._lock:
            if ok:
                self.stats.delivered_batches += 1
                self.stats.delivered_events += len(due.events)
                return
            self.stats.failed_attempts += 1
            if due.attempt + 1 >= cfg.max_attempts:
                self.stats.dropped_batches += 1
                return
            delay = cfg.backoff_seconds * (2**due.attempt)
            heapq.heappush(
                self._queue,
                _Due(
                    at=time.monotonic() + delay,
                    seq=next(self._seq),
                    attempt=due.attempt + 1,
                    events=due.events,
                ),
            )
