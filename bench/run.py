"""The scenarios, size by size; each pipeline run in a child process of its own, against a
sandbox in a process of its own. Results are saved after every size, so a long run that
is stopped still leaves what it measured.

Per size:

* the sandbox alone (plain requests loop, no dlt), limits off;
* ours, default tables, limits off, extract only, then an incremental re-run: requests
  per table against the floor, extract RSS (the large size runs only this, see below);
* ours on the brief's four tables, limits off, extract + normalize + load into DuckDB
  from jsonl files, then an incremental re-run (profiled with cProfile on medium); on
  small also with dlt's default file format for DuckDB (insert_values), whose load is
  most of the time and gigabytes of memory (see results.md);
* the naive design on the same four tables, limits off and its pause off (the pipeline's
  own cost); end to end (jsonl) on small, extract only on medium (10,000+ requests);
* behind Gong's real limits (3/s, 10,000/day): ours (default tables, our client's 3/s),
  extract only, since only requests are paced; the naive design on small only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.report import RESULTS_JSON, machine, write_report
from bench.sandbox_alone import serve_all_calls
from bench.sandbox_process import sandbox
from bench.sizes import Size, selected_sizes
from bench.truth import Truth
from dlt_gong.sandbox.clock import utc_now_seconds
from dlt_gong.tables import DEFAULT_TABLES, STATS_KINDS, TABLES

BRIEF_TABLES = ["users", "calls", "call_transcripts", "aggregated_activity"]
FULL_E2E = {"small", "medium"}
"""Sizes that run end to end into DuckDB; 100,000 calls would take most of an hour here."""
SANDBOX_ALONE_CAP = {"large": 30_000}


def _job(workdir: Path, label: str, **spec: Any) -> dict[str, Any]:
    """Runs ``bench.child`` with ``spec`` in a fresh process and working directory."""
    where = workdir / label
    where.mkdir(parents=True)
    spec["workdir"] = str(where)
    (where / "spec.json").write_text(json.dumps(spec))
    started = time.perf_counter()
    print(f"  {label} ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "bench.child", str(where / "spec.json"), str(where / "out.json")],
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL,
    )
    found: dict[str, Any] = json.loads((where / "out.json").read_text())
    found["process_seconds"] = time.perf_counter() - started
    print(f"  {label}: {found['first']['seconds']:.1f} s", flush=True)
    return found


def _check_same_company(truth: Truth, result: dict[str, Any]) -> None:
    """The sandbox process and the in-process ground truth must hold the same company."""
    alone = result.get("sandbox_alone", {})
    if alone.get("complete") and alone["calls"] != len(truth.calls()):
        raise SystemExit(
            f"{truth.size.name}: the sandbox served {alone['calls']} calls, the ground truth "
            f"has {len(truth.calls())}: the two companies differ, the floor would be wrong"
        )
    loaded = result.get("ours_brief", {}).get("first", {}).get("rows", {})
    if loaded and loaded.get("calls") != truth.public_calls():
        raise SystemExit(
            f"{truth.size.name}: loaded {loaded.get('calls')} calls, the ground truth has "
            f"{truth.public_calls()} public ones"
        )


FAR_BACK = "2000-01-01"
"""The start of the far-back row: a start date far before any company's data."""
STATS_TABLES = [t.name for t in TABLES if t.kind in STATS_KINDS]


def run_size(size: Size, now: datetime, workdir: Path) -> dict[str, Any]:
    start = (now - timedelta(days=size.days)).date()
    truth = Truth(size, now, start)
    stats_end = truth.stats_end
    counts = truth.counts()
    result: dict[str, Any] = {
        "size": vars(size),
        "start": start.isoformat(),
        "counts": {
            "users": counts.users,
            "calls": counts.calls,
            "public_calls": truth.public_calls(),
            "active_users": counts.active_users,
            "answered_scorecards": counts.answered_scorecards,
            "stats_days": len(counts.active_users_per_day),
        },
        "floor_default": truth.floor(list(DEFAULT_TABLES)),
        "floor_brief": truth.floor(BRIEF_TABLES),
    }
    # every run takes the sandbox's frozen instant as its now, whatever the wall clock says
    common = {
        "start": start.isoformat(),
        "stats_end": stats_end.isoformat(),
        "now": now.isoformat(),
    }
    with sandbox(size, now, throttled=False) as sb:
        cap = SANDBOX_ALONE_CAP.get(size.name)
        print(f"  sandbox alone{f' (first {cap} calls)' if cap else ''} ...", flush=True)
        result["sandbox_alone"] = serve_all_calls(sb.url, start, cap)
        result["ours_default"] = _job(
            workdir,
            f"{size.name}-ours-default",
            design="ours",
            url=sb.url,
            tables=list(DEFAULT_TABLES),
            client_limit=False,
            extract_only=True,
            rerun=True,
            **common,
        )
        result["ours_far_back_stats"] = _job(
            workdir,
            f"{size.name}-ours-far-back-stats",
            design="ours",
            url=sb.url,
            tables=STATS_TABLES,
            client_limit=False,
            extract_only=True,
            **{**common, "start": FAR_BACK},
        )
        if size.name in FULL_E2E:
            result["ours_brief"] = _job(
                workdir,
                f"{size.name}-ours-brief",
                design="ours",
                url=sb.url,
                tables=BRIEF_TABLES,
                client_limit=False,
                file_format="jsonl",
                rerun=True,
                profile=size.name == os.environ.get("BENCH_PROFILE", "medium"),
                **common,
            )
        if size.name == "small":
            result["ours_brief_insert_values"] = _job(
                workdir,
                f"{size.name}-ours-brief-insert-values",
                design="ours",
                url=sb.url,
                tables=BRIEF_TABLES,
                client_limit=False,
                **common,
            )
        if size.naive_unthrottled:
            result["naive"] = _job(
                workdir,
                f"{size.name}-naive",
                design="naive",
                url=sb.url,
                pause=0.0,
                file_format="jsonl",
                extract_only=size.name != "small",
                rerun=size.name == "small",
                **common,
            )
    _check_same_company(truth, result)
    if size.throttled:
        with sandbox(size, now, throttled=True) as sb:
            result["ours_throttled"] = _job(
                workdir,
                f"{size.name}-ours-throttled",
                design="ours",
                url=sb.url,
                tables=list(DEFAULT_TABLES),
                client_limit=True,
                extract_only=True,
                **common,
            )
            if size.naive_throttled:
                result["naive_throttled"] = _job(
                    workdir,
                    f"{size.name}-naive-throttled",
                    design="naive",
                    url=sb.url,
                    pause=0.3,
                    extract_only=True,
                    **common,
                )
    return result


def main() -> None:
    sizes = selected_sizes()
    now = utc_now_seconds()
    started = time.perf_counter()
    results: dict[str, Any] = {
        "date": now.isoformat(),
        "machine": machine(),
        "sizes": {},
    }
    earlier = 0.0
    if os.environ.get("BENCH_MERGE") and RESULTS_JSON.exists():
        # add or replace sizes in an earlier run's results (noted per size in results.md)
        results = json.loads(RESULTS_JSON.read_text())
        results.setdefault("merged_runs", []).append(
            {"date": now.isoformat(), "sizes": [s.name for s in sizes]}
        )
        earlier = float(results.get("bench_seconds", 0.0))
    with tempfile.TemporaryDirectory(prefix="dlt-gong-bench-") as tmp:
        for size in sizes:
            print(f"{size.name}: {size.users} users, {size.calls} calls, {size.days} days")
            results["sizes"][size.name] = run_size(size, now, Path(tmp))
            results["sizes"][size.name]["measured_at"] = now.isoformat()
            results["sizes"][size.name]["seconds"] = time.perf_counter() - started
            results["bench_seconds"] = earlier + time.perf_counter() - started
            RESULTS_JSON.write_text(json.dumps(results, indent=1, default=str))
    write_report(results)
    print(f"done in {results['bench_seconds'] / 60:.1f} min: bench/results.md, results.json")
