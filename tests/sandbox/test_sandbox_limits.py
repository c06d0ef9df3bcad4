"""Gong's limits: 3 requests in any second and a daily quota, per company, 429 + Retry-After."""

from __future__ import annotations

from datetime import datetime, timezone

import requests
from sandbox_helpers import errors, get, session

LIMITED = ["API request limit exceeded"]


def _hand_clock(sb):
    """The per-second window runs on real time; tests move it by hand."""
    t = [1000.0]
    sb.limits.monotonic = lambda: t[0]

    def advance(seconds):
        t[0] += seconds

    return advance


def test_fourth_request_inside_a_second_gets_429(make_sandbox):
    sb = make_sandbox(rate_limit_per_second=3, freeze_clock=True)
    advance = _hand_clock(sb)
    s = session(sb)
    for _ in range(3):
        assert s.get(f"{sb.url}/v2/workspaces").status_code == 200
    r = s.get(f"{sb.url}/v2/workspaces")
    assert r.status_code == 429
    assert errors(r) == LIMITED
    assert r.headers["Retry-After"] == "1"
    advance(0.999)  # the window still holds the three
    assert s.get(f"{sb.url}/v2/workspaces").status_code == 429
    advance(0.002)
    assert s.get(f"{sb.url}/v2/workspaces").status_code == 200


def test_window_slides_and_retry_after_is_the_wait_for_a_slot(make_sandbox):
    sb = make_sandbox(rate_limit_per_second=3, freeze_clock=True)
    advance = _hand_clock(sb)
    s = session(sb)
    assert s.get(f"{sb.url}/v2/workspaces").ok  # t = 0
    advance(0.6)
    assert s.get(f"{sb.url}/v2/workspaces").ok  # t = 0.6
    assert s.get(f"{sb.url}/v2/workspaces").ok  # t = 0.6
    advance(0.5)  # t = 1.1: the first left the window
    assert s.get(f"{sb.url}/v2/workspaces").ok
    r = s.get(f"{sb.url}/v2/workspaces")
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"


def test_limits_are_per_company_across_credentials(make_sandbox):
    sb = make_sandbox(rate_limit_per_second=3, freeze_clock=True, bearer_tokens=("t",))
    get(sb, "/v2/workspaces")
    get(sb, "/v2/workspaces")
    bearer = {"Authorization": "Bearer t"}
    assert requests.get(f"{sb.url}/v2/workspaces", headers=bearer).status_code == 200
    assert requests.get(f"{sb.url}/v2/workspaces", headers=bearer).status_code == 429


def test_unauthenticated_and_rejected_requests_consume_nothing(make_sandbox):
    sb = make_sandbox(rate_limit_per_second=3, daily_quota=100, freeze_clock=True)
    for _ in range(5):
        assert requests.get(f"{sb.url}/v2/workspaces").status_code == 401
    s = session(sb)
    assert [s.get(f"{sb.url}/v2/workspaces").status_code for _ in range(5)] == [200] * 3 + [429] * 2
    assert sb.limits.used_today() == 3
    assert requests.get(f"{sb.url}/_sandbox/quota").json() == {
        "used": 3,
        "daily_quota": 100,
        "rate_limit_per_second": 3,
    }


def test_daily_quota_then_retry_after_reaches_next_utc_midnight(make_sandbox):
    start = datetime(2026, 6, 15, 23, 0, 0, 400_000, tzinfo=timezone.utc)
    sb = make_sandbox(daily_quota=5, now=start, freeze_clock=True)
    s = session(sb)
    assert [s.get(f"{sb.url}/v2/workspaces").status_code for _ in range(5)] == [200] * 5
    r = s.get(f"{sb.url}/v2/workspaces")
    assert r.status_code == 429
    assert errors(r) == LIMITED
    assert r.headers["Retry-After"] == "3600"  # ceil(3599.6): 23:00:00.4 -> 00:00:00 UTC
    sb.clock.advance(3000)
    r = s.get(f"{sb.url}/v2/workspaces")
    assert r.headers["Retry-After"] == "600"
    sb.clock.set(datetime(2026, 6, 16, 0, 0, 0, tzinfo=timezone.utc))  # a new UTC day
    assert s.get(f"{sb.url}/v2/workspaces").status_code == 200
    assert sb.limits.used_today() == 1


def test_default_quota_is_10000_a_day(make_sandbox):
    sb = make_sandbox(daily_quota=10_000, rate_limit_per_second=3, freeze_clock=True)
    assert sb.config.daily_quota == 10_000
    # spend 9,999 requests the cheap way, then make the 10,000th and 10,001st for real
    assert requests.post(f"{sb.url}/_sandbox/quota", json={"used": 9_999}).json()["used"] == 9_999
    s = session(sb)
    assert s.get(f"{sb.url}/v2/workspaces").status_code == 200
    r = s.get(f"{sb.url}/v2/workspaces")
    assert r.status_code == 429
    now = sb.clock.timestamp()
    midnight = (now // 86400 + 1) * 86400
    assert int(r.headers["Retry-After"]) == -int(-(midnight - now) // 1)
    assert int(r.headers["Retry-After"]) > 3


def test_defaults_are_gongs_limits():
    from dlt_gong.sandbox import SandboxConfig

    config = SandboxConfig()
    assert (config.rate_limit_per_second, config.daily_quota) == (3, 10_000)


def test_sandbox_instruments_are_never_limited(make_sandbox):
    sb = make_sandbox(rate_limit_per_second=1, daily_quota=1, freeze_clock=True)
    for _ in range(5):
        assert requests.get(f"{sb.url}/_sandbox/stats").status_code == 200


def test_requests_are_counted_when_they_arrived_in_whatever_order_they_are_handled():
    """The window dates each request at its arrival, not when a worker thread counts it
    (on a loaded machine that hop took over 0.1 s): requests counted out of order are
    judged by the seconds they arrived in."""
    from dlt_gong.sandbox.clock import SandboxClock
    from dlt_gong.sandbox.limits import RateLimiter

    limiter = RateLimiter(SandboxClock(None), per_second=3, daily_quota=None,
                          monotonic=lambda: 99.0)  # fmt: skip
    assert limiter.acquire(10.0) is None
    assert limiter.acquire(10.9) is None  # counted before the one that arrived first
    assert limiter.acquire(10.5) is None
    refused = limiter.acquire(10.95)  # 10.0 .. 10.95: a fourth in one second
    assert refused is not None and (refused.reason, refused.retry_after) == ("per_second", 1)
    late = limiter.acquire(9.95)  # arrived earlier still: 9.95 .. 10.9 are four in a second
    assert late is not None and late.reason == "per_second"
    assert limiter.acquire(9.5) is None  # 9.5 .. 10.9 span more than a second
    assert limiter.acquire(11.0) is None  # 10.0 is out: 10.5, 10.9, 11.0
    assert limiter.acquire(11.45) is not None  # 10.5 .. 11.45
    assert limiter.acquire(11.5) is None  # exactly a second after 10.5
