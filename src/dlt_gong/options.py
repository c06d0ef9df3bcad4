"""The user's options, checked once, before any request is spent.

Every mistake found here is a `GongConfigError` with a one-line message that names the
option and what would be valid; nothing is loaded, nothing already loaded is touched.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlparse

from dlt_gong.errors import GongConfigError
from dlt_gong.tables import BY_NAME, DEFAULT_TABLES, STATS_KINDS, TABLES

DEFAULT_BASE_URL = "https://api.gong.io"
DEFAULT_LOOKBACK_DAYS = 3.0
DEFAULT_STATS_LOOKBACK_DAYS = 3
DEFAULT_HISTORY_DAYS = 365
DEFAULT_RECONCILE_DAYS = 30.0
DEFAULT_CHUNK_TOKENS = 512
"""A common input size for embedding models' retrieval chunks."""
MIN_CHUNK_TOKENS = 64
AGGREGATION_PERIODS = ("DAY", "WEEK", "MONTH", "QUARTER", "YEAR")
INTERACTION_STATS_PERIODS = ("DAY", "WEEK", "MONTH")

ALL_CONTENT: dict[str, Any] = {
    "context": "Extended",
    "contextTiming": ["Now", "TimeOfCall"],
    "exposedFields": {
        "parties": True,
        "content": {
            "structure": True,
            "topics": True,
            "trackers": True,
            "trackerOccurrences": True,
            "pointsOfInterest": False,
            "brief": True,
            "outline": True,
            "highlights": True,
            "callOutcome": True,
            "keyPoints": True,
        },
        "interaction": {
            "speakers": True,
            "video": True,
            "personInteractionStats": True,
            "questions": True,
        },
        "collaboration": {"publicComments": True},
        "media": False,
    },
}
"""All call content by default. Media URLs stay off: they expire after about 8 hours,
so a warehouse copy of them is broken by the next morning, and they need an extra scope."""


@dataclass(frozen=True)
class LoadOptions:
    """Everything a load needs to know besides credentials, validated."""

    start: datetime
    end: datetime | None
    lookback: timedelta
    stats_lookback_days: int
    workspace_id: str | None
    user_ids: tuple[str, ...]
    tables: tuple[str, ...]
    content_selector: dict[str, Any]
    include_private_calls: bool
    aggregation_period: str
    interaction_stats_period: str
    """The period of one `interaction_stats` request and row (Gong has no period parameter
    there: the window of each request is the period)."""
    now: datetime
    """The instant this load takes as now (UTC): the wall clock unless the user pinned it.
    Every "today" of a load (the stats windows' last day, the default start) derives from
    it, so a run can be reproduced, and `--plan` plans the same window the run loads."""
    reconcile_days: float = DEFAULT_RECONCILE_DAYS
    """Each run removes the loaded calls of this many last days that Gong deleted or made
    private (0: off)."""
    reconcile_from: datetime | None = None
    """An explicit start of calls to reconcile instead, e.g. once over all history."""
    reconcile_to: datetime | None = None
    """The end of that range (exclusive; default now)."""
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS
    """The bound of a `call_transcript_chunks` row, in approximate tokens."""

    @property
    def today(self) -> date:
        """The UTC date of `now`."""
        return self.now.date()

    @property
    def start_date(self) -> date:
        return self.start.date()

    @property
    def end_date(self) -> date | None:
        if self.end is None:
            return None
        # an end instant past midnight still covers that day's stats only up to midnight
        return self.end.date()


def parse_when(name: str, value: str | date | datetime | None) -> datetime | None:
    """A date (midnight UTC) or an ISO-8601 date-time; anything else is a config error."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise GongConfigError(
            f"{name} {text!r} is not a date: use YYYY-MM-DD or an ISO-8601 date-time"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def check_base_url(base_url: str) -> str:
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise GongConfigError(
            f"base_url {base_url!r} is not an http(s) URL; Gong's is {DEFAULT_BASE_URL}"
        )
    return base_url.rstrip("/")


def check_tables(names: Sequence[str] | str | None) -> tuple[str, ...]:
    if names is None:
        return DEFAULT_TABLES
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise GongConfigError(
            f"unknown resource {', '.join(map(repr, unknown))}; "
            f"choose from: {', '.join(t.name for t in TABLES)}"
        )
    if not names:
        raise GongConfigError("no resources selected")
    return tuple(dict.fromkeys(names))


def build_options(
    *,
    start_date: str | date | datetime | None,
    end_date: str | date | datetime | None,
    lookback_days: float,
    stats_lookback_days: int,
    workspace_id: str | None,
    user_ids: Sequence[str] | None,
    resources: Sequence[str] | str | None,
    content_selector: dict[str, Any] | None,
    include_private_calls: bool,
    aggregation_period: str,
    interaction_stats_period: str = "DAY",
    now: str | date | datetime | None = None,
    today: date | None = None,
    reconcile_days: float = DEFAULT_RECONCILE_DAYS,
    reconcile_from: str | date | datetime | None = None,
    reconcile_to: str | date | datetime | None = None,
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS,
) -> LoadOptions:
    """`now` pins the load's clock (an ISO date-time or date); `today` is the same for a
    whole UTC day (tests of the options alone)."""
    moment = parse_when("now", now)
    if moment is None:
        moment = (
            datetime.combine(today, datetime.min.time(), timezone.utc)
            if today is not None
            else datetime.now(timezone.utc)
        )
    moment = moment.astimezone(timezone.utc)
    today = moment.date()
    start = parse_when("start_date", start_date)
    if start is None:
        start = datetime.combine(
            today - timedelta(days=DEFAULT_HISTORY_DAYS), datetime.min.time(), timezone.utc
        )
    end = parse_when("end_date", end_date)
    if end is not None and end <= start:
        raise GongConfigError(
            f"start_date {start.isoformat()} is not before end_date {end.isoformat()}"
        )
    if lookback_days < 0 or stats_lookback_days < 0:
        raise GongConfigError("lookback_days and stats_lookback_days must not be negative")
    tables = check_tables(resources)
    if (
        end is not None
        and end.date() > today
        and any(BY_NAME[t].kind in STATS_KINDS for t in tables)
    ):
        raise GongConfigError(
            f"end_date {end.date().isoformat()} is in the future; Gong's stats cover only past "
            "days: leave end_date out for an incremental load"
        )
    if int(chunk_tokens) < MIN_CHUNK_TOKENS:
        raise GongConfigError(
            f"chunk_tokens {chunk_tokens} is too small: a chunk holds at least "
            f"{MIN_CHUNK_TOKENS} tokens (the call's title and a line)"
        )
    period = _period("aggregation_period", aggregation_period, AGGREGATION_PERIODS)
    interaction_period = _period(
        "interaction_stats_period", interaction_stats_period, INTERACTION_STATS_PERIODS
    )
    if reconcile_days < 0:
        raise GongConfigError("reconcile_days must not be negative")
    reconcile_start = parse_when("reconcile_from", reconcile_from)
    reconcile_end = parse_when("reconcile_to", reconcile_to)
    if reconcile_end is not None and reconcile_start is None:
        raise GongConfigError("reconcile_to needs reconcile_from: the range to reconcile")
    if reconcile_start is not None and reconcile_start >= (reconcile_end or moment):
        raise GongConfigError(
            f"reconcile_from {reconcile_start.isoformat()} is not before "
            f"{'reconcile_to' if reconcile_end else 'now'} {(reconcile_end or moment).isoformat()}"
        )
    return LoadOptions(
        start=start,
        end=end,
        lookback=timedelta(days=lookback_days),
        stats_lookback_days=int(stats_lookback_days),
        workspace_id=workspace_id or None,
        user_ids=tuple(user_ids or ()),
        tables=tables,
        content_selector=copy.deepcopy(content_selector or ALL_CONTENT),
        include_private_calls=include_private_calls,
        aggregation_period=period,
        interaction_stats_period=interaction_period,
        now=moment,
        reconcile_days=float(reconcile_days),
        reconcile_from=reconcile_start,
        reconcile_to=reconcile_end,
        chunk_tokens=int(chunk_tokens),
    )


def _period(name: str, value: str, allowed: tuple[str, ...]) -> str:
    period = str(value).upper()
    if period not in allowed:
        raise GongConfigError(f"{name} {value!r} is not one of " + ", ".join(allowed))
    return period
