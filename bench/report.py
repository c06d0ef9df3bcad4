"""Writes ``bench/results.md`` (tables and findings computed from the figures) and
``bench/results.json``.

``python -m bench.report`` re-renders results.md from an existing results.json. Every
number in results.md comes from results.json, that is from one bench run, except the
rows of the memory table across sizes marked as from the other file (`make bench` and
`make bench-large` write results and results-large, and each shows the other's sizes
there, with its date).
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
OTHER_RESULTS = {"results": "results-large", "results-large": "results"}
"""The file each bench output shows the sizes of in its memory table across sizes."""

GOAL_RATIO = 1.20
"""The whole run at Gong's limits within this many times the floor time."""
GONG_CEILING = 150
"""Calls a second Gong's 3 requests a second deliver (a page of 100 calls and one
transcript request per page)."""
MEMORY_GOAL_MB = 400
UNTHROTTLED_MEMORY_GOAL_MB = 600
CPU_GOAL = 0.5
"""CPU per 1,000 calls at 3/s at most this fraction of the earlier commit's."""
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


def write_report(results: dict[str, Any], stem: str = "results") -> None:
    """Saves the JSON and renders the Markdown as ``bench/<stem>.json`` and ``.md``; for
    ``results`` (`make bench`) also rewrites the README's figures."""
    (HERE / f"{stem}.json").write_text(json.dumps(results, indent=1, default=str))
    other = HERE / f"{OTHER_RESULTS.get(stem, 'results')}.json"
    others = [json.loads(other.read_text())] if other.exists() and stem in OTHER_RESULTS else []
    (HERE / f"{stem}.md").write_text(render(results, others))
    if stem != "results":
        return
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
    far = [
        f"{_calls(s):,} calls at {_latency_label(row)}, cap {_cap_label(row)}: "
        f"{_x(_first(run)['seconds'], _floor_seconds(s))}x"
        f"{_beyond_floor(s, row, run)} ({sum(n or 0 for n in _429s(run))} 429s)"
        for s in sizes.values()
        for row in s.get("latency", [])
        if (run := _latency_run(s, row)) and _first(run) and row["latency"]
    ]
    cpu = [
        f"{_n(_cpu_per_1000(s, s.get('throttled')), 1)} on {_calls(s):,} calls (before: "
        f"{_n(_cpu_per_1000(s, s.get('throttled_commit')), 1)})"
        for s in sizes.values()
        if s.get("throttled_commit")
    ]
    lines = [
        f"Measured by `make bench` on {date} ({m['cpus']} CPUs, shared with other work, "
        "so read the ratios; [bench/results.md](bench/results.md) has every figure, from "
        "that one run):",
        "",
        f"- the whole run (extract, normalise, load) at Gong's 3 requests a second, against "
        f"the floor time (the floor requests at 3 a second): {at_limits}"
        + (f"; with dlt's defaults {', '.join(before)}" if before else "")
        + ";",
        *(
            [
                "- the same behind a Gong far away (each answer a latency after its request, "
                f"with and without a cap of 3 requests at once): {'; '.join(far)};"
            ]
            if far
            else []
        ),
        *(
            [
                "- CPU seconds (user + sys, the whole process tree) per 1,000 calls at 3/s: "
                f"{'; '.join(cpu)};"
            ]
            if cpu
            else []
        ),
        f"- unthrottled, end to end with all content and transcripts: {', '.join(rates)};",
        f"- peak memory of `dlt-gong run` at 3/s (the process and any it starts): "
        f"{', '.join(peaks + pg)}; unthrottled, with two normalise processes: "
        f"{', '.join(fast)}."
        + (
            f" The bench's largest company is {largest:,} calls: the 100,000-call runs, "
            "over 20 minutes of requests alone at Gong's 3/s, are `make bench-large`'s "
            "(bench/results-large.md)."
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


def achievable_floor_seconds(
    requests: int, mean_latency: float, in_flight: int, per_second: int = SANDBOX_PER_SECOND
) -> float:
    """The least time ``requests`` can take: Gong's ``per_second``, or, by Little's law,
    ``in_flight`` requests on the wire at once, each answered ``mean_latency`` after it
    left (3 in flight at 2.0 s: 1.5 a second), whichever is slower."""
    return max(requests / per_second, requests * mean_latency / in_flight)


def _achievable(s: dict[str, Any], row: dict[str, Any], run: dict[str, Any] | None) -> float:
    """The achievable floor of a latency row's run (`achievable_floor_seconds`)."""
    return achievable_floor_seconds(_floor(s), _mean_latency(run), _in_flight(row))


def _beyond_floor(s: dict[str, Any], row: dict[str, Any], run: dict[str, Any]) -> str:
    """Where the latency makes the floor time out of reach (3 in flight at 2.0 s allow
    1.5 a second), the run against the achievable floor too, which is the fair bound."""
    achievable = _achievable(s, row, run)
    if achievable <= _floor_seconds(s):
        return ""
    return f", {_x(_first(run)['seconds'], achievable)}x the achievable floor"


def _429s(run: dict[str, Any] | None) -> tuple[int | None, int | None]:
    """A run's 429s: from Gong's rate limits (per second, quota) and from its cap on
    concurrent requests."""
    first = _first(run)
    if not first:
        return None, None
    served = first["sandbox"]
    refused = int(served.get("concurrency", {}).get("refused", 0))
    return int(served["by_status"].get("429", 0)) - refused, refused


def _mean_latency(run: dict[str, Any] | None) -> float:
    """The latency the sandbox held its answers to the run, on average."""
    served = _first(run).get("sandbox", {})
    return float(served.get("delayed_seconds", 0.0)) / served["requests"] if served else 0.0


def _cpu(run: dict[str, Any] | None) -> float | None:
    """CPU seconds (user + sys) of the run's process tree."""
    cpu = _first(run).get("cpu_seconds")
    return float(cpu["user"] + cpu["sys"]) if cpu else None


def _cpu_per_1000(s: dict[str, Any], run: dict[str, Any] | None) -> float | None:
    cpu = _cpu(run)
    return None if cpu is None else cpu / _calls(s) * 1000


def _latency_run(s: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | None:
    """The run of a latency row: its own, or the size's run it is the same as."""
    same = row.get("same_as")
    found: dict[str, Any] | None = s.get(same) if same else row
    return found


def _latency_label(row: dict[str, Any]) -> str:
    if not row["latency"] and not row["jitter"]:
        return "0"
    return f"{row['latency']:g} s" + (f" ± {row['jitter']:g}" if row["jitter"] else "")


def _cap_label(row: dict[str, Any]) -> str:
    return "off" if row["max_concurrent"] is None else f"on ({row['max_concurrent']})"


def _in_flight(row: dict[str, Any]) -> int:
    """The most requests the run could have on the wire: the client's own bound, and the
    sandbox's cap when on."""
    cap = row["max_concurrent"]
    return int(row["max_in_flight"] if cap is None else min(row["max_in_flight"], cap))


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


def render(results: dict[str, Any], others: list[dict[str, Any]] | None = None) -> str:
    """results.md from one bench run's figures; ``others``: other runs' results, whose
    sizes the memory table across sizes shows too, each marked with its date."""
    sizes: dict[str, Any] = results["sizes"]
    commit = results.get("before_commit", {})
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
        + (
            ". The 100,000 calls of the goals are `make bench-large`'s "
            "(bench/results-large.md): see bench/sizes.py"
            if max((_calls(s) for s in sizes.values()), default=0) < 100_000
            else ""
        ),
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
        *(
            [
                f'- "before ({commit["commit"]})" in the CPU table is the code of commit '
                f"{commit.get('full', commit['commit'])} run by the same bench child against "
                "the same sandbox, just after ours"
                + (f": not run ({commit['error']})" if commit.get("error") else "")
            ]
            if commit
            else []
        ),
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
        "## 2. At Gong's limits over a real network",
        "",
        *_far_away(sizes),
        "",
        "## 3. CPU per 1,000 calls",
        "",
        *_cpu_table(sizes, commit.get("commit", "before")),
        "",
        "## 4. Unthrottled, end to end",
        "",
        *_throughput(sizes),
        "",
        "## 5. Peak memory of the whole run",
        "",
        *_memory(sizes),
        "",
        *_memory_across(sizes, others or []),
        "",
        "## 6. What each change bought (small, unthrottled)",
        "",
        *_ablation(sizes),
        "",
        "## 7. Requests per table",
        "",
        *_requests(sizes),
        "",
        "## 8. Incremental run with nothing new",
        "",
        *_incremental(sizes),
        "",
        "## 9. The sandbox alone",
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
                _n(_cpu_per_1000(s, s.get("throttled")), 1)
                + (
                    f" ({_n(_cpu_per_1000(s, s.get('throttled_commit')), 1)})"
                    if s.get("throttled_commit")
                    else ""
                ),
                _n(sum(s["naive_default"].values())) if "naive_default" in s else "-",
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
            "CPU s per 1,000 calls at 3/s, ours (before)",
            "requests of the naive design",
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
        lines += _far_away_findings(name, s)
        before_cpu = _cpu_per_1000(s, s.get("throttled_commit"))
        ours_cpu = _cpu_per_1000(s, s.get("throttled"))
        if before_cpu and ours_cpu is not None:
            lines.append(
                f"- {name} CPU (user + sys, the whole process tree) per 1,000 calls at 3/s: "
                f"{ours_cpu:.1f} s, before {before_cpu:.1f} s: {ours_cpu / before_cpu:.2f}x "
                f"(goal {CPU_GOAL:.2f}x: {_verdict(ours_cpu <= CPU_GOAL * before_cpu)})."
            )
        fast_peak = _peak(s.get("ours"))
        if fast_peak is not None:
            lines.append(
                f"- {name} peak RSS unthrottled: {fast_peak:,.0f} MB (goal "
                f"{UNTHROTTLED_MEMORY_GOAL_MB} MB: "
                f"{_verdict(fast_peak <= UNTHROTTLED_MEMORY_GOAL_MB)})."
            )
        if "naive_default" in s:
            naive = sum(s["naive_default"].values())
            lines.append(
                f"- {name} requests: the naive design would send {naive:,} "
                f"({naive / SANDBOX_PER_SECOND / 60:.1f} min at 3/s), the floor of ours is "
                f"{_floor(s):,} ({_floor_seconds(s) / 60:.1f} min): "
                f"{naive / _floor(s):.1f}x fewer."
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


def _far_away_findings(name: str, s: dict[str, Any]) -> list[str]:
    """One sentence per latency row: the whole run against the floor time (the goal) and
    against the achievable floor, and its 429s."""
    lines = []
    for row in s.get("latency", []):
        run = _latency_run(s, row)
        first = _first(run)
        if not first:
            continue
        ratio = first["seconds"] / _floor_seconds(s)
        rate, concurrent = _429s(run)
        achievable = _achievable(s, row, run)
        lines.append(
            f"- {name} at 3/s, latency {_latency_label(row)}, concurrency cap "
            f"{_cap_label(row)}, up to {row['max_in_flight']} requests in flight: "
            f"{first['seconds']:.1f} s, {ratio:.3f}x the floor time and "
            f"{first['seconds'] / achievable:.3f}x the achievable floor ({achievable:.1f} s); "
            f"{rate} 429s from the rate limits, {concurrent} from the cap (goal "
            f"{GOAL_RATIO:.2f}x the floor time, 0 429s: "
            f"{_verdict(ratio <= GOAL_RATIO and rate == 0 and concurrent == 0)})."
        )
    return lines


def _far_away(sizes: dict[str, Any]) -> list[str]:
    rows = []
    for name, s in sizes.items():
        for row in s.get("latency", []):
            run = _latency_run(s, row)
            first = _first(run)
            if not first:
                continue
            mean = _mean_latency(run)
            achievable = _achievable(s, row, run)
            rate, concurrent = _429s(run)
            rows.append(
                [
                    name,
                    _latency_label(row),
                    _cap_label(row),
                    row["max_in_flight"],
                    _n(first["sandbox"]["requests"]),
                    f"{rate} / {concurrent}",
                    _n(first["sandbox"].get("concurrency", {}).get("most_in_flight")),
                    _n(mean, 2),
                    _n(_floor_seconds(s), 1),
                    _n(achievable, 1),
                    _n(first["seconds"], 1),
                    _n(first["seconds"] / _floor_seconds(s), 3),
                    _n(first["seconds"] / achievable, 3),
                    _n(_cpu(run), 1),
                    _n(_cpu_per_1000(s, run), 1),
                ]
            )
    if not rows:
        return ["Not run (`BENCH_LATENCIES=none`, or no size with latency rows)."]
    return [
        "Ours at the client's 3/s against a sandbox that enforces Gong's limits and answers "
        "each request a latency after it arrived (counted by the rate limiter on arrival, as "
        "Gong's would), with and without Gong's cap on concurrent requests (a request beyond "
        "it gets 429). The floor time is the floor requests at 3 a second; the achievable "
        "floor is the larger of it and, by Little's law, the floor requests times the mean "
        "latency the sandbox served over the requests the client may have in flight "
        "(`max_in_flight`, and the cap when on): 3 in flight at 2.0 s allow 1.5 a second. "
        '"Most in flight" is the most requests the sandbox served at once. At latency 0 '
        "without the cap the row is the run of section 1.",
        "",
        *_table(
            [
                "size",
                "latency",
                "concurrency cap",
                "max in flight",
                "requests",
                "429s (rate / concurrency)",
                "most in flight",
                "mean latency s",
                "floor s",
                "achievable floor s",
                "whole run s",
                "whole run / floor",
                "whole run / achievable floor",
                "CPU s",
                "CPU s per 1,000 calls",
            ],
            rows,
        ),
    ]


def _cpu_table(sizes: dict[str, Any], commit: str) -> list[str]:
    rows = []
    for name, s in sizes.items():
        for label, key in (
            (f"before ({commit}), at 3/s", "throttled_commit"),
            ("ours, at 3/s", "throttled"),
            ("ours, unthrottled", "ours"),
        ):
            first = _first(s.get(key))
            cpu = first.get("cpu_seconds")
            if not cpu:
                continue
            rows.append(
                [
                    name,
                    label,
                    _n(_calls(s)),
                    _n(first["seconds"], 1),
                    _n(cpu["user"], 1),
                    _n(cpu["sys"], 1),
                    _n(_cpu(s.get(key)), 1),
                    _n(_cpu_per_1000(s, s.get(key)), 1),
                    _x(_cpu(s.get(key)), first["seconds"]),
                ]
            )
    if not rows:
        return ["Not measured (the runs of this bench output did not record CPU time)."]
    return [
        "CPU seconds (user + sys) of the run's process and of the processes it started "
        "(dlt's normalise workers, counted once they end), from the start of the run to its "
        "end; the sandbox's own CPU is not counted. Before: the same pipeline from the "
        "earlier commit's code, against the same sandbox.",
        "",
        *_table(
            [
                "size",
                "run",
                "calls",
                "whole run s",
                "user s",
                "sys s",
                "CPU s",
                "CPU s per 1,000 calls",
                "cores busy (CPU s / whole run s)",
            ],
            rows,
        ),
    ]


def _memory_across(sizes: dict[str, Any], others: list[dict[str, Any]]) -> list[str]:
    """Peak RSS at 3/s and unthrottled, size by size, with the sizes of the other bench
    output (`make bench-large`'s or `make bench`'s), marked with their run's date."""
    found = [(n, s, "") for n, s in sizes.items()]
    for other in others:
        date = str(other.get("date", ""))[:10]
        found += [(n, s, date) for n, s in other.get("sizes", {}).items() if n not in sizes]
    found.sort(key=lambda item: _calls(item[1]))
    rows = [
        [
            name,
            _n(_calls(s)),
            _n(_peak(s.get("throttled"))),
            _n(_peak(s.get("ours"))),
            f"another run, {date}" if date else "this run",
        ]
        for name, s, date in found
    ]
    return [
        "Across sizes, `dlt-gong run` with its defaults:",
        "",
        *_table(
            [
                "size",
                "calls",
                f"peak MB at 3/s (goal {MEMORY_GOAL_MB})",
                f"peak MB unthrottled (goal {UNTHROTTLED_MEMORY_GOAL_MB})",
                "measured in",
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
    # tables built from one endpoint (the transcript's five) share its requests: they are
    # counted in the first of them; the total is every request the sandbox served
    owner: dict[str, str] = {}
    for table in tables:
        owner.setdefault(ENDPOINT_OF_TABLE.get(table, table), table)
    served = {
        n: requests_by_table(_first(s.get("ours"))["sandbox"], ENDPOINT_OF_TABLE)
        if s.get("ours")
        else {}
        for n, s in sizes.items()
    }

    def ours(n: str, table: str) -> str:
        first = owner.get(ENDPOINT_OF_TABLE.get(table, table), table)
        return _n(served[n].get(table)) if first == table else f"in {first}"

    from bench.naive import NAIVE_FORMULAS

    def naive(n: str) -> dict[str, int]:
        found: dict[str, int] = sizes[n].get("naive_default", {})
        return found

    rows = []
    for table in tables:
        row: list[Any] = [table]
        for n in names:
            row += [
                ours(n, table),
                _n(sizes[n]["floor_default"].get(table)),
                _n(naive(n).get(table)),
            ]
        rows.append(row)
    total: list[Any] = ["total"]
    for n in names:
        total += [
            _n(_first(sizes[n].get("ours")).get("sandbox", {}).get("requests")),
            _n(_floor(sizes[n])),
            _n(sum(naive(n).values()) if naive(n) else None),
        ]
    rows.append(total)
    header = ["table"] + [f"{n} {w}" for n in names for w in ("ours", "floor", "naive")]
    differs = "; ".join(f"{t}: {f}" for t, f in NAIVE_FORMULAS.items())
    return [
        "Requests the sandbox served to ours (unthrottled run), against the floor the API "
        "allows (`dlt_gong.plan.requests_per_table` on the sandbox's ground truth), and "
        "the requests of the naive design the project started from, computed from its "
        f"formula on the same ground truth, not run (`bench/naive.py`; {differs}; the "
        "other tables as ours). Tables built from one endpoint share its requests, counted "
        "in the first of them; aggregated_activity's include the probe for the days with "
        "activity (ceil(A/100) a year), which the floor leaves out:",
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
    if (HERE / "results-large.json").exists():
        write_report(json.loads((HERE / "results-large.json").read_text()), "results-large")
