"""Gong's cursor paging: 100 per page, cursor only while more pages exist, bound and expiring."""

from __future__ import annotations

import time

import pytest
from sandbox_helpers import errors, get, pages, post, session

END = "2026-06-14T00:00:00Z"  # before the sandbox's now: nothing new appears while paging


def test_paging_through_20000_calls_returns_each_once(make_sandbox):
    sb = make_sandbox(calls=20_000, users=60, days=60, late_call_rate=0.0)
    expected = sb.company.calls_basic(to_dt=END).ids()
    assert len(expected) > 19_000
    started = time.perf_counter()
    seen: list[str] = []
    for number, page in enumerate(pages(sb, "GET", "/v2/calls", params={"toDateTime": END})):
        records = page["records"]
        assert records["currentPageNumber"] == number
        assert records["totalRecords"] == len(expected)
        assert records["currentPageSize"] == len(page["calls"])
        assert len(page["calls"]) == (100 if "cursor" in records else len(expected) - 100 * number)
        seen.extend(call["id"] for call in page["calls"])
    elapsed = time.perf_counter() - started
    assert seen == expected  # each exactly once, in start order
    assert len(set(seen)) == len(seen)
    assert sb.stats()["by_endpoint"] == {"GET /v2/calls": -(-len(expected) // 100)}
    print(f"paged {len(seen)} calls in {elapsed:.2f}s")


def test_single_page_has_no_cursor(sandbox):
    body = get(sandbox, "/v2/workspaces").json()
    assert "records" not in body
    users = get(sandbox, "/v2/users").json()
    assert users["records"] == {"totalRecords": 30, "currentPageSize": 30, "currentPageNumber": 0}


def test_post_cursor_goes_in_the_body_beside_filter(sandbox):
    body = {"filter": {"toDateTime": END}, "contentSelector": {"exposedFields": {"parties": True}}}
    first = post(sandbox, "/v2/calls/extensive", body).json()
    assert first["records"]["currentPageNumber"] == 0
    cursor = first["records"]["cursor"]
    second = post(sandbox, "/v2/calls/extensive", {**body, "cursor": cursor}).json()
    assert second["records"]["currentPageNumber"] == 1
    assert second["records"]["totalRecords"] == first["records"]["totalRecords"]
    ids = [c["metaData"]["id"] for c in first["calls"] + second["calls"]]
    assert ids == sandbox.company.calls(to_dt=END).ids()[:200]
    # inside filter it is not a cursor: Gong would just ignore it, the sandbox too
    again = post(sandbox, "/v2/calls/extensive", {**body, "filter": {"toDateTime": END}})
    assert again.json()["records"]["currentPageNumber"] == 0


def test_cursor_from_another_request_is_invalid(sandbox):
    first = post(sandbox, "/v2/calls/transcript", {"filter": {"toDateTime": END}}).json()
    cursor = first["records"]["cursor"]
    for body in (
        {"filter": {"toDateTime": "2026-06-13T00:00:00Z"}, "cursor": cursor},  # other filter
        {"filter": {"toDateTime": END, "workspaceId": "1"}, "cursor": cursor},
    ):
        r = post(sandbox, "/v2/calls/transcript", body)
        assert r.status_code == 400
        assert errors(r) == ["Invalid cursor"]
    r = post(sandbox, "/v2/calls/extensive", {"filter": {"toDateTime": END}, "cursor": cursor})
    assert errors(r) == ["Invalid cursor"]  # other endpoint
    r = get(sandbox, "/v2/calls", toDateTime=END, cursor=cursor)
    assert errors(r) == ["Invalid cursor"]  # other method and path


@pytest.mark.parametrize(
    "cursor", ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.x"]
)
def test_garbled_cursor_is_invalid(sandbox, cursor):
    r = get(sandbox, "/v2/calls", cursor=cursor)
    assert r.status_code == 400
    assert errors(r) == ["Invalid cursor"]


def test_tampered_cursor_is_invalid(sandbox):
    cursor = get(sandbox, "/v2/calls").json()["records"]["cursor"]
    header, payload, signature = cursor.split(".")
    forged = f"{header}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    r = get(sandbox, "/v2/calls", cursor=forged)
    assert errors(r) == ["Invalid cursor"]


def test_cursor_expires_after_ttl_from_the_first_request(make_sandbox):
    sb = make_sandbox(cursor_ttl_seconds=600, freeze_clock=True)
    first = get(sb, "/v2/calls").json()
    cursor1 = first["records"]["cursor"]
    sb.clock.advance(400)
    second = get(sb, "/v2/calls", cursor=cursor1).json()
    cursor2 = second["records"]["cursor"]
    sb.clock.advance(200)  # exactly the TTL since the first request: still valid
    assert get(sb, "/v2/calls", cursor=cursor2).status_code == 200
    sb.clock.advance(1)  # 601 s after the first request, 201 s after the second
    r = get(sb, "/v2/calls", cursor=cursor2)
    assert r.status_code == 400
    assert errors(r) == ["cursor has expired"]


def test_pages_are_one_snapshot_while_the_clock_moves(make_sandbox):
    sb = make_sandbox(freeze_clock=True, future_days=10, cursor_ttl_seconds=30 * 86400)
    first = get(sb, "/v2/calls").json()
    total = first["records"]["totalRecords"]
    sb.clock.advance(5 * 86400)  # many new calls become visible
    assert get(sb, "/v2/calls").json()["records"]["totalRecords"] > total
    ids = [c["id"] for c in first["calls"]]
    params = {"cursor": first["records"]["cursor"]}
    while True:
        page = get(sb, "/v2/calls", **params).json()
        assert page["records"]["totalRecords"] == total
        ids.extend(c["id"] for c in page["calls"])
        if "cursor" not in page["records"]:
            break
        params["cursor"] = page["records"]["cursor"]
    assert len(ids) == len(set(ids)) == total


def test_get_cursor_only_works_with_the_same_query(sandbox):
    first = get(sandbox, "/v2/calls", fromDateTime="2026-05-01T00:00:00Z").json()
    cursor = first["records"]["cursor"]
    ok = get(sandbox, "/v2/calls", fromDateTime="2026-05-01T00:00:00Z", cursor=cursor)
    assert ok.json()["records"]["currentPageNumber"] == 1
    r = get(sandbox, "/v2/calls", fromDateTime="2026-05-02T00:00:00Z", cursor=cursor)
    assert errors(r) == ["Invalid cursor"]


def test_cursor_of_the_wrong_type_is_a_400(sandbox):
    r = session(sandbox).post(
        f"{sandbox.url}/v2/calls/extensive", json={"filter": {}, "cursor": 12}
    )
    assert r.status_code == 400
