"""HubSpot searches are spaced under the account's per-second search limit (wire facts B.4)."""

from __future__ import annotations

from crmsync.connectors.hubspot.pacing import SearchPacer


class FakeTime:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_searches_in_a_burst_are_spaced_so_no_second_holds_more_than_the_limit() -> None:
    fake = FakeTime()
    pacer = SearchPacer(per_second=5, clock=fake.clock, sleep=fake.sleep)
    sent: list[float] = []

    for _ in range(12):
        pacer.wait()
        sent.append(fake.now)

    assert fake.slept[0] > 0.2
    for index, moment in enumerate(sent):
        in_window = [other for other in sent[index:] if other - moment < 1.0]
        assert len(in_window) <= 5


def test_a_search_after_a_quiet_spell_goes_at_once() -> None:
    fake = FakeTime()
    pacer = SearchPacer(per_second=5, clock=fake.clock, sleep=fake.sleep)
    pacer.wait()
    fake.now += 10

    assert pacer.wait() == 0.0
    assert fake.slept == []


def test_zero_turns_pacing_off() -> None:
    fake = FakeTime()
    pacer = SearchPacer(per_second=0, clock=fake.clock, sleep=fake.sleep)

    for _ in range(20):
        pacer.wait()

    assert fake.slept == []
