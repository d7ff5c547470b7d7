"""Lifecycle stages from contact roles as pure rules (R15, R16)."""

from __future__ import annotations

from crmsync.core.lifecycle import RoleOpportunity, moves_forward, target_stage


def test_r15_open_gives_opportunity_won_gives_customer_lost_gives_nothing() -> None:
    open_one = RoleOpportunity(opportunity_id="006A", closed=False, won=False)
    won = RoleOpportunity(opportunity_id="006B", closed=True, won=True)
    lost = RoleOpportunity(opportunity_id="006C", closed=True, won=False)
    assert target_stage([open_one]) == ("opportunity", "006A")
    assert target_stage([open_one, won]) == ("customer", "006B")
    assert target_stage([lost]) is None


def test_r16_never_backwards() -> None:
    assert moves_forward("lead", "opportunity")
    assert moves_forward(None, "opportunity")
    assert not moves_forward("customer", "opportunity")
    assert not moves_forward("evangelist", "customer")
    assert not moves_forward("customer", "customer")
    assert not moves_forward("my_custom_stage", "customer")
