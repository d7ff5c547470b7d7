"""Token sources: renewed before expiry, renewed once after a refusal, refusals heard."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from crmsync.connectors.base import System
from crmsync.connectors.oauth import AccessGrant, ReconnectRequiredError, RefreshingToken
from crmsync.connectors.retry import should_retry


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Grants:
    """A token endpoint answering 30-minute tokens, or refusing when told to."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.issued = 0
        self.refuse = False

    def __call__(self) -> AccessGrant:
        if self.refuse:
            raise ReconnectRequiredError(System.HUBSPOT, reason="BAD_REFRESH_TOKEN: revoked")
        self.issued += 1
        return AccessGrant(
            access_token=SecretStr(f"token-{self.issued}"),
            expires_at=self.clock() + timedelta(minutes=30),
        )


def _source(clock: Clock, grants: Grants, heard: list[object] | None = None) -> RefreshingToken:
    return RefreshingToken(
        system=System.HUBSPOT,
        flow="refresh_token",
        fetch=grants,
        clock=clock,
        listener=None if heard is None else (lambda system, error: heard.append(error)),
    )


def test_a_token_is_renewed_shortly_before_it_expires_not_after() -> None:
    clock = Clock()
    grants = Grants(clock)
    source = _source(clock, grants)

    first = source.access_token()
    clock.now += timedelta(minutes=20)
    still = source.access_token()
    clock.now += timedelta(minutes=9)  # 1 minute left: inside the renewal margin
    renewed = source.access_token()

    assert (first, still, renewed) == ("token-1", "token-1", "token-2")


def test_many_callers_refused_with_the_same_token_renew_it_once() -> None:
    clock = Clock()
    grants = Grants(clock)
    source = _source(clock, grants)
    stale = source.access_token()

    threads = [threading.Thread(target=source.renew, args=(stale,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert grants.issued == 2
    assert source.access_token() == "token-2"


def test_a_refused_grant_is_heard_once_per_attempt_and_a_success_clears_it() -> None:
    clock = Clock()
    grants = Grants(clock)
    heard: list[object] = []
    source = _source(clock, grants, heard)
    grants.refuse = True

    with pytest.raises(ReconnectRequiredError) as refused:
        source.access_token()
    grants.refuse = False
    source.access_token()

    assert str(refused.value).startswith("reconnect HubSpot: BAD_REFRESH_TOKEN")
    assert [type(item) for item in heard] == [ReconnectRequiredError, type(None)]


def test_reconnect_required_waits_for_a_person_not_for_a_retry() -> None:
    error = ReconnectRequiredError(System.SALESFORCE, reason="invalid_grant")

    assert not should_retry(error, write=False)
    assert error.retry_after is None


def test_no_token_appears_in_reprs() -> None:
    clock = Clock()
    source = _source(clock, Grants(clock))
    token = source.access_token()

    assert token not in repr(source)
    assert token not in repr(source.current())


def test_deal_sync_needs_the_deal_scopes_including_the_key_property() -> None:
    from crmsync.connectors.hubspot.auth import missing_scopes

    granted = ["oauth", "crm.objects.deals.read", "crm.objects.deals.write"]
    assert missing_scopes(granted, objects=["deals"]) == [
        "crm.schemas.deals.read",
        "crm.schemas.deals.write",
    ]
