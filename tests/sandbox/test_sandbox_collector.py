"""The sandbox's full garbage collections wait for idle moments (``collector.py``)."""

from __future__ import annotations

import gc
from typing import Any

from dlt_gong.sandbox.collector import NEVER, IdleCollector, collecting_when_idle


class _Sandbox:
    """The two figures the collector reads, moved by hand."""

    def __init__(self) -> None:
        self.requests = 0
        self.in_flight = 0

    def stats(self) -> dict[str, Any]:
        return {"requests": self.requests, "concurrency": {"in_flight": self.in_flight}}


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _collector() -> tuple[_Sandbox, _Clock, list[int], IdleCollector]:
    sandbox, clock, collected = _Sandbox(), _Clock(), []
    collector = IdleCollector(sandbox.stats, quiet=2.0, clock=clock,
                              collect=lambda: collected.append(1))  # fmt: skip
    return sandbox, clock, collected, collector


def test_collects_once_after_two_quiet_seconds_then_waits_for_the_next_idle_spell():
    sandbox, clock, collected, collector = _collector()
    assert collector.tick() is False  # first look: the count is new
    clock.now += 1.75
    assert collector.tick() is False
    clock.now += 0.25  # two seconds since the last request: binary fractions, exact
    assert collector.tick() is True
    clock.now += 60
    assert collector.tick() is False  # idle all along: once is enough
    sandbox.requests += 1
    clock.now += 60
    assert collector.tick() is False  # a request was answered: idle starts again now
    clock.now += 2
    assert collector.tick() is True
    assert collected == [1, 1] and collector.collections == 2


def test_never_collects_while_requests_keep_coming_or_one_is_in_flight():
    sandbox, clock, collected, collector = _collector()
    for _ in range(100):  # a paced client: a request answered every third of a second
        sandbox.requests += 1
        clock.now += 1 / 3
        assert collector.tick() is False
    sandbox.in_flight = 1  # a slow answer: nothing answered, but one is being served
    for _ in range(10):
        clock.now += 5
        assert collector.tick() is False
    sandbox.in_flight = 0
    assert collector.tick() is False
    clock.now += 2
    assert collector.tick() is True
    assert collected == [1]


def test_inside_the_oldest_generation_is_left_to_it_and_restored_after():
    before = gc.get_threshold()
    sandbox = _Sandbox()
    with collecting_when_idle(sandbox.stats, quiet=3600) as collector:
        assert gc.get_threshold() == (before[0], before[1], NEVER)
        assert gc.get_freeze_count() > 0
        assert collector.collections == 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
