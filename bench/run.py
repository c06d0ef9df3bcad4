"""The scenarios, size by size; each run of the pipeline in a child process of its own,
against a sandbox in a process of its own. Results are saved after every size, so a long
run that is stopped still leaves what it measured.

Every pipeline run is `dlt-gong run`'s (``runner.run_pipeline``) on the default tables,
end to end into a fresh DuckDB file; the sizes run one after another. Per size:

* behind Gong's real limits (3/s, 10,000/day), ours with its defaults (load packages while
  reading): the whole run's time against the floor time, the 429s, the peak memory of
  `dlt-gong run` as it runs by default; on small also in one package, and with dlt's
  defaults ("before"), for what the changes bought at Gong's pace; and into PostgreSQL,
  when the bench was given a server (``DLT_GONG_BENCH_POSTGRES``, which `make bench` sets);
* limits off: the sandbox alone (a plain requests loop, no dlt), then ours with its
  defaults (one package, normalised by two processes when large) and an incremental
  re-run with nothing new: requests per table against the floor, calls per second;
* on small, limits off, with dlt's defaults ("before": gzip files, 20 parallel load jobs,
  DuckDB's own memory limit and threads, 5,000-item extract buffers, one normalise
  process), and the changes added one at a time between it and ours (the ablation);
* on small and medium, at 3/s: the code of an earlier commit (``BENCH_BEFORE_COMMIT``,
  3d4ba9f) beside ours against the same sandbox, for CPU per 1,000 calls before and after;
  and ours behind a sandbox far away, at each latency of ``BENCH_LATENCIES`` (0, 0.8 s ±
  0.3, 2.0 s ± 0.5), with Gong's cap on concurrent requests on (3) and off, the client
  keeping up to ``BENCH_MAX_IN_FLIGHT`` (3) requests on the wire.

Every run records its CPU seconds (user + sys, the process and its ended children); the
requests of the naive design (``naive.py``) are computed beside the floor, not run.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.naive import naive_requests
from bench.report import machine, write_report
from bench.sandbox_alone import serve_all_calls
from bench.sandbox_process import Network, sandbox
from bench.sizes import (
    Size,
    before_commit,
    concurrency_cap,
    latencies,
    max_in_flight,
    selected_sizes,
)
from bench.truth import Truth
from dlt_gong.sandbox.clock import utc_now_seconds
from dlt_gong.tables import DEFAULT_TABLES

UNCOMPRESSED = {"DATA_WRITER__DISABLE_COMPRESSION": "true"}
GZIP = {"DATA_WRITER__DISABLE_COMPRESSION": "false"}
DLT_LOAD_WORKERS = {"LOAD__WORKERS": "20"}
DUCKDB_UNBOUNDED = {"DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG": "{}"}
DLT_EXTRACT_FILES = {
    "SOURCES__DATA_WRITER__BUFFER_MAX_ITEMS": "5000",
    "SOURCES__DATA_WRITER__FILE_MAX_ITEMS": "1000000000",
}
ONE_PROCESS = {"NORMALIZE__WORKERS": "1"}
ONE_PACKAGE = {"SOURCES__GONG__PACKAGE_MEGABYTES": "0"}
BEFORE = {
    **ONE_PACKAGE,
    **GZIP,
    **DLT_LOAD_WORKERS,
    **DUCKDB_UNBOUNDED,
    **DLT_EXTRACT_FILES,
    **ONE_PROCESS,
}
"""dlt's own defaults: what `dlt-gong run` did before this bench's changes."""
ABLATION = (
    ("+ uncompressed files", {**BEFORE, **UNCOMPRESSED}),
    (
        "+ DuckDB bounded (256 MB, 2 threads, 2 load workers)",
        {**ONE_PACKAGE, **UNCOMPRESSED, **DLT_EXTRACT_FILES, **ONE_PROCESS},
    ),
    ("+ extract buffer of 50 items, files of 500", {**ONE_PACKAGE, **ONE_PROCESS}),
)
"""Each change added to the one before, between "before" and ours (every default, the
last change: a large unpaced package normalised by two processes)."""
SANDBOX_ALONE_CAP = {"large": 5_000, "xlarge": 5_000}
REPO = Path(__file__).resolve().parent.parent


def _paced() -> dict[str, str]:
    """The client's requests on the wire at once, as dlt config, for every paced run of
    ours (an option a client without it ignores)."""
    return {"SOURCES__GONG__MAX_IN_FLIGHT": str(max_in_flight())}


def _job(workdir: Path, label: str, **spec: Any) -> dict[str, Any]:
    """Runs ``bench.child`` with ``spec`` in a fresh process and working directory."""
    where = workdir / label
    where.mkdir(parents=True)
    spec["workdir"] = str(where)
    source = spec.pop("source", None)
    (where / "spec.json").write_text(json.dumps(spec))
    started = time.perf_counter()
    print(f"  {label} ...", flush=True)
    env = dict(os.environ)
    if source:  # another commit's dlt_gong, ahead of the installed one
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    subprocess.run(
        [sys.executable, "-m", "bench.child", str(where / "spec.json"), str(where / "out.json")],
        check=True,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    found: dict[str, Any] = json.loads((where / "out.json").read_text())
    found["process_seconds"] = time.perf_counter() - started
    first = found["first"]
    print(f"  {label}: {first['seconds']:.1f} s, peak {first['peak_rss_mb']:.0f} MB", flush=True)
    return found


def _check_same_company(truth: Truth, result: dict[str, Any]) -> None:
    """The sandbox process and the in-process ground truth must hold the same company."""
    loaded = result.get("ours", {}).get("first", {}).get("rows", {})
    if loaded and loaded.get("calls") != truth.public_calls():
        raise SystemExit(
            f"{truth.size.name}: loaded {loaded.get('calls')} calls, the ground truth has "
            f"{truth.public_calls()} public ones: the two companies differ"
        )


def checkout(commit: str, into: Path) -> tuple[Path, str]:
    """The ``src`` tree of ``commit`` (``git archive``), and the commit's full id."""
    full = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", f"{commit}^{{commit}}"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    tar = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", full, "src"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    return into / "src", full


def run_size(
    size: Size,
    now: datetime,
    workdir: Path,
    save: Callable[[dict[str, Any]], None],
    before_source: str | None = None,
) -> dict[str, Any]:
    """The size's scenarios in turn; `save` gets the figures so far after each run, so a
    bench stopped early still reports what it measured. ``before_source``: the ``src``
    tree of the commit whose code runs paced beside ours on the latency sizes."""
    start = (now - timedelta(days=size.days)).date()
    truth = Truth(size, now, start)
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
    }
    result["naive_default"] = naive_requests(counts, truth.public_calls(), result["floor_default"])
    # every run takes the sandbox's frozen instant as its now, whatever the wall clock says
    common = {"start": start.isoformat(), "now": now.isoformat()}

    def job(label: str, **spec: Any) -> dict[str, Any]:
        found = _job(workdir, label, **spec)
        save(result)
        return found

    name = size.name
    postgres = os.environ.get("DLT_GONG_BENCH_POSTGRES")
    paced = _paced()
    if size.throttled:
        with sandbox(size, now, throttled=True) as sb:
            result["throttled"] = job(
                f"{size.name}-throttled", url=sb.url, client_limit=True, env=paced, **common
            )
            if size.latency and before_source:
                result["throttled_commit"] = job(
                    f"{size.name}-throttled-commit",
                    url=sb.url,
                    client_limit=True,
                    env=paced,
                    source=before_source,
                    **common,
                )
            if size.before:
                result["throttled_one_package"] = job(
                    f"{size.name}-throttled-one-package",
                    url=sb.url,
                    client_limit=True,
                    env={**ONE_PACKAGE, **paced},
                    **common,
                )
                result["throttled_before"] = job(
                    f"{size.name}-throttled-before",
                    url=sb.url,
                    client_limit=True,
                    env=BEFORE,
                    **common,
                )
            if size.postgres and postgres:
                result["postgres"] = job(
                    f"{name}-postgres",
                    url=sb.url,
                    client_limit=True,
                    postgres=postgres,
                    dataset=f"bench_{name}_{int(time.time())}",
                    env=paced,
                    **common,
                )
    if size.throttled and size.latency:
        _far_away(size, now, result, job, common)
    with sandbox(size, now, throttled=False) as sb:
        cap = SANDBOX_ALONE_CAP.get(name)
        print(f"  sandbox alone{f' (first {cap} calls)' if cap else ''} ...", flush=True)
        result["sandbox_alone"] = serve_all_calls(sb.url, start, cap)
        result["ours"] = job(f"{name}-ours", url=sb.url, client_limit=False, rerun=True, **common)
        if size.before:
            result["before"] = job(
                f"{name}-before", url=sb.url, client_limit=False, env=BEFORE, **common
            )
        if size.ablation:
            steps = [
                {
                    "label": label,
                    **job(
                        f"{name}-ablation-{n}",
                        url=sb.url,
                        client_limit=False,
                        env=env,
                        **common,
                    ),
                }
                for n, (label, env) in enumerate(ABLATION, start=1)
            ]
            result["ablation"] = [
                {"label": "before (dlt's defaults)", **result["before"]},
                *steps,
                {
                    "label": "+ two normalise processes, transcripts asked ahead (ours)",
                    **result["ours"],
                },
            ]
    _check_same_company(truth, result)
    return result


def _far_away(
    size: Size,
    now: datetime,
    result: dict[str, Any],
    job: Callable[..., dict[str, Any]],
    common: dict[str, Any],
) -> None:
    """Ours at 3/s behind a sandbox that answers each request a latency after it came,
    at each latency, Gong's cap on concurrent requests on and off; each its own sandbox
    process. At latency 0 without the cap that is the plain run at 3/s, not run twice."""
    rows: list[dict[str, Any]] = result.setdefault("latency", [])
    for latency, jitter in latencies():
        for cap in (concurrency_cap(), None):
            row: dict[str, Any] = {
                "latency": latency,
                "jitter": jitter,
                "max_concurrent": cap,
                "max_in_flight": max_in_flight(),
            }
            if not latency and not jitter and cap is None and "throttled" in result:
                rows.append({**row, "same_as": "throttled"})
                continue
            label = f"{size.name}-latency-{latency:g}-{'cap' if cap else 'nocap'}"
            with sandbox(size, now, throttled=True, network=Network(latency, jitter, cap)) as sb:
                found = job(label, url=sb.url, client_limit=True, env=_paced(), **common)
            rows.append({**row, **found})


def main() -> None:
    """The sizes one after another, each against its own sandbox processes: side by side
    they would share the two CPUs and measure each other. ``BENCH_OUTPUT`` names the
    files written (``results``: bench/results.md and .json, and the README's figures)."""
    sizes = selected_sizes()
    stem = os.environ.get("BENCH_OUTPUT", "results")
    now = utc_now_seconds()
    started = time.perf_counter()
    results: dict[str, Any] = {"date": now.isoformat(), "machine": machine(), "sizes": {}}

    with tempfile.TemporaryDirectory(prefix="dlt-gong-bench-") as tmp:
        before_source = None
        commit = before_commit()
        if commit and any(s.latency and s.throttled for s in sizes):
            try:
                source, full = checkout(commit, Path(tmp) / "before")
            except (OSError, subprocess.CalledProcessError) as exc:
                print(f"no run of {commit}'s code: git could not check it out ({exc})")
                results["before_commit"] = {"commit": commit, "error": str(exc)}
            else:
                before_source = str(source)
                results["before_commit"] = {"commit": commit, "full": full}
        for size in sizes:
            print(f"{size.name}: {size.users} users, {size.calls} calls, {size.days} days")

            def save(partial: dict[str, Any], name: str = size.name) -> None:
                results["sizes"][name] = partial
                results["bench_seconds"] = time.perf_counter() - started
                write_report(results, stem)

            found = run_size(size, now, Path(tmp), save, before_source)
            found["seconds"] = time.perf_counter() - started
            save(found)
    print(f"done in {results['bench_seconds'] / 60:.1f} min: bench/{stem}.md, {stem}.json")
