"""What `dlt-gong run` and `--plan` print, line for line, through the CLI against the
sandbox at a pinned `now`: rows loaded and removed apart, what reconcile checked, the
configured rate and quota, one word for a run's kind, names as stored, and `try:` lines
that run as printed."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from instants import NOW, days_before

CLI = str(Path(sys.executable).with_name("dlt-gong"))
LEGEND = (
    "  (U users, C calls in the window, A users with activity, P periods with activity, "
    "Q runs of quiet periods, S answered scorecards, F library folders, W workspaces, "
    "M managers, I CRM integrations)"
)
CALLS_FORMULA = "ceil(C/100), plus at most ceil(C/5000) above 5,000 calls (sub-windows)"


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    config = SandboxConfig(
        seed=31, users=8, calls=200, days=10, now=NOW, freeze_clock=True,
        rate_limit_per_second=None, daily_quota=None, deleted_call_rate=0.2,
        privatized_call_rate=0.1, removals_within_days=2,
        bearer_tokens=("calls-only",),
        scopes={"calls-only": frozenset({"api:users:read", "api:calls:read:extensive"})},
    )  # fmt: skip
    with run_sandbox(config) as running:
        yield running


def dlt_gong(args: list[str], cwd: Path, sb: RunningSandbox, **env: str) -> subprocess.CompletedProcess[str]:  # fmt: skip
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION"))}
    clean.update({
        "SOURCES__GONG__BASE_URL": sb.url,
        "SOURCES__GONG__CREDENTIALS__ACCESS_KEY": sb.config.access_key,
        "SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET": sb.config.access_key_secret,
        "SOURCES__GONG__REQUESTS_PER_SECOND": "0",
        "SOURCES__GONG__NOW": sb.clock.now().isoformat(),
        "DLT_DATA_DIR": str(cwd / ".dlt-data"),
        **env,
    })  # fmt: skip
    clean = {k: v for k, v in clean.items() if v != ""}  # "": that variable left out
    return subprocess.run([CLI, *args], cwd=cwd, env=clean, capture_output=True, text=True,
                          timeout=240)  # fmt: skip


def test_a_plan_for_users_and_calls_needs_only_their_scopes_and_says_its_pace(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    """A key with the users and extensive-calls scopes plans users and calls (not
    `api:calls:read:basic`, which no table needs), at the configured 2 requests/s."""
    start = days_before(NOW, 3).isoformat()
    sb.reset_stats()
    r = dlt_gong(["run", "--plan", "--start-date", start, "--resources", "users,calls"],
                 tmp_path, sb, SOURCES__GONG__CREDENTIALS__ACCESS_TOKEN="calls-only",
                 SOURCES__GONG__CREDENTIALS__ACCESS_KEY="", SOURCES__GONG__DAILY_QUOTA="400",
                 SOURCES__GONG__REQUESTS_PER_SECOND="2")  # fmt: skip
    assert r.returncode == 0, r.stderr
    calls = sb.company.calls(f"{start}T00:00:00Z", None)
    assert len(calls) <= 100  # one page: the plan is 1 + 1 requests
    assert r.stdout.splitlines() == [
        f"Plan for a first run of users, calls, {start} .. now ({NOW:%Y-%m-%d %H:%M} UTC): "
        f"{len(sb.company.users())} users, {len(calls)} calls in the calls window from "
        f"{start} 00:00 UTC (counted with 2 requests):",
        f"  {'users':<28}{1:>8} request    ceil(U/100)",
        f"  {'calls':<28}{1:>8} request    {CALLS_FORMULA}",
        f"  {'total':<28}{2:>8} requests: about 1 s at 2 requests/s, if Gong answers each "
        "request within about 1.5 s (3 in flight); 0.5% of the daily quota of 400",
        LEGEND,
    ]
    assert sb.stats()["by_endpoint"] == {"GET /v2/users": 1, "POST /v2/calls/extensive": 1}


def test_after_a_run_that_loaded_no_calls_plan_and_run_name_its_kind_alike(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    args = ["run", "--start-date", days_before(NOW, 6).isoformat(), "--resources",
            "users,audit_logs"]  # fmt: skip
    first = dlt_gong(args, tmp_path, sb)
    assert first.returncode == 0, first.stderr
    assert "dlt-gong: first run (full history from start_date), finished in " in first.stdout
    plan = dlt_gong([*args, "--plan"], tmp_path, sb)
    assert plan.stdout.startswith("Plan for an incremental run of users, audit_logs, ")
    second = dlt_gong(args, tmp_path, sb)
    assert (
        "dlt-gong: incremental run (continuing from the saved positions), finished in "
        in second.stdout
    )


def _ids(db: Path, sql: str) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {str(r[0]) for r in con.execute(sql).fetchall()}


def test_the_summary_counts_removed_calls_apart_and_its_try_lines_run(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    start = days_before(NOW, 6).isoformat()
    args = ["run", "--start-date", start, "--dataset-name", "x-y z", "--resources",
            "users,calls,call_transcripts,call_transcript_chunks"]  # fmt: skip
    begun = sb.clock.now()
    try:
        first = dlt_gong(args, tmp_path, sb)
        assert first.returncode == 0, first.stderr
        db = tmp_path / "gong.duckdb"
        before = _ids(db, "select id from x_y_z.calls")
        with duckdb.connect(str(db), read_only=True) as con:
            chunks_before = dict(con.execute("select call_id, count(*) from "
                                             "x_y_z.call_transcript_chunks group by 1").fetchall())  # fmt: skip
        reconciled = f"calls started {NOW - timedelta(days=30):%Y-%m-%d %H:%M} .. {NOW:%Y-%m-%d %H:%M} UTC"  # fmt: skip
        assert f"  reconcile: checked 30 days ({reconciled}): no call loaded there yet, none removed" in first.stdout.splitlines()  # fmt: skip
        sb.clock.advance(3 * 86400)
        later: datetime = sb.clock.now()
        second = dlt_gong(args, tmp_path, sb)
        assert second.returncode == 0, second.stderr
        now_calls = sb.company.calls(f"{start}T00:00:00Z", None)  # as Gong has them now
    finally:
        sb.clock.set(begun)
    present = {c["metaData"]["id"] for c in now_calls}
    private = {c["metaData"]["id"] for c in now_calls if c["metaData"]["isPrivate"]}
    deleted, made_private = before - present, before & private
    assert deleted and made_private
    removed = len(deleted | made_private)
    with duckdb.connect(str(db), read_only=True) as con:
        (load_id,) = con.execute("select max(load_id) from x_y_z._dlt_loads").fetchone()
        loaded = con.execute(
            "select count(*) from x_y_z.calls where _dlt_load_id = ?", [load_id]
        ).fetchone()[0]
        chunked = con.execute(
            "select count(*) from x_y_z.call_transcript_chunks where _dlt_load_id = ?", [load_id]
        ).fetchone()[0]
    lines = second.stdout.splitlines()
    assert f"  {'calls':<28}{loaded:>12,}{removed:>14,}   " in "\n".join(lines)
    # chunks are deleted directly, not by tombstones: what was loaded is counted alone
    gone_chunks = sum(n for c, n in chunks_before.items() if c in deleted | made_private)
    assert gone_chunks > 0
    assert f"  {'call_transcript_chunks':<28}{chunked:>12,}{gone_chunks:>14,}" in lines
    span = f"calls started {later - timedelta(days=30):%Y-%m-%d %H:%M} .. {later:%Y-%m-%d %H:%M} UTC"  # fmt: skip
    assert (
        f"  reconcile: checked 30 days ({span}, {len(before)} loaded calls), removed {removed} "
        f"calls ({len(deleted)} deleted in Gong, {len(made_private)} made private)"
    ) in lines
    assert f"  data: duckdb dataset 'x_y_z' in {db}" in lines
    tries = [line.removeprefix("  try:  ") for line in lines if line.startswith("  try:  ")]
    assert len(tries) == 2
    for command in tries:
        ran = subprocess.run(shlex.split(command), cwd=tmp_path, capture_output=True, text=True,
                             env={**os.environ, "DLT_DATA_DIR": str(tmp_path / ".dlt-data")},
                             timeout=120)  # fmt: skip
        assert ran.returncode == 0, (command, ran.stderr)
    assert "title" in ran.stdout  # the query's table, with its column names


def test_a_quota_stop_is_said_once_with_the_quota_configured(tmp_path: Path) -> None:
    config = SandboxConfig(seed=32, users=8, calls=400, days=6, now=NOW, freeze_clock=True,
                           rate_limit_per_second=None, daily_quota=3)  # fmt: skip
    with run_sandbox(config) as quota_sb:
        start = days_before(NOW, 6).isoformat()
        r = dlt_gong(["run", "--start-date", start, "--resources", "calls,call_transcripts"],
                     tmp_path, quota_sb, SOURCES__GONG__MAX_RETRY_AFTER_SECONDS="60",
                     SOURCES__GONG__DAILY_QUOTA="3")  # fmt: skip
        sent = quota_sb.stats()["requests"]
    assert r.returncode == 1, r.stderr
    said = (r.stdout + r.stderr).count("Gong's daily API quota is spent")
    assert said == 1, r.stdout + r.stderr
    assert (
        r.stderr.strip()
        .splitlines()[-1]
        .startswith("dlt-gong: Gong's daily API quota is spent (429 with Retry-After ")
    )
    assert (
        f"  requests sent to Gong: {sent} requests (until the daily quota ran out), 0 retried"
        in r.stdout.splitlines()
    )
