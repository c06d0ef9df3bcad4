"""The sandbox companies the bench loads, and which scenarios each runs.

Small is the 3,000-call company over 45 days the performance goals name; medium 10,000
calls over 90 days; large 30,000 calls over half a year. Every size runs at Gong's 3/s and
unthrottled. Small and medium also run at Gong's 3/s behind a sandbox far away (each
answer late by a latency, with and without Gong's cap on concurrent requests), and
beside the code of the commit the bench compares its CPU time with.

Xlarge is the 100,000 calls of the memory goals: at Gong's 3/s that is about 14 minutes of
requests alone, then as long again unthrottled, which would take the bench past its hour;
`make bench-large` runs it alone (``BENCH_SIZES=xlarge``), into results-large.md.
`BENCH_LARGE_CALLS` and `BENCH_XLARGE_CALLS` set other sizes for them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    users: int
    calls: int
    days: int
    throttled: bool
    """Run ours behind the sandbox's real limits (3/s, 10,000/day), end to end."""
    before: bool
    """Run dlt's defaults too (one package, gzip files, unbounded DuckDB), unthrottled;
    needed by the ablation."""
    ablation: bool
    """Run the changes one at a time, unthrottled, to show what each bought."""
    postgres: bool = False
    """Run ours into PostgreSQL too (when the bench can start a server)."""
    latency: bool = False
    """Run ours at 3/s behind each of ``latencies()``, with and without the concurrency
    cap, and the code of ``before_commit()`` at 3/s beside ours."""
    default: bool = True
    """Among the sizes `make bench` runs when ``BENCH_SIZES`` does not name them."""
    seed: int = 11


def _calls(calls: int) -> int:
    """``BENCH_SCALE=0.1`` runs every size with a tenth of its calls (a quick look)."""
    return max(1, int(calls * float(os.environ.get("BENCH_SCALE", "1"))))


def _env_calls(name: str, default: int) -> int:
    return _calls(int(os.environ.get(name, str(default))))


# fmt: off
SIZES: tuple[Size, ...] = (
    Size("small", 50, _calls(3_000), 45, throttled=True, before=True, ablation=True, postgres=True,
         latency=True),
    Size("medium", 200, _calls(10_000), 90, throttled=True, before=False, ablation=False,
         latency=True),
    Size("large", 300, _env_calls("BENCH_LARGE_CALLS", 30_000), 180, throttled=True,
         before=False, ablation=False),
    Size("xlarge", 500, _env_calls("BENCH_XLARGE_CALLS", 100_000), 365, throttled=True,
         before=False, ablation=False, default=False),
)
# fmt: on


def selected_sizes() -> list[Size]:
    """``BENCH_SIZES=small,medium`` picks sizes; default all but xlarge."""
    wanted = os.environ.get("BENCH_SIZES", "").strip()
    if not wanted:
        return [s for s in SIZES if s.default]
    names = [n.strip() for n in wanted.split(",") if n.strip()]
    unknown = set(names) - {s.name for s in SIZES}
    if unknown:
        raise SystemExit(f"BENCH_SIZES: unknown size(s) {sorted(unknown)}")
    return [s for s in SIZES if s.name in names]


DEFAULT_LATENCIES = "0,0.8:0.3,2.0:0.5"


def latencies() -> list[tuple[float, float]]:
    """The latencies (seconds, jitter) the latency rows run at: ``BENCH_LATENCIES``,
    ``base[:jitter]`` separated by commas (default ``0,0.8:0.3,2.0:0.5``), or ``none``."""
    raw = os.environ.get("BENCH_LATENCIES", DEFAULT_LATENCIES).strip()
    if raw.lower() == "none":
        return []
    found = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        base, _, jitter = part.partition(":")
        try:
            found.append((float(base), float(jitter or 0)))
        except ValueError:
            raise SystemExit(
                f"BENCH_LATENCIES: {part!r} is not base[:jitter] in seconds, e.g. 0.8:0.3"
            ) from None
    return found


def concurrency_cap() -> int:
    """Gong's cap on concurrent requests when the latency rows turn it on
    (``BENCH_CONCURRENCY_CAP``, default 3: what third-party documentation says Gong allows)."""
    return int(os.environ.get("BENCH_CONCURRENCY_CAP", "3"))


def max_in_flight() -> int:
    """The client's ``max_in_flight`` in every paced run of ours (``BENCH_MAX_IN_FLIGHT``,
    default 3), passed as dlt config (``SOURCES__GONG__MAX_IN_FLIGHT``)."""
    return int(os.environ.get("BENCH_MAX_IN_FLIGHT", "3"))


def before_commit() -> str | None:
    """The commit whose code runs paced beside ours, for CPU per 1,000 calls before and
    after (``BENCH_BEFORE_COMMIT``, default 3d4ba9f; ``none`` skips it)."""
    commit = os.environ.get("BENCH_BEFORE_COMMIT", "3d4ba9f").strip()
    return None if commit.lower() in ("", "none") else commit
