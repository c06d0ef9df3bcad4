"""A Gong that does only what its spec promises: pages of calls in any order, cursors that
live seconds, calls filtered on their scheduled time, a daily quota far below the window.

Each scenario loads calls and transcripts from a sandbox on loopback into DuckDB, as many
runs (one a day, the sandbox clock moved past UTC midnight between them) as the quota
needs, and then holds the destination to the sandbox's ground truth: every visible public
call and transcript exactly once, with all its child rows.

Lookback is 0: every call is processed minutes after it ends and none late, so re-reading
days of calls each run would only spend the small quota (correct by design here).

The clock starts on a Sunday, 03:00 in the company's time zone, and is frozen; the company
has no calls after that (`future_days=0`), so the days the quota needs add none, and no
call becomes visible while a run pages (asserted, not assumed).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from proof import exact_proof
from report import Outcome

from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.source import client_of
from e2e_helpers import Recorder, Truth, ids, load, pipeline, rows

NOW = datetime(2026, 6, 14, 10, 0, tzinfo=timezone.utc)  # Sunday 03:00 in Los Angeles
START = (NOW - timedelta(days=4)).date()
TABLES = ["calls", "call_transcripts", "call_transcript_sentences"]
CALLS_PATH = "/v2/calls/extensive"


def _config(**overrides: Any) -> SandboxConfig:
    base: dict[str, Any] = {
        "seed": 31, "users": 6, "calls": 100, "days": 4, "page_size": 10, "now": NOW,
        "freeze_clock": True, "rate_limit_per_second": None, "daily_quota": None,
        "late_call_rate": 0.0, "calls_filter_time": "scheduled", "future_days": 0,
    }  # fmt: skip
    return SandboxConfig(**{**base, **overrides})


def _run_daily(
    sb: RunningSandbox, tmp: Path, *, most_runs: int = 12, **kw: Any
) -> tuple[Any, list[bool]]:
    """Loads once a day until a run is not stopped by the quota; returns the pipeline and
    whether each run was stopped."""
    p = pipeline(tmp)
    stopped: list[bool] = []
    for _ in range(most_runs):
        source = load(p, sb, start_date=START.isoformat(), resources=TABLES,
                      max_retry_after_seconds=60, now=sb.clock.now(), lookback_days=0,
                      **kw)  # fmt: skip
        refusal = client_of(source).quota_exhausted
        stopped.append(refusal is not None)
        if refusal is None:
            break
        sb.clock.advance(refusal.retry_after_seconds + 1)  # past UTC midnight
    return p, stopped


SLOW = pytest.mark.slow  # the same scenario in another order: make soak runs them all


@pytest.mark.parametrize(
    "order",
    [
        "newest_first",
        pytest.param("shuffled", marks=SLOW),
        pytest.param("oldest_first", marks=SLOW),
    ],
)
def test_small_daily_quota_with_pages_in_any_order_ends_exact(
    order: str, tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    """Pages in `order`, a quota of 8 requests a day: each day's run stops, and after
    enough days every call and transcript is there once (the old "newest start seen"
    position lost about half of them for good when pages came newest first)."""
    quota = 8
    with run_sandbox(_config(calls_order=order, daily_quota=quota)) as sb:
        p, stopped = _run_daily(sb, tmp_path)
        assert stopped[-1] is False and stopped.count(True) >= 2, stopped
        proof = exact_proof(p, Truth(sb, START), TABLES, all_children=True)
        served = sb.stats()["requests"]
    assert proof.duplicates == 0 and proof.loaded_rows == proof.expected_rows
    report(
        Outcome(
            group="page order",
            scenario=f"calls served {order.replace('_', ' ')}, small daily quota",
            injected=f"pages of calls {order.replace('_', ' ')}; daily quota of {quota} "
            "requests; calls filtered on their scheduled time",
            behaviour=f"{len(stopped)} daily runs ({stopped.count(True)} stopped by the "
            "quota); positions moved only by whole sub-windows; loaded exactly",
            expected_rows=proof.expected_rows,
            loaded_rows=proof.loaded_rows,
            duplicates=proof.duplicates,
            requests=served,
        )
    )


@pytest.mark.parametrize("order", ["shuffled", pytest.param("newest_first", marks=SLOW)])
def test_cursors_that_live_four_seconds(
    order: str, tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    """Each answer takes a second of the (frozen) sandbox clock and a cursor lives 4: a
    sequence of more than a few pages meets a refused cursor; the sub-window is re-read,
    then halved, until it fits, and one run loads everything exactly."""
    config = _config(calls=100, calls_order=order, cursor_ttl_seconds=4.0, answer_seconds=1.0)
    with run_sandbox(config) as sb:
        visible_before = Truth(sb, START).calls()
        recorder = Recorder()
        sb.on_exchange.append(recorder)
        p = pipeline(tmp_path)
        source = load(p, sb, start_date=START.isoformat(), resources=TABLES, now=NOW)
        truth = Truth(sb, START)
        assert [c["metaData"]["id"] for c in truth.calls()] == [
            c["metaData"]["id"] for c in visible_before
        ]  # the clock moved minutes, no call became visible meanwhile
        proof = exact_proof(p, truth, TABLES, all_children=True)
        refused = [e for e in recorder.exchanges if e.status == 400 and e.path == CALLS_PATH]
        served = sb.stats()["requests"]
    assert client_of(source).quota_exhausted is None
    assert refused, "no cursor expired: the scenario did not happen"
    assert all(b'"cursor"' in (e.request_body or b"") for e in refused)
    assert proof.duplicates == 0 and proof.loaded_rows == proof.expected_rows
    report(
        Outcome(
            group="page order",
            scenario=f"cursors live 4 s, calls {order.replace('_', ' ')}",
            injected="cursor lifetime 4 s; each answer takes 1 s of the sandbox clock",
            behaviour=f"{len(refused)} refused cursors; each sub-window re-read once, then "
            "halved; one run loaded exactly",
            expected_rows=proof.expected_rows,
            loaded_rows=proof.loaded_rows,
            duplicates=proof.duplicates,
            requests=served,
        )
    )


def test_backfill_larger_than_a_days_quota_resumes_its_window(
    tmp_path: Path, report: Callable[[Outcome], None]
) -> None:
    """A window with `end_date` keeps its own positions: each day's run continues where
    the quota stopped the last, and the window ends exactly the sandbox's rows, its
    positions dropped once complete."""
    quota = 8
    end = START + timedelta(days=2)
    with run_sandbox(_config(calls_order="newest_first", daily_quota=quota)) as sb:
        recorder = Recorder()
        sb.on_exchange.append(recorder)
        p, stopped = _run_daily(sb, tmp_path, end_date=end.isoformat())
        bodies = recorder.bodies(f"POST {CALLS_PATH}")
        truth = Truth(sb, START)
        in_window = [
            c
            for c in truth.calls()
            if c["metaData"]["id"]
            in set(sb.company.calls(f"{START}T00:00:00Z", f"{end}T00:00:00Z").ids())
        ]
        loaded = ids(p, "calls")
        transcripts = ids(p, "call_transcripts", "call_id")
        dupes = rows(p, "select count(*) - count(distinct id) from calls")[0][0]
        state = p.state["sources"]["gong"]
        served = sb.stats()["requests"]
    public = sorted(c["metaData"]["id"] for c in in_window if not c["metaData"]["isPrivate"])
    assert stopped[-1] is False and stopped.count(True) >= 2, stopped
    assert loaded == public and transcripts == public and dupes == 0
    assert state.get("calls_backfills") == {} and "calls_started" not in state
    # the runs after the first resumed inside the window, not from its start
    starts = {b["filter"]["fromDateTime"] for b in bodies if "cursor" not in b}
    assert any(s > f"{START}T00:00:00Z" for s in starts)
    assert all(b["filter"].get("toDateTime", "") <= f"{end}T00:00:00Z" for b in bodies)
    report(
        Outcome(
            group="page order",
            scenario="backfill window larger than a day's quota",
            injected=f"end_date set; daily quota of {quota} requests; calls newest first",
            behaviour=f"{len(stopped)} daily runs, each resuming the window where the quota "
            "stopped the last; positions dropped when complete; loaded exactly",
            expected_rows=2 * len(public),
            loaded_rows=len(loaded) + len(transcripts),
            duplicates=int(dupes),
            requests=served,
        )
    )
