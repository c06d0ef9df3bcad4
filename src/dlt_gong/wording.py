"""How the plan and the summary say numbers: in units people read, and the same words in
both (a run's kind, the quota), so that a plan and the run it planned can be compared
line by line."""

from __future__ import annotations

from typing import Any

import dlt

from dlt_gong.errors import GongConfigError

DEFAULT_DAILY_QUOTA = 10_000
"""Gong's default daily request quota per company; `sources.gong.daily_quota` in dlt
config says a company's own when Gong set another."""

FIRST_RUN = "first run"
INCREMENTAL_RUN = "incremental run"


def run_kind(incremental: bool) -> str:
    """The one word for a run's kind, in the plan and in the summary alike."""
    return INCREMENTAL_RUN if incremental else FIRST_RUN


def daily_quota() -> int:
    """The company's daily quota: `sources.gong.daily_quota` (dlt config or the
    `SOURCES__GONG__DAILY_QUOTA` environment variable), else Gong's default."""
    value: Any = dlt.config.get("sources.gong.daily_quota")
    if value is None or value == "":
        return DEFAULT_DAILY_QUOTA
    try:
        quota = int(float(str(value)))
    except ValueError:
        quota = 0
    if quota < 1 or float(str(value)) != quota:
        raise GongConfigError(
            f"sources.gong.daily_quota {value!r} is not a whole number of requests above 0: "
            f"set it to your company's daily quota (Gong's default is {DEFAULT_DAILY_QUOTA:,})"
        )
    return quota


def requests(n: int) -> str:
    """ "1 request", "2 requests", "1,200 requests"."""
    return f"{n:,} request" + ("" if n == 1 else "s")


def duration(seconds: float) -> str:
    """A time as a person says it: "under a second", "40 s", "12 min", "3 h 20 min"."""
    if seconds < 1:
        return "under a second"
    if seconds < 120:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def percent(part: float, whole: float) -> str:
    """A share in %: "0.5%", "under 0.1%" for a small non-zero one, "0%" for none."""
    if whole <= 0:
        return "0%"
    share = 100 * part / whole
    if share == 0:
        return "0%"
    if share < 0.1:
        return "under 0.1%"
    return f"{share:.1f}%".replace(".0%", "%")


def pace(per_second: int | None, in_flight: int) -> str:
    """What a plan's time assumes about Gong: the rate, and how fast Gong must answer for
    `in_flight` requests side by side to keep that rate."""
    if per_second is None:
        return "unpaced (requests_per_second is off), as fast as Gong answers"
    within = in_flight / per_second
    answer = f"{within:g} s" if within >= 1 else f"{round(within * 1000)} ms"
    return (
        f"at {per_second} requests/s, if Gong answers each request within about {answer} "
        f"({in_flight} in flight)"
    )
