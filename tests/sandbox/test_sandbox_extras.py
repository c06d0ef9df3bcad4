"""Engage, permissions, CRM, audit logs, coaching and AI briefs, over HTTP.

Every answer is compared with the company's ground truth, and checked against the rest of
the company: log entries, flow owners, profile users and access lists name real users and
calls; coaching reports are the manager's reports; log entries and tasks move with the clock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace

import pytest
import requests
from sandbox_helpers import errors, get, pages, post

from contract_watch import FACTORY_DEFAULTS, TEST_NOW, WATCH
from dlt_gong.sandbox import RunningSandbox, SandboxConfig, messages, run_sandbox
from dlt_gong.sandbox.audit import LOG_TYPES
from dlt_gong.sandbox.coaching import METRICS
from dlt_gong.sandbox.crm import OBJECT_TYPES
from dlt_gong.sandbox.extra_endpoints import ExtraEndpoints
from dlt_gong.sandbox.timeutil import parse_date_time

FROM = "2026-01-01T00:00:00Z"
NO_SCOPES = "token-without-scopes"


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    """A small company on a frozen clock; a token with no scopes for the 401s."""
    config = SandboxConfig(
        **{**FACTORY_DEFAULTS, "users": 30, "calls": 400, "days": 45, "freeze_clock": True},
        page_size=40,
        bearer_tokens=(NO_SCOPES,),
        scopes={NO_SCOPES: frozenset()},
    )
    with contextlib.ExitStack() as stack:
        running = stack.enter_context(run_sandbox(config))
        running.on_exchange.append(WATCH)
        yield running


def _all(sb: RunningSandbox, path: str, key: str, **params: str) -> list[dict]:
    return [item for page in pages(sb, "GET", path, params=params) for item in page[key]]


# -- GET /v2/logs ---------------------------------------------------------------------------


def test_logs_page_through_the_truth_and_name_real_users_and_calls(sb):
    company = sb.company
    users = {u["id"]: u for u in company.users()}
    history_start = (TEST_NOW - timedelta(days=45)).timestamp()
    seen_calls = 0
    for log_type in LOG_TYPES:
        truth = list(company.audit_logs(log_type, FROM))
        assert truth, log_type
        got = _all(sb, "/v2/logs", "logEntries", logType=log_type, fromDateTime=FROM)
        assert got == truth
        times = [parse_date_time(e["eventTime"]).timestamp() for e in got]
        assert times == sorted(times)
        assert history_start <= times[0] and times[-1] <= TEST_NOW.timestamp()
        assert len({e["logRecord"]["auditId"] for e in got}) == len(got)
        for entry in got:
            user = users[entry["userId"]]
            assert entry["userEmailAddress"] == user["emailAddress"]
            assert entry["userFullName"] == f"{user['firstName']} {user['lastName']}"
            call_id = entry["logRecord"].get("callId")
            if call_id is not None:
                assert company.call_index(call_id) is not None
                seen_calls += 1
    assert seen_calls > 0
    # the listens the stats count are the plays the log lists
    assert len(company.audit_logs("UserCallPlay", FROM)) > 40


def test_logs_window_empty_and_validation(sb):
    company = sb.company
    every = list(company.audit_logs("AccessLog", FROM))
    middle = every[len(every) // 2]["eventTime"]
    later = get(sb, "/v2/logs", logType="AccessLog", fromDateTime=middle).json()
    earlier = list(company.audit_logs("AccessLog", FROM, middle))
    assert later["records"]["totalRecords"] + len(earlier) == len(every)
    assert later["logEntries"][0]["eventTime"] == middle  # from inclusive, to exclusive
    r = get(sb, "/v2/logs", logType="AccessLog", fromDateTime="2026-06-16T00:00:00Z")
    assert r.status_code == 404
    assert errors(r) == [messages.NO_LOGS_FOUND]
    r = get(sb, "/v2/logs", logType="AccessLog")
    assert r.status_code == 400
    assert errors(r) == ["fromDateTime is required"]


@pytest.mark.contract_exempt("sends a logType outside the spec's enum on purpose")
def test_logs_unknown_type(sb):
    r = get(sb, "/v2/logs", logType="Everything", fromDateTime=FROM)
    assert r.status_code == 400
    assert errors(r) == ["Invalid logType: 'Everything'"]


def _time(entry: dict) -> float:
    return parse_date_time(entry["eventTime"]).timestamp()


def test_new_log_entries_appear_as_the_clock_moves(make_sandbox):
    sb = make_sandbox(freeze_clock=True)
    plays = _all(sb, "/v2/logs", "logEntries", logType="UserCallPlay", fromDateTime=FROM)
    access = _all(sb, "/v2/logs", "logEntries", logType="AccessLog", fromDateTime=FROM)
    fortnight = 14 * 86400
    assert min(map(_time, access)) >= TEST_NOW.timestamp() - fortnight  # spec: 14 days kept
    sb.company.clock.advance(2 * 86400)
    now = TEST_NOW.timestamp() + 2 * 86400
    plays_after = _all(sb, "/v2/logs", "logEntries", logType="UserCallPlay", fromDateTime=FROM)
    assert plays_after[: len(plays)] == plays  # nothing already logged changes
    assert len(plays_after) > len(plays)
    assert all(TEST_NOW.timestamp() < _time(e) <= now for e in plays_after[len(plays) :])
    access_after = _all(sb, "/v2/logs", "logEntries", logType="AccessLog", fromDateTime=FROM)
    kept = [e for e in access if _time(e) >= now - fortnight]
    assert len(kept) < len(access)  # two days dropped out of the access log
    assert access_after[: len(kept)] == kept and len(access_after) > len(kept)


def test_log_delay_lists_entries_late(make_sandbox):
    prompt = make_sandbox(freeze_clock=True)
    late = make_sandbox(freeze_clock=True, log_delay_minutes=360)
    since = (TEST_NOW - timedelta(days=13)).isoformat()
    missing = 0
    for log_type in ("AccessLog", "UserCallPlay"):
        everything = _all(prompt, "/v2/logs", "logEntries", logType=log_type, fromDateTime=since)
        listed = _all(late, "/v2/logs", "logEntries", logType=log_type, fromDateTime=since)
        ids = {e["logRecord"]["auditId"] for e in listed}
        assert [e for e in everything if e["logRecord"]["auditId"] in ids] == listed
        assert all(e in listed for e in everything if _time(e) <= TEST_NOW.timestamp() - 6 * 3600)
        missing += len(everything) - len(listed)
    assert missing > 0
    late.company.clock.advance(6 * 3600)
    for log_type in ("AccessLog", "UserCallPlay"):
        params = {"logType": log_type, "fromDateTime": since, "toDateTime": TEST_NOW.isoformat()}
        assert _all(late, "/v2/logs", "logEntries", **params) == _all(
            prompt, "/v2/logs", "logEntries", **params
        )


# -- GET /v2/coaching -----------------------------------------------------------------------


def test_coaching_lists_the_managers_reports_with_their_calls(sb):
    company = sb.company
    users = company.users()
    workspaces = [w["id"] for w in company.workspaces()]
    managers = sorted({u["managerId"] for u in users if u["managerId"]})
    hosts = {}
    for call in company.calls_basic(None, None, None):
        hosts[call["id"]] = call["primaryUserId"]
    total = 0
    for manager in managers:
        for ws in workspaces:
            params = {"workspace-id": ws, "manager-id": manager, "from": FROM,
                      "to": TEST_NOW.isoformat()}  # fmt: skip
            body = get(sb, "/v2/coaching", **params).json()
            truth = company.coaching(ws, manager, FROM, TEST_NOW.isoformat())
            assert body["coachingData"] == truth
            (data,) = body["coachingData"]
            assert data["manager"]["id"] == manager
            for rep in data["directReportsMetrics"]:
                report = next(u for u in users if u["id"] == rep["report"]["id"])
                assert report["managerId"] == manager and report["active"]
                assert set(rep["metrics"]) == set(METRICS)
                for call_ids in rep["metrics"].values():
                    assert all(hosts[c] == report["id"] for c in call_ids)
                    total += len(call_ids)
    assert total > 0
    r = get(sb, "/v2/coaching", **{"workspace-id": workspaces[0], "manager-id": managers[0]})
    assert r.status_code == 400
    assert errors(r) == ["from is required"]


# -- Engage ------------------------------------------------------------------------------------


def test_flows_per_owner_include_company_flows_for_everyone(sb):
    company = sb.company
    users = company.users()
    by_id: dict[str, dict] = {}
    company_flows = None
    for user in users:
        got = _all(sb, "/v2/flows", "flows", flowOwnerEmail=user["emailAddress"])
        assert got == company.flows(user["emailAddress"])
        shared = [f for f in got if f["visibility"] == "Company"]
        company_flows = company_flows or shared
        assert shared == company_flows  # the same company flows for every owner
        by_id.update((f["id"], f) for f in got)
    assert company_flows and len(by_id) > len(company_flows)
    r = get(sb, "/v2/flows", flowOwnerEmail="nobody@example.com")
    assert r.status_code == 400
    assert errors(r) == ["No user found with email nobody@example.com"]


def test_flows_and_folders_are_paged(make_sandbox):
    sb = make_sandbox(freeze_clock=True, page_size=5)
    email = sb.company.users()[4]["emailAddress"]
    for path, key, param, truth in (
        ("/v2/flows", "flows", "flowOwnerEmail", sb.company.flows(email)),
        ("/v2/flows/folders", "flowsFolders", "flowFolderOwnerEmail",
         sb.company.flow_folders(email)),
    ):  # fmt: skip
        got = list(pages(sb, "GET", path, params={param: email}))
        assert len(truth) > 5 and len(got) == -(-len(truth) // 5)
        assert [item for page in got for item in page[key]] == truth


def test_flow_folders_use_the_recorded_key_and_system_folder(sb):
    company = sb.company
    user = company.users()[3]
    body = get(sb, "/v2/flows/folders", flowFolderOwnerEmail=user["emailAddress"]).json()
    assert set(body) == {"requestId", "records", "flowsFolders"}
    assert body["flowsFolders"] == company.flow_folders(user["emailAddress"])
    assert body["flowsFolders"][0] == {"id": "100", "name": "Shared With You",
                                       "parentFolderId": "null", "createdById": "null",
                                       "visibility": "Shared"}  # fmt: skip
    flows = company.flows(user["emailAddress"])
    folder_ids = {f["id"] for f in body["flowsFolders"]}
    assert {f["folderId"] for f in flows if f["visibility"] != "Shared"} <= folder_ids


def test_flow_steps_batches_of_twenty(sb):
    company = sb.company
    every = {f["id"]: f for u in company.users() for f in company.flows(u["emailAddress"])}
    ids = list(every)[:20]
    got = post(sb, "/v2/flows/steps", {"flowIds": ids}).json()["flows"]
    assert got == company.flow_steps(ids)
    assert [f["id"] for f in got] == ids
    for flow in got:
        assert [s["stepOrder"] for s in flow["steps"]] == list(range(1, len(flow["steps"]) + 1))
    r = post(sb, "/v2/flows/steps", {"flowIds": [*ids, "1234567890123456789"]})
    assert r.status_code == 400
    assert errors(r) == [messages.TOO_MANY_FLOW_IDS]
    r = post(sb, "/v2/flows/steps", {"flowIds": [*ids[:3], "1234567890123456789"]})
    assert r.status_code == 404
    assert errors(r) == ["Flow not found: flowId=1234567890123456789"]


def test_tasks_of_each_user_and_their_status(make_sandbox):
    sb = make_sandbox(freeze_clock=True)
    company = sb.company
    open_total = 0
    every = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"]}
    for user in company.users():
        body = {"filter": {"userId": user["id"], **every, "status": ["OPEN"]}}
        got = post(sb, "/v2/tasks", body).json()
        assert got["tasks"] == company.tasks(user["id"])
        assert got["crmType"] == "SALESFORCE"
        assert all(t["userId"] == int(user["id"]) and t["status"] == "OPEN" for t in got["tasks"])
        open_total += len(got["tasks"])
    assert open_total > 0
    seller = next(u for u in company.users() if company.tasks(u["id"]))
    everything = {"filter": {"userId": seller["id"], **every,
                             "status": ["OPEN", "DONE", "DISMISSED"]}}  # fmt: skip
    before = post(sb, "/v2/tasks", everything).json()["tasks"]
    assert {t["type"] for t in before} <= {"FLOW", "MANUAL"}
    sb.company.clock.advance(10 * 86400)
    after = post(sb, "/v2/tasks", everything).json()["tasks"]
    assert len(after) > len(before)  # new tasks were created
    assert [t["id"] for t in after[: len(before)]] == [t["id"] for t in before]
    r = post(sb, "/v2/tasks", {"filter": {"userId": seller["id"], "status": ["OPEN"]}})
    assert r.status_code == 400
    r = post(sb, "/v2/tasks", {"filter": {**everything["filter"], "userId": "1597409306735779049"}})
    assert r.status_code == 500  # as recorded for a made-up user id
    assert errors(r) == [messages.INTERNAL_ERROR]


# -- permissions -------------------------------------------------------------------------------


def test_permission_profiles_and_their_users(sb):
    company = sb.company
    users = {u["id"]: u for u in company.users()}
    members: dict[str, int] = {}
    for ws in company.workspaces():
        profiles = get(sb, "/v2/all-permission-profiles", workspaceId=ws["id"]).json()["profiles"]
        assert profiles == company.permission_profiles(ws["id"])
        names = [p["name"] for p in profiles]
        assert names == sorted(names)  # spec: alphabetical
        for profile in profiles:
            got = get(sb, "/v2/permission-profile/users", profileId=profile["id"]).json()["users"]
            assert got == company.permission_profile_users(profile["id"])
            for user in got:
                assert users[user["id"]]["emailAddress"] == user["emailAddress"]
                members[user["id"]] = members.get(user["id"], 0) + 1
    assert set(members) == set(users)  # every user has a profile
    r = get(sb, "/v2/permission-profile/users", profileId="12345678901234567890")
    assert r.status_code == 400
    assert errors(r) == ["Bad request"]


def test_call_users_access_for_a_hundred_calls(sb):
    company = sb.company
    call_ids = [c["id"] for c in company.calls_basic(None, None, None)][:100]
    got = post(sb, "/v2/calls/users-access", {"filter": {"callIds": call_ids}}).json()
    assert got["callAccessList"] == company.call_users_access(call_ids)
    assert [a["callId"] for a in got["callAccessList"]] == call_ids
    granted = [u["userId"] for a in got["callAccessList"] for u in a["users"]]
    assert granted and set(granted) <= {u["id"] for u in company.users()}
    r = post(sb, "/v2/calls/users-access", {"filter": {"callIds": [*call_ids, "1"]}})
    assert r.status_code == 400
    assert errors(r) == ["A maximum of 100 call IDs may be requested at a time"]
    r = post(sb, "/v2/calls/users-access", {"filter": {"callIds": ["123456789"]}})
    assert r.status_code == 400
    assert errors(r) == ["Some calls not found"]


# -- CRM and briefs ----------------------------------------------------------------------------


def test_crm_integration_and_schemas(sb):
    company = sb.company
    (integration,) = get(sb, "/v2/crm/integrations").json()["integrations"]
    assert isinstance(integration["integrationId"], int)  # a number, as recorded
    assert integration["ownerEmail"] in {u["emailAddress"] for u in company.users()}
    for object_type in OBJECT_TYPES:
        body = get(sb, "/v2/crm/entity-schema", integrationId=str(integration["integrationId"]),
                   objectType=object_type).json()  # fmt: skip
        fields = body["objectTypeToSelectedFields"]
        assert fields == company.crm_entity_schema(integration["integrationId"], object_type)
        assert list(fields) == [object_type] and fields[object_type]
    r = get(sb, "/v2/crm/entity-schema", integrationId="123", objectType="ACCOUNT")
    assert r.status_code == 400
    assert errors(r) == [messages.INTEGRATION_NOT_FOUND]


def test_briefs_per_workspace(sb):
    company = sb.company
    every = get(sb, "/v2/settings/briefs").json()["briefs"]
    assert every == company.briefs()
    per = [get(sb, "/v2/settings/briefs", workspaceId=w["id"]).json()["briefs"]
           for w in company.workspaces()]  # fmt: skip
    assert [b for briefs in per for b in briefs] == every
    assert all(b["creatorUserId"] in {u["id"] for u in company.users()} for b in every)
    r = get(sb, "/v2/settings/briefs", workspaceId="1234567890123456789")
    assert r.status_code == 404
    assert errors(r) == ["Workspace not found"]


# -- scopes ------------------------------------------------------------------------------------


# (spec) each description names the scope, except all-permission-profiles (guess)
SCOPES = {
    ("GET", "/v2/logs"): "api:logs:read",
    ("GET", "/v2/coaching"): "api:coaching:read",
    ("GET", "/v2/flows"): "api:flows:read",
    ("GET", "/v2/flows/folders"): "api:flows:read",
    ("POST", "/v2/flows/steps"): "api:flows:read",
    ("GET", "/v2/all-permission-profiles"): "api:permission-profile:read",
    ("GET", "/v2/permission-profile/users"): "api:users:read",
    ("GET", "/v2/crm/integrations"): "api:crm:integrations:read",
    ("GET", "/v2/crm/entity-schema"): "api:crm:schema",
    ("POST", "/v2/calls/users-access"): "api:call-user-access:read",
    ("GET", "/v2/settings/briefs"): "api:ai-briefer:read",
    ("POST", "/v2/tasks"): "api:tasks:read",
}


def test_each_endpoint_needs_its_scope(sb):
    table = ExtraEndpoints(SimpleNamespace(company=None)).table()  # type: ignore[arg-type]
    assert {(m, t): scope for m, t, scope, _ in table} == SCOPES
    for (method, path), scope in SCOPES.items():
        r = requests.request(method, f"{sb.url}{path}", json={} if method == "POST" else None,
                             headers={"Authorization": f"Bearer {NO_SCOPES}"}, timeout=30)  # fmt: skip
        assert r.status_code == 401, path
        assert errors(r) == [messages.MISSING_SCOPE.format(scope=scope)]


def test_rate_limited_answers_hold_to_the_contract(make_sandbox):
    """429 on the operations whose spec omits it (contract DEVIATIONS: the limit is global)."""
    sb = make_sandbox(freeze_clock=True, daily_quota=1)
    company = sb.company
    ws = company.workspaces()[0]["id"]
    call_id = company.calls_basic(None, None, None)[0]["id"]
    assert get(sb, "/v2/crm/integrations").status_code == 200  # the day's one request
    for r in (
        get(sb, "/v2/all-permission-profiles", workspaceId=ws),
        get(sb, "/v2/permission-profile/users", profileId=company.permission_profiles(ws)[0]["id"]),
        get(sb, "/v2/crm/integrations"),
        post(sb, "/v2/calls/users-access", {"filter": {"callIds": [call_id]}}),
    ):
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 0
        assert errors(r) == [messages.RATE_LIMIT_EXCEEDED]
