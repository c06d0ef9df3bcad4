"""What a run is measured by: peak RSS, loaded rows, and a
profile grouped by whose code the time is spent in."""

from __future__ import annotations

import cProfile
import pstats
import resource
from pathlib import Path
from typing import Any


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    /proc's VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child started
    by a big parent would report the parent's RSS at fork as its own peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def loaded_rows(info: Any) -> dict[str, int]:
    """Rows normalised per table, from dlt's NormalizeInfo (child tables included, dlt's
    own tables left out)."""
    return {t: n for t, n in info.row_counts.items() if not t.startswith("_dlt")}


CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dlt-gong (our code)", ("/dlt_gong/",)),
    ("dlt rest_api / rest_client", ("/dlt/sources/rest_api", "/dlt/sources/helpers/")),
    ("dlt normalize", ("/dlt/normalize/",)),
    ("dlt extract", ("/dlt/extract/",)),
    ("dlt common (json, schema, storages)", ("/dlt/common/",)),
    ("dlt load / destinations", ("/dlt/load/", "/dlt/destinations/")),
    ("dlt other", ("/dlt/",)),
    ("json / orjson", ("orjson", "/json/", "simplejson")),
    ("duckdb", ("duckdb",)),
    ("pyarrow", ("pyarrow",)),
    ("HTTP (requests, urllib3, socket wait)", ("requests", "urllib3", "socket", "http/", "ssl")),
    ("tenacity / sleep", ("tenacity", "time.sleep")),
)


def _category(filename: str, funcname: str) -> str:
    where = f"{filename} {funcname}"
    for name, needles in CATEGORIES:
        if any(n in where for n in needles):
            return name
    return "other (stdlib, builtins)"


def profile_summary(profiler: cProfile.Profile, top: int = 15) -> dict[str, Any]:
    """Self time per category, and the top functions by cumulative and by self time."""
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = 0.0
    by_category: dict[str, float] = {}
    rows = []
    for (filename, line, funcname), (_cc, _nc, tottime, cumtime, _callers) in raw.items():
        total += tottime
        category = _category(filename, funcname)
        by_category[category] = by_category.get(category, 0.0) + tottime
        short = filename.split("site-packages/")[-1].split("/src/")[-1]
        rows.append((f"{short}:{line}({funcname})", tottime, cumtime))
    return {
        "total_self_seconds": round(total, 2),
        "self_seconds_by_category": {
            k: round(v, 2) for k, v in sorted(by_category.items(), key=lambda kv: -kv[1])
        },
        "top_cumulative": [
            {"function": f, "cumulative_s": round(c, 2), "self_s": round(t, 2)}
            for f, t, c in sorted(rows, key=lambda r: -r[2])[:top]
        ],
        "top_self": [
            {"function": f, "self_s": round(t, 2), "cumulative_s": round(c, 2)}
            for f, t, c in sorted(rows, key=lambda r: -r[1])[:top]
        ],
    }
