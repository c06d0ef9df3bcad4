"""The three sandbox companies the issue asks for, and which scenarios each runs.

Small and medium get 90 days of history (the sandbox default); the large one a year.
The large company runs only unthrottled scenarios: at 3 requests a second its floor
alone is minutes, and the naive design would need 100,000+ requests (10+ days of quota).
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
    """Run ours behind the sandbox's real limits (3/s, 10,000/day)."""
    naive_throttled: bool
    """Run the naive design behind the real limits too (only where it fits in a day)."""
    naive_unthrottled: bool
    """Run the naive design with the limits off, for its request count and throughput."""
    seed: int = 11


# fmt: off
SIZES: tuple[Size, ...] = (
    Size("small", 50, 1_000, 90, throttled=True, naive_throttled=True, naive_unthrottled=True),
    Size("medium", 200, 10_000, 90, throttled=True, naive_throttled=False, naive_unthrottled=True),
    Size("large", 500, 100_000, 365, throttled=False, naive_throttled=False,
         naive_unthrottled=False),
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
