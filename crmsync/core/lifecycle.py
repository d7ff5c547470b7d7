"""Lifecycle stages from opportunity contact roles, as pure rules (R15-R19).

- **R15.** A contact role on an open opportunity → ``opportunity``; on a Closed Won one
  → ``customer`` (a role added after the win counts the same). A closed-lost
  opportunity sets nothing.
- **R16.** Never backwards: a stage only moves to one later in HubSpot's order; a stage
  past the target (``customer``, ``evangelist``, ``other``) stays.
- **R18.** Only contact roles count (the caller reads nothing else).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LIFECYCLE_ORDER: tuple[str, ...] = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
"""HubSpot's lifecycle stages, earliest first."""

OPPORTUNITY = "opportunity"
CUSTOMER = "customer"


@dataclass(frozen=True, kw_only=True)
class RoleOpportunity:
    """One opportunity a contact has a role on, as the rule sees it."""

    opportunity_id: str
    closed: bool
    won: bool


def stage_for(opportunity: RoleOpportunity) -> str | None:
    """The stage a contact role on ``opportunity`` gives (R15); ``None`` for closed lost."""
    if opportunity.won:
        return CUSTOMER
    if not opportunity.closed:
        return OPPORTUNITY
    return None


def target_stage(opportunities: Iterable[RoleOpportunity]) -> tuple[str, str] | None:
    """The furthest stage the contact's opportunities give, and the opportunity giving it."""
    best: tuple[str, str] | None = None
    for opportunity in sorted(opportunities, key=lambda o: o.opportunity_id):
        stage = stage_for(opportunity)
        if stage is not None and (best is None or rank(stage) > rank(best[0])):
            best = (stage, opportunity.opportunity_id)
    return best


def rank(stage: str | None) -> int:
    """A stage's place in HubSpot's order (-1: blank; an unknown custom stage counts
    as past every standard one, so it is never overwritten)."""
    if not stage:
        return -1
    try:
        return LIFECYCLE_ORDER.index(stage)
    except ValueError:
        return len(LIFECYCLE_ORDER)


def moves_forward(current: str | None, target: str) -> bool:
    """True when ``target`` is later than ``current`` (R16: never backwards)."""
    return rank(target) > rank(current)
