"""One measured pipeline run, in a process of its own (``python -m bench.child SPEC OUT``),
so its peak RSS belongs to that one pipeline and nothing else. The parent writes a JSON
spec, this runs the load (and, if asked, an incremental re-run with nothing new) and writes
the measurements as JSON.
"""

from __future__ import annotations

import cProfile
import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import dlt
import requests

from bench.measure import loaded_rows, peak_rss_mb, profile_summary
from bench.sandbox_process import ACCESS_KEY, ACCESS_KEY_SECRET
from dlt_gong.runner import _bound_extract_buffer


def _source(spec: dict[str, Any]) -> tuple[Any, Any]:
    """The source for ``spec["design"]`` and a function giving its client-side request count."""
    if spec["design"] == "ours":
        from dlt_gong import GongApiKeyCredentials, gong_source
        from dlt_gong.source import client_of

        source = gong_source(
            credentials=GongApiKeyCredentials(
                access_key=ACCESS_KEY, access_key_secret=ACCESS_KEY_SECRET
            ),
            base_url=spec["url"],
            start_date=spec["start"],
            resources=spec["tables"],
            requests_per_second=3 if spec["client_limit"] else None,
            now=spec.get("now"),
        )
        return source, lambda: client_of(source).requests_sent
    from bench.naive import naive_source

    source = naive_source(
        spec["url"],
        ACCESS_KEY,
        ACCESS_KEY_SECRET,
        date.fromisoformat(spec["start"]),
        date.fromisoformat(spec["stats_end"]),
        pause=spec["pause"],
    )
    return source, lambda: None


def _stats(url: str, reset: bool = False) -> dict[str, Any]:
    if reset:
        requests.post(f"{url}/_sandbox/reset", timeout=30).raise_for_status()
        requests.post(f"{url}/_sandbox/quota", json={"used": 0}, timeout=30)
    found: dict[str, Any] = requests.get(f"{url}/_sandbox/stats", timeout=30).json()
    return found


def _one_run(spec: dict[str, Any], pipeline: dlt.Pipeline, profile: bool) -> dict[str, Any]:
    """One load, step by step (extract, then normalize and load unless ``extract_only``),
    with the time and the peak RSS after each step (the peak only grows, so the figure
    after extract is extract's own peak)."""
    source, client_requests = _source(spec)
    _stats(spec["url"], reset=True)
    profiler = cProfile.Profile() if profile else None
    stages: dict[str, float] = {}
    rss: dict[str, float] = {}
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    file_format = spec.get("file_format")  # None: dlt's default for the destination
    steps: list[tuple[str, Any]] = [
        ("extract", lambda: pipeline.extract(source, loader_file_format=file_format))
    ]
    if not spec.get("extract_only"):
        steps += [("normalize", pipeline.normalize), ("load", pipeline.load)]
    normalized: Any = None
    for name, step in steps:
        t0 = time.perf_counter()
        info = step()
        if name == "normalize":
            normalized = info
        stages[name] = time.perf_counter() - t0
        rss[name] = peak_rss_mb()
        if name == "extract":
            sandbox_after_extract = _stats(spec["url"])
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    result = {
        "seconds": seconds,
        "stages": stages,
        "rows": loaded_rows(normalized) if normalized is not None else {},
        "sandbox": sandbox_after_extract,
        "client_requests": client_requests(),
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_mb_after": rss,
    }
    if profiler:
        result["profile"] = profile_summary(profiler)
        profiler.dump_stats(str(Path(spec["workdir"]) / "profile.pstats"))
    return result


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    workdir = Path(spec["workdir"])
    # the extract buffer `dlt-gong run` sets (500 items a table), for both designs alike
    _bound_extract_buffer()
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{spec['design']}",
        destination=dlt.destinations.duckdb(str(workdir / "bench.duckdb")),
        dataset_name="gong",
        pipelines_dir=str(workdir / "pipelines"),
        progress=dlt.progress.log(log_period=3600, dump_system_stats=False),
    )
    out: dict[str, Any] = {"baseline_rss_mb": peak_rss_mb()}
    out["first"] = _one_run(spec, pipeline, spec.get("profile", False))
    if spec.get("rerun"):
        out["rerun"] = _one_run(spec, pipeline, False)
    Path(sys.argv[2]).write_text(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
