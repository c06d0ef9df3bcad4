"""The three sandbox companies the bench loads, and which scenarios each runs.

Small is the 3,000-call company over 45 days the performance goals name; medium 10,000
calls over 90 days. Large is 15,000 calls over half a year, not 100,000: every size runs
at Gong's 3/s and unthrottled, and 100,000 calls at 3/s are over 20 minutes of requests
alone, then as long again unthrottled on this 2-CPU machine; memory is shown flat across
the three sizes. `BENCH_LARGE_CALLS` sets another size for it.
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
    seed: int = 11


def _calls(calls: int) -> int:
    """``BENCH_SCALE=0.1`` runs every size with a tenth of its calls (a quick look)."""
    return max(1, int(calls * float(os.environ.get("BENCH_SCALE", "1"))))


def _large_calls() -> int:
    return _calls(int(os.environ.get("BENCH_LARGE_CALLS", "15000")))


# fmt: off
SIZES: tuple[Size, ...] = (
    Size("small", 50, _calls(3_000), 45, throttled=True, before=True, ablation=True, postgres=True),
    Size("medium", 200, _calls(10_000), 90, throttled=True, before=False, ablation=False),
    Size("large", 300, _large_calls(), 180, throttled=True, before=False, ablation=False),
)
# fmt: on


def selected_sizes() -> list[Size]:
    """``BENCH_SIZES=small,medium`` picks sizes; default all three."""
    wanted = os.environ.get("BENCH_SIZES", "").strip()
    if not wanted:
        return list(SIZES)
    names = [n.strip() for n in wanted.split(",") if n.strip()]
    unknown = set(names) - {s.name for s in SIZES}
    if unknown:
        raise SystemExit(f"BENCH_SIZES: unknown size(s) {sorted(unknown)}")
    return [s for s in SIZES if s.name in names]
