"""Injected faults, each as a plain ``requests`` client experiences it."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from sandbox_helpers import errors, get, post, session

from dlt_gong.sandbox import FaultConfig
from dlt_gong.sandbox.faults import FaultInjector

pytestmark = pytest.mark.reliability


def test_http_500(make_sandbox):
    sb = make_sandbox(faults=FaultConfig(http_500=1.0))
    r = get(sb, "/v2/workspaces")
    assert r.status_code == 500
    assert errors(r) == ["Internal server error occurred"]
    assert requests.get(f"{sb.url}/v2/workspaces").status_code == 401  # auth comes first


@pytest.mark.parametrize(("rate", "status"), [("http_502", 502), ("http_503", 503)])
def test_gateway_errors_are_html(make_sandbox, rate, status):
    sb = make_sandbox(faults=FaultConfig(**{rate: 1.0}))
    r = get(sb, "/v2/users")
    assert r.status_code == status
    assert r.headers["content-type"] == "text/html"
    assert f"<h1>{status} ".encode() in r.content
    with pytest.raises(ValueError):
        r.json()


def test_429_bursts_follow_the_seeded_plan(make_sandbox):
    faults = FaultConfig(burst_429=0.2, burst_length=3, burst_retry_after=7, seed=5)
    sb = make_sandbox(faults=faults)
    oracle = FaultInjector(faults)
    expected = [429 if oracle.plan().kind == "burst_429" else 200 for _ in range(40)]
    s = session(sb)
    got = []
    for _ in range(40):
        r = s.get(f"{sb.url}/v2/workspaces")
        got.append(r.status_code)
        if r.status_code == 429:
            assert r.headers["Retry-After"] == "7"
            assert errors(r) == ["API request limit exceeded"]
    assert got == expected
    runs = "".join("x" if s == 429 else "." for s in got).split(".")
    assert {len(run) for run in runs if run} <= {3, 6, 9}
    assert "xxx" in "".join("x" if s == 429 else "." for s in got)
    assert sb.limits.used_today() == got.count(200)  # bursts come before the quota


def test_reset_drops_the_connection_mid_body(make_sandbox):
    sb = make_sandbox(faults=FaultConfig(reset=1.0))
    with pytest.raises(
        (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)
    ):
        get(sb, "/v2/users")
    assert sb.stats()["by_status"] == {"reset": 1}
    # the server survives: the next connection works (and is dropped again, by design)
    with pytest.raises(requests.exceptions.RequestException):
        get(sb, "/v2/users")
    assert requests.get(f"{sb.url}/_sandbox/stats").json()["by_status"] == {"reset": 2}


def test_slow_responses_do_not_block_others(make_sandbox):
    sb = make_sandbox(faults=FaultConfig(slow=1.0, slow_seconds=1.0))
    results: list[float] = []

    def call() -> None:
        start = time.perf_counter()
        assert get(sb, "/v2/workspaces").status_code == 200
        results.append(time.perf_counter() - start)

    threads = [threading.Thread(target=call) for _ in range(3)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    quick = time.perf_counter()
    assert requests.get(f"{sb.url}/_sandbox/stats").status_code == 200
    assert time.perf_counter() - quick < 0.5  # /_sandbox is never delayed
    for t in threads:
        t.join()
    assert len(results) == 3 and min(results) >= 1.0
    assert time.perf_counter() - started < 1.9  # concurrently, not one after another


def test_truncated_body_is_cut_mid_json(make_sandbox):
    sb = make_sandbox(faults=FaultConfig(truncated=1.0))
    r = get(sb, "/v2/users")
    assert r.status_code == 200
    assert int(r.headers["Content-Length"]) == len(r.content)
    assert r.content.startswith(b'{"requestId":')
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)
    r = get(sb, "/v2/nope")  # only successful bodies are cut
    assert r.status_code == 404 and errors(r) == ["Not Found"]


def test_expired_cursor_fault(make_sandbox):
    sb = make_sandbox(faults=FaultConfig(expired_cursor=1.0))
    first = post(sb, "/v2/calls/extensive", {"filter": {}})
    assert first.status_code == 200  # no cursor, nothing to expire
    r = post(sb, "/v2/calls/extensive", {"filter": {}, "cursor": first.json()["records"]["cursor"]})
    assert r.status_code == 400
    assert errors(r) == ["cursor has expired"]


def test_faults_never_touch_the_instruments_and_are_counted(make_sandbox):
    sb = make_sandbox(faults=FaultConfig(http_500=0.5, http_503=0.5, seed=1))
    for _ in range(10):
        get(sb, "/v2/workspaces")
    for path in ("/_sandbox/stats", "/_sandbox/clock", "/_sandbox/quota"):
        assert requests.get(f"{sb.url}{path}").status_code == 200
    stats = sb.stats()
    assert stats["requests"] == 10
    assert stats["by_endpoint"] == {"GET /v2/workspaces": 10}
    assert set(stats["by_status"]) == {"500", "503"}
    assert sum(stats["by_status"].values()) == 10


def test_fault_spec_parsing():
    spec = "500=0.05,502=0.02,503=0.02,429=0.01,reset=0.01,slow=0.01,truncated=0.01,expired_cursor=0.02,seed=3"
    assert FaultConfig.parse(spec) == FaultConfig(
        http_500=0.05,
        http_502=0.02,
        http_503=0.02,
        burst_429=0.01,
        reset=0.01,
        slow=0.01,
        truncated=0.01,
        expired_cursor=0.02,
        seed=3,
    )
    assert FaultConfig.parse("") == FaultConfig()
    assert FaultConfig.parse("burst_length=5,slow_seconds=0.5").burst_length == 5
    for bad in ("oops=1", "500=lots", "500=2", "500=0.6,503=0.6"):
        with pytest.raises(ValueError):
            FaultConfig.parse(bad)


def test_late_count_puts_a_request_in_a_later_second(make_sandbox):
    """The first of three requests sent at once counted 0.3 s late: a 4th sent 1.05 s after
    the first is refused, 4 in the second the limiter saw; counted on arrival, it is not."""
    for late, status in ((1.0, 429), (0.0, 200)):
        sb = make_sandbox(
            rate_limit_per_second=3, faults=FaultConfig(late_count=late, late_count_seconds=0.3)
        )
        first = time.monotonic()
        codes = [get(sb, "/v2/workspaces").status_code]
        sb._state.faults = FaultInjector(FaultConfig())  # the others are counted on arrival
        codes += [get(sb, "/v2/workspaces").status_code for _ in range(2)]
        time.sleep(max(0.0, first + 1.05 - time.monotonic()))
        assert [*codes, get(sb, "/v2/workspaces").status_code] == [200, 200, 200, status]


def test_late_count_is_drawn_only_when_asked_for():
    """Adding the fault must not move a seed's other faults."""
    plain = FaultInjector(FaultConfig(http_500=0.3, slow=0.2, seed=5))
    late = FaultInjector(FaultConfig(http_500=0.3, slow=0.2, seed=5, late_count=0.0))
    assert [plain.plan() for _ in range(50)] == [late.plan() for _ in range(50)]
    some = FaultInjector(FaultConfig(late_count=0.5, seed=5))
    assert 10 < sum(some.plan().late_count for _ in range(50)) < 40
    assert FaultConfig.parse("late_count=0.1,late_count_seconds=0.3") == FaultConfig(
        late_count=0.1, late_count_seconds=0.3
    )
