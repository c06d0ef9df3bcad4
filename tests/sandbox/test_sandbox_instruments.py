"""``/_sandbox/stats`` counts every ``/v2`` request exactly; determinism; exchange observers."""

from __future__ import annotations

import json
import re

import requests
from sandbox_helpers import ALL_CONTENT, get, post

from dlt_gong.sandbox import Exchange


def test_stats_count_exactly(make_sandbox):
    sb = make_sandbox(rate_limit_per_second=3, freeze_clock=True)
    second = [0.0]
    sb.limits.monotonic = lambda: second[0]  # the per-second window runs on real time
    user_id = sb.company.users()[0]["id"]
    get(sb, "/v2/users")
    get(sb, f"/v2/users/{user_id}/settings-history")
    get(sb, "/v2/users/1234567890123456789/settings-history")  # 404
    get(sb, "/v2/users/1234567890123456789/settings-history")  # 429: 4th in this second
    second[0] += 2
    requests.get(f"{sb.url}/v2/users")  # 401
    post(sb, "/v2/calls/extensive", {"filter": {}})
    post(sb, "/v2/calls/transcript", {"filter": {"callIds": ["1"]}})  # 404
    get(sb, "/v2/unknown")  # 404
    expected = {
        "requests": 8,
        "by_endpoint": {
            "GET /v2/unknown": 1,
            "GET /v2/users": 2,
            "GET /v2/users/{id}/settings-history": 3,
            "POST /v2/calls/extensive": 1,
            "POST /v2/calls/transcript": 1,
        },
        "by_status": {"200": 3, "401": 1, "404": 3, "429": 1},
        "concurrency": {
            "in_flight": 0,
            "most_in_flight": 1,
            "refused": 0,
            "max_concurrent_requests": None,
        },
        "delayed_seconds": 0.0,
    }
    assert sb.stats() == expected
    assert requests.get(f"{sb.url}/_sandbox/stats").json() == expected
    zero = {
        "requests": 0,
        "by_endpoint": {},
        "by_status": {},
        "concurrency": {
            "in_flight": 0,
            "most_in_flight": 0,
            "refused": 0,
            "max_concurrent_requests": None,
        },
        "delayed_seconds": 0.0,
    }
    assert requests.post(f"{sb.url}/_sandbox/reset").json() == zero
    assert sb.stats()["requests"] == 0
    get(sb, "/v2/workspaces")
    sb.reset_stats()
    assert sb.stats() == zero


def test_every_exchange_reaches_the_observers(make_sandbox):
    sb = make_sandbox()
    seen: list[Exchange] = []
    sb.on_exchange.append(seen.append)
    r = get(sb, "/v2/calls", toDateTime="2026-06-01T00:00:00Z")
    post(sb, "/v2/calls/transcript", {"filter": {"callIds": ["1"]}})
    requests.get(f"{sb.url}/_sandbox/stats")
    assert [(e.method, e.path, e.status) for e in seen] == [
        ("GET", "/v2/calls", 200),
        ("POST", "/v2/calls/transcript", 404),
    ]
    first = seen[0]
    assert first.query == {"toDateTime": "2026-06-01T00:00:00Z"}
    assert first.response_body == r.content
    assert first.response_headers["x-traceid"] == r.headers["x-traceid"]
    assert first.endpoint == "GET /v2/calls" and first.fault is None
    assert json.loads(seen[1].request_body) == {"filter": {"callIds": ["1"]}}
    assert seen[1].request_headers == {"content-type": "application/json"}
    assert all("authorization" not in {k.lower() for k in e.request_headers} for e in seen)


def _strip_request_ids(raw: bytes) -> bytes:
    return re.sub(rb'"requestId":"[0-9a-z]+"', b'"requestId":""', raw)


def test_same_seed_same_bytes(make_sandbox):
    requests_to_make = [
        ("GET", "/v2/users", None),
        ("POST", "/v2/calls/extensive",
         {"filter": {"fromDateTime": "2026-06-01T00:00:00Z", "toDateTime": "2026-06-04T00:00:00Z"},
          "contentSelector": ALL_CONTENT}),
        ("POST", "/v2/calls/transcript",
         {"filter": {"fromDateTime": "2026-06-03T00:00:00Z", "toDateTime": "2026-06-04T00:00:00Z"}}),
        ("POST", "/v2/stats/activity/day-by-day",
         {"filter": {"fromDate": "2026-05-01", "toDate": "2026-06-01"}}),
        ("POST", "/v2/stats/activity/scorecards", {"filter": {"reviewMethod": "BOTH"}}),
        ("GET", "/v2/settings/trackers", None),
        ("GET", "/v2/library/folders", None),
    ]  # fmt: skip
    bodies = []
    for seed in (3, 3, 4):
        sb = make_sandbox(seed=seed, freeze_clock=True)
        out = []
        for method, path, body in requests_to_make:
            r = post(sb, path, body) if method == "POST" else get(sb, path)
            assert r.status_code == 200, r.text
            out.append(_strip_request_ids(r.content))
        bodies.append(out)
    assert bodies[0] == bodies[1]
    assert all(a != b for a, b in zip(bodies[0], bodies[2], strict=True))


def test_ids_are_stable_19_digit_strings(make_sandbox):
    a = make_sandbox(seed=9, calls=100)
    b = make_sandbox(seed=9, calls=200)  # more calls, same seed: the same first ids
    ids_a = [a.company.call_id(i) for i in range(50)]
    assert ids_a == [b.company.call_id(i) for i in range(50)]
    assert all(re.fullmatch(r"[1-9]\d{18}", i) for i in ids_a)
    assert len(set(ids_a)) == 50
    assert a.company.call_index(ids_a[7]) == 7
    assert a.company.call_index("1234567890123456789") is None
    assert a.company.users()[0]["id"] == b.company.users()[0]["id"]


def test_contract_watch_reports_broken_exchanges():
    from contract_watch import ContractWatch, _validator_class

    if _validator_class() is None:
        import pytest

        pytest.skip("tests/contract.py is not there")
    watch = ContractWatch()
    watch.begin(exempt=False)
    bad = Exchange(
        method="GET",
        path="/v2/workspaces",
        query={},
        request_body=b"",
        status=200,
        response_headers={"content-type": "application/json;charset=UTF-8"},
        response_body=b'{"requestId": "x", "workspaces": [{"id": 5}]}',
    )
    watch(bad)
    problems = watch.end()
    assert problems and "workspaces" in problems[0]
    watch.begin(exempt=True)
    watch(bad)
    assert watch.end() == []
