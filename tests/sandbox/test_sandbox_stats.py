"""Stats endpoints: company-time-zone dates, validation, and consistency with the calls."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest
from sandbox_helpers import errors, pages, post

from dlt_gong.sandbox.stats import AGGREGATE_METRICS, DAILY_METRICS

WINDOW = {"fromDate": "2026-05-04", "toDate": "2026-06-01"}  # Monday .. Monday, 4 weeks
NO_USERS = ["No users found corresponding to the provided filters"]
ENDPOINTS = [
    ("/v2/stats/activity/aggregate", {}),
    ("/v2/stats/activity/aggregate-by-period", {"aggregationPeriod": "DAY"}),
    ("/v2/stats/activity/day-by-day", {}),
    ("/v2/stats/interaction", {}),
]


@pytest.mark.parametrize(("path", "extra"), ENDPOINTS)
@pytest.mark.parametrize(
    ("flt", "message"),
    [
        ({"toDate": "2026-06-01"}, "filter.fromDate is required"),
        ({"fromDate": "2026-06-01"}, "filter.toDate is required"),
        ({"fromDate": "2026-06-01T00:00:00Z", "toDate": "2026-06-02"},
         "Invalid fromDate: expected a date as YYYY-MM-DD, got '2026-06-01T00:00:00Z'"),
        ({"fromDate": "2026-06-01", "toDate": "06/02/2026"},
         "Invalid toDate: expected a date as YYYY-MM-DD, got '06/02/2026'"),
        ({"fromDate": "2026-06-03", "toDate": "2026-06-02"}, "fromDate must not be after toDate"),
        ({"fromDate": "2026-06-01", "toDate": "2026-06-16"}, "toDate should not exceed the current day"),
    ],
)  # fmt: skip
def test_bad_windows_are_400(sandbox, path, extra, flt, message):
    r = post(sandbox, path, {**extra, "filter": flt})
    assert r.status_code == 400
    assert errors(r) == [message]


@pytest.mark.parametrize(("path", "extra"), ENDPOINTS)
def test_same_day_window_is_404(sandbox, path, extra):
    r = post(sandbox, path, {**extra, "filter": {"fromDate": "2026-06-01", "toDate": "2026-06-01"}})
    assert r.status_code == 404
    assert errors(r) == (
        ["No stats found for the specified period"] if "interaction" in path else NO_USERS
    )


def test_to_date_today_is_allowed_and_unknown_users_are_404(sandbox):
    today = sandbox.company.today().isoformat()  # 2026-06-15 in Los Angeles
    assert today == "2026-06-15"
    r = post(
        sandbox,
        "/v2/stats/activity/aggregate",
        {"filter": {"fromDate": "2026-06-08", "toDate": today}},
    )
    assert r.status_code == 200
    r = post(sandbox, "/v2/stats/activity/day-by-day",
             {"filter": {**WINDOW, "userIds": ["1234567890123456789"]}})  # fmt: skip
    assert r.status_code == 404
    assert errors(r) == ["User not found"]
    r = post(sandbox, "/v2/stats/activity/aggregate-by-period", {"filter": WINDOW})
    assert r.status_code == 400
    assert errors(r) == ["aggregationPeriod is required"]
    r = post(sandbox, "/v2/stats/activity/aggregate-by-period",
             {"filter": WINDOW, "aggregationPeriod": "FORTNIGHT"})  # fmt: skip
    assert errors(r) == ["Invalid aggregationPeriod: 'FORTNIGHT'"]


def test_envelope_and_shapes(sandbox):
    body = post(sandbox, "/v2/stats/activity/aggregate", {"filter": WINDOW}).json()
    assert body["fromDateTime"] == "2026-05-04T00:00:00-07:00"
    assert body["toDateTime"] == "2026-06-01T00:00:00-07:00"
    assert body["timeZone"] == "America/Los_Angeles"
    item = body["usersAggregateActivityStats"][0]
    assert list(item) == ["userId", "userEmailAddress", "userAggregateActivityStats"]
    assert list(item["userAggregateActivityStats"]) == list(AGGREGATE_METRICS)
    daily = post(sandbox, "/v2/stats/activity/day-by-day", {"filter": WINDOW}).json()
    entry = daily["usersDetailedActivities"][0]["userDailyActivityStats"][0]
    assert list(entry) == [*DAILY_METRICS, "fromDate", "toDate"]
    assert (entry["fromDate"], entry["toDate"]) == (
        "2026-05-04T00:00:00-07:00",
        "2026-05-05T00:00:00-07:00",
    )


def test_day_by_day_matches_calls_and_by_period_and_aggregate(sandbox):
    company = sandbox.company
    daily = post(sandbox, "/v2/stats/activity/day-by-day", {"filter": WINDOW}).json()
    by_day = post(sandbox, "/v2/stats/activity/aggregate-by-period",
                  {"filter": WINDOW, "aggregationPeriod": "DAY"}).json()  # fmt: skip
    weekly = post(sandbox, "/v2/stats/activity/aggregate-by-period",
                  {"filter": WINDOW, "aggregationPeriod": "WEEK"}).json()  # fmt: skip
    total = post(sandbox, "/v2/stats/activity/aggregate", {"filter": WINDOW}).json()
    users = [u["userId"] for u in daily["usersDetailedActivities"]]
    assert users == [u["userId"] for u in by_day["usersAggregateActivity"]]
    assert users == [u["userId"] for u in total["usersAggregateActivityStats"]]
    assert daily["records"]["totalRecords"] == len(users)

    # callsAsHost / callsAttended per day are exactly the processed calls of that day
    selector = {"exposedFields": {"parties": True}}
    calls = company.calls("2026-05-04T00:00:00-07:00", "2026-06-01T00:00:00-07:00",
                          content_selector=selector)  # fmt: skip
    hosted: Counter[tuple[str, str]] = Counter()
    attended: Counter[tuple[str, str]] = Counter()
    for call in calls:
        day = call["metaData"]["started"][:10]
        hosted[(call["metaData"]["primaryUserId"], day)] += 1
        for party in call["parties"]:
            if party["userId"] and party["userId"] != call["metaData"]["primaryUserId"]:
                attended[(party["userId"], day)] += 1

    for user, per_day, per_period, weeks, aggregate in zip(
        users,
        daily["usersDetailedActivities"],
        by_day["usersAggregateActivity"],
        weekly["usersAggregateActivity"],
        total["usersAggregateActivityStats"],
        strict=True,
    ):
        days = per_day["userDailyActivityStats"]
        assert len(days) == 28 == len(per_period["userAggregateActivity"])
        for entry, counts in zip(days, per_period["userAggregateActivity"], strict=True):
            assert {m: len(entry[m]) for m in AGGREGATE_METRICS} == {
                m: counts[m] for m in AGGREGATE_METRICS
            }
            assert (entry["fromDate"], entry["toDate"]) == (counts["fromDate"], counts["toDate"])
            day = entry["fromDate"][:10]
            assert len(entry["callsAsHost"]) == hosted[(user, day)]
            assert len(entry["callsAttended"]) == attended[(user, day)]
        assert len(weeks["userAggregateActivity"]) == 4
        assert [w["fromDate"][:10] for w in weeks["userAggregateActivity"]] == [
            "2026-05-04", "2026-05-11", "2026-05-18", "2026-05-25"
        ]  # fmt: skip
        for m in AGGREGATE_METRICS:
            summed = sum(len(e[m]) for e in days)
            assert aggregate["userAggregateActivityStats"][m] == summed
            assert sum(w[m] for w in weeks["userAggregateActivity"]) == summed
        assert any(len(e[m]) for e in days for m in AGGREGATE_METRICS)  # only active users
    assert sum(hosted.values()) == sum(
        len(e["callsAsHost"]) for u in daily["usersDetailedActivities"]
        for e in u["userDailyActivityStats"]
    )  # fmt: skip


def test_comments_and_scorecards_are_counted_where_they_happened(sandbox):
    company = sandbox.company
    daily = company.activity_day_by_day(WINDOW["fromDate"], WINDOW["toDate"])
    given = {(u["userId"], e["fromDate"][:10], c) for u in daily for e in u["userDailyActivityStats"]
             for c in e["callsCommentsGiven"]}  # fmt: skip
    selector = {"exposedFields": {"collaboration": {"publicComments": True}}}
    expected = set()
    for call in company.calls("2026-03-01T00:00:00Z", content_selector=selector):
        for comment in call.get("collaboration", {}).get("publicComments", []):
            day = comment["posted"][:10]
            if WINDOW["fromDate"] <= day < WINDOW["toDate"]:
                expected.add((comment["commenterUserId"], day, call["metaData"]["id"]))
    private = {c["id"] for c in company.calls_basic() if c["isPrivate"]}
    assert {g for g in given if g[2] not in private} == expected
    filled = {(u["userId"], e["fromDate"][:10], c) for u in daily for e in u["userDailyActivityStats"]
              for c in e["callsScorecardsFilled"]}  # fmt: skip
    manual = {
        (s["reviewerUserId"], s["reviewTime"][:10], s["callId"])
        for s in company.answered_scorecards(review_from_date=WINDOW["fromDate"],
                                             review_to_date=WINDOW["toDate"])
    }  # fmt: skip
    assert filled == manual and manual


def test_user_ids_filter_returns_those_users_even_when_idle(sandbox):
    company = sandbox.company
    users = company.users()
    idle = [u["id"] for u in users if u["id"] not in
            {a["userId"] for a in company.activity_aggregate(**_window())}]  # fmt: skip
    active = company.activity_aggregate(**_window())[0]["userId"]
    wanted = [active, *idle[:1]]
    body = post(sandbox, "/v2/stats/activity/aggregate", {"filter": {**WINDOW, "userIds": wanted}})
    got = body.json()["usersAggregateActivityStats"]
    order = [u["id"] for u in users]
    assert [u["userId"] for u in got] == sorted(wanted, key=order.index)
    assert idle  # inactive users, for one
    assert all(v == 0 for v in got[-1]["userAggregateActivityStats"].values())


def test_interaction_stats(sandbox):
    company = sandbox.company
    body = post(sandbox, "/v2/stats/interaction", {"filter": WINDOW}).json()
    stats = body["peopleInteractionStats"]
    hosts = {c["primaryUserId"] for c in company.calls_basic("2026-05-04T00:00:00-07:00",
                                                               "2026-06-01T00:00:00-07:00")}  # fmt: skip
    assert {s["userId"] for s in stats} == hosts
    names = [p["name"] for p in stats[0]["personInteractionStats"]]
    assert names == ["Talk Ratio", "Longest Monologue", "Longest Customer Story", "Interactivity",
                     "Patience", "Question Rate"]  # fmt: skip
    assert stats == company.interaction_stats(**_window())
    assert (body["fromDateTime"], body["timeZone"]) == (
        "2026-05-04T00:00:00-07:00",
        "America/Los_Angeles",
    )


def test_stats_page_100_users(make_sandbox):
    sb = make_sandbox(users=260, calls=3000, days=20)
    flt = {"filter": {"fromDate": "2026-05-26", "toDate": "2026-06-15"}}
    expected = [u["userId"] for u in sb.company.activity_aggregate("2026-05-26", "2026-06-15")]
    assert len(expected) > 200
    got = []
    for n, page in enumerate(pages(sb, "POST", "/v2/stats/activity/aggregate", flt)):
        assert page["records"]["currentPageNumber"] == n
        got.extend(u["userId"] for u in page["usersAggregateActivityStats"])
    assert got == expected


def test_dates_are_company_days(make_sandbox):
    sb = make_sandbox(
        time_zone="Asia/Tokyo", now=datetime.fromisoformat("2026-06-15T17:30:00+00:00")
    )
    assert sb.company.today() == date(2026, 6, 16)  # already tomorrow in Tokyo
    r = post(
        sb,
        "/v2/stats/activity/aggregate",
        {"filter": {"fromDate": "2026-06-10", "toDate": "2026-06-16"}},
    )
    assert r.status_code == 200
    assert r.json()["fromDateTime"] == "2026-06-10T00:00:00+09:00"


def _window():
    return {"from_date": WINDOW["fromDate"], "to_date": WINDOW["toDate"]}
