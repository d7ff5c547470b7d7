"""Work a run does after its object pairs: steps that read what the pairs linked.

A pair syncs one record type both ways; some of the seed's rules instead derive a
value on one side from records of several types (a contact's lifecycle stage from its
opportunity contact roles, R15). Such a rule is a :class:`RunStep`: the engine runs it
once per run, after every pair, with the same connectors, store and scope, and never
in a dry run. A step keeps its own cursors (its name is their pair name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from crmsync.connectors.base import Connector, System
from crmsync.engine.hooks import NoHooks, SyncHooks
from crmsync.engine.report import SyncReport
from crmsync.store.state import Scope, StateStore


@dataclass(frozen=True, kw_only=True)
class StepContext:
    """What a step may use."""

    connectors: Mapping[System, Connector]
    store: StateStore
    scope: Scope
    report: SyncReport
    page_size: int
    hooks: SyncHooks = field(default_factory=NoHooks)
    """The engine's hooks: a step stops at the same checkpoints a pair does (R25)."""


class RunStep(Protocol):
    """One rule applied after the pairs of a run."""

    name: str

    def run(self, context: StepContext) -> None:
        """Apply the rule to what changed since the step's cursors."""
        ...
