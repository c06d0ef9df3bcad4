"""Latency and the cap on concurrent requests, each on and off.

No assertion here reads the wall clock: the sandbox's ``now`` is pinned (the factory's
defaults), the per-second window runs on a pinned monotonic clock where it matters, and
the answers' waits go through an injected sleep that records each delay and holds the
answers until the test lets them go, so "overlap, not queue" is the in-flight high-water
mark the sandbox records, not a stopwatch.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from sandbox_helpers import ALL_CONTENT, errors, get, post, session

from dlt_gong.sandbox import RunningSandbox, SandboxConfig
from dlt_gong.sandbox.concurrency import InFlight
from dlt_gong.sandbox.latency import Latency, answer_delay, items_in


class Gate:
    """An injected sleep: records each delay it is asked for and holds the answer until
    ``release`` is set (at once when ``open``)."""

    def __init__(self, open: bool = False) -> None:
        self.delays: list[float] = []
        self.release = threading.Event()
        if open:
            self.release.set()

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        while not self.release.is_set():
            await asyncio.sleep(0.005)


def _gated(sb: RunningSandbox, gate: Gate) -> RunningSandbox:
    sb._state.latency.sleep = gate
    return sb


def _wait_for(sb: RunningSandbox, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The sandbox's stats once ``done`` holds for them (a deadline, not a measurement)."""
    deadline = time.monotonic() + 60
    while True:
        stats = sb.stats()
        if done(stats):
            return stats
        if time.monotonic() > deadline:
            raise AssertionError(f"the sandbox never got there: {stats}")
        time.sleep(0.01)


def _together(sb: RunningSandbox, n: int) -> tuple[list[threading.Thread], list[requests.Response]]:
    """``n`` requests, each on a connection of its own, started at once: the threads, and
    the list their responses land in."""
    got: list[requests.Response] = []

    def one() -> None:
        got.append(session(sb).get(f"{sb.url}/v2/workspaces", timeout=60))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    return threads, got


# -- the delay ------------------------------------------------------------------------------


def test_the_delay_is_the_base_plus_a_cost_per_item_plus_jitter_never_below_0():
    assert answer_delay(0, 0.8, 0.004) == 0.8
    assert answer_delay(100, 0.8, 0.004) == pytest.approx(1.2)
    assert answer_delay(50, 0.8, 0.004, jitter=-0.3) == pytest.approx(0.7)
    assert answer_delay(0, 0.2, 0.0, jitter=-0.5) == 0.0
    assert answer_delay(7, 0.0, 0.0) == 0.0


def test_the_items_of_an_answer_are_its_lists_elements():
    assert items_in({"requestId": "x", "records": {"totalRecords": 3}, "calls": [{}, {}, {}]}) == 3
    assert items_in({"requestId": "x", "workspaces": [{}]}) == 1
    assert items_in({"requestId": "x", "userSettingsHistory": []}) == 0
    assert items_in({"requestId": "x", "id": "1", "name": "folder"}) == 0


def test_the_jitter_sequence_is_the_seeds():
    config = SandboxConfig(seed=5, latency_seconds=1.0, latency_jitter_seconds=0.4)
    oracle = random.Random(5)
    expected = [1.0 + oracle.uniform(-0.4, 0.4) for _ in range(30)]
    latency = Latency(config)
    assert [latency.delay(0) for _ in range(30)] == expected
    again = Latency(config)
    assert [again.delay(0) for _ in range(30)] == expected
    other = Latency(SandboxConfig(seed=6, latency_seconds=1.0, latency_jitter_seconds=0.4))
    assert [other.delay(0) for _ in range(30)] != expected
    assert all(0.6 <= d <= 1.4 for d in expected)
    wide = Latency(SandboxConfig(seed=5, latency_seconds=0.1, latency_jitter_seconds=0.5))
    delays = [wide.delay(0) for _ in range(50)]
    assert min(delays) == 0.0 and all(0.0 <= d <= 0.6 for d in delays)


def test_latency_is_off_by_default():
    config = SandboxConfig()
    assert (config.latency_seconds, config.latency_per_item_seconds) == (0.0, 0.0)
    assert (config.latency_jitter_seconds, config.max_concurrent_requests) == (0.0, None)
    latency = Latency(config)
    assert not latency.enabled and [latency.delay(100) for _ in range(3)] == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "bad",
    [
        {"latency_seconds": -0.1},
        {"latency_per_item_seconds": -1.0},
        {"latency_jitter_seconds": -0.5},
        {"max_concurrent_requests": 0},
    ],
)
def test_bad_latency_options_are_refused(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        SandboxConfig(**bad)


# -- served ---------------------------------------------------------------------------------


def test_each_answer_waits_its_latency_from_its_items(make_sandbox):
    """The delay of each answer, as the sandbox asked its sleep for it: the base plus the
    cost of the page's items (20 users, a page of 100 calls with content, the workspaces);
    an error carries no items; the sum is reported."""
    sb = _gated(make_sandbox(latency_seconds=0.25, latency_per_item_seconds=0.002), Gate(True))
    users = len(sb.company.users())
    assert get(sb, "/v2/users").status_code == 200
    page = post(sb, "/v2/calls/extensive", {"filter": {}, "contentSelector": ALL_CONTENT})
    assert page.status_code == 200 and len(page.json()["calls"]) == 100
    assert get(sb, "/v2/workspaces").status_code == 200
    assert get(sb, "/v2/nope").status_code == 404
    gate: Gate = sb._state.latency.sleep  # type: ignore[assignment]
    workspaces = len(sb.company.workspaces())
    expected = [0.25 + 0.002 * users, 0.25 + 0.002 * 100, 0.25 + 0.002 * workspaces, 0.25]
    assert gate.delays == pytest.approx(expected)
    assert sb.stats()["delayed_seconds"] == pytest.approx(sum(expected), abs=0.001)


def test_without_latency_nothing_waits(make_sandbox):
    sb = _gated(make_sandbox(), Gate(True))
    for _ in range(3):
        assert get(sb, "/v2/users").status_code == 200
    assert sb._state.latency.sleep.delays == []  # type: ignore[attr-defined]
    stats = sb.stats()
    assert stats["delayed_seconds"] == 0.0
    assert stats["concurrency"] == {
        "in_flight": 0,
        "most_in_flight": 1,
        "refused": 0,
        "max_concurrent_requests": None,
    }


def test_a_request_is_counted_on_arrival_and_answered_after_its_latency(make_sandbox):
    """Held answers have already spent their place in the day's quota."""
    sb = _gated(make_sandbox(latency_seconds=1.0, daily_quota=100), Gate())
    threads, got = _together(sb, 2)
    # both held (in flight) and both counted: the limiter counts a moment after arrival
    _wait_for(sb, lambda s: s["concurrency"]["in_flight"] == 2 and sb.limits.used_today() == 2)
    assert got == [] and sb.stats()["requests"] == 0
    sb._state.latency.sleep.release.set()  # type: ignore[attr-defined]
    for t in threads:
        t.join()
    assert [r.status_code for r in got] == [200, 200]
    assert sb.stats()["by_status"] == {"200": 2}


@pytest.mark.parametrize(
    ("cap", "statuses", "most", "refused"),
    [(3, [200, 200, 200, 429], 3, 1), (None, [200, 200, 200, 200], 4, 0)],
)
def test_four_requests_held_together(make_sandbox, cap, statuses, most, refused):
    """Four requests held open at once: with a cap of 3 exactly one is refused with
    Gong's 429, counted neither in the quota nor the per-second window; without a cap all
    four are served side by side (four in flight at once: overlapping, not queueing)."""
    sb = _gated(
        make_sandbox(latency_seconds=2.0, max_concurrent_requests=cap,
                     rate_limit_per_second=4, daily_quota=100),
        Gate(),
    )  # fmt: skip
    sb.limits.monotonic = lambda: 1000.0  # one second of the window for the whole test
    threads, got = _together(sb, 4)
    _wait_for(
        sb,
        lambda s: s["concurrency"]["in_flight"] == most and s["concurrency"]["refused"] == refused,
    )
    sb._state.latency.sleep.release.set()  # type: ignore[attr-defined]
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in got) == statuses
    for r in got:
        if r.status_code == 429:
            assert r.headers["Retry-After"] == "1"
            assert errors(r) == ["API request limit exceeded"]
    stats = sb.stats()
    assert stats["concurrency"] == {
        "in_flight": 0,
        "most_in_flight": most,
        "refused": refused,
        "max_concurrent_requests": cap,
    }
    assert stats["by_status"] == {"200": statuses.count(200), **({"429": 1} if refused else {})}
    assert sb.limits.used_today() == statuses.count(200)
    # the refused request took no place in the window: with the cap, one more fits in it
    follow = [get(sb, "/v2/workspaces").status_code for _ in range(2)]
    assert follow == ([200, 429] if refused else [429, 429])


def test_a_client_that_waits_for_each_answer_is_never_refused(make_sandbox):
    """Counted out just before its answer's first byte: with a cap of 1 and real latency,
    a client sending each request after reading the last answer always finds room."""
    sb = make_sandbox(latency_seconds=0.02, latency_jitter_seconds=0.01,
                      max_concurrent_requests=1)  # fmt: skip
    s = session(sb)
    assert [s.get(f"{sb.url}/v2/workspaces", timeout=30).status_code for _ in range(12)] == [
        200
    ] * 12
    assert sb.stats()["concurrency"] == {
        "in_flight": 0,
        "most_in_flight": 1,
        "refused": 0,
        "max_concurrent_requests": 1,
    }


def test_the_refusals_and_high_water_mark_reset_with_the_counters(make_sandbox):
    sb = _gated(make_sandbox(latency_seconds=1.0, max_concurrent_requests=1), Gate())
    threads, got = _together(sb, 2)
    _wait_for(sb, lambda s: s["concurrency"]["refused"] == 1 and s["requests"] == 0)
    sb._state.latency.sleep.release.set()  # type: ignore[attr-defined]
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in got) == [200, 429]
    assert requests.post(f"{sb.url}/_sandbox/reset", timeout=30).json()["concurrency"] == {
        "in_flight": 0,
        "most_in_flight": 0,
        "refused": 0,
        "max_concurrent_requests": 1,
    }


def test_in_flight_counts():
    capped = InFlight(2)
    assert [capped.arrive(), capped.arrive(), capped.arrive()] == [True, True, False]
    capped.leave()
    assert capped.arrive() is True
    assert capped.snapshot() == {
        "in_flight": 2,
        "most_in_flight": 2,
        "refused": 1,
        "max_concurrent_requests": 2,
    }
    capped.leave()
    capped.reset()
    assert capped.snapshot()["most_in_flight"] == 1 and capped.snapshot()["refused"] == 0
    free = InFlight(None)
    assert all(free.arrive() for _ in range(50)) and free.snapshot()["most_in_flight"] == 50


# -- the command ----------------------------------------------------------------------------


def test_the_command_passes_the_latency_flags(monkeypatch):
    from dlt_gong.sandbox import command

    seen: list[SandboxConfig] = []
    monkeypatch.setattr(command, "serve_forever", lambda config, announce: seen.append(config))
    flags = ["--port", "0", "--latency", "0.8", "--latency-per-item", "0.004",
             "--latency-jitter", "0.3", "--max-concurrent", "3"]  # fmt: skip
    assert CliRunner().invoke(command.sandbox_command, flags).exit_code == 0
    assert CliRunner().invoke(command.sandbox_command, ["--port", "0"]).exit_code == 0
    on, off = seen
    assert (on.latency_seconds, on.latency_per_item_seconds) == (0.8, 0.004)
    assert (on.latency_jitter_seconds, on.max_concurrent_requests) == (0.3, 3)
    assert (off.latency_seconds, off.latency_per_item_seconds) == (0.0, 0.0)
    assert (off.latency_jitter_seconds, off.max_concurrent_requests) == (0.0, None)
    bad = CliRunner().invoke(command.sandbox_command, ["--port", "0", "--max-concurrent", "0"])
    assert bad.exit_code == 2 and "--max-concurrent" in bad.output
    bad = CliRunner().invoke(command.sandbox_command, ["--port", "0", "--latency", "-1"])
    assert bad.exit_code == 2 and "--latency" in bad.output
