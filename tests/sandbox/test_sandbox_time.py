"""Time: calls appear once processed (some hours late), comments and reviews arrive later."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import requests
from sandbox_helpers import post

from dlt_gong.sandbox.skeleton import COMMENT, LATE


def test_late_calls_appear_after_the_clock_moves(make_sandbox):
    sb = make_sandbox(calls=400, late_call_rate=0.3, late_call_delay_hours=20, freeze_clock=True)
    company, sk = sb.company, sb.company.skeleton
    now = sb.clock.timestamp()
    waiting = [i for i in range(sk.n) if sk.start[i] < now < sk.visible[i]]
    late = [i for i in waiting if sk.flags[i] & LATE]
    assert late, "some calls of the last day are still being processed"
    start = datetime.fromtimestamp(now - 3 * 86400, timezone.utc).isoformat()
    before = company.calls_basic(start).ids()
    body = {"filter": {"fromDateTime": start}}
    assert [c["metaData"]["id"] for c in post(sb, "/v2/calls/extensive", body).json()["calls"]] \
        == before  # fmt: skip
    assert not {company.call_id(i) for i in waiting} & set(before)
    # started before "now", invisible until processed; then they show up in place
    sb.clock.advance(max(sk.visible[i] for i in late) - now + 1)
    after = company.calls_basic(start).ids()
    assert {company.call_id(i) for i in waiting} <= set(after)
    got = [c["metaData"]["id"] for c in post(sb, "/v2/calls/extensive", body).json()["calls"]]
    assert got == after[:100]
    assert after == sorted(after, key=lambda c: sk.start[company.call_index(c)])


def test_new_calls_keep_coming_as_time_passes(make_sandbox):
    sb = make_sandbox(freeze_clock=True)
    total = requests.get(f"{sb.url}/v2/calls", auth=_auth(sb)).json()["records"]["totalRecords"]
    sb.clock.advance(7 * 86400)
    later = requests.get(f"{sb.url}/v2/calls", auth=_auth(sb)).json()["records"]["totalRecords"]
    assert later - total > 40  # ~10 calls a weekday in this company
    assert later == len(sb.company.calls_basic())


def test_comments_appear_once_posted(make_sandbox):
    sb = make_sandbox(freeze_clock=True)
    company, sk = sb.company, sb.company.skeleton
    now = sb.clock.timestamp()
    pending = [
        e for e in range(len(sk.ev_time))
        if sk.ev_kind[e] == COMMENT and sk.ev_time[e] > now
        and sk.visible[sk.event_call(e)] <= now
    ]  # fmt: skip
    assert pending
    e = min(pending, key=lambda e: sk.ev_time[e])
    call_id = company.call_id(sk.event_call(e))
    selector = {"exposedFields": {"collaboration": {"publicComments": True}}}
    body = {"filter": {"callIds": [call_id]}, "contentSelector": selector}

    def comments():
        call = post(sb, "/v2/calls/extensive", body).json()["calls"][0]
        return call["collaboration"]["publicComments"]

    before = comments()
    sb.clock.advance(sk.ev_time[e] - now)  # the moment it is posted
    after = comments()
    assert len(after) == len(before) + 1
    new = next(c for c in after if c not in before)
    assert new["id"] == company.ids.encode("comment", e)
    posted = datetime.fromisoformat(new["posted"])
    assert posted.timestamp() == sk.ev_time[e]
    assert new["commenterUserId"] in {u["id"] for u in company.users()}
    assert after == company.calls(call_ids=[call_id], content_selector=selector)[0][
        "collaboration"]["publicComments"]  # fmt: skip


def test_answered_scorecards_appear_once_reviewed(make_sandbox):
    sb = make_sandbox(freeze_clock=True)
    company = sb.company
    body = {"filter": {"reviewMethod": "BOTH"}}
    before = post(sb, "/v2/stats/activity/scorecards", body).json()["records"]["totalRecords"]
    sb.clock.advance(3 * 86400)
    after = post(sb, "/v2/stats/activity/scorecards", body).json()["records"]["totalRecords"]
    assert after > before
    assert after == len(company.answered_scorecards(review_method="BOTH"))


def test_clock_instrument(make_sandbox):
    sb = make_sandbox(freeze_clock=True)
    url = f"{sb.url}/_sandbox/clock"
    assert requests.get(url).json() == {"now": "2026-06-15T17:30:00+00:00", "frozen": True}
    assert requests.post(url, json={"advance_seconds": 90}).json()["now"] == (
        "2026-06-15T17:31:30+00:00"
    )
    r = requests.post(url, json={"now": "2026-07-01T00:00:00-07:00"})
    assert r.json()["now"] == "2026-07-01T07:00:00+00:00"
    assert sb.clock.now() == datetime(2026, 7, 1, 7, tzinfo=timezone.utc)
    assert requests.post(url, json={"now": "tomorrow"}).status_code == 400


def test_running_clock_moves_with_real_time(make_sandbox):
    sb = make_sandbox(freeze_clock=False)
    first = sb.clock.now()
    assert first - datetime(2026, 6, 15, 17, 30, tzinfo=timezone.utc) < timedelta(seconds=30)
    sb.clock.advance(3600)
    assert sb.clock.now() - first >= timedelta(hours=1)


def _auth(sb):
    return (sb.config.access_key, sb.config.access_key_secret)
