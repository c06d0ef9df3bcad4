"""Users, answered scorecards and the settings-like endpoints (no paging, no records)."""

from __future__ import annotations

import re

from sandbox_helpers import errors, get, pages, post

from dlt_gong.sandbox.timeutil import parse_date_time

ID = re.compile(r"[1-9]\d{18}")


def test_users_list_and_extensive_filters(sandbox):
    company = sandbox.company
    users = company.users()
    assert get(sandbox, "/v2/users").json()["users"] == users
    assert post(sandbox, "/v2/users/extensive", {"filter": {}}).json()["users"] == users
    assert all(ID.fullmatch(u["id"]) for u in users)
    assert len({u["emailAddress"].split("@")[1] for u in users}) == 1
    ids = {u["id"] for u in users}
    assert all(u["managerId"] in ids for u in users if u["managerId"])
    assert sum(u["managerId"] is None for u in users) == 1
    some = [users[4]["id"], users[2]["id"], "1234567890123456789"]
    got = post(sandbox, "/v2/users/extensive", {"filter": {"userIds": some}}).json()["users"]
    assert [u["id"] for u in got] == [users[2]["id"], users[4]["id"]]
    cut = sorted(u["created"] for u in users)[10]
    got = post(sandbox, "/v2/users/extensive", {"filter": {"createdFromDateTime": cut}}).json()
    assert got["records"]["totalRecords"] == sum(u["created"] >= cut for u in users) == 20
    r = post(sandbox, "/v2/users/extensive", {"filter": {"userIds": ["1234567890123456789"]}})
    assert r.status_code == 404
    assert errors(r) == ["No users found corresponding to the provided filters"]


def test_avatars_only_on_request(sandbox):
    plain = get(sandbox, "/v2/users").json()["records"]["totalRecords"]
    with_avatars = get(sandbox, "/v2/users", includeAvatars="true").json()
    assert with_avatars["records"]["totalRecords"] == plain + 1
    assert with_avatars["users"][-1]["emailAddress"].endswith("@gong.io")


def test_settings_history_ends_in_the_current_settings(sandbox):
    for user in sandbox.company.users()[:10]:
        r = get(sandbox, f"/v2/users/{user['id']}/settings-history")
        history = r.json()["userSettingsHistory"]
        assert "records" not in r.json()
        last = {h["setting"]: h["value"] for h in history}
        assert last["active"] == user["active"]
        assert last["callsImported"] == user["settings"]["telephonyCallsImported"]
        for name in ("webConferencesRecorded", "emailsImported", "gongConnectEnabled"):
            assert last[name] == user["settings"][name]
        assert [h["time"] for h in history] == sorted(h["time"] for h in history)
    r = get(sandbox, "/v2/users/1234567890123456789/settings-history")
    assert r.status_code == 404
    assert errors(r) == ["User not found"]


def test_answered_scorecards_default_to_manual(sandbox):
    company = sandbox.company
    manual = post(sandbox, "/v2/stats/activity/scorecards", {"filter": {}}).json()
    assert {s["reviewMethod"] for s in manual["answeredScorecards"]} == {"MANUAL"}
    both = [s for p in pages(sandbox, "POST", "/v2/stats/activity/scorecards",
                             {"filter": {"reviewMethod": "BOTH"}})
            for s in p["answeredScorecards"]]  # fmt: skip
    automatic = company.answered_scorecards(review_method="AUTOMATIC")
    assert len(both) == manual["records"]["totalRecords"] + len(automatic)
    assert {s["reviewMethod"] for s in both} == {"MANUAL", "AUTOMATIC"}
    assert all(s["reviewerUserId"] is None for s in automatic)
    times = [parse_date_time(s["reviewTime"]) for s in both]
    assert times == sorted(times)  # by review time
    assert both == list(company.answered_scorecards(review_method="BOTH"))


def test_answered_scorecards_reference_real_things(sandbox):
    company = sandbox.company
    cards = {c["scorecardId"]: c for c in company.scorecards()}
    calls = {c["id"]: c for c in company.calls_basic()}
    users = {u["id"] for u in company.users()}
    answered = company.answered_scorecards(review_method="BOTH")
    assert len(answered) > 20
    for s in answered:
        card = cards[s["scorecardId"]]
        call = calls[s["callId"]]
        assert s["scorecardName"] == card["scorecardName"]
        assert card["workspaceId"] == call["workspaceId"]
        assert card["reviewMethod"] == s["reviewMethod"]
        assert s["reviewedUserId"] == call["primaryUserId"]
        assert s["callStartTime"] == call["started"]
        assert s["reviewerUserId"] is None or s["reviewerUserId"] in users
        assert [a["questionId"] for a in s["answers"]] == [
            q["questionId"] for q in card["questions"]
        ]
        assert parse_date_time(s["reviewTime"]) > parse_date_time(s["callStartTime"])
        assert parse_date_time(s["reviewTime"]) <= sandbox.clock.now()


def test_answered_scorecard_filters(sandbox):
    company = sandbox.company
    everything = company.answered_scorecards(review_method="BOTH")
    user = everything[0]["reviewedUserId"]
    card = everything[0]["scorecardId"]
    flt = {"reviewMethod": "BOTH", "reviewedUserIds": [user], "scorecardIds": [card]}
    got = post(sandbox, "/v2/stats/activity/scorecards", {"filter": flt}).json()[
        "answeredScorecards"
    ]
    assert got == [
        s for s in everything if s["reviewedUserId"] == user and s["scorecardId"] == card
    ]
    flt = {"reviewMethod": "BOTH", "callFromDate": "2026-05-01", "callToDate": "2026-05-08"}
    got = post(sandbox, "/v2/stats/activity/scorecards", {"filter": flt}).json()[
        "answeredScorecards"
    ]
    assert got == [s for s in everything if "2026-05-01" <= s["callStartTime"][:10] < "2026-05-08"]
    flt = {"reviewMethod": "BOTH", "reviewFromDate": "2026-05-10", "reviewToDate": "2026-05-10"}
    r = post(sandbox, "/v2/stats/activity/scorecards", {"filter": flt})
    assert r.status_code == 404
    assert errors(r) == ["Answered scorecards not found"]
    r = post(sandbox, "/v2/stats/activity/scorecards", {"filter": {"reviewMethod": "SOMETIMES"}})
    assert r.status_code == 400


def test_scorecard_settings(sandbox):
    body = get(sandbox, "/v2/settings/scorecards").json()
    assert set(body) == {"requestId", "scorecards"}
    workspaces = {w["id"] for w in sandbox.company.workspaces()}
    for card in body["scorecards"]:
        assert card["workspaceId"] in workspaces
        assert card["reviewMethod"] in ("MANUAL", "AUTOMATIC")
        assert card["questions"] and all(q["minRange"] == "1" for q in card["questions"])
        assert ID.fullmatch(card["scorecardId"])


def test_trackers_per_workspace(sandbox):
    all_trackers = get(sandbox, "/v2/settings/trackers").json()
    assert set(all_trackers) == {"requestId", "keywordTrackers"}
    for ws in sandbox.company.workspaces():
        mine = get(sandbox, "/v2/settings/trackers", workspaceId=ws["id"]).json()["keywordTrackers"]
        assert mine and all(t["workspaceId"] == ws["id"] for t in mine)
    r = get(sandbox, "/v2/settings/trackers", workspaceId="1234567890123456789")
    assert r.status_code == 404
    assert errors(r) == ["Workspace not found"]


def test_workspaces_and_call_outcomes(sandbox):
    workspaces = get(sandbox, "/v2/workspaces").json()
    assert workspaces["workspaces"][0] == {
        "id": workspaces["workspaces"][0]["id"],
        "name": "Initial workspace",
        "description": "The built-in workspace",
    }
    assert len(workspaces["workspaces"]) == 2
    outcomes = get(sandbox, "/v2/call-outcomes").json()
    assert set(outcomes) == {"requestId", "outcomes"}
    assert [o["displayOrder"] for o in outcomes["outcomes"]] == list(range(1, 17))


def test_library_tree_and_content(sandbox):
    company = sandbox.company
    body = get(sandbox, "/v2/library/folders").json()
    assert set(body) == {"requestId", "folders"}
    folders = body["folders"]
    ids = {f["id"] for f in folders}
    roots = [f for f in folders if f["parentFolderId"] is None]
    assert len(roots) == 2  # one per workspace
    assert all(f["parentFolderId"] in ids for f in folders if f["parentFolderId"])
    calls = {c["id"]: c for c in company.calls_basic()}
    seen_calls = 0
    for folder in folders:
        content = get(sandbox, "/v2/library/folder-content", folderId=folder["id"]).json()
        assert set(content) == {"requestId", "id", "name", "createdBy", "updated", "calls"}
        assert (content["id"], content["name"]) == (folder["id"], folder["name"])
        for call in content["calls"]:
            assert call["title"] == calls[call["id"]]["title"]
            assert 0 <= call["snippet"]["fromSec"] < call["snippet"]["toSec"]
            seen_calls += 1
    assert seen_calls > 5
    r = get(sandbox, "/v2/library/folder-content", folderId="1234567890123456789")
    assert r.status_code == 404
    assert errors(r) == ["Folder not found"]
    ws = company.workspaces()[1]["id"]
    mine = get(sandbox, "/v2/library/folders", workspaceId=ws).json()["folders"]
    assert 0 < len(mine) < len(folders)
    r = get(sandbox, "/v2/library/folders", workspaceId="1234567890123456789")
    assert r.status_code == 404
    assert errors(r) == ["No folders found for the specified period"]
