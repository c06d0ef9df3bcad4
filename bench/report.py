"""Writes ``bench/results.md`` (tables and plain-words findings) and ``bench/results.json``.

``python -m bench.report`` re-renders results.md from an existing results.json.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "results.md"


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
    }


def write_report(results: dict[str, Any]) -> None:
    """Saves the JSON and renders the Markdown."""
    RESULTS_JSON.write_text(json.dumps(results, indent=1, default=str))
    RESULTS_MD.write_text(render(results))


def render(results: dict[str, Any]) -> str:
    """results.md: the machine, a headline table, one section per measurement, findings."""
    sizes: dict[str, Any] = results["sizes"]
    m = results["machine"]
    out = [
        "# dlt-gong benchmarks",
        "",
        "Written by `python -m bench` (`make bench`); raw figures in `results.json`. "
        "Every ratio below compares runs of the same bench run on the same machine.",
        "",
        f"- date: {results['date']}; whole bench run: "
        f"{results.get('bench_seconds', 0) / 60:.1f} min",
        f"- machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gb']} GB RAM, {m['platform']}",
        f"- Python {m['python']}, dlt {m['dlt']}, duckdb {m['duckdb']}, dlt-gong {m['dlt_gong']}",
        "- sizes: "
        + "; ".join(
            f"{n}: {s['size']['users']} users, {s['counts']['calls']:,} calls "
            f"({s['counts']['public_calls']:,} public) over {s['size']['days']} days"
            for n, s in sizes.items()
        ),
        *_merged(results),
        "- the sandbox runs in its own process (`dlt-gong sandbox`, clock frozen at the "
        "date above); each pipeline run in a child process of its own with its own "
        'pipelines dir and DuckDB file. "ours" is `gong_source`; "naive" is the '
        "original brief's design in dlt's declarative `rest_api` source (see the end).",
        "",
        "## Headline",
        "",
        *_headline(sizes),
        "",
        "## Findings",
        "",
        *_findings(sizes),
        "",
        *FINDINGS_PROSE,
        "",
        "## 1. Requests per table",
        "",
        *_requests_default(sizes),
        "",
        *_requests_brief(sizes),
        "",
        "## 2. Time under Gong's real limits (3/s, 10,000/day)",
        "",
        *_throttled(sizes),
        "",
        "## 3. Unthrottled throughput (rate limits off)",
        "",
        *_throughput(sizes),
        "",
        "## 4. Peak memory (RSS of the pipeline process)",
        "",
        *_memory(sizes),
        "",
        "## 5. Incremental run with nothing new",
        "",
        *_incremental(sizes),
        "",
        "## 6. The sandbox alone",
        "",
        *_sandbox_alone(sizes),
        "",
        "## 7. Where the time goes (cProfile)",
        "",
        *_profile(sizes),
        "",
        "## The naive design: what was adapted so that it gets the data from Gong",
        "",
        *[f"- {a}" for a in _adaptations()],
        "",
    ]
    return "\n".join(out)


def _merged(results: dict[str, Any]) -> list[str]:
    """Sizes added by a later `BENCH_MERGE=1` invocation are said so: their ratios to the
    other sizes' figures are not from the same run."""
    lines = []
    for merged in results.get("merged_runs", []):
        lines.append(
            f"- {', '.join(merged['sizes'])} measured in a second invocation "
            f"(`BENCH_SIZES={','.join(merged['sizes'])} BENCH_MERGE=1`) started "
            f"{merged['date']}; every ratio quoted within a size is still from one run"
        )
    return lines


def _adaptations() -> tuple[str, ...]:
    from bench.naive import ADAPTATIONS

    return ADAPTATIONS


DAILY_QUOTA = 10_000

FINDINGS_PROSE: list[str] = [
    "### In plain words",
    "",
    "**Requests: at the floor.** On every default table, at every size, ours spends exactly "
    "the requests the formula allows (ratio 1.000): one request per 100 calls, one per 100 "
    "call ids for transcripts, the whole window of stats in one request per 100 active "
    "users (a day at a time only for interaction stats, which have no period). The naive "
    "design spends one transcript request per call and one stats request per user: 48x "
    "ours on small, 50x on medium, and on medium its 10,301 requests exceed a day's "
    "10,000-request quota (2 days); at 100,000 calls it would need about 101,500 requests, "
    "11 days of quota (computed from the counts, not run).",
    "",
    "**Time under Gong's limits: within the goal, with no 429.** Small took 1.053x the "
    "floor time and medium 1.065x (goal 1.10). The first bench run missed on medium "
    "(1.16x): the source sent its requests one at a time from dlt's extract thread, so no "
    "request was in flight while dlt wrote and flushed a page (a 5,000-item buffer to a "
    "gzip file, seconds at a time). Three changes, all in this repository, closed it: "
    "`GongClient` requests the next page while dlt is busy with the current one (a "
    "prefetch, `_pages_once` in `dlt_gong/client.py`); `run_pipeline` bounds dlt's extract "
    "buffer to 500 items a table, so flushes are short; and the client keeps one request "
    "on the wire at a time and re-dates each rate-limit slot to when its request really "
    "left. The last two came from this bench: with the prefetch alone, two requests in "
    "flight reached the sandbox closer together than they were sent (2 429s on small); "
    "with one on the wire, a thread that waited for the interpreter between its slot and "
    "its send still let one 429 through on medium. What remains is about 5 points by "
    "design: the limiter lets 3 requests go per 1.05 s, not per 1 s "
    "(`margin_seconds=0.05` in `dlt_gong/ratelimit.py`), against the jitter between when "
    "we send and when Gong counts; a smaller margin would trade it for 429s on a real "
    "network, where each costs a retry and a second.",
    "",
    "**The naive design under the same limits** pauses 0.3 s between requests, which is "
    "3.33 requests a second, above Gong's 3: on small a quarter of its requests (341 of "
    "1,402) were answered 429, dlt's retry backed off, and it took 671 s, 1.9x its own "
    "floor time and 92x the floor time of ours on the same four tables.",
    "",
    "**Unthrottled, the biggest remaining cost is dlt's normaliser; our own code is about "
    "2% of the time.** dlt's default file format for DuckDB (insert_values, since pyarrow "
    "is not installed) made the load 74% of the small run and took the process to 3.1 GB: "
    "DuckDB parses INSERT statements of up to 16 MB each, in parallel load jobs. Loading "
    "the same rows from jsonl made the run 3.7x faster (10.3 s against 37.9 s) and the "
    "peak 390 MB; `dlt-gong run` now loads DuckDB from jsonl (`_file_format` in "
    "`dlt_gong/runner.py`) and the README tells Python users to pass "
    '`loader_file_format="jsonl"`. With jsonl, normalisation is the largest stage (69% '
    "on medium): dlt's relational normaliser turns 10,000 calls with all content into "
    "2.85 million rows in about 40 tables. The profile (section 7) puts 40 s of the 179 s "
    "medium run in gzip, compressing dlt's intermediate files a row at a time "
    "(`data_writer.disable_compression=true` would remove it, at the cost of disk), 23 s "
    "in `_coerce_row` and 11 s in `_flatten` (dlt's own per-row work), and 12 s waiting "
    "on the socket, the sandbox generating its pages. In extract, about 4 s go to the "
    "standard library's `json` decoding the responses; orjson, which dlt already ships, "
    "would save most of it. Our code itself (row shaping, paging, windows) is 4.0 s of "
    "self time, 2%. None of the rest is ours to remove: it is dlt's normaliser, or a "
    "setting (compression) that is the user's choice.",
    "",
    "**Against the naive design, unthrottled:** on small, end to end, ours ran 1.5x faster "
    "(97 against 63 calls/s); the naive extract is 1.8 to 2.2x slower than ours (124 "
    "against 268 calls/s on small, 118 against 212 on medium) because it makes 50x the "
    "requests. The sandbox alone serves 400 to 535 calls/s with all content and "
    "transcripts, above what either pipeline extracts, so these figures measure the "
    "pipelines.",
    "",
    "**Memory: the extract streams.** The extract peak was 181 MB at 1,000 calls and "
    "210 MB at 10,000 (the first run, with dlt's default 5,000-item buffer: 226 and "
    "825 MB): ten times the calls added 16%, the cost of the bigger company's ground truth "
    "and schema, not of the calls in flight. The cause of the old growth was not our "
    "generators, which hold one page (100 calls) at a time, but dlt's extract buffer, "
    "which kept up to 5,000 whole calls or transcripts (tens of kB each) per table; "
    "`run_pipeline` now sets it to 500 unless the user configured it. Large (882 MB) was "
    "measured before that change and not re-run (it takes 12 minutes of extract). The "
    "end-to-end peak on medium, 1.3 GB, is reached in the load: DuckDB's COPY of 2.85 "
    "million rows from jsonl files in parallel jobs; bounding it is DuckDB's "
    "`memory_limit` or fewer load workers, a destination setting left to the user.",
    "",
    "**Incremental run with nothing new:** 14 requests in 0.2 s (small) and 24 in 1.8 s "
    "(medium) for the default tables: the calls of the last 3 days again (the lookback), "
    "one request per table for the rest, and the stats of the last 3 days. The naive "
    "design's re-run costs 53 requests on small, 50 of them the stats again, one per user. "
    "Large: 53 requests in 5.5 s.",
    "",
    "**Large (100,000 calls) ran extract only:** 3,264 requests, exactly the floor, in "
    "668 s (150 calls/s; the sandbox alone serves 236 calls/s at this size). End to end it "
    "would not fit the bench's time budget on this machine: at medium's normalise rate "
    "(about 80 calls/s) normalisation alone would take some 20 minutes.",
]
"""Interpretation written after looking at the figures of the run in results.json (kept in
code so a re-render keeps it); rewrite it when the figures change."""


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _n(x: float | int | None, digits: int = 0) -> str:
    if x is None:
        return "-"
    return f"{x:,.{digits}f}"


def _ratio(a: float | None, b: float | None, digits: int = 3) -> str:
    if a is None or not b:
        return "-"
    return f"{a / b:.{digits}f}"


def _first(run: dict[str, Any] | None) -> dict[str, Any]:
    return (run or {}).get("first", {})


def _served(run: dict[str, Any] | None, endpoints: dict[str, str]) -> dict[str, int]:
    from bench.truth import requests_by_table

    first = _first(run)
    return requests_by_table(first["sandbox"], endpoints) if first else {}


def _total(run: dict[str, Any] | None) -> int | None:
    first = _first(run)
    return int(first["sandbox"]["requests"]) if first else None


def _s429(run: dict[str, Any] | None) -> int | None:
    first = _first(run)
    return int(first["sandbox"]["by_status"].get("429", 0)) if first else None


def _headline(sizes: dict[str, Any]) -> list[str]:
    rows = []
    for name, s in sizes.items():
        floor = sum(s["floor_default"].values())
        ours = _total(s.get("ours_default"))
        naive = _total(s.get("naive"))
        ours_brief = sum(s["floor_brief"].values())
        thr = _first(s.get("ours_throttled"))
        thr_ratio = f"{thr['stages']['extract'] / (floor / 3):.3f}" if thr else "not run"
        e2e = _first(s.get("ours_brief"))
        rows.append(
            [
                name,
                _n(s["counts"]["calls"]),
                _n(ours),
                _n(floor),
                _ratio(ours, floor),
                _n(naive),
                _ratio(naive, _total(s.get("ours_brief")) or ours_brief, 1),
                ("yes" if naive <= DAILY_QUOTA else f"no ({math.ceil(naive / DAILY_QUOTA)} days)")
                if naive
                else "-",
                thr_ratio,
                _n(_s429(s.get("ours_throttled"))),
                _n(s["counts"]["calls"] / e2e["seconds"], 1) if e2e else "not run",
                _n(max(e2e["peak_rss_mb_after"].values())) if e2e else "-",
                _n(_first(s.get("ours_default"))["peak_rss_mb_after"]["extract"]),
            ]
        )
    return _table(
        [
            "size",
            "calls",
            "ours requests (default tables)",
            "floor",
            "ours / floor",
            "naive requests (4 brief tables)",
            "naive / ours (same 4 tables)",
            "naive fits one day's quota",
            "ours time at 3/s / floor time",
            "429s (ours)",
            "ours calls/s end to end (unthrottled)",
            "ours peak RSS MB end to end",
            "ours peak RSS MB extract",
        ],
        rows,
    )


def _findings(sizes: dict[str, Any]) -> list[str]:
    """Sentences computed from the figures: each goal, met or missed, by how much."""
    lines = []
    for name, s in sizes.items():
        floor = sum(s["floor_default"].values())
        ours = _total(s.get("ours_default"))
        if ours is not None:
            over = (ours - floor) / floor * 100
            verdict = "within" if over <= 2 else "MISSES"
            lines.append(
                f"- {name}: ours spent {ours:,} requests on the default tables against a "
                f"floor of {floor:,} ({over:+.1f}%): {verdict} the 2% goal."
            )
        thr = _first(s.get("ours_throttled"))
        if thr:
            t, f = thr["stages"]["extract"], floor / 3
            over = (t - f) / f * 100
            verdict = "within" if over <= 10 else "MISSES"
            lines.append(
                f"- {name} at Gong's limits: {t:.1f} s for {_total(s['ours_throttled']):,} "
                f"requests against a floor time of {f:.1f} s ({over:+.1f}%), "
                f"{_s429(s['ours_throttled'])} 429s: {verdict} the 10% goal."
            )
        naive = _total(s.get("naive"))
        brief_ours = _total(s.get("ours_brief")) or sum(s["floor_brief"].values())
        if naive:
            days = math.ceil(naive / DAILY_QUOTA)
            fits = "fits in" if days <= 1 else f"does not fit in (needs {days} days of)"
            lines.append(
                f"- {name}, naive design: {naive:,} requests for the brief's four tables, "
                f"{naive / brief_ours:.0f}x ours ({brief_ours:,}); it {fits} one day's "
                f"10,000-request quota."
            )
    return lines


def _requests_default(sizes: dict[str, Any]) -> list[str]:
    from bench.truth import ENDPOINT_OF_TABLE

    names = list(sizes)
    tables = list(next(iter(sizes.values()))["floor_default"])
    served = {n: _served(sizes[n].get("ours_default"), ENDPOINT_OF_TABLE) for n in names}
    rows = []
    for table in [*tables, "total"]:
        row: list[Any] = [table]
        for n in names:
            floor = sizes[n]["floor_default"]
            f = sum(floor.values()) if table == "total" else floor[table]
            o = (
                sum(served[n].get(t, 0) for t in floor)
                if table == "total"
                else served[n].get(table)
            )
            row += [_n(o), _n(f)]
        rows.append(row)
    rows.append(_far_back_row(sizes))
    header = ["table"] + [h for n in names for h in (f"{n} ours", f"{n} floor")]
    return [
        "Ours on the default tables (extract, limits off), counted by the sandbox, against "
        "the floor the API allows (`dlt_gong.plan.requests_per_table` on the sandbox's "
        "ground truth):",
        "",
        *_table(header, rows),
    ]


def _far_back_row(sizes: dict[str, Any]) -> list[Any]:
    """The stats tables loaded from a start of 2000-01-01 (with the days-with-activity
    probe, counted on aggregate-by-period), beside their floor from the size's own start:
    a far-back start should cost no more than the data does."""
    from bench.truth import ENDPOINT_OF_TABLE
    from dlt_gong.tables import BY_NAME, STATS_KINDS

    row: list[Any] = ["stats tables, start 2000-01-01"]
    for s in sizes.values():
        far = _served(s.get("ours_far_back_stats"), ENDPOINT_OF_TABLE)
        floor = {t: n for t, n in s["floor_default"].items()
                 if t in BY_NAME and BY_NAME[t].kind in STATS_KINDS}  # fmt: skip
        row += [_n(sum(far.get(t, 0) for t in floor) if far else None), _n(sum(floor.values()))]
    return row


def _requests_brief(sizes: dict[str, Any]) -> list[str]:
    from bench.truth import ENDPOINT_OF_TABLE, NAIVE_ENDPOINT_OF_TABLE

    rows = []
    for n, s in sizes.items():
        ours = _served(s.get("ours_brief"), ENDPOINT_OF_TABLE) or s["floor_brief"]
        measured = "measured" if s.get("ours_brief") else "floor (not run)"
        naive = _served(s.get("naive"), NAIVE_ENDPOINT_OF_TABLE)
        for t in ("users", "calls", "call_transcripts", "aggregated_activity"):
            rows.append(
                [
                    n,
                    t,
                    _n(ours.get(t)),
                    _n(naive.get(t)) if naive else "not run",
                    _ratio(naive.get(t), ours.get(t), 1) if naive else "-",
                ]
            )
        total_o, total_n = sum(ours.values()), sum(naive.values()) if naive else None
        rows.append(
            [
                n,
                f"**total** (ours {measured})",
                _n(total_o),
                _n(total_n),
                _ratio(total_n, total_o, 1),
            ]
        )
    return [
        "The brief's four tables, ours against the naive design (ours reads "
        "`aggregated_activity` from aggregate-by-period, the brief from "
        "`/v2/stats/activity/aggregate`, one request per user):",
        "",
        *_table(["size", "table", "ours", "naive", "naive / ours"], rows),
    ]


def _throttled(sizes: dict[str, Any]) -> list[str]:
    rows = []
    for n, s in sizes.items():
        floor = sum(s["floor_default"].values())
        thr = _first(s.get("ours_throttled"))
        if thr:
            req = _total(s["ours_throttled"]) or 0
            rows.append(
                [
                    n,
                    "ours (default tables)",
                    _n(req),
                    _n(_s429(s["ours_throttled"])),
                    _n(thr["stages"]["extract"], 1),
                    _n(floor / 3, 1),
                    _ratio(thr["stages"]["extract"], floor / 3),
                    "measured",
                ]
            )
        nthr = _first(s.get("naive_throttled"))
        if nthr:
            req = _total(s["naive_throttled"]) or 0
            useful = req - (_s429(s["naive_throttled"]) or 0)
            ours_floor_time = sum(s["floor_brief"].values()) / 3
            rows.append(
                [
                    n,
                    "naive (4 brief tables, 0.3 s pause)",
                    _n(req),
                    _n(_s429(s["naive_throttled"])),
                    _n(nthr["stages"]["extract"], 1),
                    _n(useful / 3, 1),
                    _ratio(nthr["stages"]["extract"], useful / 3),
                    f"measured; {nthr['stages']['extract'] / ours_floor_time:.0f}x the floor "
                    f"time of ours on the same 4 tables ({ours_floor_time:.1f} s)",
                ]
            )
        elif s.get("naive"):
            req = _total(s["naive"]) or 0
            days = math.ceil(req / DAILY_QUOTA)
            rows.append(
                [
                    n,
                    "naive (4 brief tables)",
                    _n(req),
                    "-",
                    f"{req / 3 / 60:.0f} min (projected, not measured)",
                    _n(req / 3, 1),
                    "-",
                    f"projected: over the daily quota, needs {days} days",
                ]
            )
    return [
        "Only the requests are paced, so these runs time the extract step (every request "
        "of the load) against the floor time, the floor requests at 3 a second (for the "
        "naive design: its own requests that got an answer other than 429, at 3 a second). "
        "Ours uses its client's default 3/s; the naive design its 0.3 s pause and dlt's "
        "retries.",
        "",
        *_table(
            [
                "size",
                "design",
                "requests",
                "429s served",
                "seconds",
                "floor seconds",
                "seconds / floor",
                "note",
            ],
            rows,
        ),
    ]


def _throughput(sizes: dict[str, Any]) -> list[str]:
    rows = []
    for n, s in sizes.items():
        alone = s.get("sandbox_alone", {})
        for label, key in (
            ("ours (4 brief tables, jsonl)", "ours_brief"),
            ("ours (4 brief tables, dlt's default insert_values)", "ours_brief_insert_values"),
            ("naive (4 brief tables, jsonl, pause off)", "naive"),
            ("ours (default tables)", "ours_default"),
        ):
            f = _first(s.get(key))
            if not f:
                continue
            st = f["stages"]
            total = sum(st.values())
            calls = s["counts"]["calls"]
            nrows = sum(f["rows"].values()) if f["rows"] else None
            shares = " / ".join(
                f"{st.get(k, 0) / total * 100:.0f}%" if k in st else "-"
                for k in ("extract", "normalize", "load")
            )
            rows.append(
                [
                    n,
                    label,
                    "end to end" if "load" in st else "extract only",
                    _n(total, 1),
                    shares,
                    _n(calls / total, 1) if "load" in st else "-",
                    _n(calls / st["extract"], 1),
                    _n(nrows),
                    _n(nrows / total) if nrows else "-",
                    _n(alone.get("calls_per_second"), 1),
                ]
            )
    return [
        "Calls per second over the whole run (extract, normalise, load into DuckDB) with "
        "all call content and transcripts; rows are every table row dlt normalised, child "
        "tables included. The last column is the sandbox serving the same pages to a plain "
        "requests loop: when it is above the pipeline's extract rate, the pipeline is the "
        "bottleneck, not the sandbox.",
        "",
        *_table(
            [
                "size",
                "design",
                "run",
                "seconds",
                "extract / normalize / load",
                "calls/s end to end",
                "calls/s extract",
                "rows",
                "rows/s",
                "sandbox alone calls/s",
            ],
            rows,
        ),
    ]


def _memory(sizes: dict[str, Any]) -> list[str]:
    rows = []
    for n, s in sizes.items():
        for label, key in (
            ("ours (default tables)", "ours_default"),
            ("ours (4 brief tables, jsonl)", "ours_brief"),
            ("ours (4 brief tables, insert_values)", "ours_brief_insert_values"),
            ("naive (4 brief tables, jsonl)", "naive"),
        ):
            run = s.get(key)
            f = _first(run)
            if not f:
                continue
            after = f["peak_rss_mb_after"]
            rows.append(
                [
                    n,
                    _n(s["counts"]["calls"]),
                    label,
                    _n(run["baseline_rss_mb"]),
                    _n(after.get("extract")),
                    _n(after.get("normalize")),
                    _n(after.get("load")),
                ]
            )
    return [
        "Peak RSS (MB) of the pipeline's process, read after each step (the peak only "
        "grows, so the figure after extract is the extract step's own peak); baseline is "
        "the process before the load, with dlt imported. Where the baseline is in the "
        "hundreds of MB it is the bench parent's RSS at fork (those runs read `ru_maxrss`, "
        "which Linux keeps across exec; later runs read VmHWM); the peaks above it are "
        "the child's own.",
        "",
        *_table(
            ["size", "calls", "run", "baseline", "after extract", "after normalize", "after load"],
            rows,
        ),
    ]


def _incremental(sizes: dict[str, Any]) -> list[str]:
    rows = []
    for n, s in sizes.items():
        for label, key in (
            ("ours (default tables), extract", "ours_default"),
            ("ours (4 brief tables), end to end", "ours_brief"),
            ("naive (4 brief tables), end to end", "naive"),
        ):
            rerun = (s.get(key) or {}).get("rerun")
            if not rerun:
                continue
            rows.append(
                [
                    n,
                    label,
                    _n(rerun["sandbox"]["requests"]),
                    _n(sum(rerun["stages"].values()), 1),
                    ", ".join(
                        f"{k.split()[-1].rsplit('/', 1)[-1]} {v}"
                        for k, v in rerun["sandbox"]["by_endpoint"].items()
                    ),
                ]
            )
    return [
        "The same pipeline run again at once, with nothing new in the sandbox:",
        "",
        *_table(["size", "run", "requests", "seconds", "requests by endpoint"], rows),
    ]


def _sandbox_alone(sizes: dict[str, Any]) -> list[str]:
    rows = []
    for n, s in sizes.items():
        a = s.get("sandbox_alone")
        if a:
            rows.append(
                [
                    n,
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


def _profile(sizes: dict[str, Any]) -> list[str]:
    for n, s in sizes.items():
        prof = _first(s.get("ours_brief")).get("profile")
        if not prof:
            continue
        total = prof["total_self_seconds"] or 1
        cats = [
            [k, _n(v, 1), f"{v / total * 100:.0f}%"]
            for k, v in prof["self_seconds_by_category"].items()
            if v >= 0.05
        ]
        top = [
            [f"`{r['function']}`", _n(r["self_s"], 2), _n(r["cumulative_s"], 2)]
            for r in prof["top_self"][:12]
        ]
        return [
            f"cProfile of ours on {n} (4 brief tables, end to end). cProfile sees the "
            "main thread only: dlt's load step runs its jobs in worker threads, so the "
            "load shows here as the main thread waiting on a lock.",
            "",
            "Self time by whose code it is:",
            "",
            *_table(["code", "self seconds", "share"], cats),
            "",
            "Top functions by self time:",
            "",
            *_table(["function", "self s", "cumulative s"], top),
        ]
    return ["No profiled run in this bench run."]


if __name__ == "__main__":
    write_report(json.loads(RESULTS_JSON.read_text()))
