"""Bad input: a clear one-line error, the right exit code, nothing loaded or lost.

Every scenario starts from a destination that already holds a good load (one load of a
small sandbox company per module, its working directory copied per scenario), runs the
mistake through the real `dlt-gong run` in a subprocess, and asserts four things: the
exact and only line on stderr, the exit code, how many requests the sandbox (or the
host that is not Gong) served, and that the destination is untouched: the same rows and
row checksums in every table, the same local pipeline state, no pending load package,
and still exactly the sandbox's data for the range (the proof every scenario ends with).

The destination that refuses the load goes further: the refused run fetched data, so the
test then lets the destination accept again and proves the next ordinary run loads
exactly what was missing, no more and no less.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dlt
import duckdb
import pytest
from cli_runs import (
    FakeProxy,
    Snapshot,
    copy_workdir,
    dlt_gong,
    key_env,
    only_line,
    snapshot,
    token_env,
)
from proof import Proof, exact_proof
from report import Outcome

from dlt_gong.cli import MISSING_CREDENTIALS
from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.windows import parse_instant
from e2e_helpers import Recorder, Truth
from instants import NOW, days_before, utc_day

KEY = "bad-input-key"
SECRET = "bad-input-secret-5d1e"
# an OAuth app granted everything the scheduled run below needs except the stats scope
NO_STATS_TOKEN = "no-stats-token-77c2"
NO_STATS_SCOPES = frozenset(
    {"api:users:read", "api:calls:read:extensive", "api:calls:read:transcript"}
)
START = days_before(NOW, 6)
TABLES = ["users", "calls", "call_transcripts"]
# the scheduled run every scenario breaks in one way; lookback 0 so that a run which
# lost data could not hide it by re-reading the days before its saved position (correct
# by design only while the sandbox clock stands still: nothing becomes visible between
# the good load and the run that breaks)
RUN = [
    "run", "--start-date", START.isoformat(),
    "--resources", "users,calls,call_transcripts,aggregated_activity",
    "--reconcile-days", "0",  # the requests counted here are the load's (see test_deletions)
    "--lookback-days", "0", "--progress", "none",
]  # fmt: skip


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    config = SandboxConfig(
        seed=41, users=8, calls=120, days=6, now=NOW, freeze_clock=True, rate_limit_per_second=None,
        daily_quota=None, late_call_rate=0.0, access_key=KEY, access_key_secret=SECRET,
        bearer_tokens=(NO_STATS_TOKEN,), scopes={NO_STATS_TOKEN: NO_STATS_SCOPES},
    )  # fmt: skip
    with run_sandbox(config) as running:
        yield running


@dataclass(frozen=True)
class Loaded:
    """The working directory of a good load: gong.duckdb and .dlt-data/, and its snapshot."""

    workdir: Path
    before: Snapshot
    proof: Proof


def prove(workdir: Path, sb: RunningSandbox) -> Proof:
    """The destination holds exactly the sandbox's users, calls and transcripts."""
    probe = dlt.pipeline(
        pipeline_name="probe",
        destination=dlt.destinations.duckdb(str(workdir / "gong.duckdb")),
        dataset_name="gong_data",
        pipelines_dir=str(workdir.parent / f"{workdir.name}-probe"),
    )
    return exact_proof(probe, Truth(sb, START), TABLES)


@pytest.fixture(scope="module")
def good(sb: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    workdir = tmp_path_factory.mktemp("good-load")
    r = dlt_gong(RUN, workdir, key_env(sb))
    assert r.returncode == 0, r.stderr
    before = snapshot(workdir)
    assert before.tables["calls"][0] > 0 and before.tables["aggregated_activity"][0] > 0
    assert before.state["sources"]["gong"]["calls_started"]  # positions were saved
    return Loaded(workdir, before, prove(workdir, sb))


def assert_untouched(workdir: Path, good: Loaded, sb: RunningSandbox) -> Proof:
    assert snapshot(good.workdir) == good.before, "a run wrote to the original good load"
    after = snapshot(workdir)
    assert after.tables == good.before.tables, "the destination's rows changed"
    assert after.state == good.before.state, "the pipeline state changed"
    assert after.pending == (), f"a load package was left pending: {after.pending}"
    proof = prove(workdir, sb)
    assert proof == good.proof
    return proof


def closed_port_url() -> str:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- refused before a single request, or at Gong's first answer ------------------------


@dataclass(frozen=True)
class Case:
    scenario: str
    injected: str
    args: list[str]
    env: str  # "key", "wrong secret", "no credentials" or "token without stats"
    message: str
    exit_code: int
    requests: int


def _future_end() -> date:
    return utc_day(NOW) + timedelta(days=7)


CASES = [
    Case(
        "wrong credentials", "a wrong access_key_secret", RUN, "wrong secret",
        f"Gong rejected access key '{KEY}' and its access_key_secret with 401 on GET /v2/users "
        "(Gong: Validate credentials failed. Please check your credentials and try again.). "
        "Check sources.gong.credentials and sources.gong.base_url.",
        2, 1,
    ),
    Case(
        "missing credentials", "no credentials in secrets.toml or the environment", RUN,
        "no credentials", MISSING_CREDENTIALS, 2, 0,
    ),
    Case(
        "missing scope", "an OAuth token without api:stats:user-actions", RUN,
        "token without stats",
        "Gong refused POST /v2/stats/activity/aggregate-by-period: the credentials lack the "
        "scope 'api:stats:user-actions' (Gong: You don't have permission to use "
        "'api:stats:user-actions' in your app.). Grant it to the API key or app, or leave "
        "this table out.",
        2, 4,  # users, the calls page, its transcripts (asked as the page is read), stats
    ),
    Case(
        "start date after end date", "--start-date 2026-05-01 --end-date 2026-04-01",
        [*RUN, "--start-date", "2026-05-01", "--end-date", "2026-04-01"], "key",
        "start_date 2026-05-01T00:00:00+00:00 is not before end_date 2026-04-01T00:00:00+00:00",
        2, 0,
    ),
    Case(
        "a date that is not a date", "--start-date 05/01/2026",
        [*RUN, "--start-date", "05/01/2026"], "key",
        "--start-date 05/01/2026 is not a date: use YYYY-MM-DD or an ISO-8601 date-time", 2, 0,
    ),
    Case(
        "end date in the future for stats", "--end-date a week from today with a stats table",
        [*RUN, "--end-date", _future_end().isoformat()], "key",
        f"end_date {_future_end().isoformat()} is in the future; Gong's stats cover only past "
        "days: leave end_date out for an incremental load",
        2, 0,
    ),
    Case(
        "unknown resource name", "--resources users,calls,emails",
        [*RUN, "--resources", "users,calls,emails"], "key",
        "--resources users,calls,emails names no table 'emails': choose from users, workspaces, "
        "calls, call_transcripts, call_transcript_sentences, "
        "call_transcript_turns, call_transcript_text, call_transcript_chunks, "
        "call_speaker_stats, call_interaction, "
        "aggregated_activity, day_by_day_activity, interaction_stats, answered_scorecards, "
        "scorecards, trackers, library_folders, library_folder_calls, user_settings_history, "
        "call_outcomes, audit_logs, coaching_metrics, flows, flow_folders, flow_steps, "
        "permission_profiles, permission_profile_users, crm_integrations, crm_entity_schemas, "
        "call_user_access, briefs, engage_tasks",
        2, 0,
    ),
]  # fmt: skip


def case_env(sb: RunningSandbox, kind: str) -> dict[str, str]:
    if kind == "key":
        return key_env(sb)
    if kind == "wrong secret":
        return key_env(sb, "not-the-secret")
    if kind == "token without stats":
        return token_env(sb, NO_STATS_TOKEN)
    assert kind == "no credentials"
    return {"SOURCES__GONG__BASE_URL": sb.url}


@pytest.mark.parametrize("case", CASES, ids=[c.scenario for c in CASES])
def test_refused_with_one_line_and_nothing_changes(
    case: Case, sb: RunningSandbox, good: Loaded, tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    """A mistake costs at most the request that reveals it, and never a row: the later
    arguments win in click, so each case is the scheduled run with one thing wrong.
    Missing scope: dlt takes the resources in turn, so users and the first page of calls
    are fetched before the stats request is refused; what was fetched is not loaded."""
    workdir = copy_workdir(good.workdir, tmp_path / "run")
    sb.reset_stats()
    r = dlt_gong(case.args, workdir, case_env(sb, case.env))
    assert (r.returncode, only_line(r)) == (case.exit_code, f"dlt-gong: {case.message}")
    assert sb.stats()["requests"] == case.requests, sb.stats()
    proof = assert_untouched(workdir, good, sb)
    report(
        Outcome(
            group="bad input", scenario=case.scenario, injected=case.injected,
            behaviour=f"one line on stderr, exit {case.exit_code}; destination untouched "
            "(rows, checksums, pipeline state)",
            expected_rows=proof.expected_rows, loaded_rows=proof.loaded_rows,
            duplicates=proof.duplicates, requests=case.requests, exit_code=r.returncode,
        )
    )  # fmt: skip


# -- a base URL that is not Gong -------------------------------------------------------


def test_unreachable_base_url_gives_up_in_seconds(
    sb: RunningSandbox, good: Loaded, tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    """Connection refused before the host ever answered: a wrong URL or no network. The
    client tries three times (seconds, not the minutes of backoff a flaky Gong earns) and
    names the URL, never the credentials; exit 1, since the network can cause it too."""
    workdir = copy_workdir(good.workdir, tmp_path / "run")
    url = closed_port_url()
    started = time.monotonic()
    r = dlt_gong(RUN, workdir, {**key_env(sb), "SOURCES__GONG__BASE_URL": url})
    seconds = time.monotonic() - started
    assert (r.returncode, only_line(r)) == (
        1,
        f"dlt-gong: could not connect to {url} (Connection refused; 3 attempts): "
        "check sources.gong.base_url and the network",
    )
    assert seconds < 20, f"took {seconds:.0f} s to give up"
    proof = assert_untouched(workdir, good, sb)
    report(
        Outcome(
            group="bad input", scenario="unreachable base URL",
            injected="base_url on a closed local port (connection refused)",
            behaviour=f"3 connection attempts, gave up in {seconds:.0f} s with one line naming "
            "the URL; exit 1; destination untouched",
            expected_rows=proof.expected_rows, loaded_rows=proof.loaded_rows,
            duplicates=proof.duplicates, requests=0, retries=2, exit_code=r.returncode,
        )
    )  # fmt: skip


PROXY_PAGES = [
    (200, b"<html><body><h1>Sign in to continue</h1></body></html>",
     "answered 200 with text/html; charset=utf-8, not Gong's JSON"),
    (403, b"<html><body><h1>403 Forbidden</h1>Blocked by proxy policy</body></html>",
     "answered 403 with a page that is not Gong's JSON (text/html; charset=utf-8)"),
]  # fmt: skip


@pytest.mark.parametrize(("status", "page", "said"), PROXY_PAGES, ids=["200 login page", "403"])
def test_a_host_that_is_not_gong_is_named(
    status: int, page: bytes, said: str, sb: RunningSandbox, good: Loaded, tmp_path: Path,
    report: Callable[[Outcome], None],
) -> None:  # fmt: skip
    """An HTML page where Gong's JSON belongs (a proxy, a login portal): one request, one
    line saying it is not Gong's API. A proxy's 403 must not read as Gong rejecting the
    credentials (it used to: the user would rotate a key that was fine)."""
    workdir = copy_workdir(good.workdir, tmp_path / "run")
    with FakeProxy(status, page).running() as proxy:
        r = dlt_gong(RUN, workdir, {**key_env(sb), "SOURCES__GONG__BASE_URL": proxy.url})
    assert (r.returncode, only_line(r)) == (
        1, f"dlt-gong: GET /v2/users at {proxy.url} {said}: check sources.gong.base_url"
    )  # fmt: skip
    assert proxy.served == 1
    proof = assert_untouched(workdir, good, sb)
    report(
        Outcome(
            group="bad input", scenario=f"non-Gong base URL ({status} HTML page)",
            injected=f"base_url of a local server answering {status} with an HTML page",
            behaviour="one line: not Gong's JSON, check base_url; exit 1; destination untouched",
            expected_rows=proof.expected_rows, loaded_rows=proof.loaded_rows,
            duplicates=proof.duplicates, requests=proxy.served, exit_code=r.returncode,
        )
    )  # fmt: skip


# -- a destination that will not take the load -------------------------------------------


def test_locked_destination_fails_before_any_request(
    sb: RunningSandbox, good: Loaded, tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    """The DuckDB file is open for writing in another program (a notebook, a BI tool):
    dlt opens the destination before extracting, so the only request spent is the one that
    proved the credentials before the pipeline was opened (`preflight.py`)."""
    workdir = copy_workdir(good.workdir, tmp_path / "run")
    sb.reset_stats()
    holder = duckdb.connect(str(workdir / "gong.duckdb"))  # this process holds the lock
    try:
        r = dlt_gong(RUN, workdir, key_env(sb))
    finally:
        holder.close()
    assert r.returncode == 1, r.stderr
    assert re.fullmatch(
        r"dlt-gong: could not open the duckdb destination, so nothing was loaded: "
        r'IO Error: Could not set lock on file "' + re.escape(str(workdir / "gong.duckdb"))
        + r'": Conflicting lock is held in .+ \(PID \d+\)\..*',
        only_line(r),
    ), r.stderr  # fmt: skip
    assert sb.stats()["by_endpoint"] == {"GET /v2/users": 1}  # the credentials' proof
    proof = assert_untouched(workdir, good, sb)
    report(
        Outcome(
            group="bad input", scenario="destination locked by another program",
            injected="gong.duckdb held open for writing by another process",
            behaviour="one line after the credentials' one request; exit 1; destination "
            "untouched",
            expected_rows=proof.expected_rows, loaded_rows=proof.loaded_rows,
            duplicates=proof.duplicates, requests=1, exit_code=r.returncode,
        )
    )  # fmt: skip


# Once time passes, calls that were still going on (or not yet processed) at the last run
# become visible with a start before its saved position; only a lookback longer than the
# longest call plus its processing reads them. 0.1 day (2.4 h) is longer than any call in
# this company (the test checks it on the ground truth) and far shorter than the 3 days
# the refused run fetched, so a package lost on the way could not be hidden by re-reading.
LOOKBACK_DAYS = 0.1
RUN_LATER = [*RUN[:-4], "--lookback-days", str(LOOKBACK_DAYS), "--progress", "none"]


def test_refused_load_is_loaded_by_the_next_run_exactly(
    sb: RunningSandbox, good: Loaded, tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    """A destination that opens but refuses to write (DuckDB attached read-only, as a
    warehouse whose grants were revoked). Three days pass first, so the refused run
    fetches new calls. Then: one line, exit 1, nothing written; the fetched data and the
    positions it would save wait in a pending load package. Once the destination accepts
    again, the next ordinary run loads that package first and then fetches on from the
    saved positions, less a lookback (``LOOKBACK_DAYS``) that re-reads only the last
    hours: the calls of the days before come from the package alone, and the result is
    exactly the sandbox's data, each call once.

    Found with this test: dlt's `run` on a pipeline with a pending package loads it and
    returns without extracting, so that next run fetched nothing new and its summary
    was empty; `runner.run_pipeline` now finishes the pending package, then runs."""
    sk = sb.company.skeleton
    longest = max(sk.visible[i] - sk.start[i] for i in range(sk.n))
    assert longest < LOOKBACK_DAYS * 86400, "the lookback no longer covers every call"
    workdir = copy_workdir(good.workdir, tmp_path / "run")
    saved = parse_instant(good.before.state["sources"]["gong"]["calls_started"]["calls"])
    now = sb.clock.now()
    sb.clock.advance(3 * 24 * 3600)
    recorder = Recorder()
    try:
        truth = Truth(sb, START)
        new_calls = len(truth.public_calls()) - good.before.tables["calls"][0]
        assert new_calls > 0  # the refused run has something to lose
        sb.reset_stats()
        refused = dlt_gong(
            RUN_LATER, workdir,
            {**key_env(sb), "DESTINATION__DUCKDB__CREDENTIALS__READ_ONLY": "true"},
        )  # fmt: skip
        fetched = sb.stats()["requests"]
        assert refused.returncode == 1, refused.stderr
        assert only_line(refused) == (
            "dlt-gong: the duckdb destination refused the load: Invalid Input Error: Cannot "
            'execute statement of type "DELETE" on database "gong" which is attached in '
            "read-only mode! (what this run extracted is kept and loaded first by the next run)"
        )
        assert sb.stats()["by_endpoint"] == {
            "GET /v2/users": 1, "POST /v2/calls/extensive": 1, "POST /v2/calls/transcript": 1,
            "POST /v2/stats/activity/aggregate-by-period": 1,
        }  # fmt: skip
        after_refusal = snapshot(workdir)
        assert after_refusal.tables == good.before.tables  # nothing written
        assert len(after_refusal.pending) == 1  # ... and nothing lost: the package waits

        sb.reset_stats()
        sb.on_exchange.append(recorder)
        again = dlt_gong(RUN_LATER, workdir, key_env(sb))
        assert again.returncode == 0, again.stderr
        loads = re.findall(r"first loaded what an earlier run had left pending \(load (\S+)\)",
                           again.stdout)  # fmt: skip
        assert loads == [after_refusal.pending[0].rsplit("/", 1)[1]]
        assert snapshot(workdir).pending == ()
        proof = prove(workdir, sb)  # exactly the sandbox's data, each key once
        assert proof.duplicates == 0
        refetched = sb.stats()["requests"]
        assert sb.stats()["by_endpoint"] == {  # it fetched on from the saved positions
            "GET /v2/users": 1, "POST /v2/calls/extensive": 1, "POST /v2/calls/transcript": 1,
            "POST /v2/stats/activity/aggregate-by-period": 1,
        }  # fmt: skip
        (asked,) = recorder.bodies("POST /v2/calls/extensive")
        reread_from = parse_instant(asked["filter"]["fromDateTime"])
        # calls only the pending package held: after the good load's position, before
        # where the next run started reading
        only_in_package = [
            c for c in truth.public_calls()
            if saved < parse_instant(c["metaData"]["started"]) < reread_from
        ]  # fmt: skip
        assert only_in_package, (saved, reread_from)
    finally:
        if recorder in sb.on_exchange:
            sb.on_exchange.remove(recorder)
        sb.clock.set(now)
    report(
        Outcome(
            group="bad input", scenario="destination refuses the load",
            injected=f"DuckDB opened read-only, after 3 days with {new_calls} new calls",
            behaviour="one line, exit 1, nothing written, fetched data kept pending; the next "
            f"run loaded it first, then fetched on ({refetched} requests, lookback "
            f"{LOOKBACK_DAYS} day): exact data",
            expected_rows=proof.expected_rows, loaded_rows=proof.loaded_rows,
            duplicates=proof.duplicates, requests=fetched, exit_code=refused.returncode,
        )
    )  # fmt: skip
