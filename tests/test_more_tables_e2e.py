"""The twelve tables beyond calls and stats (audit logs, coaching, Engage, permissions,
CRM schema, call access, briefs, tasks), end to end: HTTP to the sandbox, DuckDB.

One load of all twelve: each gets exactly the sandbox's ground truth, the requests per
endpoint are the README's formulas on the ground truth's counts, and a second run with
nothing new changes no row count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import dlt
import pytest

from dlt_gong import endpoints as ep
from dlt_gong.counts import Counts
from dlt_gong.plan import requests_per_table
from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.tables import BY_NAME, LOG_TYPES, OBJECT_TYPES, TABLES
from dlt_gong.windows import months
from e2e_helpers import (
    Recorder,
    Truth,
    by_endpoint,
    count,
    ids,
    load,
    more_counts,
    pipeline,
    rows,
)

NOW = datetime(2026, 6, 15, 17, 30, tzinfo=timezone.utc)
DAYS = 10
START = NOW.date() - timedelta(days=DAYS)
NEW = [
    "audit_logs", "coaching_metrics", "flows", "flow_folders", "flow_steps",
    "permission_profiles", "permission_profile_users", "crm_integrations",
    "crm_entity_schemas", "call_user_access", "briefs", "engage_tasks",
]  # fmt: skip


@dataclass
class Loaded:
    sb: RunningSandbox
    p: dlt.Pipeline
    recorder: Recorder
    served: dict[str, int]
    counts: Counts


def _start() -> datetime:
    return datetime.combine(START, datetime.min.time(), timezone.utc)


def ground_counts(sb: RunningSandbox) -> Counts:
    """The formulas' counts, from the sandbox's ground truth for this window."""
    truth = Truth(sb, START)
    return Counts(
        users=len(sb.company.users()),
        calls=len(truth.calls()),
        call_pages_with_public_calls=truth.call_pages_with_public_calls(),
        **more_counts(sb, _start(), NOW),
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    config = SandboxConfig(seed=23, users=14, calls=160, days=DAYS, now=NOW, freeze_clock=True,
                           rate_limit_per_second=None, daily_quota=None)  # fmt: skip
    with run_sandbox(config) as sb:
        recorder = Recorder()
        sb.on_exchange.append(recorder)
        p = pipeline(tmp_path_factory.mktemp("more"))
        load(p, sb, start_date=START.isoformat(), resources=NEW, now=NOW)
        served = dict(sb.stats()["by_endpoint"])
        yield Loaded(sb, p, recorder, served, ground_counts(sb))


def test_every_table_holds_the_sandboxs_ground_truth(loaded: Loaded) -> None:
    company, p = loaded.sb.company, loaded.p
    users = company.users()
    emails = [u["emailAddress"] for u in users]
    workspaces = [w["id"] for w in company.workspaces()]
    logs = [e for t in LOG_TYPES for e in company.audit_logs(t, _start())]
    assert count(p, "audit_logs") == len(logs) > 0
    assert sorted(t for (t,) in rows(p, "select distinct log_type from audit_logs")) == sorted(
        t for t in LOG_TYPES if company.audit_logs(t, _start())
    )
    flows = {f["id"] for e in emails for f in company.flows(e)}
    assert ids(p, "flows") == sorted(flows)
    assert ids(p, "flow_folders") == sorted(
        {f["id"] for e in emails for f in company.flow_folders(e)}
    )
    steps = [s for f in company.flow_steps(sorted(flows)) for s in f["steps"]] if flows else []
    assert count(p, "flow_steps") == len(steps) > 0
    profiles = [pr for w in workspaces for pr in company.permission_profiles(w)]
    assert ids(p, "permission_profiles") == sorted(pr["id"] for pr in profiles)
    members = sum(len(company.permission_profile_users(pr["id"])) for pr in profiles)
    assert count(p, "permission_profile_users") == members > 0
    integrations = company.crm_integrations()
    assert count(p, "crm_integrations") == len(integrations) == 1
    fields = sum(
        len(company.crm_entity_schema(i["integrationId"], t)[t])
        for i in integrations
        for t in OBJECT_TYPES
    )
    assert count(p, "crm_entity_schemas") == fields > 0
    public = [c["metaData"]["id"] for c in Truth(loaded.sb, START).public_calls()]
    assert ids(p, "call_user_access", "call_id") == sorted(public)
    granted = sum(
        len(a["users"])
        for i in range(0, len(public), 100)
        for a in company.call_users_access(public[i : i + 100])
    )
    assert count(p, "call_user_access__users") == granted > 0
    assert ids(p, "briefs", "brief_id") == sorted(b["briefId"] for b in company.briefs())
    tasks = [t for u in users for t in company.tasks(u["id"])]
    assert count(p, "engage_tasks") == len(tasks) > 0
    managers = {u["managerId"] for u in users if u.get("managerId")}
    reports = sum(
        len(item["directReportsMetrics"])
        for w in workspaces
        for m in managers
        for lo, hi in months(_start(), NOW)
        for item in company.coaching(w, m, lo.isoformat(), hi.isoformat())
    )
    assert count(p, "coaching_metrics") == reports > 0


def test_requests_per_endpoint_are_the_formulas(loaded: Loaded) -> None:
    expected = requests_per_table(loaded.counts, NEW)
    assert loaded.served == {k: v for k, v in by_endpoint(expected).items() if v}
    # coaching lists the workspaces itself: its formula's 1 is served as GET /v2/workspaces
    assert loaded.served[ep.WORKSPACES.name] == 2
    assert loaded.counts.managers > 0 and len(loaded.counts.log_entries) == 5


def test_request_bodies_are_exact(loaded: Loaded) -> None:
    steps = loaded.recorder.bodies(ep.FLOW_STEPS.name)
    assert steps and all(list(b) == ["flowIds"] and 0 < len(b["flowIds"]) <= 20 for b in steps)
    tasks = loaded.recorder.bodies(ep.TASKS.name)
    users = loaded.sb.company.users()
    assert sorted(b["filter"]["userId"] for b in tasks) == sorted(u["id"] for u in users)
    assert all(
        {k: v for k, v in b["filter"].items() if k != "userId"}
        == {"status": ["OPEN"], "taskAction": ["CALL"], "types": ["FLOW", "MANUAL"]}
        for b in tasks
    )
    access = loaded.recorder.bodies(ep.CALL_USERS_ACCESS.name)
    assert all(list(b) == ["filter"] and 0 < len(b["filter"]["callIds"]) <= 100 for b in access)
    logs = [e.query for e in loaded.recorder.exchanges if e.path == ep.LOGS.path]
    assert sorted(q["logType"] for q in logs if "cursor" not in q) == sorted(LOG_TYPES)
    assert {q["fromDateTime"] for q in logs} == {f"{START.isoformat()}T00:00:00Z"}


def test_a_second_run_with_nothing_new_changes_nothing(loaded: Loaded) -> None:
    tables = [n for n in NEW] + ["call_user_access__users"]
    before = {t: count(loaded.p, t) for t in tables}
    load(loaded.p, loaded.sb, start_date=START.isoformat(), resources=NEW, now=NOW)
    assert {t: count(loaded.p, t) for t in tables} == before
    positions = loaded.p.state["sources"]["gong"]["resources"]["audit_logs"]["positions"]
    assert set(positions) == {t for t in LOG_TYPES if loaded.sb.company.audit_logs(t, _start())}


def test_incremental_tables_merge_and_tables_read_whole_are_replaced(loaded: Loaded) -> None:
    schema = loaded.p.default_schema
    merged = {"audit_logs", "coaching_metrics", "call_user_access"}
    for name in NEW:
        expected = "merge" if name in merged else "replace"
        assert schema.get_table(name).get("write_disposition") == expected, name


def test_every_new_table_is_in_the_catalogue() -> None:
    assert set(NEW) <= {t.name for t in TABLES}
    defaults = {n for n in NEW if BY_NAME[n].default}
    assert defaults == {"permission_profiles", "crm_integrations", "crm_entity_schemas", "briefs"}
