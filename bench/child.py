"""One measured run of `dlt-gong run`'s pipeline (``runner.run_pipeline``, what the CLI
calls), in a process of its own (``python -m bench.child SPEC OUT``), so that the peak RSS
is that of the whole run and nothing else. The parent writes a JSON spec (the sandbox,
the settings as dlt config, the destination) and this writes the measurements as JSON;
an incremental re-run with nothing new follows if asked.

The same child also runs an earlier commit's ``dlt_gong`` (its ``src`` ahead on
PYTHONPATH, for CPU before and after), so it passes ``run_pipeline`` only the arguments
that commit's takes; newer settings go as dlt config in the spec's ``env``, which older
code ignores.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import requests

from bench.measure import TreePeak, cpu_seconds, peak_rss_mb
from bench.sandbox_process import ACCESS_KEY, ACCESS_KEY_SECRET

STEPS = re.compile(r"package (\d+) loaded(?:: ([\d.]+) MB)? .*?\((.*?)\)")


class _Packages(logging.Handler):
    """The per-package lines `dlt_gong.chunked` logs: size and step times of each."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.packages: list[dict[str, Any]] = []
        self.read_all_at: float | None = None
        self.started = time.perf_counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("all of Gong read"):
            self.read_all_at = time.perf_counter() - self.started
        found = STEPS.search(message)
        if found:
            steps = dict(
                (part.split()[0], float(part.split()[1])) for part in found.group(3).split(", ")
            )
            mb = float(found.group(2)) if found.group(2) else None
            self.packages.append({"mb": mb, "steps": steps})


def _stats(url: str, reset: bool = False) -> dict[str, Any]:
    if reset:
        requests.post(f"{url}/_sandbox/reset", timeout=30).raise_for_status()
        requests.post(f"{url}/_sandbox/quota", json={"used": 0}, timeout=30)
    found: dict[str, Any] = requests.get(f"{url}/_sandbox/stats", timeout=30).json()
    return found


def _one_run(spec: dict[str, Any]) -> dict[str, Any]:
    import dlt

    from dlt_gong import GongApiKeyCredentials, run_defaults
    from dlt_gong.runner import run_pipeline

    if hasattr(run_defaults, "spawn_normalize"):  # an earlier commit's code has none
        run_defaults.spawn_normalize()  # as `dlt-gong run` does; this module is guarded

    workdir = Path(spec["workdir"])
    if spec.get("postgres"):
        destination: Any = dlt.destinations.postgres(spec["postgres"])
    else:
        destination = dlt.destinations.duckdb(str(workdir / "bench.duckdb"))
    handler = _Packages()
    logging.getLogger("dlt_gong").addHandler(handler)
    logging.getLogger("dlt_gong").setLevel(logging.INFO)
    _stats(spec["url"], reset=True)
    cpu = cpu_seconds()
    started = time.perf_counter()
    with TreePeak() as tree:
        report = run_pipeline(
            destination=destination,
            dataset_name=spec.get("dataset", "gong"),
            pipeline_name="bench",
            pipelines_dir=str(workdir / "pipelines"),
            progress="none",
            credentials=GongApiKeyCredentials(
                access_key=ACCESS_KEY, access_key_secret=ACCESS_KEY_SECRET
            ),
            base_url=spec["url"],
            start_date=spec["start"],
            requests_per_second=3 if spec["client_limit"] else 0,
            now=spec.get("now"),
        )
    seconds = time.perf_counter() - started
    cpu = {k: v - cpu[k] for k, v in cpu_seconds().items()}
    logging.getLogger("dlt_gong").removeHandler(handler)
    counts = report.row_counts
    return {
        "seconds": seconds,
        "sandbox": _stats(spec["url"]),
        "client_requests": report.client.requests_sent,
        "rows": {t: n for t, n in counts.items() if not t.startswith("_dlt")},
        "packages": handler.packages,
        "read_all_seconds": handler.read_all_at,
        "peak_rss_mb": max(tree.peak, peak_rss_mb()),
        "own_peak_rss_mb": peak_rss_mb(),
        "cpu_seconds": cpu,
    }


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    os.environ.update(spec.get("env", {}))  # the settings of this variant, as dlt config
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    os.environ["RUNTIME__LOG_LEVEL"] = "ERROR"  # dlt's per-load warnings, not measured
    out: dict[str, Any] = {"baseline_rss_mb": peak_rss_mb(), "env": spec.get("env", {})}
    import dlt_gong  # after the baseline: it imports dlt

    out["dlt_gong_source"] = str(Path(dlt_gong.__file__).parent)  # which code ran
    out["first"] = _one_run(spec)
    if spec.get("rerun"):
        out["rerun"] = _one_run(spec)
    Path(sys.argv[2]).write_text(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
