"""Writes ``bench/results.md`` (tables and findings computed from the figures) and
``bench/results.json``.

``python -m bench.report`` re-renders results.md from an existing results.json. Every
number in results.md comes from results.json, that is from one bench run.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "results.md"

GOAL_RATIO = 1.20
"""The whole run at Gong's limits within this many times the floor time."""
GONG_CEILING = 150
"""Calls a second Gong's 3 requests a second deliver (a page of 100 calls and one
transcript request per page)."""
MEMORY_GOAL_MB = 400
SANDBOX_PER_SECOND = 3


def machine() -> dict[str, Any]:
    """Where the figures come from: CPU, RAM, and the versions that matter."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "dlt": version("dlt"),
        "duckdb": version("duckdb"),
        "dlt_gong": version("dlt-gong"),
        "load_average_at_start": os.getloadavg(),
    }


README = HERE.parent / "README.md"
README_START = "<!-- bench figures: written by make bench -->"
README_END = "<!-- end of bench figures -->"


def write_report(results: dict[str, Any]) -> None:
    """Saves the JSON, renders the Markdown, and rewrites the README's figures."""
    RESULTS_JSON.write_text(json.dumps(results, indent=1, default=str))
    RESULTS_MD.write_text(render(results))
    text = README.read_text()
    if README_START in text and README_END in text:
        head, rest = text.split(README_START, 1)
        _, tail = rest.split(README_END, 1)
        README.write_text(f"{head}{README_START}\n{readme_figures(results)}\n{README_END}{tail}")


def readme_figures(results: dict[str, Any]) -> str:
    """The README's performance paragraph: the headline figures of this bench run."""
    sizes: dict[str, Any] = results["sizes"]
    m = results["machine"]
    parts = []
    for s in sizes.values():
        if s.get("throttled"):
            parts.append(
                f"{_calls(s):,} calls: {_ratio_at_limits(s, s.get('throttled')):.2f}x "
                f"({_s429(s.get('throttled'))} 429s)"
            )
    at_limits = "; ".join(parts)
    before = [
        f"{_ratio_at_limits(s, s.get('throttled_before')):.2f}x on {_calls(s):,} calls"
        for s in sizes.values()
        if s.get("throttled_before")
    ]
    rates = [
        f"{_rate(s, s.get('ours')):.0f} calls/s on {_calls(s):,} calls"
        for s in sizes.values()
        if s.get("ours")
    ]
    peaks = _peaks(sizes, "throttled", "at")
    pg = _peaks(sizes, "postgres", "into PostgreSQL at")
    fast = _peaks(sizes, "ours", "at")
    date = str(results["date"])[:10]
    largest = max(_calls(s) for s in sizes.values())
    lines = [
        f"Measured by `make bench` on {date} ({m['cpus']} CPUs, shared with other work, "
        "so read the ratios; [bench/results.md](bench/results.md) has every figure, from "
        "that one run):",
        "",
        f"- the whole run (extract, normalise, load) at Gong's 3 requests a second, against "
        f"the floor time (the floor requests at 3 a second): {at_limits}"
        + (f"; with dlt's defaults {', '.join(before)}" if before else "")
        + ";",
        f"- unthrottled, end to end with all content and transcripts: {', '.join(rates)};",
        f"- peak memory of `dlt-gong run` at 3/s (the process and any it starts): "
        f"{', '.join(peaks + pg)}; unthrottled, with two normalise processes: "
        f"{', '.join(fast)}."
        + (
            f" The bench's largest company is {largest:,} calls, not 100,000: at Gong's 3/s "
            "100,000 calls take over 20 minutes of requests alone, and the bench runs each "
            "size twice within its hour; memory is shown flat across its three sizes."
            if largest < 100_000
            else ""
        ),
    ]
    return "\n".join(lines)


# -- figures --------------------------------------------------------------------------------


def _first(run: dict[str, Any] | None) -> dict[str, Any]:
    return (run or {}).get("first", {})


def _floor(s: dict[str, Any]) -> int:
    return int(sum(s["floor_default"].values()))


def _floor_seconds(s: dict[str, Any]) -> float:
    return _floor(s) / SANDBOX_PER_SECOND


def _peaks(sizes: dict[str, Any], run: str, where: str) -> list[str]:
    """Each size's peak memory in `run`, as in "320 MB at 2,835 calls"."""
    return [
        f"{_peak(s.get(run)):,.0f} MB {where} {_calls(s):,} calls"
        for s in sizes.values()
        if s.get(run)
    ]


def _calls(s: dict[str, Any]) -> int:
    """The calls a run loads: the company's public ones (Gong withholds private calls'
    content and transcripts, and the default run skips them)."""
    return int(s["counts"]["public_calls"])


def _rate(s: dict[str, Any], run: dict[str, Any] | None) -> float | None:
    first = _first(run)
    return _calls(s) / first["seconds"] if first else None


def _ratio_at_limits(s: dict[str, Any], run: dict[str, Any] | None) -> float | None:
    first = _first(run)
    return first["seconds"] / _floor_seconds(s) if first else None


def _s429(run: dict[str, Any] | None) -> int | None:
    first = _first(run)
    return int(first["sandbox"]["by_status"].get("429", 0)) if first else None


def _peak(run: dict[str, Any] | None) -> float | None:
    first = _first(run)
    return float(first["peak_rss_mb"]) if first else None


def _steps(run: dict[str, Any] | None) -> dict[str, float]:
    """Seconds per dlt step, summed over the run's packages."""
    total: dict[str, float] = {}
    for package in _first(run).get("packages", []):
        for step, seconds in package["steps"].items():
            if step in ("extract", "normalize", "load"):
                total[step] = total.get(step, 0.0) + seconds
    return total


def _rows(run: dict[str, Any] | None) -> int:
    return int(sum(_first(run).get("rows", {}).values()))


def _n(x: float | int | None, digits: int = 0) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def _x(a: float | None, b: float | None, digits: int = 2) -> str:
    return "-" if a is None or not b else f"{a / b:.{digits}f}"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


# -- sections -------------------------------------------------------------------------------


def render(results: dict[str, Any]) -> str:
    sizes: dict[str, Any] = results["sizes"]
    m = results["machine"]
    load = m.get("load_average_at_start")
    loads = f"; load average {load[0]:.1f} at the start" if load else ""
    out = [
        "# dlt-gong benchmarks",
        "",
        "Written by `python -m bench` (`make bench`); raw figures in `results.json`. Every "
        "figure and ratio below is from this one bench run on this machine.",
        "",
        f"- date: {results['date']}; whole bench run: "
        f"{results.get('bench_seconds', 0) / 60:.1f} min",
        f"- machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gb']} GB RAM, "
        f"{m['platform']}{loads}; the machine is shared, so absolute times are noisy: "
        "compare the ratios between runs of the same size",
        f"- Python {m['python']}, dlt {m['dlt']}, duckdb {m['duckdb']}, dlt-gong {m['dlt_gong']}",
        "- sizes: "
        + "; ".join(
            f"{n}: {s['size']['users']} users, {s['counts']['calls']:,} calls "
            f"({_calls(s):,} public, the calls loaded and counted below) over "
            f"{s['size']['days']} days"
            for n, s in sizes.items()
        )
        + ". Large is smaller than the 100,000 calls of the goals: see bench/sizes.py",
        *(
            [
                f"- the sizes ran side by side ({', '.join(results['side_by_side'])}), each "
                "against its own sandbox, to fit the bench in its hour; within a size the "
                "runs went one after another, so each shares the machine with the other "
                "sizes' runs of the moment: times are slower than alone"
            ]
            if results.get("side_by_side")
            else []
        ),
        "- every run is `dlt-gong run`'s pipeline (`runner.run_pipeline`) on the default "
        "tables, end to end into a fresh DuckDB file, in a child process of its own; its "
        "peak RSS is the largest of the process's own VmHWM and the sum of its and its "
        "children's RSS (dlt's normalise processes), sampled every 0.1 s. The sandbox runs "
        'in its own process (`dlt-gong sandbox`, clock frozen). "ours" is dlt-gong with its '
        'defaults; "before" is the same pipeline with dlt\'s defaults: one package, gzip '
        "intermediate files, 20 parallel load jobs, DuckDB's own memory limit and threads, "
        "5,000-item extract buffers, one normalise process.",
        "",
        "## Headline",
        "",
        *_headline(sizes),
        "",
        "## Findings",
        "",
        *_findings(sizes),
        "",
        "## 1. The whole run under Gong's real limits (3/s, 10,000/day)",
        "",
        *_throttled(sizes),
        "",
        "## 2. Unthrottled, end to end",
        "",
        *_throughput(sizes),
        "",
        "## 3. Peak memory of the whole run",
        "",
        *_memory(sizes),
        "",
        "## 4. What each change bought (small, unthrottled)",
        "",
        *_ablation(sizes),
        "",
        "## 5. Requests per table",
        "",
        *_requests(sizes),
        "",
        "## 6. Incremental run with nothing new",
        "",
        *_incremental(sizes),
        "",
        "## 7. The sandbox alone",
        "",
        *_sandbox_alone(sizes),
        "",
    ]
    return "\n".join(out)


def _headline(sizes: dict[str, Any]) -> list[str]:
    rows = []
    for name, s in sizes.items():
        rows.append(
            [
                name,
                _n(_calls(s)),
                _n(_first(s.get("ours")).get("sandbox", {}).get("requests")),
                _n(_floor(s)),
                _x(_ratio_at_limits(s, s.get("throttled")), 1, 3) if "throttled" in s else "-",
                _n(_s429(s.get("throttled"))),
                _n(_peak(s.get("throttled"))),
                _n(_rate(s, s.get("ours")), 1),
                _n(_rate(s, s.get("before")), 1),
                _n(_peak(s.get("ours"))),
                _n(_peak(s.get("before"))),
            ]
        )
    return _table(
        [
            "size",
            "calls loaded",
            "requests",
            "floor",
            "whole run at 3/s / floor time (goal 1.20)",
            "429s at 3/s",
            "peak RSS MB, ours at 3/s (goal 400)",
            "calls/s unthrottled, ours (goal 150)",
            "calls/s unthrottled, before",
            "peak RSS MB, ours unthrottled",
            "peak RSS MB, before unthrottled",
        ],
        rows,
    )


def _verdict(ok: bool) -> str:
    return "met" if ok else "missed"


def _findings(sizes: dict[str, Any]) -> list[str]:
    """Sentences computed from the figures: each goal, met or missed, by how much."""
    lines = []
    for name, s in sizes.items():
        thr = _first(s.get("throttled"))
        if thr:
            ratio = _ratio_at_limits(s, s.get("throttled")) or 0.0
            lines.append(
                f"- {name} at Gong's limits: the whole run (extract, normalise, load) took "
                f"{thr['seconds']:.1f} s for {_floor(s)} floor requests, whose floor time is "
                f"{_floor_seconds(s):.1f} s: {ratio:.3f}x, {_s429(s.get('throttled'))} 429s "
                f"(goal {GOAL_RATIO:.2f}x, 0 429s: "
                f"{_verdict(ratio <= GOAL_RATIO and _s429(s.get('throttled')) == 0)})."
            )
            before = _first(s.get("throttled_before"))
            if before:
                lines.append(
                    f"- {name} at Gong's limits with dlt's defaults (before): "
                    f"{before['seconds']:.1f} s, "
                    f"{_ratio_at_limits(s, s.get('throttled_before')):.3f}x the floor time, "
                    f"{_s429(s.get('throttled_before'))} 429s, peak "
                    f"{_peak(s.get('throttled_before')):,.0f} MB "
                    f"(ours: {_peak(s.get('throttled')):,.0f} MB)."
                )
        rate = _rate(s, s.get("ours"))
        if rate is not None:
            alone = s.get("sandbox_alone", {}).get("calls_per_second")
            before_rate = _rate(s, s.get("before"))
            then = (
                f"; before: {before_rate:.1f} calls/s, so {rate / before_rate:.2f}x"
                if before_rate
                else ""
            )
            lines.append(
                f"- {name} unthrottled: {rate:.1f} calls/s end to end with all content and "
                f"transcripts (goal {GONG_CEILING}, aim {2 * GONG_CEILING}: "
                f"{_verdict(rate >= GONG_CEILING)}){then}; the sandbox alone serves "
                f"{alone:.0f} calls/s here, the pipeline reached {rate / alone:.0%} of it."
                if alone
                else f"- {name} unthrottled: {rate:.1f} calls/s end to end{then}."
            )
        paced = _peak(s.get("throttled"))
        if paced is not None:
            fast = _peak(s.get("ours"))
            lines.append(
                f"- {name} peak RSS of `dlt-gong run` at 3/s, its default: {paced:,.0f} MB "
                f"(goal {MEMORY_GOAL_MB} MB: {_verdict(paced <= MEMORY_GOAL_MB)})"
                + (
                    f"; unthrottled, two normalise processes included: {fast:,.0f} MB"
                    if fast is not None
                    else ""
                )
                + (f"; before: {_peak(s.get('before')):,.0f} MB." if s.get("before") else ".")
            )
        pg = _first(s.get("postgres"))
        if pg:
            lines.append(
                f"- {name} into PostgreSQL at 3/s: {pg['seconds']:.1f} s, "
                f"{_ratio_at_limits(s, s.get('postgres')):.3f}x the floor time, peak RSS "
                f"{pg['peak_rss_mb']:,.0f} MB (the server's own memory is not counted)."
            )
    peaks = [(n, _peak(s.get("throttled"))) for n, s in sizes.items() if s.get("throttled")]
    if len(peaks) > 1:
        lines.append(
            "- memory across sizes (`dlt-gong run` at 3/s): "
            + ", ".join(f"{n} ({_calls(sizes[n]):,} calls) {p:,.0f} MB" for n, p in peaks if p)
            + "."
        )
    return lines


def _throttled(sizes: dict[str, Any]) -> list[str]:
    rows = []
    for name, s in sizes.items():
        for label, key in (
            ("ours", "throttled"),
            ("ours in one package", "throttled_one_package"),
            ("before", "throttled_before"),
            ("ours, PostgreSQL", "postgres"),
        ):
            run = _first(s.get(key))
            if not run:
                continue
            read_all = run.get("read_all_seconds")
            steps = _steps(s.get(key))
            rows.append(
                [
                    name,
                    label,
                    _n(run["sandbox"]["requests"]),
                    _n(_s429(s.get(key))),
                    _n(_floor_seconds(s), 1),
                    _n(read_all, 1) if read_all else "-",
                    _n(run["seconds"], 1),
                    _n(_ratio_at_limits(s, s.get(key)), 3),
                    len(run.get("packages", [])),
                    " / ".join(f"{steps.get(k, 0):.1f}" for k in ("extract", "normalize", "load")),
                    _n(run["peak_rss_mb"]),
                ]
            )
    return [
        "The client's own 3/s against a sandbox that enforces Gong's limits. The floor time is "
        'the floor requests at 3 a second; "Gong read at" is when the last page arrived '
        "(ours only: the packages go on being loaded while it reads).",
        "",
        *_table(
            [
                "size",
                "run",
                "requests",
                "429s",
                "floor s",
                "Gong read at s",
                "whole run s",
                "whole run / floor",
                "packages",
                "extract / normalize / load s (summed)",
                "peak RSS MB",
            ],
            rows,
        ),
    ]


def _throughput(sizes: dict[str, Any]) -> list[str]:
    rows = []
    for name, s in sizes.items():
        for label, key in (("ours", "ours"), ("before", "before")):
            run = _first(s.get(key))
            if not run:
                continue
            steps = _steps(s.get(key))
            rows.append(
                [
                    name,
                    label,
                    _n(run["seconds"], 1),
                    _n(_rate(s, s.get(key)), 1),
                    _n(_rows(s.get(key))),
                    _n(_rows(s.get(key)) / run["seconds"]),
                    len(run.get("packages", [])),
                    " / ".join(f"{steps.get(k, 0):.1f}" for k in ("extract", "normalize", "load")),
                    _n(s.get("sandbox_alone", {}).get("calls_per_second"), 1),
                ]
            )
    return [
        "Rate limits off in the sandbox and in the client. Rows are every table row dlt "
        "normalised, nested tables included. With packages the steps overlap the reading "
        "of Gong, so their sum can exceed the whole run.",
        "",
        *_table(
            [
                "size",
                "run",
                "seconds",
                "calls/s",
                "rows",
                "rows/s",
                "packages",
                "extract / normalize / load s (summed)",
                "sandbox alone calls/s",
            ],
            rows,
        ),
    ]


def _memory(sizes: dict[str, Any]) -> list[str]:
    rows = []
    for name, s in sizes.items():
        for label, key in (
            ("ours, at 3/s", "throttled"),
            ("ours in one package, at 3/s", "throttled_one_package"),
            ("before, at 3/s", "throttled_before"),
            ("ours, PostgreSQL, at 3/s", "postgres"),
            ("ours, unthrottled", "ours"),
            ("before, unthrottled", "before"),
        ):
            if s.get(key):
                rows.append(
                    [name, _n(_calls(s)), label, _n(s[key]["baseline_rss_mb"]), _n(_peak(s[key]))]
                )
    return [
        "Peak RSS of the run from its start to its end: extract, normalise and load, DuckDB "
        "included (it runs in the process), and dlt's normalise processes when the run "
        "starts them (the larger of the process's VmHWM and the sum of the process tree's "
        "RSS sampled every 0.1 s). Baseline: the process before it imported dlt.",
        "",
        *_table(["size", "calls", "run", "baseline MB", "peak MB"], rows),
    ]


def _ablation(sizes: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for name, s in sizes.items():
        runs = s.get("ablation") or []
        if not runs:
            continue
        rows = []
        previous: dict[str, Any] | None = None
        for run in runs:
            first = run["first"]
            steps = _steps(run)
            rows.append(
                [
                    run["label"],
                    _n(first["seconds"], 1),
                    _x(previous["seconds"], first["seconds"]) if previous else "-",
                    _n(first["peak_rss_mb"]),
                    _x(first["peak_rss_mb"], previous["peak_rss_mb"]) if previous else "-",
                    " / ".join(f"{steps.get(k, 0):.1f}" for k in ("extract", "normalize", "load")),
                ]
            )
            previous = first
        lines += [
            f"{name}: each change added to the ones above it, one run each, in turn.",
            "",
            *_table(
                [
                    "run",
                    "seconds",
                    "speed-up over the row above",
                    "peak RSS MB",
                    "peak / row above",
                    "extract / normalize / load s (summed)",
                ],
                rows,
            ),
        ]
    return lines


def _requests(sizes: dict[str, Any]) -> list[str]:
    from bench.truth import ENDPOINT_OF_TABLE, requests_by_table

    names = list(sizes)
    tables = list(next(iter(sizes.values()))["floor_default"])
    served = {
        n: requests_by_table(_first(s.get("ours"))["sandbox"], ENDPOINT_OF_TABLE)
        if s.get("ours")
        else {}
        for n, s in sizes.items()
    }
    rows = []
    for table in tables:
        row: list[Any] = [table]
        for n in names:
            row += [_n(served[n].get(table)), _n(sizes[n]["floor_default"].get(table))]
        rows.append(row)
    total: list[Any] = ["total"]
    for n in names:
        total += [_n(sum(served[n].values())), _n(_floor(sizes[n]))]
    rows.append(total)
    header = ["table"] + [f"{n} {w}" for n in names for w in ("ours", "floor")]
    return [
        "Requests the sandbox served to ours (unthrottled run), against the floor the API "
        "allows (`dlt_gong.plan.requests_per_table` on the sandbox's ground truth):",
        "",
        *_table(header, rows),
    ]


def _incremental(sizes: dict[str, Any]) -> list[str]:
    rows = []
    for name, s in sizes.items():
        rerun = (s.get("ours") or {}).get("rerun")
        if not rerun:
            continue
        by = rerun["sandbox"]["by_endpoint"]
        rows.append(
            [
                name,
                _n(rerun["sandbox"]["requests"]),
                _n(rerun["seconds"], 1),
                ", ".join(f"{k.split('/')[-1]} {v}" for k, v in by.items()),
            ]
        )
    return [
        "The same pipeline run again at once, with nothing new in the sandbox:",
        "",
        *_table(["size", "requests", "seconds", "requests by endpoint"], rows),
    ]


def _sandbox_alone(sizes: dict[str, Any]) -> list[str]:
    rows = []
    for name, s in sizes.items():
        a = s.get("sandbox_alone")
        if not a:
            continue
        rows.append(
            [
                name,
                _n(a["calls"]),
                _n(a["transcripts"]),
                _n(a["pages"]),
                _n(a["megabytes"], 1),
                _n(a["seconds"], 1),
                _n(a["calls_per_second"], 1),
                "all" if a["complete"] else "first pages only",
            ]
        )
    return [
        "A plain `requests` loop (no dlt) reading every page of `calls/extensive` with all "
        "content and the transcripts of each page's public calls:",
        "",
        *_table(
            ["size", "calls", "transcripts", "pages", "MB", "seconds", "calls/s", "read"], rows
        ),
    ]


if __name__ == "__main__":
    write_report(json.loads(RESULTS_JSON.read_text()))
